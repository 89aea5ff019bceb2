"""Campaign blueprints: read-only samples that render."""

from __future__ import annotations

import httpx


def test_blueprints_list_filter_and_show(especial: httpx.Client) -> None:
    listed = especial.get("/campaign-blueprints?with_count=true").json()
    assert listed["pagination"]["count"] == 2
    found = especial.get("/campaign-blueprints?filter=name==Digest").json()["data"]
    assert [b["id"] for b in found] == [2]
    assert especial.get("/campaign-blueprints/1").json()["data"]["name"] == "Announcement"
    assert especial.get("/campaign-blueprints/9").status_code == 404


def test_a_blueprint_renders_as_html(anonymous: httpx.Client) -> None:
    answer = anonymous.get("/campaign-blueprints/1/render")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Big news</h1>" in answer.text
    text_only = anonymous.get("/campaign-blueprints/2/render")
    assert text_only.text == "Three stories this week."
