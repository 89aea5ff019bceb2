"""Workflows: references, locks with lock_key, activation, actions, render, tests, links."""

from __future__ import annotations

import httpx

from tests.especial.conftest import Clock

KEY = "desk-key-1"


def test_a_workflow_from_a_blueprint_copies_its_actions(especial: httpx.Client) -> None:
    answer = especial.post("/workflows", json={
        "audience": {"list_id": 1},
        "blueprint": {"id": "wb1", "email_settings": {"sender": {"id": "news-desk"}}}})
    assert answer.status_code == 201
    body = answer.json()
    assert body["object"] == "workflow" and body["created"] is True
    assert body["data"]["status"] == "inactive" and body["data"]["name"] == "Welcome"
    actions = especial.get(f"/workflows/{body['id']}/actions").json()["data"]
    assert [a["name"] for a in actions] == ["Hello", "Tips"]
    assert actions[1]["parent_id"] == actions[0]["id"]


def test_bad_references_are_400s_naming_the_field(especial: httpx.Client) -> None:
    no_list = especial.post("/workflows", json={"audience": {"list_id": 99}})
    assert no_list.status_code == 400
    assert no_list.json()["detail"] == [{"loc": ["body", "audience", "list_id"],
                                         "msg": "list 99 does not exist", "type": "bad_request"}]
    no_blueprint = especial.post("/workflows", json={"audience": {"list_id": 1},
                                                     "blueprint": {"id": "zz"}})
    assert no_blueprint.json()["detail"][0]["loc"] == ["body", "blueprint", "id"]
    assert especial.get("/workflows?with_count=true").json()["pagination"]["count"] == 2


def test_a_locked_workflow_refuses_changes_without_its_key(especial: httpx.Client) -> None:
    locked = especial.post("/workflows/wf2/lock", json={"key": KEY})
    assert locked.json() == {"object": "workflow", "locked": True, "expires_in": 300}
    refused = especial.patch("/workflows/wf2", json={"name": "Mine"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == [{
        "loc": ["query", "lock_key"], "type": "bad_request",
        "msg": "workflow wf2 is locked; the request carries no lock_key"}]
    wrong = especial.patch("/workflows/wf2?lock_key=other-key-2", json={"name": "Mine"})
    assert "a different lock_key" in wrong.json()["detail"][0]["msg"]
    assert especial.get("/workflows/wf2").json()["data"]["name"] == "Win-back"
    other = especial.post("/workflows/wf2/lock", json={"key": "other-key-2"})
    assert other.status_code == 400
    done = especial.patch(f"/workflows/wf2?lock_key={KEY}", json={"name": "Mine"})
    assert done.status_code == 200
    assert done.json()["patched"] is True and done.json()["data"]["name"] == "Mine"


def test_unlock_needs_the_key_and_frees_the_workflow(especial: httpx.Client) -> None:
    especial.post("/workflows/wf2/lock", json={"key": KEY})
    refused = especial.post("/workflows/wf2/unlock", json={"key": "other-key-2"})
    assert refused.status_code == 400
    answer = especial.post("/workflows/wf2/unlock", json={"key": KEY})
    assert answer.json() == {"object": "workflow", "locked": False, "expires_in": 0}
    assert especial.patch("/workflows/wf2", json={"goal": "Free"}).status_code == 200


def test_a_lock_expires_on_the_clock(especial: httpx.Client, clock: Clock) -> None:
    especial.post("/workflows/wf2/lock", json={"key": KEY})
    clock.advance(301)
    assert especial.delete("/workflows/wf2").json()["deleted"] is True


def test_a_short_lock_key_is_a_422(especial: httpx.Client) -> None:
    answer = especial.post("/workflows/wf2/lock", json={"key": "short"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "key"]


def test_activation_needs_an_action_and_moves_the_status(especial: httpx.Client) -> None:
    empty = especial.post("/workflows", json={"audience": {"list_id": 2}}).json()["id"]
    refused = especial.post(f"/workflows/{empty}/activate")
    assert refused.status_code == 400
    assert "has no action" in refused.json()["detail"][0]["msg"]
    answer = especial.post("/workflows/wf1/deactivate")
    assert answer.json() == {"id": "wf1", "object": "workflow", "deactivated": True}
    again = especial.post("/workflows/wf1/deactivate")
    assert again.json()["detail"][0]["msg"] == (
        "Workflow wf1 cannot be deactivated: its status is inactive.")
    assert especial.post("/workflows/wf1/activate").json()["activated"] is True
    shown = especial.get("/workflows/wf1").json()["data"]
    assert shown["status"] == "active" and shown["activated_on"] == 1537099200


def test_actions_check_their_parent_and_go_with_their_workflow(especial: httpx.Client) -> None:
    step = {"condition": "none", "delay": 0, "type": "email"}
    bad = especial.post("/workflows/wf2/actions", json={**step, "name": "Orphan",
                                                         "parent_id": "act1"})
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["loc"] == ["body", "parent_id"]
    made = especial.post("/workflows/wf2/actions", json={**step, "name": "First"})
    assert made.status_code == 201
    ident = made.json()["id"]
    assert especial.get(f"/workflows/wf2/actions/{ident}").json()["data"]["name"] == "First"
    assert especial.get(f"/workflows/wf1/actions/{ident}").status_code == 404
    especial.delete("/workflows/wf2")
    assert especial.get(f"/workflows/wf2/actions/{ident}").status_code == 404
    assert especial.get("/workflows/wf2/actions").status_code == 404


def test_an_action_renders_with_a_contact(especial: httpx.Client) -> None:
    answer = especial.get("/workflows/wf1/actions/act1/render?contact_id=1")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "Welcome Ada from London!" in answer.text
    missing = especial.get("/workflows/wf1/actions/act1/render?contact_id=99999")
    assert missing.status_code == 400


def test_send_test_and_links(especial: httpx.Client) -> None:
    sent = especial.post("/workflows/wf1/actions/act1/send-test", json={"email": "qa@x.com"})
    assert sent.json() == {"id": "act1", "object": "action", "sent": True}
    links = especial.get("/workflows/wf1/actions/act1/links?with_count=true").json()
    assert links["pagination"]["count"] == 2
    assert [link["link_to"] for link in links["data"]] == [
        "https://demo.example.com/start", "https://demo.example.com/help"]
    bare = especial.post("/workflows/wf2/actions", json={
        "name": "Empty", "condition": "none", "delay": 0, "type": "email"}).json()["id"]
    refused = especial.post(f"/workflows/wf2/actions/{bare}/send-test",
                            json={"email": "qa@x.com"})
    assert refused.status_code == 400


def test_action_report_and_logs_answer_from_state(especial: httpx.Client) -> None:
    report = especial.get("/reports/workflows/wf1/actions/act1").json()["data"]
    assert report["sent_emails"] == 0 and report["opens"] == 0
    logs = especial.get("/logs/workflows/wf1/actions/act1?with_count=true").json()
    assert logs == {"pagination": {"page": 1, "per_page": 50, "count": 0}, "data": []}
    bad = especial.get("/logs/workflows/wf1/actions/act1?sort=-email")
    assert bad.status_code == 400


def test_workflow_blueprints_are_readable_without_a_token(anonymous: httpx.Client) -> None:
    listed = anonymous.get("/workflow-blueprints?sort=-name").json()["data"]
    assert [b["id"] for b in listed] == ["wb1", "wb2"]
    steps = anonymous.get("/workflow-blueprints/wb1/actions").json()["data"]
    assert [s["id"] for s in steps] == ["wba1", "wba2"]
    one = anonymous.get("/workflow-blueprints/wb2/actions/wba3")
    assert one.json()["data"]["name"] == "Happy birthday"
    assert anonymous.get("/workflow-blueprints/wb2/actions/wba1").status_code == 404


def test_an_unsubscribe_runs_the_workflows_it_triggers(especial: httpx.Client) -> None:
    made = especial.post("/workflows", json={"audience": {"list_id": 1}, "name": "Goodbye",
                                             "trigger": "unsubscribed"}).json()["id"]
    action = especial.post(f"/workflows/{made}/actions", json={
        "name": "Bye", "condition": "none", "delay": 0, "type": "email"}).json()["id"]
    especial.post(f"/workflows/{made}/activate")
    assert especial.post("/lists/1/contacts/1/unsubscribe").status_code == 200
    report = especial.get(f"/reports/workflows/{made}/actions/{action}").json()["data"]
    assert report["sent_emails"] == 1
    logs = especial.get(f"/logs/workflows/{made}/actions/{action}").json()["data"]
    assert [(e["contact_id"], e["email"], e["type"]) for e in logs] == [
        (1, "ada@demo.example.com", "sent")]
    assert especial.get("/reports/accounts/self").json()["data"]["sent_action_emails"] == 1
    untouched = especial.get("/reports/workflows/wf1/actions/act1").json()["data"]
    assert untouched["sent_emails"] == 0


def test_a_resubscription_runs_the_welcome_workflow(especial: httpx.Client) -> None:
    gone = especial.get("/lists/1/contacts?filter=status==unsubscribed&per_page=1").json()
    contact = gone["data"][0]
    back = especial.post("/lists/1/contacts", json={"email": contact["email"]})
    assert back.status_code == 201
    logs = especial.get("/logs/workflows/wf1/actions/act1").json()["data"]
    assert [(e["contact_id"], e["type"]) for e in logs] == [(contact["id"], "sent")]
    assert especial.get("/logs/workflows/wf1/actions/act2").json()["data"] == []


def test_a_new_subscriber_runs_the_welcome_workflow(especial: httpx.Client) -> None:
    made = especial.post("/lists/1/contacts", json={"email": "newcomer@demo.example.com"})
    assert made.status_code == 201
    logs = especial.get("/logs/workflows/wf1/actions/act1").json()["data"]
    assert [(e["contact_id"], e["email"]) for e in logs] == [
        (made.json()["id"], "newcomer@demo.example.com")]
    other_list = especial.post("/lists/2/contacts", json={"email": "elsewhere@demo.example.com"})
    assert other_list.status_code == 201
    assert len(especial.get("/logs/workflows/wf1/actions/act1").json()["data"]) == 1

