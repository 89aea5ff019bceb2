"""The dashboard in headless Chromium (Debian's, driven by Playwright): the clock buttons move
a scheduled mailing, requests appear live in the journal, resets and snapshots work from the
page. Each test saves screenshots of its pages: into docs/dashboard/ with
MAILTWIN_SCREENSHOTS=docs, into the test's temporary folder otherwise (so a run leaves the
working tree as it was)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from mailtwin import Sandbox
from mailtwin.webhooks.receiver import WebhookReceiver

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("MAILTWIN_CHROMIUM", "/usr/bin/chromium")
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "dashboard"
UI = "/__mailtwin/ui"
EMMA = ("public", "private")
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


# Module scope: Playwright's sync API keeps an event loop running while it is open, and the
# in-process transport of other modules' tests needs none to be.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        missing = (f"no Chromium at {CHROMIUM}: apt-get install chromium "
                   "(./scripts/test does it when run as root)")
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Two cores shared with other test workers: give a busy browser time.
    sync_api.expect.set_options(timeout=15_000)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def site(mailtwin: Sandbox, mailtwin_url: str) -> Sandbox:
    """The sandbox the pages show, its clock frozen a minute before mailing 211 is due."""
    mailtwin.clock.set("2018-09-22T10:29:00Z")
    return mailtwin


def open_page(browser: Browser, url: str, viewport: ViewportSize = DESKTOP
              ) -> tuple[Page, list[str]]:
    """A page at `url`, following the event stream, and the script errors it will raise."""
    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#live-state.on")
    return page, errors


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: the docs when asked for, else a temporary folder."""
    if os.environ.get("MAILTWIN_SCREENSHOTS") == "docs":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SHOTS
    return tmp_path_factory.mktemp("screenshots")


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"))


def emma(site: Sandbox) -> httpx.Client:
    return site.client("emma", auth=EMMA)


def test_the_clock_buttons_move_a_scheduled_mailing(site: Sandbox, mailtwin_url: str,
                                                    browser: Browser,
        shots: Path) -> None:
    from playwright.sync_api import expect

    with emma(site) as api:
        api.get("/100/mailings/211")
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/")
    first = page.locator("#upcoming tbody tr").first
    expect(first).to_contain_text("mailing 211")
    expect(first).to_contain_text("p → i")
    expect(page.locator("#clock [data-clock]")).to_have_text("2018-09-22 10:29:00")
    shot(page, shots, "overview")

    page.get_by_role("button", name="+1 minute").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("timed move")
    expect(page.locator("#clock [data-clock]")).to_have_text("2018-09-22 10:30:00")
    expect(page.locator("#upcoming tbody tr").first).to_contain_text("i → s")

    page.get_by_role("button", name="To the next timed move").click()
    expect(page.locator("#clock [data-clock]")).to_have_text("2018-09-22 10:31:00")
    page.locator("#upcoming a", has_text="mailing 211").click()
    expect(page.locator("#record-state")).to_have_text("s")
    expect(page.locator(".statechart .node.current")).to_have_attribute("data-state", "s")
    expect(page.locator(".moves li")).to_have_count(2)
    expect(page.locator(".moves")).to_contain_text("by the clock")
    shot(page, shots, "record")
    assert errors == []
    page.close()


def test_a_request_appears_live_in_the_journal(site: Sandbox, mailtwin_url: str,
                                               browser: Browser,
        shots: Path) -> None:
    from playwright.sync_api import expect

    with emma(site) as api:
        api.get("/100/mailings/211")
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/journal")
    expect(page.locator("#journal-rows tr")).to_have_count(1)
    with emma(site) as api:
        api.put("/100/mailings/211", json={"status": "paused"})
        api.get("/100/mailings/404404")
    rows = page.locator("#journal-rows tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("/emma/100/mailings/404404")
    expect(rows.first).to_contain_text("404")
    rows.nth(1).get_by_role("link").click()
    detail = page.locator("#entry")
    expect(detail).to_contain_text("PUT /emma/100/mailings/211")
    expect(detail.locator("pre").first).to_contain_text('"status": "paused"')
    page.wait_for_timeout(2100)  # the new rows' highlight fades in two seconds
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, shots, "journal")
    assert errors == []
    page.close()


def test_reset_snapshots_and_faults_from_the_page(site: Sandbox, mailtwin_url: str,
                                                  browser: Browser,
        shots: Path) -> None:
    from playwright.sync_api import expect

    with emma(site) as api:
        api.put("/100/mailings/211", json={"status": "paused"})
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/controls")
    page.get_by_label("Name").fill("paused")
    page.get_by_role("button", name="Take snapshot").click()
    expect(page.get_by_role("button", name="Restore paused")).to_be_visible()
    page.get_by_label("Effect").select_option("error")
    page.get_by_label("Provider", exact=True).last.select_option("emma")
    page.get_by_label("Status").fill("503")
    page.get_by_label("Message").fill("maintenance")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("button", name="Remove fault rule 1")).to_be_visible()
    shot(page, shots, "controls")
    with emma(site) as api:
        assert api.get("/100/mailings/211").status_code == 503
    page.get_by_role("button", name="Remove fault rule 1").click()
    expect(page.locator("#faults")).to_contain_text("No fault rule")

    page.goto(f"{mailtwin_url}{UI}/")
    expect(page.locator("#tenants tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Reset everything").click()
    expect(page.locator("#status")).to_contain_text("Reset 1 tenant")
    expect(page.locator("#tenants")).to_contain_text("No tenant yet")
    assert site.journal() == []

    page.goto(f"{mailtwin_url}{UI}/controls")
    page.get_by_role("button", name="Restore paused").click()
    expect(page.locator("#status")).to_contain_text("Snapshot paused")
    with emma(site) as api:
        assert api.get("/100/mailings/211").json()["mailing_status"] == "a"
    assert errors == []
    page.close()


def test_records_page_and_search(site: Sandbox, mailtwin_url: str, browser: Browser,
        shots: Path) -> None:
    from playwright.sync_api import expect

    with emma(site) as api:
        api.get("/100/mailings/211")
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/records")
    page.get_by_role("link", name="mailing", exact=True).click()
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1 of 2")
    page.get_by_label("Search these records").fill("Scheduled Mailing")
    page.keyboard.press("Enter")
    expect(page.locator("table.records tbody tr")).to_have_count(1)
    expect(page.locator("table.records")).to_contain_text("211")
    page.get_by_label("Search these records").fill("")
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1 of 2")
    page.wait_for_load_state()
    shot(page, shots, "records")
    assert errors == []
    page.close()


def test_the_overview_fits_a_phone(site: Sandbox, mailtwin_url: str, browser: Browser,
        shots: Path) -> None:
    with emma(site) as api:
        api.get("/100/mailings/211")
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/", PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    shot(page, shots, "overview-phone")
    for path in ("/journal", "/controls", "/record?provider=emma&tenant=public"
                 "&resource=mailing&id=211"):
        page.goto(f"{mailtwin_url}{UI}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    assert errors == []
    page.close()


# -- the outbox, webhooks and a campaign's demo ----------------------------------------------

SEND = "2018-09-22T10:30:00Z"


@pytest.fixture(scope="module")
def pigeon_url() -> Iterator[str]:
    """A server of Pigeon, the tests' own provider whose campaign 1 goes out at SEND, and of
    Especial (this module's own: the session's may serve fewer providers)."""
    from mailtwin import Config, create_app
    from mailtwin.server import ServerThread
    from tests.dashboard.pigeon import FIXTURES, SPECS

    app = create_app(Config(specs=SPECS, fixtures=FIXTURES, providers=("pigeon", "especial")))
    server = ServerThread(app).start()
    try:
        yield server.url
    finally:
        server.stop()
        app.runtime.webhooks.close()


@pytest.fixture
def pigeon(pigeon_url: str) -> Iterator[Sandbox]:
    """The sandbox a minute before Pigeon's campaign 1 goes out, Pigeon's tenant made."""
    with Sandbox(pigeon_url) as sandbox:
        sandbox.reset(clock="2018-09-22T10:29:00Z", frozen=True, journal=True, faults=True)
        with sandbox.client("pigeon", headers={"Authorization": "Bearer demo"}) as api:
            assert api.get("/campaigns/1").status_code == 200
        yield sandbox


def test_the_overview_shows_a_campaign_go_from_scheduled_to_delivered_to_opened(
        pigeon: Sandbox, pigeon_url: str, browser: Browser, shots: Path) -> None:
    from playwright.sync_api import expect

    page, errors = open_page(browser, f"{pigeon_url}{UI}/")
    expect(page.locator("#upcoming tbody tr").first).to_contain_text("campaign 1")
    expect(page.locator("#mailings")).to_contain_text("No mailing has sent a message yet")
    page.get_by_role("button", name="To the next timed move").click()
    mailings = page.locator("#mailings tbody tr")
    expect(mailings.first).to_contain_text("campaign 1")
    expect(mailings.first.locator(".state")).to_have_text("sent")
    page.get_by_role("button", name="+1 minute").click()
    expect(mailings.first.locator(".e-delivered")).to_have_text("3 delivered")
    page.get_by_role("button", name="+1 day").click()
    expect(mailings.first.locator(".e-opened")).to_have_text("2 opened")
    expect(mailings.first.locator(".e-clicked")).to_have_text("1 clicked")
    shot(page, shots, "overview-mailings")
    assert errors == []
    page.close()


def test_a_sent_message_opens_with_its_html_rendered(
        pigeon: Sandbox, pigeon_url: str, browser: Browser, shots: Path) -> None:
    from playwright.sync_api import expect

    page, errors = open_page(browser, f"{pigeon_url}{UI}/outbox")
    expect(page.locator("#messages")).to_contain_text("No message yet")
    pigeon.clock.advance(days=1)  # the page follows: messages and their events arrive live
    rows = page.locator("table.messages tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#engagement")).to_contain_text("2 opened, 1 clicked, 1 bounced")
    expect(page.locator("#engagement .bar.k-opened").first).to_be_visible()
    shot(page, shots, "outbox")

    page.get_by_role("link", name="Spring news for Ann").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring news for Ann")
    frame = page.frame_locator("iframe.email")
    expect(frame.get_by_role("heading", name="Spring news")).to_be_visible()
    expect(frame.locator("p").first).to_contain_text("Hello Ann, the garden is open.")
    assert page.locator("iframe.email").get_attribute("sandbox") == ""
    expect(page.locator(".text-part")).to_contain_text("Hello Ann, the garden is open")
    expect(page.locator("#timeline .event")).to_have_text(["sent", "delivered", "opened"])
    expect(page.locator("table.fields")).to_contain_text("List-Unsubscribe")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .eml").click()
    eml = Path(download.value.path()).read_text()
    assert "Subject: Spring news for Ann" in eml and "ann+open@example.com" in eml
    shot(page, shots, "message")
    assert errors == []
    page.close()


def test_a_webhook_attempt_is_redelivered_from_the_page(
        pigeon: Sandbox, pigeon_url: str, browser: Browser, shots: Path,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    from playwright.sync_api import expect

    site, mailtwin_url = pigeon, pigeon_url
    with site.client("especial", headers={"Authorization": "Bearer hooks"}) as api:
        hook = api.post("/webhooks", json={
            "event": "List.Created", "url": f"{mailtwin_webhook_receiver.url}/hooks"}).json()
        mailtwin_webhook_receiver.keys.add(
            api.get(f"/webhooks/{hook['id']}").json()["signature"]["key"])
        mailtwin_webhook_receiver.fail_next(1, status=503)
        api.post("/lists", json={"name": "Hooked", "default_sender": {"id": "news-desk"}})
    site.flush_webhooks()
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/webhooks")
    attempts = page.locator("li.attempt")
    expect(attempts).to_have_count(1)
    expect(attempts.first.locator(".outcome")).to_contain_text("failed 503")
    attempts.first.get_by_role("button", name="Redeliver").click()
    expect(page.locator("#status")).to_contain_text("as attempt 2")
    expect(attempts).to_have_count(2)
    newest = attempts.first
    expect(newest.locator(".outcome")).to_contain_text("delivered 200")
    newest.get_by_text("Signature, headers and payload").click()
    expect(newest.locator("tr.signature")).to_contain_text("x-signature")
    expect(newest.locator("pre")).to_contain_text('"name": "Hooked"')
    assert [d.status for d in mailtwin_webhook_receiver.deliveries] == [503, 200]
    assert all(d.verified for d in mailtwin_webhook_receiver.deliveries)
    shot(page, shots, "webhooks")
    assert errors == []
    page.close()


def test_the_new_pages_fit_a_phone(pigeon: Sandbox, pigeon_url: str, browser: Browser,
                                   shots: Path) -> None:
    pigeon.clock.advance(days=1)
    [message] = pigeon.call("GET", "/outbox", params={"to": "ann+open@example.com"})[
        "messages"]
    page, errors = open_page(browser, f"{pigeon_url}{UI}/outbox", PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, shots, "outbox-phone")
    for path in (f"/outbox/{message['id']}", "/webhooks"):
        page.goto(f"{pigeon_url}{UI}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    assert errors == []
    page.close()


def test_an_especial_campaign_goes_from_scheduled_to_delivered_to_opened(
        pigeon: Sandbox, pigeon_url: str, browser: Browser, shots: Path) -> None:
    """The demo: an Especial campaign, scheduled, delivered and opened as the clock moves."""
    from playwright.sync_api import expect

    site, mailtwin_url = pigeon, pigeon_url
    now = int(site.clock.now().timestamp())
    with site.client("especial", headers={"Authorization": "Bearer demo"}) as api:
        made = api.post("/lists", json={"name": "Demo", "default_sender": {"id": "news-desk"}})
        list_id = made.json()["id"]
        for address in ("ann+open@example.com", "bob+click@example.com",
                        "carol+noengage@example.com"):
            assert api.post(f"/lists/{list_id}/contacts",
                            json={"email": address}).status_code == 201
        sender = api.post("/brands/default/senders",
                          json={"name": "Demo", "email": "news@example.com"}).json()["id"]
        api.post("/brands/default/senders/confirm-email",
                 json={"confirmation_id": f"confirm-{sender}"})
        campaign = api.post("/campaigns", json={
            "name": "Demo campaign", "audience": {"list_id": list_id},
            "sender": {"id": sender, "name": "Demo team"},
            "content": {"subject": "Autumn news", "html": "<h1>Autumn</h1><p>Hello</p>"}})
        ident = campaign.json()["id"]
        assert api.post(f"/campaigns/{ident}/schedule",
                        json={"date": now + 600}).status_code == 200
    page, errors = open_page(browser, f"{mailtwin_url}{UI}/")
    upcoming = page.locator("#upcoming tbody tr", has_text=f"campaign {ident}")
    expect(upcoming.first).to_contain_text("scheduled → delivering")
    page.get_by_role("button", name="+1 hour").click()
    expect(page.locator("#status")).to_contain_text("fired")
    assert site.call("GET", "/engagement", params={"provider": "especial"})["count"]
    row = page.locator("#mailings tbody tr", has_text=f"campaign {ident}")
    expect(row.locator(".state")).to_have_text("delivered")
    expect(row.locator(".e-delivered")).to_have_text("3 delivered")
    # A first open falls within half a week of delivery (most within hours).
    for _ in range(4):
        page.get_by_role("button", name="+1 day").click()
        expect(page.locator("#status")).to_contain_text("fired")
    expect(row.locator(".e-opened")).to_have_text("2 opened")
    shot(page, shots, "demo")
    assert errors == []
    page.close()
