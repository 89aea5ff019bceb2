"""Emailicious hooks: DRF-style authentication messages, mailing creation (list defaults,
zipped layouts, scheduled deliveries) and deliveries marked sent on the mailing, sending
their messages (`sending.py`)."""

from __future__ import annotations

from typing import Any

from mailtwin.conventions.timestamps import STYLES
from mailtwin.errors import Location
from mailtwin.hooks import ApiError, AuthContext, Context, Hooks, Move, Problem, Record, Reply
from mailtwin.providers.emailicious.layouts import LayoutError, read_zip_layout
from mailtwin.providers.emailicious.sending import on_mailing_message, send_delivery

# Variant field -> the list field that supplies it when the variant leaves it out.
LIST_DEFAULTS = {"from_name": "default_from_name", "from_email": "default_from_email",
                 "replyto_email": "default_replyto_email"}


def authenticate(auth: AuthContext) -> str:
    """HTTP Basic, answered with DRF's own 401 messages."""
    given = bool(auth.headers.get("authorization", "").strip())
    try:
        return auth.scheme()
    except ApiError as error:
        message = ("Invalid username/password." if given
                   else "Authentication credentials were not provided.")
        raise ApiError(401, [Problem((), message, "not_authenticated")], title="Unauthorized",
                       headers=dict(error.headers)) from None


def _pk_problem(location: Location, value: Any) -> Problem:
    return Problem(location, f'Invalid pk "{value}" - object does not exist.', "does_not_exist")


def _references(ctx: Context, body: dict[str, Any], problems: list[Problem]) -> Record | None:
    """The mailing's list, checking the list, campaign, segments and name on the way."""
    collections = ctx.tenant.collections
    chosen = collections["list"].get(body["list"])
    if chosen is None:
        problems.append(_pk_problem(("body", "list"), body["list"]))
    campaign = body.get("campaign")
    if campaign is not None and collections["campaign"].get(campaign) is None:
        problems.append(_pk_problem(("body", "campaign"), campaign))
    for index, segment in enumerate(body.get("segments") or []):
        found = collections["segment"].get(segment)
        if found is None or (chosen is not None and found.get("list") != chosen["id"]):
            problems.append(_pk_problem(("body", "segments", index), segment))
    if collections["mailing"].ids_where("name", [body["name"]]):
        problems.append(Problem(("body", "name"), "mailing with this name already exists.",
                                "unique"))
    return chosen


def _layout(layout: dict[str, Any], at: Location, problems: list[Problem]) -> str | None:
    """The layout's source, the HTML of its zip file or its text."""
    if "zip_file" in layout:
        try:
            return read_zip_layout(str(layout["zip_file"]))
        except LayoutError as error:
            problems.append(Problem((*at, "zip_file"), str(error), "invalid"))
            return None
    if "text" in layout:
        return str(layout["text"])
    problems.append(Problem(at, "Provide either a zip_file or a text layout.", "required"))
    return None


def _variant(variant: dict[str, Any], source: str | None, defaults: Record) -> Record:
    return {
        **{name: variant.get(name, defaults.get(field, ""))
           for name, field in LIST_DEFAULTS.items()},
        "subject": variant["subject"],
        "deliveries": [{"exclusions": list(d.get("exclusions", [])), "limit": d.get("limit"),
                        "scheduled_datetime": d["scheduled_datetime"], "status": "scheduled",
                        "sent_at": None} for d in variant.get("deliveries", [])],
        "language": variant.get("language"),
        "layout": {"id": None, "source": source},
    }


def create_mailing(ctx: Context) -> Reply:
    """A mailing whose variants take the list's defaults; every problem is reported at once."""
    body: dict[str, Any] = dict(ctx.body)
    problems: list[Problem] = []
    chosen = _references(ctx, body, problems)
    sources = [_layout(v["layout"], ("body", "variants", i, "layout"), problems)
               for i, v in enumerate(body["variants"])]
    if problems:
        raise ApiError(400, problems, title="Bad Request")
    variants = [_variant(v, source, chosen or {}) for v, source in zip(body["variants"], sources,
                                                                       strict=True)]
    record = ctx.new(None, {
        "name": body["name"], "list": body["list"], "campaign": body.get("campaign"),
        "segments": list(body.get("segments") or []), "variants": variants})
    _store_parts(ctx, record, ["html" if "zip_file" in v["layout"] else "text"
                               for v in body["variants"]])
    return ctx.respond(ctx.insert(None, record), 201)


def _store_parts(ctx: Context, mailing: Record, formats: list[str]) -> None:
    """Layouts and deliveries as records of their own (deliveries carry the send timers)."""
    for v_index, variant in enumerate(mailing["variants"]):
        layout = ctx.create("layout", {"mailing": mailing["id"],
                                       "source": variant["layout"]["source"],
                                       "format": formats[v_index]})
        variant["layout"]["id"] = layout["id"]
        for d_index, delivery in enumerate(variant["deliveries"]):
            ctx.create("delivery", {
                "mailing": mailing["id"], "variant": v_index, "index": d_index,
                "scheduled_datetime": delivery["scheduled_datetime"], "sent_at": None})


def on_delivery_move(move: Move) -> None:
    """A sent delivery shows as sent in its mailing."""
    record, mailings = move.record, move.tenant.collections["mailing"]
    mailing = mailings.get(record["mailing"])
    if mailing is None:
        return
    variants = mailing["variants"]
    shown = variants[record["variant"]]["deliveries"][record["index"]]
    shown["status"] = move.target
    shown["sent_at"] = record.get("sent_at") or STYLES["iso8601"].format(move.moment)
    mailings.update(mailing["id"], {"variants": variants})
    if move.target == "sent":
        send_delivery(move, record, mailing)


HOOKS = Hooks.of(create_mailing, authenticate=authenticate,
                 moves={"delivery": [on_delivery_move]},
                 messages={"mailing": [on_mailing_message]})
