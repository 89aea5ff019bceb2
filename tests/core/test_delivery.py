"""The delivery engine on a tiny provider (data/mailbag.yaml, mailbag_hooks.py): messages per
recipient, personalized when read; events on the clock from the seeded model, magic
addresses first; declared suppressions; message listeners; the outbox's bounds, snapshots,
state documents and control endpoints."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, SandboxError, create_app
from mailtwin.delivery.model import DEFAULT_RATES, HORIZON, key_of, magic_of, plan
from mailtwin.inprocess import client
from mailtwin.statefile import export_state
from mailtwin.yamlsource import SourceError

DATA = Path(__file__).parent / "data"
START = datetime(2026, 1, 1, tzinfo=UTC)
WEEK = timedelta(days=7)


def _app(**config: Any) -> MailtwinApp:
    settings = Config(specs=DATA / "mailbag.yaml", fixtures=DATA / "fixtures", builtin=False,
                      **config)
    return create_app(settings, Clock(frozen_at=START))


@pytest.fixture
def app() -> MailtwinApp:
    return _app()


@pytest.fixture
def mailbag(app: MailtwinApp) -> Iterator[httpx.Client]:
    with client(app, base_url="http://mailtwin.test/mailbag",
                headers={"Authorization": "Bearer post"}) as http:
        yield http


@pytest.fixture
def control(app: MailtwinApp) -> Iterator[Sandbox]:
    with Sandbox(app=app) as driver:
        yield driver


def _post(http: httpx.Client, *to: str, html: str | None = None) -> dict[str, Any]:
    body = {"subject": "Hello [% member:first_name %]", "to": list(to),
            "text": "Dear [% member:first_name | \"friend\" %], news."}
    if html is not None:
        body["html"] = html
    answer = http.post("/letters", json=body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


# -- the model --------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "outcome"), [
    ("bounce@example.com", "hard_bounce"), ("Ann+Bounce@Example.com", "hard_bounce"),
    ("ann+softbounce@example.com", "soft_bounce"), ("complaint@x.org", "complaint"),
    ("noengage@x.org", "none"), ("click+open@x.org", "open"), ("ann@example.com", None),
    ("ann+news@example.com", None)])
def test_magic_addresses_are_local_parts_or_tags(address: str, outcome: str | None) -> None:
    assert magic_of(address) == outcome


def test_the_same_key_gives_the_same_timeline_and_another_key_may_not() -> None:
    key = key_of(0, "mailbag", "post", "letter", 1, "ann@example.com")
    first = plan(key, 1000.0, "ann@example.com", DEFAULT_RATES, ("https://a.example",))
    assert plan(key, 1000.0, "ann@example.com", DEFAULT_RATES, ("https://a.example",)) == first
    others = {tuple(e.type for e in plan(key_of(0, "mailbag", "post", "letter", n, "a@x.org"),
                                         0.0, "a@x.org", DEFAULT_RATES, ("https://a",)))
              for n in range(300)}
    assert len(others) > 3  # delivered only, opened, opened again, clicked, bounced...


def test_rates_decide_and_everything_happens_within_a_week() -> None:
    always = {**DEFAULT_RATES, "hard_bounce": 0.0, "soft_bounce": 0.0, "open": 1.0,
              "click": 1.0, "complaint": 0.0, "unsubscribe": 0.0}
    for n in range(50):
        events = plan(key_of(1, "p", "t", "m", n, "x@y.org"), 0.0, "x@y.org", always,
                      ("https://a.example",))
        types = [e.type for e in events]
        assert types[:2] == ["delivered", "opened"] and "clicked" in types
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(0 < e.at <= HORIZON for e in events)
        click = next(e for e in events if e.type == "clicked")
        assert click.detail == {"url": "https://a.example"}
        assert click.at > events[1].at


# -- sending and events -----------------------------------------------------------------


def test_a_message_is_personalized_when_read(mailbag: httpx.Client, control: Sandbox) -> None:
    posted = _post(mailbag, "ann@example.com", "stranger@example.com")
    assert len(posted["messages"]) == 2
    ann = control.message(posted["messages"][0])
    assert (ann["subject"], ann["text"]) == ("Hello Ann", "Dear Ann, news.")
    assert (ann["from"], ann["from_name"], ann["reply_to"]) == (
        "post@mailbag.example", "Mailbag", "desk@mailbag.example")
    assert ann["headers"]["List-Unsubscribe"] == (
        f"<mailto:unsubscribe+{ann['id']}@mailbag.example>, "
        f"<https://mailbag.example/u/{ann['id']}>")
    assert ann["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ann["mailing"] == {"resource": "letter", "id": 1}
    assert ann["timeline"] == [{"type": "sent", "at": "2026-01-01T00:00:00.000000Z"}]
    stranger = control.message(posted["messages"][1])
    assert (stranger["subject"], stranger["text"]) == ("Hello ", "Dear friend, news.")
    held = next(iter(control.app.runtime.store.tenant("mailbag", "post").outbox))  # type: ignore[union-attr]
    assert held.values == {"first_name": "Ann"}  # only the names the parts use


def test_events_happen_when_the_clock_reaches_them(
        mailbag: httpx.Client, control: Sandbox, app: MailtwinApp) -> None:
    _post(mailbag, "ann+click@example.com", "bounce@example.com",
          html='<a href="https://mailbag.example/x">x</a>')
    report = mailbag.get("/letters/1/report").json()
    assert report == {"messages": 2, "events": {"sent": 2}}
    control.clock.advance(seconds=130)
    assert mailbag.get("/letters/1/report").json()["events"] == {
        "sent": 2, "delivered": 1, "bounced": 1}
    control.clock.advance(seconds=HORIZON)
    events = mailbag.get("/letters/1/report").json()["events"]
    assert events["opened"] == 1 and events["clicked"] == 1
    fired = [e for e in app.runtime.bus.since() if e.kind.startswith("message.")]
    assert [e.at for e in fired] == sorted(e.at for e in fired)
    clicked = next(e for e in fired if e.kind == "message.clicked")
    assert clicked.data["url"] == "https://mailbag.example/x"
    assert clicked.data["mailing"] == {"resource": "letter", "id": 1}
    assert clicked.data["subject"] == "Hello " and clicked.data["type"] == "clicked"


def test_hard_bounces_and_complaints_are_suppressed_and_later_sends_skip_them(
        mailbag: httpx.Client, control: Sandbox, app: MailtwinApp) -> None:
    first = _post(mailbag, "bounce@example.com", "complaint@example.com",
                  "softbounce@example.com", "blocked@example.com")
    assert len(first["messages"]) == 3  # the fixtures' blocked address gets none
    control.clock.advance(seconds=HORIZON)
    blocked = app.runtime.store.tenant("mailbag", "post").collections["blocked"].records
    assert {(r["address"], r["why"]) for r in blocked.values()} == {
        ("blocked@example.com", "api"), ("bounce@example.com", "hard_bounce"),
        ("complaint@example.com", "complaint")}
    assert all(r["created_on"] > START.timestamp() for r in blocked.values() if r["id"] > 1)
    again = _post(mailbag, "bounce@example.com", "complaint@example.com",
                  "softbounce@example.com")
    assert [control.message(i)["to"] for i in again["messages"]] == ["softbounce@example.com"]


def test_a_message_listener_changes_records_as_events_happen(
        mailbag: httpx.Client, control: Sandbox) -> None:
    _post(mailbag, "unsubscribe@example.com")
    assert mailbag.get("/readers/2").json()["data"]["status"] == "active"
    control.clock.advance(seconds=HORIZON)
    assert mailbag.get("/readers/2").json()["data"]["status"] == "unsubscribed"


# -- the outbox -------------------------------------------------------------------------


def test_the_outbox_filters_pages_and_shows_newest_first(
        mailbag: httpx.Client, control: Sandbox) -> None:
    _post(mailbag, "ann@example.com", "bounce@example.com")
    control.clock.advance(seconds=60)
    _post(mailbag, "ann@example.com")
    control.clock.advance(seconds=120)
    everything = control.outbox("mailbag")
    assert [(m["mailing"]["id"], m["to"]) for m in everything] == [
        (2, "ann@example.com"), (1, "bounce@example.com"), (1, "ann@example.com")]
    assert [m["to"] for m in control.outbox(event="bounced")] == ["bounce@example.com"]
    assert len(control.outbox(to="ANN@example.com")) == 2
    assert len(control.outbox(mailing=1, resource="letter")) == 2
    assert control.outbox(subject="hello ann", limit=1, offset=1)[0]["mailing"]["id"] == 1
    assert control.outbox(provider="mailbag", tenant="nobody") == []
    page = control.call("GET", "/outbox", params={"limit": 1})
    assert (page["count"], len(page["messages"])) == (3, 1)
    with pytest.raises(SandboxError) as unknown:
        control.outbox("nope")
    assert unknown.value.status == 404
    with pytest.raises(SandboxError) as missing:
        control.message("m0000")
    assert missing.value.status == 404
    with pytest.raises(SandboxError) as bad:
        control.call("GET", "/outbox", params={"event": "exploded"})
    assert bad.value.status == 400


def test_a_message_is_an_eml_file_mail_clients_open(
        mailbag: httpx.Client, control: Sandbox) -> None:
    posted = _post(mailbag, "ann@example.com", html="<p>Dear [% member:first_name %]</p>")
    raw = control.eml(posted["messages"][0])
    assert b"\r\n" in raw
    parsed = email.message_from_bytes(raw, policy=default)
    assert parsed["From"] == "Mailbag <post@mailbag.example>"
    assert (parsed["To"], parsed["Subject"]) == ("ann@example.com", "Hello Ann")
    assert parsed["Message-ID"] == f"<{posted['messages'][0]}@mailbag.example>"
    assert parsed["Reply-To"] == "desk@mailbag.example"
    assert parsed.is_multipart()
    assert parsed.get_body(("plain",)).get_content().strip() == "Dear Ann, news."  # type: ignore[union-attr]
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Dear Ann</p>"  # type: ignore[union-attr]
    answer = control.http.get(f"/__mailtwin/outbox/{posted['messages'][0]}.eml")
    assert answer.headers["content-type"] == "message/rfc822"


def test_the_outbox_keeps_its_bound_in_count_oldest_dropped() -> None:
    app = _app(outbox_max_messages=3)
    with client(app, base_url="http://mailtwin.test/mailbag",
                headers={"Authorization": "Bearer post"}) as http, Sandbox(app=app) as control:
        first = _post(http, "a@example.com", "b@example.com")["messages"]
        second = _post(http, "c@example.com", "d@example.com")["messages"]
        kept = [m["id"] for m in control.outbox()]
        assert kept == list(reversed([*first[1:], *second]))
        control.clock.advance(seconds=HORIZON)  # the dropped message's events never come
        assert http.get("/letters/1/report").json()["messages"] == 1
        assert all("delivered" in m["events"] or "bounced" in m["events"]
                   for m in control.outbox())


def test_the_outbox_keeps_its_bound_in_bytes() -> None:
    app = _app(outbox_max_bytes=6000)
    with client(app, base_url="http://mailtwin.test/mailbag",
                headers={"Authorization": "Bearer post"}) as http:
        _post(http, *(f"reader{n}@example.com" for n in range(20)))
    outbox = app.runtime.store.tenant("mailbag", "post").outbox
    assert 0 < len(outbox) < 20 and outbox.bytes <= 6000
    assert [m.to for m in outbox][-1] == "reader19@example.com"


def test_a_reset_empties_the_outbox(mailbag: httpx.Client, control: Sandbox) -> None:
    _post(mailbag, "ann@example.com")
    control.reset(provider="mailbag")
    assert control.outbox() == []


def test_snapshots_hold_messages_and_their_pending_events(
        mailbag: httpx.Client, control: Sandbox) -> None:
    _post(mailbag, "ann+click@example.com", html='<a href="https://x.example">x</a>')
    control.snapshot("sent")
    control.clock.advance(seconds=HORIZON)
    done = control.outbox()[0]["events"]
    assert "clicked" in done
    control.restore("sent")
    assert control.outbox()[0]["events"] == ["sent"]
    control.clock.advance(seconds=HORIZON)
    assert control.outbox()[0]["events"] == done


def test_state_documents_carry_the_outbox_and_its_timers(
        mailbag: httpx.Client, control: Sandbox, app: MailtwinApp) -> None:
    _post(mailbag, "ann+click@example.com", "stranger@example.com",
          html='<a href="https://x.example">x</a>')
    control.simulation("mailbag", "post", open=0.9)
    document = export_state(app.runtime)
    rows = {row["tenant"]: row for row in document["tenants"]}
    assert len(rows["post"]["outbox"]["messages"]) == 2
    assert rows["post"]["outbox"]["rates"] == {"open": 0.9}
    assert {t["kind"] for t in document["timers"]} == {"message"}
    control.reset()
    assert control.outbox() == []
    control.import_state(document)
    assert len(control.outbox()) == 2
    assert control.simulation("mailbag", "post")["tenant_rates"] == {"open": 0.9}
    control.clock.advance(seconds=HORIZON)
    assert "clicked" in control.outbox(to="ann+click@example.com")[0]["events"]


@pytest.mark.parametrize(("damage", "where"), [
    (lambda box: box["messages"][0].update(fired=9), ["outbox"]),
    (lambda box: box["messages"][0].update(body="b99"), ["outbox"]),
    (lambda box: box["messages"][0].update(timeline=[["sent", "soon", None]]),
     ["outbox", "messages", 0, "timeline", 0, 1]),
    (lambda box: box.update(rates={"open": 3}), ["outbox", "rates", "open"]),
])
def test_an_import_with_a_malformed_outbox_changes_nothing(
        mailbag: httpx.Client, control: Sandbox, app: MailtwinApp, damage: Any,
        where: list[Any]) -> None:
    _post(mailbag, "ann@example.com")
    document = export_state(app.runtime)
    row = next(r for r in document["tenants"] if r["tenant"] == "post")
    damage(row["outbox"])
    with pytest.raises(SandboxError) as refused:
        control.import_state(document)
    assert refused.value.status == 400
    index = document["tenants"].index(row)
    locations = [p["loc"] for p in refused.value.body["problems"]]
    assert ["body", "tenants", index, *where] in locations, locations
    assert len(control.outbox()) == 1


def test_an_import_with_a_timer_naming_no_message_is_refused(
        mailbag: httpx.Client, control: Sandbox, app: MailtwinApp) -> None:
    _post(mailbag, "ann@example.com")
    document = export_state(app.runtime)
    document["timers"][0]["ident"] = "m-gone"
    with pytest.raises(SandboxError) as refused:
        control.import_state(document)
    assert refused.value.body["problems"][0]["loc"] == ["body", "timers", 0]


def test_simulation_rates_per_provider_and_tenant(control: Sandbox,
                                                  mailbag: httpx.Client) -> None:
    assert control.simulation("mailbag")["rates"] == DEFAULT_RATES
    control.simulation("mailbag", open=0.0)
    control.simulation("mailbag", "post", open=1.0, click=1.0)
    assert control.simulation("mailbag")["rates"]["open"] == 0.0
    assert control.simulation("mailbag", "post")["rates"]["open"] == 1.0
    _post(mailbag, *(f"r{n}@example.com" for n in range(10)),
          html='<a href="https://x.example">x</a>')
    control.clock.advance(seconds=HORIZON)
    delivered = control.outbox(event="delivered")
    assert delivered and all("clicked" in m["events"] for m in delivered)
    with pytest.raises(SandboxError) as bad:
        control.simulation("mailbag", open=1.5)
    assert bad.value.status == 400
    with pytest.raises(SandboxError) as unknown:
        control.simulation("nope", open=0.5)
    assert unknown.value.status == 404


def test_assert_sent_shows_what_was_sent_instead(mailbag: httpx.Client,
                                                 control: Sandbox) -> None:
    _post(mailbag, "ann@example.com")
    [found] = control.assert_sent(to="ann@example.com", subject="Hello Ann",
                                  contains="Dear Ann")
    assert found["text"] == "Dear Ann, news."
    control.assert_sent(to="ann@example.com", times=1)
    with pytest.raises(AssertionError) as failed:
        control.assert_sent(to="ann@example.com", contains="Dear Bob")
    text = str(failed.value)
    assert "expected a message to ann@example.com containing 'Dear Bob' at least once, " \
           "found 0." in text
    assert "'Hello Ann' (mailbag letter 1; sent)" in text
    assert "-Dear Bob" in text and "+Dear Ann, news." in text
    with pytest.raises(AssertionError, match="found 0"):
        control.assert_sent(to="bob@example.com")


def test_all_outboxes_together_keep_their_bound_oldest_dropped_first() -> None:
    app = _app()
    for name in ("first", "second"):
        with client(app, base_url="http://mailtwin.test/mailbag",
                    headers={"Authorization": f"Bearer {name}"}) as http:
            _post(http, *(f"reader{n}@example.com" for n in range(10)))
        app.runtime.clock.advance(timedelta(minutes=1))
    store = app.runtime.store
    first, second = (store.tenant("mailbag", n).outbox for n in ("first", "second"))
    limit = first.bytes // 2 + second.bytes
    assert app.runtime.delivery.bound_all(limit) > 0
    assert first.bytes + second.bytes <= limit
    assert 0 < len(first) < 10 and len(second) == 10
    assert [m.to for m in first][-1] == "reader9@example.com"


def test_a_suppression_in_no_resource_is_a_spec_error(tmp_path: Path) -> None:
    text = (DATA / "mailbag.yaml").read_text().replace(
        "suppress: {resource: blocked,", "suppress: {resource: nowhere,")
    (tmp_path / "mailbag.yaml").write_text(text)
    with pytest.raises(SourceError) as refused:
        create_app(Config(specs=tmp_path / "mailbag.yaml", fixtures=DATA / "fixtures",
                          builtin=False))
    assert refused.value.pointer == "/x-mailtwin/delivery/suppress/resource"
    assert "'nowhere', which is no resource" in str(refused.value)


def test_reading_a_tenants_rates_creates_no_tenant(control: Sandbox) -> None:
    found = control.simulation("mailbag", "nobody-yet")
    assert found["tenant_rates"] == {} and found["rates"] == DEFAULT_RATES
    assert control.tenants("mailbag") == []
