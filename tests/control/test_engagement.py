"""`GET /__mailtwin/engagement`: each mailing's messages counted per event type and over time,
filtered, newest mailing first, refused in the control plane's shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mailtwin import Clock, Config, Sandbox, SandboxError, create_app
from tests.dashboard.pigeon import FIXTURES, SPECS

BEFORE_SEND = datetime(2018, 9, 22, 10, 29, tzinfo=UTC)
API = {"Authorization": "Bearer counts"}


@pytest.fixture(scope="module")
def pigeon() -> Iterator[Sandbox]:
    """Pigeon's campaign 1 sent at 10:30 and a second campaign at 12:00, three days on."""
    app = create_app(Config(specs=SPECS, fixtures=FIXTURES, builtin=False),
                     Clock(frozen_at=BEFORE_SEND))
    with Sandbox(app=app) as sandbox, sandbox.client("pigeon", headers=API) as http:
        made = http.post("/campaigns", json={"subject": "Later", "html": "<p>later</p>",
                                             "send_at": "2018-09-22T12:00:00Z"}).json()
        http.post(f"/campaigns/{made['data']['id']}/schedule")
        sandbox.clock.advance(days=3)
        yield sandbox


def test_mailings_are_counted_per_event_type_newest_first(pigeon: Sandbox) -> None:
    answer = pigeon.call("GET", "/engagement", params={"provider": "pigeon"})
    assert answer["count"] == 2
    later, first = answer["mailings"]
    assert later["mailing"] == {"resource": "campaign", "id": 2}
    assert first["mailing"] == {"resource": "campaign", "id": 1}
    assert first["subject"] == "Spring news for {{ first_name }}"
    assert first["messages"] == 4
    assert first["counts"] == {"sent": 4, "delivered": 3, "opened": 2, "clicked": 1,
                               "bounced": 1}
    assert first["first_sent"] == "2018-09-22T10:30:00Z"
    assert first["start"] == "2018-09-22T10:00:00Z" and first["bucket_seconds"] == 3600
    assert sum(first["series"]["opened"]) == 2 and first["series"]["sent"][0] == 4
    [length] = {len(row) for row in first["series"].values()}
    assert 1 < length <= 24  # the default: 24 buckets at most


def test_engagement_takes_filters_buckets_and_a_limit(pigeon: Sandbox) -> None:
    one = pigeon.call("GET", "/engagement", params={"resource": "campaign", "mailing": "1",
                                                    "buckets": 500})
    [mailing] = one["mailings"]
    assert mailing["bucket_seconds"] == 300
    assert pigeon.call("GET", "/engagement", params={"limit": 1})["count"] == 2
    assert len(pigeon.call("GET", "/engagement", params={"limit": 1})["mailings"]) == 1
    assert pigeon.call("GET", "/engagement", params={"mailing": "99"}) == {
        "mailings": [], "count": 0}


@pytest.mark.parametrize(("params", "status", "where"), [
    ({"provider": "nobody"}, 404, ["query", "provider"]),
    ({"buckets": 0}, 400, ["query", "buckets"]),
    ({"limit": 501}, 400, ["query", "limit"]),
])
def test_bad_engagement_queries_are_refused(pigeon: Sandbox, params: dict[str, object],
                                            status: int, where: list[str]) -> None:
    with pytest.raises(SandboxError) as refused:
        pigeon.call("GET", "/engagement", params=params)
    assert refused.value.status == status
    assert refused.value.body["problems"][0]["loc"] == where
