"""The control plane's credentials: list, add and remove the users and tokens a provider
knows (`/__mailtwin/credentials`), passwords and tokens shown redacted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailtwin.control.validation import Call, problem
from mailtwin.credentials import Credentials, entry_problems
from mailtwin.redaction import redacted
from mailtwin.runtime import Runtime

if TYPE_CHECKING:
    from mailtwin.control.validation import ControlState


def _known(rt: Runtime, name: Any, where: tuple[str, ...]) -> Credentials:
    provider = rt.providers.get(str(name))
    if provider is None:
        raise problem(f"no provider named {name!r} (known: {', '.join(sorted(rt.providers))})",
                      where, 404)
    return rt.credentials(provider)


def _rows(provider: str, known: Credentials, secrets: bool) -> list[dict[str, Any]]:
    def hide(text: str) -> str:
        return text if secrets else redacted(text)

    rows = [{"provider": provider, "user": user, "password": hide(entry["password"]),
             "tenant": entry["tenant"], "declared": bool(entry.get("declared"))}
            for user, entry in known.users.items()]
    rows += [{"provider": provider, "token": hide(token),
              "tenant": hide(entry["tenant"]) if entry["tenant"] == token else entry["tenant"],
              "declared": bool(entry.get("declared"))}
             for token, entry in known.tokens.items()]
    return rows


def list_credentials(rt: Runtime, cs: ControlState, call: Call) -> Any:
    wanted = call.query.get("provider")
    if wanted is not None:
        _known(rt, wanted, ("query", "provider"))
    names = sorted(rt.providers) if wanted is None else [wanted]
    secrets = bool(call.query.get("secrets"))
    return {"modes": {name: rt.config.auth_mode(name) for name in names},
            "credentials": [row for name in names
                            for row in _rows(name, rt.credentials(rt.providers[name]),
                                             secrets)]}


def add_credentials(rt: Runtime, cs: ControlState, call: Call) -> Any:
    body = dict(call.body)
    provider = body.pop("provider")
    known = _known(rt, provider, ("body", "provider"))
    for key, message in entry_problems(body)[:1]:
        raise problem(message, ("body", key))
    if known.full(body):
        raise problem(f"the sandbox knows at most {known.limit} users and {known.limit} tokens "
                      "per provider (max_credentials); remove one first", ("body",), 409)
    known.add(body)
    return next(row for row in _rows(provider, known, False)
                if row.get("user") == body.get("user") and (
                    "token" not in body or row["token"] == redacted(body["token"])))


def delete_credentials(rt: Runtime, cs: ControlState, call: Call) -> Any:
    query = call.query
    known = _known(rt, query["provider"], ("query", "provider"))
    user, token = query.get("user"), query.get("token")
    if (user is None) == (token is None):
        raise problem("name either a user or a token", ("query",))
    where = ("query", "user" if user is not None else "token")
    if not known.remove(user=user, token=token):
        what = f"user {user!r}" if user is not None else "that token"
        fixed = known.declared["users" if user is not None else "tokens"]
        if (user if user is not None else token) in fixed:
            raise problem(f"the {what} is declared by the provider's fixtures "
                          "(credentials.yaml) and stays", where, 409)
        raise problem(f"provider {query['provider']} knows no {what}", where, 404)
    return {"deleted": user if user is not None else redacted(str(token))}


CREDENTIALS = {"list_credentials": list_credentials, "add_credentials": add_credentials,
               "delete_credentials": delete_credentials}
