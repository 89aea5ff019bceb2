"""The Outbox and Webhooks pages, the engagement charts and the overview's mailings render what
the control plane answers: messages sent by Pigeon, the tests' own provider, as its campaign
goes out on the clock, and Especial's webhook attempts (both served by this module's own
sandbox)."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.dashboard import charts
from mailtwin.webhooks.receiver import WebhookReceiver
from tests.dashboard.pigeon import FIXTURES, SPECS

UI = "/__mailtwin/ui"
BEFORE_SEND = datetime(2018, 9, 22, 10, 29, tzinfo=UTC)


@pytest.fixture(scope="module")
def pigeon_app() -> Iterator[MailtwinApp]:
    app = create_app(Config(specs=SPECS, fixtures=FIXTURES, providers=("pigeon", "especial")),
                     Clock(frozen_at=BEFORE_SEND))
    yield app
    app.runtime.webhooks.close()


@pytest.fixture
def pigeon(pigeon_app: MailtwinApp) -> Iterator[tuple[Sandbox, httpx.Client]]:
    """A fresh Pigeon sandbox a minute before campaign 1 goes out, its tenant made."""
    with Sandbox(app=pigeon_app) as sandbox, sandbox.client() as http:
        sandbox.reset(clock=BEFORE_SEND, frozen=True, journal=True, faults=True)
        assert http.get("/pigeon/campaigns/1", headers={"Authorization": "Bearer demo"}
                        ).status_code == 200
        yield sandbox, http


def test_the_outbox_lists_messages_once_the_campaign_goes_out(
        pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    empty = http.get(f"{UI}/outbox")
    assert empty.status_code == 200
    assert "No message yet" in empty.text and "No mailing has sent a message yet" in empty.text
    sandbox.clock.advance(minutes=3)
    page = http.get(f"{UI}/outbox").text
    assert '<span class="count">4</span>' in page
    for name in ("Ann", "Bob", "Carol", "Dan"):
        assert f"Spring news for {name}</a>" in page
    assert "ann+open@example.com" in page
    assert '<span class="event e-bounced">bounced</span>' in page
    assert '<span class="event e-delivered">delivered</span>' in page
    assert "campaign 1" in page and 'aria-current="page">Outbox' in page


def test_the_outbox_filters_by_recipient_and_event(
        pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    sandbox.clock.advance(days=3)
    opened = http.get(f"{UI}/outbox", params={"event": "opened"}).text
    assert '<span class="count">2</span>' in opened
    assert "carol+bounce" not in opened and "<option selected>opened</option>" in opened
    one = http.get(f"{UI}/outbox", params={"to": "bob+click@example.com"}).text
    assert '<span class="count">1</span>' in one and "Spring news for Bob" in one
    none = http.get(f"{UI}/outbox", params={"subject": "winter"}).text
    assert "No message matches these filters" in none
    refused = http.get(f"{UI}/outbox", params={"event": "kissed"})
    assert refused.status_code == 400 and "Nothing to show" in refused.text


def test_the_engagement_chart_shows_opens_clicks_and_bounces_over_time(
        pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    sandbox.clock.advance(days=3)
    page = http.get(f"{UI}/outbox").text
    assert "Engagement by mailing" in page
    assert "4 messages; 2 opened, 1 clicked, 1 bounced, in buckets of one hour" in page
    for kind in ("opened", "clicked", "bounced"):
        assert f'class="bar k-{kind}"' in page
    assert '<li class="e-opened"><span class="n">2</span> opened</li>' in page
    assert "https://" not in re.sub(r'href="https://pigeon[^"]*"', "", page.split("<svg")[1])


def test_a_message_page_shows_its_html_sandboxed_its_text_headers_and_events(
        pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    sandbox.clock.advance(days=3)
    [ann] = sandbox.call("GET", "/outbox", params={"to": "ann+open@example.com"})["messages"]
    page = http.get(f"{UI}/outbox/{ann['id']}")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src 'self'" in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    frame = re.search(r'<iframe class="email"[^>]*>', page.text)
    assert frame is not None
    assert 'sandbox=""' in frame.group(0)
    srcdoc = markup.unescape(re.search(r'srcdoc="([^"]*)"', frame.group(0)).group(1))  # type: ignore[union-attr]
    assert srcdoc.startswith('<h1 style="color:#0b5">Spring news</h1><p>Hello Ann,')
    text = page.text
    assert "Hello Ann, the garden is open: https://pigeon.example/garden" in text
    assert "List-Unsubscribe" in text and "Pigeon news &lt;news@pigeon.example&gt;" in text
    assert text.index("e-sent") < text.index("e-delivered") < text.index("e-opened")
    assert f'href="/__mailtwin/outbox/{ann["id"]}.eml" download' in text
    assert "Nothing more will happen to this message." in text


def test_an_unknown_message_is_a_404_page(pigeon: tuple[Sandbox, httpx.Client]) -> None:
    _, http = pigeon
    page = http.get(f"{UI}/outbox/m0000")
    assert page.status_code == 404 and "no message &#39;m0000&#39; in the outbox" in page.text


def test_the_overview_follows_a_campaign_from_scheduled_to_opened(
        pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    before = http.get(f"{UI}/").text
    assert "campaign 1" in before and '<span class="state">scheduled</span>' in before
    assert "No mailing has sent a message yet" in before
    sandbox.clock.advance(minutes=2)
    sent = http.get(f"{UI}/").text
    mailings = sent.split('id="mailings"')[1].split("</section>")[0]
    assert '<span class="state">sent</span>' in mailings
    assert '<li class="e-delivered"><span class="n">3</span> delivered</li>' in mailings
    assert "opened" not in mailings.split("<tbody>")[1]
    sandbox.clock.advance(days=3)
    later = http.get(f"{UI}/").text.split('id="mailings"')[1].split("</section>")[0]
    assert '<li class="e-opened"><span class="n">2</span> opened</li>' in later


def test_the_journal_page_charts_its_traffic(web: httpx.Client) -> None:
    web.get("/emma/100/mailings/211", auth=("public", "private"))
    page = web.get(f"{UI}/journal").text
    assert 'id="traffic"' in page and 'data-follows="request"' in page
    assert "1 requests in the last 60 seconds" in page


def test_the_webhooks_page_shows_attempts_signatures_payloads_and_redeliver_buttons(
        pigeon: tuple[Sandbox, httpx.Client], mailtwin_webhook_receiver: WebhookReceiver
        ) -> None:
    sb, web = pigeon
    especial = {"Authorization": "Bearer pages"}
    empty = web.get(f"{UI}/webhooks")
    assert empty.status_code == 200 and "No attempt yet" in empty.text
    hook = web.post("/especial/webhooks", headers=especial, json={
        "event": "List.Created", "url": f"{mailtwin_webhook_receiver.url}/hooks"}).json()
    mailtwin_webhook_receiver.fail_next(1, status=503)
    made = web.post("/especial/lists", headers=especial,
                    json={"name": "Paged", "default_sender": {"id": "news-desk"}})
    assert made.status_code == 201
    sb.flush_webhooks()
    page = web.get(f"{UI}/webhooks").text
    [attempt] = sb.webhook_deliveries()
    assert '<span class="outcome o-failed">failed <span class="meta">503</span></span>' in page
    assert "List.Created" in page and f"webhook {hook['id']}" in page
    signature = markup.escape(attempt["headers"]["x-signature"])
    assert re.search(r'<tr class="signature"><th scope="row">x-signature</th><td><code>'
                     + re.escape(signature), page)
    assert "&#34;name&#34;: &#34;Paged&#34;" in page or '"name": "Paged"' in markup.unescape(page)
    assert (f'data-call="POST /__mailtwin/webhooks/deliveries/{attempt["seq"]}/redeliver"'
            in page)
    assert "Retried at" in page and "1 delivery waiting" in page
    assert "No attempt matches" in web.get(f"{UI}/webhooks", params={"status": "dropped"}).text


def test_engagement_buckets_are_round_and_cover_the_span() -> None:
    from mailtwin.control.engagement import step_for

    assert step_for(30, 24) == 60
    assert step_for(24 * 3600, 24) == 3600
    assert step_for(30 * 86400, 24) == 2 * 86400
    assert step_for(10 ** 9, 24) == 7 * 86400
    chart = charts.engagement({"messages": 2, "bucket_seconds": 3600,
                               "start": "2018-09-22T10:00:00Z",
                               "series": {"opened": [0, 2, 1], "bounced": [1, 0, 0]}})
    assert [(b.kind, b.title) for b in chart.bars] == [
        ("bounced", "1 bounced from 09-22 10:00"), ("opened", "2 opened from 09-22 11:00"),
        ("opened", "1 opened from 09-22 12:00")]
    assert chart.description.startswith("2 messages; 3 opened, 0 clicked, 1 bounced")


def test_a_messages_html_cannot_break_out_of_its_frame(
        pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    nasty = '<p title="x">Hi</p>"></iframe><script>alert(1)</script><img src=https://x.test/p>'
    api = {"Authorization": "Bearer demo"}
    made = http.post("/pigeon/campaigns", headers=api, json={
        "subject": "Escaping", "html": nasty, "send_at": "2018-09-22T10:29:30Z"})
    assert made.status_code == 201, made.text
    ident = made.json()["data"]["id"]
    assert http.post(f"/pigeon/campaigns/{ident}/schedule", headers=api).status_code == 200
    sandbox.clock.advance(seconds=30)
    [first, *_] = sandbox.call("GET", "/outbox", params={"subject": "Escaping"})["messages"]
    page = http.get(f"{UI}/outbox/{first['id']}").text
    assert "<script>alert(1)" not in page and "</iframe><script>" not in page
    srcdoc = re.search(r'<iframe class="email"[^>]*srcdoc="([^"]*)"', page)
    assert srcdoc is not None and markup.unescape(srcdoc.group(1)) == nasty


def test_the_outbox_pages_its_messages_by_fifty(pigeon: tuple[Sandbox, httpx.Client]) -> None:
    sandbox, http = pigeon
    api = {"Authorization": "Bearer demo"}
    for n in range(12):
        made = http.post("/pigeon/campaigns", headers=api, json={
            "subject": f"Issue {n}", "send_at": "2018-09-22T10:29:30Z"}).json()["data"]
        assert http.post(f"/pigeon/campaigns/{made['id']}/schedule",
                         headers=api).status_code == 200
    sandbox.clock.advance(minutes=2)
    first = http.get(f"{UI}/outbox").text
    assert '<span class="count">52</span>' in first and "Page 1 of 2" in first
    assert first.count("<tr>") == 51  # the header row and fifty messages
    second = http.get(f"{UI}/outbox", params={"page": 2}).text
    assert "Page 2 of 2" in second and second.count("<tr>") == 3
    assert "7 older mailings not shown." in first  # thirteen campaigns, six charted
