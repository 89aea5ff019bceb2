"""Every seed-documented operation is routed and answers a valid request without a 404, 405
or 500 (requests are built from the spec's schemas and the fixtures' ids); a successful answer
has the top-level keys of the seed's response sample, with its `object` name and flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mailtwin.sources import builtin_data
from tests.especial.schema_values import example

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((builtin_data() / "specs" / "especial.yaml").read_text(encoding="utf-8"))
SEED = yaml.safe_load((ROOT / "tools" / "especial" / "seed_operations.yaml").read_text(
    encoding="utf-8"))

# Path parameter values that name fixture records; `@export` is made by the test itself.
PATH_VALUES: dict[str, Any] = {
    "campaign_id": 2, "list_id": 1, "contact_id": 1, "segment_id": 1, "template_id": 1,
    "sender_id": "news-desk", "task_id": "@export", "export_id": "@export",
    "account_id": "1002", "user_id": "2002", "name": "first_name", "interest_name": "sports",
    "campaign_log_export_id": "@log", "workflow_id": "wf1", "form_id": "form1",
    "webhook_id": "wh1", "tag": "vip", "email": "complaints@demo.example.com",
}
# Values of parameter names that several resources share, by path prefix.
PREFIXED_VALUES: dict[str, dict[str, Any]] = {
    "/workflows/": {"action_id": "act1"}, "/logs/workflows/": {"action_id": "act1"},
    "/reports/workflows/": {"action_id": "act1"},
    "/workflow-blueprints/": {"blueprint_id": "wb1", "action_id": "wba1"},
    "/campaign-blueprints/": {"blueprint_id": 1}, "/brands/default/dkim/": {"id": 1},
}


def _key(seed: dict[str, str]) -> str:
    return f"{seed['method']} {seed['path']}"


CASES: list[dict[str, str]] = list(SEED)


def _path(template: str, made: dict[str, str]) -> str:
    out = template
    values = dict(PATH_VALUES)
    for prefix, shared in PREFIXED_VALUES.items():
        if template.startswith(prefix):
            values.update(shared)
    for name, value in values.items():
        out = out.replace("{" + name + "}", str(made.get(str(value), value)))
    return out


def _body(op: dict[str, Any]) -> Any:
    content = (op.get("requestBody") or {}).get("content", {})
    for media in ("application/json", "application/x-www-form-urlencoded"):
        if media in content:
            return media, example(content[media].get("schema", {}), SPEC)
    return None, None


@pytest.mark.parametrize("seed", CASES, ids=_key)
def test_a_valid_request_is_served(especial: httpx.Client, seed: dict[str, str]) -> None:
    op = SPEC["paths"].get(seed["path"], {}).get(seed["method"].lower())
    assert op is not None, f"{_key(seed)} is not in specs/especial.yaml"
    made = {"@export": especial.post("/lists/1/exports").json()["id"],
            "@log": especial.post("/logs/campaigns/2/exports", json={}).json()["id"]}
    params = {p["name"]: example(p.get("schema", {}), SPEC, p["name"])
              for p in op.get("parameters", [])
              if p.get("in") == "query" and p.get("required")}
    media, body = _body(op)
    kwargs: dict[str, Any] = {"params": params}
    if media == "application/json":
        kwargs["json"] = body
    elif media is not None:
        kwargs["data"] = body
    answer = especial.request(seed["method"], _path(seed["path"], made), **kwargs)
    assert answer.status_code not in (404, 405, 500), answer.text
    sample: dict[str, Any] | None = seed.get("sample")  # type: ignore[assignment]
    if sample is None or not 200 <= answer.status_code < 300:
        return  # a refusal of this state (an unscheduled campaign cannot be unscheduled)
    body = answer.json()
    assert [key for key in sample["keys"] if key not in body] == [], body
    assert {key: body.get(key) for key in sample["literals"]} == sample["literals"]
