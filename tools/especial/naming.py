"""Names and wording: text helpers, path routes, operation classification, summaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .facts import PRODUCT

# Path prefixes that only group paths; "v2" stays part of resource names, the others do not.
NAMESPACES = ("v2", "reports", "logs")
NAMING_NAMESPACES = ("v2",)
BRAND_PREFIX = ("brands", "default")
SINGLETON_MARKERS = ("self", "default")
# Roots whose every operation is a hook.
HOOK_ROOTS = ("token",)
# Path segments whose operations compute derived data: always hooks.
DERIVED = ("render", "download", "validate", "links", "revisions", "email-tags", "emails-summary")
# Paths that look conventional but need behaviour, with the reason.
HOOK_PATHS = {
    "/lists/{list_id}/segments/{segment_id}/contacts": "segment membership is computed",
}
# Naming key (namespace:literal/literal) -> resource name, where singularising is not enough.
RESOURCE_NAMES = {
    "lists/exports": "contacts_export",
    "lists/forms": "list_form",
    "workflow-blueprints/actions": "workflow_blueprint_action",
    "logs:campaigns/exports": "campaign_log_export",
    "logs:lists/exports": "list_log_export",
    "brands:dkim": "dkim_key",
    "brands:domains": "brand",
    "brands:logos": "brand",
    "brands:system-emails": "brand",
    "emails": "transactional_email",
    "v2:emails": "email",
    "email-tags": "email",
    "emails-summary": "email",
    "email-group-ids": "email_group",
    "users/mfa": "mfa_method",
}
# Resources whose hooks act on a facet named by the path literal (domains, logos, ...).
FACET_RESOURCES = ("brand",)
ACRONYMS = {"dkim": "DKIM", "mfa": "MFA", "api": "API"}

# Summaries that the generic wording gets wrong or ambiguous.
SUMMARIES = {
    ("post", "/token"): "Token: issue",
    ("put", "/token"): "Token: refresh",
    ("post", "/token/challenge"): "Token: complete MFA challenge",
    ("get", "/logs/emails-summary"): "Email: activity summary",
    ("get", "/email-tags"): "Email: list tags in use",
    ("put", "/brands/default/logos/default"): "Brand: upload logo",
    ("delete", "/brands/default/logos/default"): "Brand: remove logo",
    ("get", "/lists/{list_id}/segments/{segment_id}/contacts"): "Contact: list segment members",
    ("post", "/lists/{list_id}/contacts/tag"): "Contact: tag many",
    ("post", "/lists/{list_id}/contacts/untag"): "Contact: untag many",
}


@dataclass(frozen=True)
class Route:
    """A path split into namespaces and (literal, parameter-or-marker) pairs."""

    path: str
    namespaces: tuple[str, ...]
    pairs: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Classified:
    """What the convention makes of one operation."""

    kind: str
    resource: str
    subject: int
    action: str | None = None


# ---------------------------------------------------------------------------- text helpers


def snake(text: str) -> str:
    """Snake_case of a path segment or phrase."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def singular(word: str) -> str:
    """Singular of one English plural word (the few shapes the paths use)."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """Plural of one English singular word."""
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith("s"):
        return word + "es"
    return word + "s"


def words_of(name: str) -> list[str]:
    """Display words of a snake_case or kebab-case name, acronyms upper-cased."""
    return [ACRONYMS.get(w, w) for w in re.split(r"[_\-]+", name) if w]


def title_of(resource: str) -> str:
    """Display title of a resource: campaign -> Campaign, dkim_key -> DKIM key."""
    text = " ".join(words_of(resource))
    return text[:1].upper() + text[1:]


def plural_title(resource: str) -> str:
    """Lower-case plural display name: custom_attribute -> custom attributes."""
    parts = words_of(resource)
    parts[-1] = plural(parts[-1])
    return " ".join(p if p.isupper() else p.lower() for p in parts)


def rebrand(value: Any, brand: str) -> Any:
    """Replace the upstream brand by the product name in every string of a value."""
    if isinstance(value, str):
        return re.sub(re.escape(brand), PRODUCT, value, flags=re.IGNORECASE) if brand else value
    if isinstance(value, dict):
        return {k: rebrand(v, brand) for k, v in value.items()}
    if isinstance(value, list):
        return [rebrand(v, brand) for v in value]
    return value


def plain_number(value: Any) -> Any:
    """Integral floats (1.0) as ints, everything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def backticked(text: str) -> list[str]:
    """The `quoted` terms of a text, in order."""
    return re.findall(r"`([^`]+)`", text)


def section(text: str, heading: str) -> str:
    """The part of an upstream description after a heading, up to the next blank line pair."""
    start = text.find(heading)
    if start < 0:
        return ""
    rest = text[start + len(heading) :]
    end = rest.find("\n\n")
    return rest if end < 0 else rest[:end]


# ---------------------------------------------------------------------------- routes


def parse_route(path: str) -> Route:
    """Split a path into namespaces and (literal, parameter) pairs."""
    segments = [s for s in path.split("/") if s]
    namespaces: list[str] = []
    while True:
        if segments[:2] == list(BRAND_PREFIX):
            namespaces.append(BRAND_PREFIX[0])
            segments = segments[2:]
        elif len(segments) > 1 and segments[0] in NAMESPACES:
            namespaces.append(segments.pop(0))
        else:
            break
    pairs: list[tuple[str, str | None]] = []
    index = 0
    while index < len(segments):
        literal = segments[index]
        following = segments[index + 1] if index + 1 < len(segments) else None
        if following is not None and following.startswith("{"):
            pairs.append((literal, following.strip("{}")))
            index += 2
        elif following in SINGLETON_MARKERS:
            pairs.append((literal, "@" + str(following)))
            index += 2
        else:
            pairs.append((literal, None))
            index += 1
    return Route(path, tuple(namespaces), tuple(pairs))


def is_param(value: str | None) -> bool:
    """Whether a pair's second element is a real path parameter."""
    return value is not None and not value.startswith("@")


def collection_literals(routes: list[Route]) -> frozenset[str]:
    """Literals that name a collection: followed by a parameter somewhere, or a root."""
    found = {lit for r in routes for lit, p in r.pairs if is_param(p) or p == "@self"}
    found |= {r.pairs[0][0] for r in routes if len(r.pairs) == 1}
    return frozenset(found)


def naming_key(route: Route, upto: int, keep_all: bool) -> str:
    """The key a resource name is looked up by: namespaces, then the literal chain."""
    chain = "/".join(lit for lit, _ in route.pairs[: upto + 1])
    kept = (
        route.namespaces
        if keep_all
        else tuple(n for n in route.namespaces if n in NAMING_NAMESPACES)
    )
    return ":".join((*kept, chain))


def resource_name(route: Route, upto: int) -> str:
    """Resource named by the pair at `upto`: explicit table first, else the singular."""
    for keep_all in (True, False):
        key = naming_key(route, upto, keep_all)
        if key in RESOURCE_NAMES:
            return RESOURCE_NAMES[key]
    literal = route.pairs[upto][0]
    head, _, last = literal.rpartition("-")
    return snake(f"{head}-{singular(last)}" if head else singular(last))


def hook_subject(route: Route, collections: frozenset[str]) -> int:
    """Index of the pair a hook acts on: the last record-naming pair before any verb."""
    last = len(route.pairs) - 1
    lit, param = route.pairs[last]
    if last == 0 or param is not None:
        return last
    if lit in collections and lit not in DERIVED:
        return last
    return last - 1


def is_hook_route(route: Route, methods: set[str], collections: frozenset[str]) -> bool:
    """Whether every operation on a path is a hook, whatever its method."""
    pairs = route.pairs
    if route.path in HOOK_PATHS or pairs[0][0] in HOOK_ROOTS:
        return True
    if any(lit in DERIVED for lit, _ in pairs):
        return True
    marked = [i for i, (_, p) in enumerate(pairs) if p is not None and p.startswith("@")]
    if marked and marked[-1] == len(pairs) - 1:
        return True
    if marked and marked[-1] == len(pairs) - 2 and pairs[-1][1] is None:
        return pairs[-1][0] not in collections
    if set(route.namespaces) & {"reports", "logs"} and not pairs[-1][0].endswith("exports"):
        return True
    return len(pairs) == 1 and pairs[0][1] is None and bool(methods & {"put", "patch"})


def classify(
    route: Route, method: str, methods: set[str], collections: frozenset[str]
) -> Classified:
    """Kind, resource and action of one operation, by the conventions of the spec format."""
    last = len(route.pairs) - 1
    lit, param = route.pairs[last]
    if is_hook_route(route, methods, collections):
        subject = hook_subject(route, collections)
        return Classified("hook", resource_name(route, subject), subject)
    if is_param(param):
        kinds = {"get": "get", "patch": "update", "put": "replace", "delete": "delete"}
        return Classified(kinds.get(method, "hook"), resource_name(route, last), last)
    if lit in collections and (last == 0 or route.pairs[last - 1][1] is not None):
        kinds = {"get": "list", "post": "create"}
        return Classified(kinds.get(method, "hook"), resource_name(route, last), last)
    if last > 0 and is_param(route.pairs[last - 1][1]) and method == "post":
        return Classified("action", resource_name(route, last - 1), last - 1, snake(lit))
    subject = hook_subject(route, collections)
    return Classified("hook", resource_name(route, subject), subject)


# ---------------------------------------------------------------------------- summaries


def hook_phrase(route: Route, method: str, found: Classified) -> str:
    """Generated wording of what a hook does."""
    trailing = [w for lit, _ in route.pairs[found.subject + 1 :] for w in words_of(lit)]
    is_export = route.pairs[found.subject][0].endswith("exports")
    if "reports" in route.namespaces and not is_export:
        return " ".join([*trailing, "report"])
    if "logs" in route.namespaces and not is_export:
        return " ".join([*trailing, "activity log"])
    verbs = {"get": "show", "put": "set", "patch": "update", "delete": "remove", "post": "create"}
    phrase = trailing or [verbs.get(method, method)]
    if found.resource in FACET_RESOURCES:
        phrase = [*phrase, *words_of(route.pairs[found.subject][0])]
    return " ".join(phrase)


def summary_of(route: Route, method: str, found: Classified) -> str:
    """Our own short summary of an operation, from its method, path and classification."""
    fixed = SUMMARIES.get((method, route.path))
    if fixed:
        return fixed
    title = title_of(found.resource)
    if route.pairs[found.subject][1] == "@self":
        title += " (self)"
    if found.kind == "list":
        return f"List {plural_title(found.resource)}"
    if found.kind == "action":
        return f"{title}: {' '.join(words_of(found.action or ''))}"
    if found.kind == "hook":
        return f"{title}: {hook_phrase(route, method, found)}"
    return f"{title}: {found.kind}"
