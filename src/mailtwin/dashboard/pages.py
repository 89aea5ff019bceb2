"""The dashboard's pages: each reads through the control plane and renders a template."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mailtwin.dashboard import charts
from mailtwin.dashboard.reader import Reader
from mailtwin.dashboard.statechart import layout
from mailtwin.errors import ApiError

API = "/__mailtwin"
UI = f"{API}/ui"
PAGE_SIZE = 50
# (key, label, path under the UI): later pages join this list.
NAV = [("overview", "Overview", "/"), ("records", "Records", "/records"),
       ("outbox", "Outbox", "/outbox"), ("webhooks", "Webhooks", "/webhooks"),
       ("journal", "Journal", "/journal"), ("controls", "Snapshots & faults", "/controls")]
# Same-origin everything; no inline script or style, so only mailtwin's own files run.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# A message's page shows its HTML in a sandboxed srcdoc frame (no script, no same origin),
# which inherits this policy: the email's inline styles apply, nothing is fetched from
# elsewhere (no remote image, font or frame).
MESSAGE_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
OUTBOX_FILTERS = ("provider", "tenant", "resource", "mailing", "to", "subject", "event")
WEBHOOK_FILTERS = ("provider", "tenant", "webhook", "event", "delivery", "status")
Page = Callable[[Request], Awaitable[Response]]


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _when(text: Any) -> str:
    """ISO 8601 moments as `YYYY-MM-DD HH:MM:SS` (UTC), other values as they are."""
    value = str(text or "")
    if len(value) >= 19 and value[10] == "T":
        return f"{value[:10]} {value[11:19]}"
    return value


def _scalar_text(value: Any) -> str:
    """Scalars as JSON writes them (null, true), text as it is."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def environment() -> Environment:
    env = Environment(loader=PackageLoader("mailtwin.dashboard", "templates"),
                      autoescape=select_autoescape(["html", "svg"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(pretty=_pretty, when=_when, tojson_attr=json.dumps,
                       scalar_text=_scalar_text)
    env.tests["scalar"] = _scalar
    env.globals.update(api=API, ui=UI, nav=NAV)
    return env


class Pages:
    """Endpoints bound to one Reader and one template environment."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.env = environment()

    def render(self, name: str, status: int = 200, csp: str = CSP, **context: Any
               ) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status, headers={"Content-Security-Policy": csp,
                                                   "Cache-Control": "no-store",
                                                   "X-Content-Type-Options": "nosniff",
                                                   "Referrer-Policy": "same-origin"})

    def failed(self, error: ApiError, section: str) -> HTMLResponse:
        return self.render("error.html", error.status, section=section,
                           message=error.summary() or error.title)

    def _charts(self) -> dict[str, Any]:
        entries = list(self.reader.runtime.journal.entries)
        return {"rate": charts.requests_per_second(entries, time.time()),
                "classes": charts.status_classes(entries)}

    async def overview(self, request: Request) -> Response:
        read = self.reader.get
        return self.render("overview.html", section="overview", health=read("health"),
                           tenants=read("list_tenants")["tenants"],
                           upcoming=read("upcoming_moves", {"limit": 10})["upcoming"],
                           mailings=self._mailings(read("engagement", {"limit": 5})),
                           **self._charts())

    def _mailings(self, answer: dict[str, Any]) -> list[dict[str, Any]]:
        """Mailings with the state their record is in now (None without a lifecycle or
        once the record is gone)."""
        out = []
        for mailing in answer["mailings"]:
            place = {"provider": mailing["provider"], "tenant": mailing["tenant"],
                     "resource": mailing["mailing"]["resource"],
                     "id": str(mailing["mailing"]["id"])}
            try:
                life = self.reader.get("get_record", place)["lifecycle"]
            except ApiError:
                life = None
            out.append({**mailing, "state": life["state"] if life else None})
        return out

    async def outbox(self, request: Request) -> Response:
        params = request.query_params
        filters = {k: params.get(k, "") for k in OUTBOX_FILTERS}
        page = _page(params.get("page"))
        try:
            answer = self.reader.get("list_outbox", {
                **filters, "offset": (page - 1) * PAGE_SIZE, "limit": PAGE_SIZE})
            chosen = {k: filters[k] for k in ("provider", "tenant", "resource", "mailing")}
            mailings = self.reader.get("engagement", {**chosen, "limit": 6})
        except ApiError as error:
            return self.failed(error, "outbox")
        pages = max((answer["count"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return self.render("outbox.html", section="outbox", filters=filters, answer=answer,
                           page=page, pages=pages, health=self.reader.get("health"),
                           mailings=[{**m, "chart": charts.engagement(m)}
                                     for m in mailings["mailings"]],
                           more_mailings=mailings["count"] - len(mailings["mailings"]))

    async def message(self, request: Request) -> Response:
        try:
            message = self.reader.get("get_message", path={"id": request.path_params["id"]})
        except ApiError as error:
            return self.failed(error, "outbox")
        return self.render("message.html", csp=MESSAGE_CSP, section="outbox",
                           message=message)

    async def webhooks(self, request: Request) -> Response:
        params = request.query_params
        filters = {k: params.get(k, "") for k in WEBHOOK_FILTERS}
        before = params.get("before", "")
        try:
            answer = self.reader.get("webhook_deliveries", {**filters, "before": before,
                                                            "limit": PAGE_SIZE})
        except ApiError as error:
            return self.failed(error, "webhooks")
        attempts = [{**a, "payload": _payload(a["body"])} for a in answer["deliveries"]]
        return self.render("webhooks.html", section="webhooks", filters=filters,
                           answer=answer, attempts=attempts, before=before,
                           health=self.reader.get("health"))

    async def records(self, request: Request) -> Response:
        health = self.reader.get("health")
        tenants = self.reader.get("list_tenants")["tenants"]
        return self.render("records.html", section="records", health=health, tenants=tenants)

    async def table(self, request: Request) -> Response:
        params = request.query_params
        page = _page(params.get("page"))
        place = {k: params.get(k, "") for k in ("provider", "tenant", "resource")}
        q = params.get("q", "")
        try:
            answer = self.reader.get("list_records", {
                **place, "q": q, "offset": (page - 1) * PAGE_SIZE, "limit": PAGE_SIZE})
        except ApiError as error:
            return self.failed(error, "records")
        pages = max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return self.render("table.html", section="records", answer=answer, place=place, q=q,
                           page=page, pages=pages, columns=_columns(answer))

    async def record(self, request: Request) -> Response:
        params = request.query_params
        place = {k: params.get(k, "") for k in ("provider", "tenant", "resource", "id")}
        try:
            answer = self.reader.get("get_record", place)
        except ApiError as error:
            return self.failed(error, "records")
        life = answer["lifecycle"]
        chart = layout(life, answer["moves"]) if life else None
        return self.render("record.html", section="records", answer=answer, chart=chart)

    async def journal(self, request: Request) -> Response:
        filters = {k: request.query_params.get(k, "")
                   for k in ("provider", "tenant", "method", "status", "path")}
        try:
            answer = self.reader.get("journal", {**filters, "last": 200})
        except ApiError as error:
            return self.failed(error, "journal")
        health = self.reader.get("health")
        return self.render("journal.html", section="journal", filters=filters, health=health,
                           entries=list(reversed(answer["entries"])), limit=answer["limit"],
                           **self._charts())

    async def entry(self, request: Request) -> Response:
        seq = request.path_params["seq"]
        try:
            entry = self.reader.get("journal_entry", path={"seq": str(seq)})
        except ApiError as error:
            return self.failed(error, "journal")
        name = "entry_part.html" if request.query_params.get("part") else "entry.html"
        return self.render(name, section="journal", entry=entry)

    async def controls(self, request: Request) -> Response:
        read = self.reader.get
        return self.render("controls.html", section="controls", health=read("health"),
                           snapshots=read("list_snapshots")["snapshots"],
                           faults=read("list_faults")["faults"],
                           tenants=read("list_tenants")["tenants"])


def _page(text: str | None) -> int:
    try:
        return max(int(text or "1"), 1)
    except ValueError:
        return 1


def _payload(body: str) -> Any:
    """A webhook body pretty-printed when it is JSON, else as sent."""
    try:
        return _pretty(json.loads(body))
    except ValueError:
        return body


PREFERRED = ("name", "subject", "title", "email", "email_address", "status", "type",
             "created_at", "updated_at")


def _columns(answer: dict[str, Any]) -> list[str]:
    """The id, the state, then up to four short fields, preferring the telling ones."""
    first = [answer["id_field"], *([answer["state_field"]] if answer["state_field"] else [])]
    sample: dict[str, Any] = {}
    for record in answer["records"][:20]:
        for key, value in record.items():
            if _scalar(value) and len(str(value)) <= 80:
                sample.setdefault(key, value)
    rest = [k for k in sample if k not in first]
    rest.sort(key=lambda k: (PREFERRED.index(k) if k in PREFERRED else len(PREFERRED),
                             list(sample).index(k)))
    return first + rest[:4]
