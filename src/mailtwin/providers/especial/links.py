"""Tracked links of campaigns: the hrefs of a campaign's HTML, in order, each with an id.

An id is issued when a campaign's content is written (created or edited) for each URL the
campaign did not hold before, and kept for good: an edit keeps the ids of the URLs the content
still holds, and `GET /links/{id}` still names the campaign of a URL that left it. Ids are
integers counted per account from 1. Reads issue nothing, except for content that arrived
without a write (fixture data). The published link shape holds no counts (clicks are reported
under /reports/campaigns/{id}/links).
"""

from __future__ import annotations

import re
from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply, Tenant, not_found, rows

_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
STATUS = "active"


def hrefs(record: Record) -> list[str]:
    """The distinct hrefs of a campaign's HTML, in the order they first appear."""
    return urls_in((record.get("content") or {}).get("html"))


def urls_in(html: Any) -> list[str]:
    """The distinct hrefs of some HTML (none without any), in the order they first appear."""
    return list(dict.fromkeys(_HREF.findall(str(html or ""))))


def _issued(tenant: Tenant) -> list[dict[str, Any]]:
    """Every link issued in an account, as `{"id", "campaign_id", "url"}` (kept as a list so
    the state exports as JSON)."""
    held: list[dict[str, Any]] = tenant.extra.get("links", [])
    return held


def track(tenant: Tenant, campaign: Record) -> list[dict[str, Any]]:
    """Issue ids for the URLs of a campaign's content that have none yet; its links."""
    ident = str(campaign["id"])
    known = {link["url"]: link for link in _issued(tenant) if str(link["campaign_id"]) == ident}
    for url in hrefs(campaign):
        if url not in known:
            number = tenant.counters.get("link", 0) + 1
            tenant.counters["link"] = number
            known[url] = {"id": number, "campaign_id": campaign["id"], "url": url}
            tenant.extra.setdefault("links", []).append(known[url])
    return [known[url] for url in hrefs(campaign)]


def campaign_links(ctx: Context) -> Reply:
    """The tracked links of a campaign's content, a page at a time."""
    links = track(ctx.tenant, ctx.require("campaign"))
    return ctx.page(rows({"id": link["id"], "status": STATUS, "link_to": link["url"]}
                         for link in links))


def link_info(ctx: Context) -> Reply:
    """The campaign a link belongs to."""
    ident = ctx.path["link_id"]
    owner = next((link for link in _issued(ctx.tenant) if link["id"] == ident), None)
    if owner is None or ctx.record("campaign", owner["campaign_id"]) is None:
        raise not_found("Link", ident)
    return Reply(200, {"data": {"mailing_id": owner["campaign_id"]}})


HOOKS = Hooks.of(campaign_links, link_info)
