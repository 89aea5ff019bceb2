"""Campaign links with stable ids, the campaign reports export's CSV, and MFA logins."""

from __future__ import annotations

import csv
import io

import httpx

from mailtwin.providers.especial.mfa import totp
from tests.especial.conftest import NOW, Clock

TWO_LINKS = ('<a href="https://a.example.com">A</a> <a href=\'https://b.example.com\'>B</a>'
             '<a href="https://a.example.com">A again</a>')


def _set_html(http: httpx.Client, campaign: int, html: str) -> None:
    answer = http.patch(f"/campaigns/{campaign}", json={"content": {"html": html}})
    assert answer.status_code == 200, answer.text


def test_campaign_links_list_the_hrefs_in_order_with_ids(especial: httpx.Client) -> None:
    assert especial.get("/campaigns/2/links").json()["data"] == []
    _set_html(especial, 2, TWO_LINKS)
    answer = especial.get("/campaigns/2/links?with_count=true")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["pagination"] == {"page": 1, "per_page": 50, "count": 2}
    assert body["data"] == [
        {"id": 1, "status": "active", "link_to": "https://a.example.com"},
        {"id": 2, "status": "active", "link_to": "https://b.example.com"}]
    second = especial.get("/campaigns/2/links?page=2&per_page=1").json()["data"]
    assert second == [body["data"][1]]


def test_changed_content_keeps_the_ids_of_kept_urls(especial: httpx.Client) -> None:
    _set_html(especial, 2, TWO_LINKS)
    first = {link["link_to"]: link["id"] for link in especial.get("/campaigns/2/links").json()[
        "data"]}
    _set_html(especial, 2, '<a href="https://c.example.com">C</a>'
                           '<a href="https://b.example.com">B</a>')
    links = especial.get("/campaigns/2/links").json()["data"]
    assert [(link["link_to"], link["id"]) for link in links] == [
        ("https://c.example.com", 3), ("https://b.example.com", first["https://b.example.com"])]
    dropped = first["https://a.example.com"]
    assert especial.get(f"/links/{dropped}").json() == {"data": {"mailing_id": 2}}


def test_a_link_names_its_campaign_and_ids_do_not_depend_on_reading_order(
        especial: httpx.Client) -> None:
    _set_html(especial, 2, '<a href="https://same.example.com">x</a>')
    _set_html(especial, 7, '<a href="https://same.example.com">x</a>')
    # Asking for campaign 7 first still numbers campaign 2's link first.
    seventh = especial.get("/campaigns/7/links").json()["data"]
    second = especial.get("/campaigns/2/links").json()["data"]
    assert [link["id"] for link in second] == [1] and [link["id"] for link in seventh] == [2]
    assert especial.get("/links/2").json() == {"data": {"mailing_id": 7}}
    missing = especial.get("/links/99")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["msg"] == "Link 99 not found"


def test_links_of_an_unknown_campaign_are_a_404(especial: httpx.Client) -> None:
    assert especial.get("/campaigns/9999/links").status_code == 404
    assert especial.get("/links/abc").status_code == 422


def _deliver(http: httpx.Client, clock: Clock, campaign: int, at: int) -> None:
    assert http.post(f"/campaigns/{campaign}/schedule", json={"date": at}).status_code == 200
    clock.advance(at - NOW + 61)


def _rows(http: httpx.Client, url: str) -> list[dict[str, str]]:
    fetched = http.get(url.removeprefix(str(http.base_url)))
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(fetched.text)))


def test_a_campaign_reports_export_downloads_the_reports_of_sent_campaigns(
        especial: httpx.Client, clock: Clock) -> None:
    _deliver(especial, clock, 2, NOW + 100)
    clock.advance(3 * 3600)  # the first opens and clicks come in
    report = especial.get("/reports/campaigns/2").json()["data"]
    export = especial.post("/reports/campaigns-exports", json={"description": "All"}).json()
    ident = export["data"]["id"]
    early = especial.get(f"/reports/campaigns-exports/{ident}/download")
    assert early.status_code == 400
    assert early.json()["detail"] == [{
        "loc": ["path", "export_id"], "type": "bad_request",
        "msg": f"export {ident} is pending; it can be downloaded once ready"}]
    clock.advance(5)
    answer = especial.get(f"/reports/campaigns-exports/{ident}/download")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["expires_on"] == export["data"]["expires_on"]
    rows = {row["campaign_id"]: row for row in _rows(especial, data["url"])}
    assert "1" not in rows and "3" not in rows  # drafts and scheduled ones were not sent
    assert rows["2"]["status"] == "delivered" and rows["2"]["name"] == "April newsletter"
    assert int(rows["2"]["sent_emails"]) == report["sent_emails"] > 0
    assert int(rows["2"]["unique_opens"]) == report["unique_opens"] > 0
    for name in ("unsubscribes", "opens", "clicks", "unique_clicks", "bounces", "spams"):
        assert int(rows["2"][name]) == report[name], name
    assert float(rows["2"]["unsubscribe_rate"]) == report["unsubscribe_rate"]
    assert rows["5"]["status"] == "delivered" and rows["5"]["sent_emails"] == "0"
    # The file holds the figures of the moment the export became ready.
    clock.advance(3 * 86400)
    assert especial.get("/reports/campaigns/2").json()["data"]["opens"] > report["opens"]
    again = especial.get(f"/reports/campaigns-exports/{ident}/download").json()["data"]["url"]
    assert {row["campaign_id"]: row for row in _rows(especial, again)}["2"][
        "opens"] == str(report["opens"])


def test_downloading_an_unknown_campaigns_export_is_a_404(especial: httpx.Client) -> None:
    assert especial.get("/reports/campaigns-exports/nope/download").status_code == 404


LOGIN = {"username": "owner@demo.example.com", "password": "pw"}


def _enrol(anonymous: httpx.Client) -> tuple[dict[str, str], str]:
    """Log in, add an active TOTP method; the bearer header and the method's secret."""
    tokens = anonymous.post("/token", data=LOGIN).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    made = anonymous.post("/users/self/mfa", headers=bearer, json={"type": "totp"}).json()
    secret = made["data"]["secret"]
    activated = anonymous.post(f"/users/self/mfa/{made['id']}/activate", headers=bearer,
                               json={"code": totp(secret, NOW)})
    assert activated.status_code == 200, activated.text
    return bearer, secret


def test_an_mfa_login_is_challenged_then_completed_with_the_code(
        anonymous: httpx.Client) -> None:
    bearer, secret = _enrol(anonymous)
    challenged = anonymous.post("/token", data=LOGIN)
    assert challenged.status_code == 401
    body = challenged.json()
    assert body["detail"][0]["type"] == "unauthorized" and body["challenge"]
    done = anonymous.post("/token/challenge", json={"challenge": body["challenge"],
                                                     "code": totp(secret, NOW)})
    assert done.status_code == 200, done.text
    tokens = done.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600
    assert tokens["accounts"] == [1001, 1002]
    me = anonymous.get("/users/self", headers={
        "Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["data"]["email"] == LOGIN["username"]
    # The same account as the first login: the MFA method is there.
    assert anonymous.get("/users/self/mfa", headers={
        "Authorization": f"Bearer {tokens['access_token']}"}).json()["data"] == \
        anonymous.get("/users/self/mfa", headers=bearer).json()["data"]
    reused = anonymous.post("/token/challenge", json={"challenge": body["challenge"],
                                                       "code": totp(secret, NOW)})
    assert reused.status_code == 401
    assert reused.json()["detail"][0]["loc"] == ["body", "challenge"]


def test_a_wrong_code_is_refused_and_the_challenge_stays_open(anonymous: httpx.Client) -> None:
    _, secret = _enrol(anonymous)
    ident = anonymous.post("/token", data=LOGIN).json()["challenge"]
    right = totp(secret, NOW)
    wrong = "000000" if right != "000000" else "111111"
    refused = anonymous.post("/token/challenge", json={"challenge": ident, "code": wrong})
    assert refused.status_code == 401
    assert refused.json()["detail"] == [{
        "loc": ["body", "code"], "type": "unauthorized",
        "msg": "the code matches neither the authenticator's current code nor an unused "
               "recovery code"}]
    assert refused.headers["www-authenticate"] == "Bearer"
    assert anonymous.post("/token/challenge", json={"challenge": ident,
                                                     "code": right}).status_code == 200


def test_a_recovery_code_completes_a_challenge_once(anonymous: httpx.Client) -> None:
    bearer, _ = _enrol(anonymous)
    code = anonymous.get("/users/self/mfa-recovery-codes", headers=bearer).json()["data"][0]
    first = anonymous.post("/token", data=LOGIN).json()["challenge"]
    assert anonymous.post("/token/challenge", json={"challenge": first,
                                                     "code": code}).status_code == 200
    second = anonymous.post("/token", data=LOGIN).json()["challenge"]
    assert anonymous.post("/token/challenge", json={"challenge": second,
                                                     "code": code}).status_code == 401
    left = anonymous.get("/users/self/mfa-recovery-codes", headers=bearer).json()["data"]
    assert code not in left and len(left) == 9


def test_a_challenge_lapses_and_bad_codes_are_422(anonymous: httpx.Client,
                                                   clock: Clock) -> None:
    _, secret = _enrol(anonymous)
    ident = anonymous.post("/token", data=LOGIN).json()["challenge"]
    assert anonymous.post("/token/challenge", json={"challenge": ident,
                                                     "code": "12ab"}).status_code == 422
    clock.advance(301)
    late = anonymous.post("/token/challenge", json={"challenge": ident,
                                                     "code": totp(secret, NOW + 301)})
    assert late.status_code == 401
    assert "expired" in late.json()["detail"][0]["msg"]


def test_other_users_and_refreshes_are_not_challenged(anonymous: httpx.Client) -> None:
    _, secret = _enrol(anonymous)
    other = anonymous.post("/token", data={"username": "someone@example.com", "password": "x"})
    assert other.status_code == 200 and "access_token" in other.json()
    ident = anonymous.post("/token", data=LOGIN).json()["challenge"]
    tokens = anonymous.post("/token/challenge", json={"challenge": ident,
                                                       "code": totp(secret, NOW)}).json()
    renewed = anonymous.post("/token", data={"grant_type": "refresh_token",
                                             "refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200 and renewed.json()["access_token"]


def test_a_sub_account_login_is_challenged_and_lands_in_the_sub_account(
        anonymous: httpx.Client) -> None:
    _, secret = _enrol(anonymous)
    ident = anonymous.post("/token", data={**LOGIN, "account_id": "1002"}).json()["challenge"]
    tokens = anonymous.post("/token/challenge", json={"challenge": ident,
                                                       "code": totp(secret, NOW)}).json()
    made = anonymous.post("/templates", headers={
        "Authorization": f"Bearer {tokens['access_token']}"}, json={
        "name": "Sub", "content": {"type": "html", "html": "<p>x</p>"}})
    assert made.status_code == 201, made.text
    root = anonymous.post("/token", data=LOGIN).json()["challenge"]
    root_tokens = anonymous.post("/token/challenge", json={"challenge": root,
                                                           "code": totp(secret, NOW)}).json()
    assert anonymous.get(f"/templates/{made.json()['id']}", headers={
        "Authorization": f"Bearer {root_tokens['access_token']}"}).status_code == 404
