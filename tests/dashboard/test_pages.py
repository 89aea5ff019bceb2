"""The dashboard's pages render what the control plane answers, and only with it switched on."""

from __future__ import annotations

import re

import httpx

from mailtwin import Config, Sandbox, create_app
from mailtwin.inprocess import client

UI = "/__mailtwin/ui"
EMMA = ("public", "private")


def test_the_overview_shows_providers_tenants_clock_and_moves_due(web: httpx.Client) -> None:
    web.get("/emma/100/mailings/211", auth=EMMA)
    page = web.get(f"{UI}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    for text in ("/emma", "2018-09-16 12:00:00", "Frozen", "+1 hour",
                 "To the next timed move", "mailing 211", "Reset everything"):
        assert text in html, text
    assert re.search(r'<td><a href="/__mailtwin/ui/records#emma-public">public</a></td>\s*'
                     r'<td class="num">\d+</td>', html)
    assert 'aria-current="page"' in html


def test_charts_count_requests_by_status_class(web: httpx.Client) -> None:
    web.get("/emma/100/mailings/211", auth=EMMA)
    web.get("/emma/100/mailings/99999", auth=EMMA)
    html = web.get(f"{UI}/").text
    assert "2 requests in the last 60 seconds" in html
    assert "2xx: 1, 3xx: 0, 4xx: 1, 5xx: 0, dropped: 0." in html
    assert html.count('class="bar k-2xx"') >= 2


def test_records_table_pages_and_searches(web: httpx.Client) -> None:
    web.get("/emma/100/mailings/211", auth=EMMA)
    base = f"{UI}/records/table?provider=emma&tenant=public&resource=mailing"
    first = web.get(base).text
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "<th scope=\"col\">mailing_status</th>" in first
    second = web.get(f"{base}&page=2").text
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    found = web.get(f"{base}&q=Scheduled+Mailing").text
    assert "211" in found and "Page 1 of" not in found
    assert "No record contains" in web.get(f"{base}&q=nothing-like-this").text
    index = web.get(f"{UI}/records").text
    assert 'id="emma-public"' in index and "resource=mailing" in index


def test_a_record_page_draws_its_lifecycle_with_the_current_state(
        sb: Sandbox, web: httpx.Client) -> None:
    web.put("/emma/100/mailings/211", json={"status": "paused"}, auth=EMMA)
    page = web.get(f"{UI}/record?provider=emma&tenant=public&resource=mailing&id=211")
    assert page.status_code == 200
    html = page.text
    assert '<svg class="statechart"' in html
    assert re.search(r'<g class="node current visited" data-state="a">', html)
    assert 'class="edge next"' in html and "edge taken" in html and "edge timed" in html
    assert "by a request" in html
    assert "<strong>resume</strong>" in html
    assert "PUT /emma/{account_id}/mailings/{mailing_id}" in html


def test_a_record_page_for_what_is_not_there_is_a_404_page(web: httpx.Client) -> None:
    page = web.get(f"{UI}/record?provider=emma&tenant=nobody&resource=mailing&id=1")
    assert page.status_code == 404
    assert "no tenant" in page.text


def test_the_journal_lists_requests_and_shows_one(web: httpx.Client) -> None:
    web.put("/emma/100/mailings/211", json={"status": "paused"}, auth=EMMA)
    web.get("/emma/100/mailings/200", auth=EMMA)
    html = web.get(f"{UI}/journal").text
    assert html.index("/emma/100/mailings/200") < html.index("/emma/100/mailings/211")
    assert 'data-filters="{' in html and '<template id="journal-row">' in html
    only_put = web.get(f"{UI}/journal?method=PUT").text
    assert "/emma/100/mailings/200" not in only_put
    part = web.get(f"{UI}/journal/1?part=1").text
    assert "<html" not in part and "&#34;status&#34;: &#34;paused&#34;" in part
    assert web.get(f"{UI}/journal/1").text.startswith("<!doctype html>")
    assert web.get(f"{UI}/journal/99").status_code == 404


def test_controls_list_snapshots_and_faults(sb: Sandbox, web: httpx.Client) -> None:
    sb.snapshot("before")
    sb.fault("error", provider="emma", status=503, message="down")
    html = web.get(f"{UI}/controls").text
    assert "Restore before" in html and "Remove fault rule 1" in html
    assert 'data-call="POST /__mailtwin/faults"' in html


def test_static_files_and_the_bare_prefix(web: httpx.Client) -> None:
    script = web.get(f"{UI}/static/dashboard.js")
    assert script.status_code == 200 and "EventSource" in script.text
    assert web.get(f"{UI}/static/dashboard.css").status_code == 200
    moved = web.get(UI, follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"{UI}/"


def test_no_dashboard_without_the_control_plane() -> None:
    app = create_app(Config(seed=0, providers=("emma",), control=False))
    with client(app) as http:
        assert http.get(f"{UI}/").status_code == 404
        assert http.get("/__mailtwin/events").status_code == 404
