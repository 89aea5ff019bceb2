"""Request validation: parameters coerced from text, bodies parsed, both checked against the
operation's JSON Schemas (compiled once). Every problem comes back with its location."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mailtwin.conventions.timestamps import parse_iso
from mailtwin.errors import Location, Problem
from mailtwin.formdata import FORM_TYPE, MULTIPART_TYPE, FormError, media_type, read_form
from mailtwin.schema_messages import extra_properties, message_of, named_in_message
from mailtwin.spec import OperationSpec

JSON_TYPES = ("application/json", "application/vnd.api+json")
FORM_TYPES = (FORM_TYPE, MULTIPART_TYPE)
MAX_DEPTH = 64
RECENT_LIMIT = 2048

FORMATS = FormatChecker(())


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


def _is_date_text(value: object) -> bool:
    try:
        return _is_date(value)
    except ValueError:
        return False


@FORMATS.checks("date-time")
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or ("T" in value.upper() and parse_iso(value) is not None)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(_UUID.match(value))


FAST_FORMATS = {"date": _is_date_text, "date-time": _is_datetime, "email": _is_email,
                "uri": _is_uri, "uuid": _is_uuid}


class Schemas:
    """A spec document as schemas resolve it: `#/components/...` references reach into it.

    Holds two registries over the same document: jsonschema's, which explains every problem,
    and jsonschema-rs's, which only answers "valid or not", many times faster. The second is
    built the first time a fast check needs it.
    """

    def __init__(self, provider: str, document: dict[str, Any]) -> None:
        self.base = f"urn:mailtwin:spec:{provider}"
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(self.base, resource)
        self._document = document
        self._fast: jsonschema_rs.Registry | None = None
        self._fast_failed = False

    def fast_registry(self) -> jsonschema_rs.Registry | None:
        if self._fast is None and not self._fast_failed:
            try:
                self._fast = jsonschema_rs.Registry([(self.base, self._document)])
            except Exception:  # a document jsonschema-rs cannot hold: checks stay in Python
                self._fast_failed = True
        return self._fast


class Validator:
    """A compiled JSON Schema that reports problems at locations under a prefix.

    Most requests are valid, so a jsonschema-rs validator answers first; only when it finds
    the value invalid does jsonschema walk it to say where and why. The fast validator checks
    the same formats with the same functions, and where the two engines still differ (regular
    expressions: `\\w` is ASCII-only in jsonschema-rs) the fast one is the stricter, so a
    value it refuses is judged again by jsonschema, whose verdict stands.
    """

    def __init__(self, schema: dict[str, Any], schemas: Schemas) -> None:
        self.schema = {"allOf": [absolute_refs(schema, schemas.base)]} if schema else {}
        self._validator = Draft202012Validator(self.schema, registry=schemas.registry,
                                               format_checker=FORMATS)
        self._schemas = schemas
        self._fast: Any = None
        self._fast_tried = False
        self.trivial = not schema

    def problems(self, value: Any, prefix: Location) -> list[Problem]:
        if self.trivial or self.quick_check(value):
            return []
        return self.explain(value, prefix)

    def quick_check(self, value: Any) -> bool:
        """True when jsonschema-rs finds the value valid; False when it finds it invalid,
        cannot read it, or cannot compile the schema."""
        fast = self._fast if self._fast_tried else self._compile_fast()
        if fast is None:
            return False
        try:
            return bool(fast.is_valid(value))
        except Exception:  # a value jsonschema-rs cannot read: jsonschema judges it
            return False

    def explain(self, value: Any, prefix: Location) -> list[Problem]:
        """Every problem jsonschema finds, located under the prefix."""
        errors = sorted(self._validator.iter_errors(value), key=lambda e: list(e.path))
        return [problem_of(error, prefix) for error in _leaves(errors)]

    def _compile_fast(self) -> Any:
        self._fast_tried = True
        registry = self._schemas.fast_registry()
        if registry is None:
            return None
        try:
            self._fast = jsonschema_rs.Draft202012Validator(
                self.schema, registry=registry, validate_formats=True, formats=FAST_FORMATS)
        except Exception:  # e.g. a pattern its regex engine refuses: jsonschema alone checks
            self._fast = None
        return self._fast


def absolute_refs(schema: Any, document_uri: str) -> Any:
    """A copy whose `#/...` references point into the spec document, wherever it is used."""
    if isinstance(schema, dict):
        out = {k: absolute_refs(v, document_uri) for k, v in schema.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            out["$ref"] = document_uri + ref
        return out
    if isinstance(schema, list):
        return [absolute_refs(v, document_uri) for v in schema]
    return schema


def _leaves(errors: Iterable[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """Replace allOf / anyOf wrappers by their most useful inner error."""
    out = []
    for error in errors:
        if error.validator == "allOf" and error.context:
            out.extend(_leaves(error.context))
        elif error.validator in ("anyOf", "oneOf") and error.context:
            out.append(jsonschema.exceptions.best_match(error.context))
        else:
            out.append(error)
    return out


_KINDS = {"required": "missing", "type": "type_error", "enum": "enum", "const": "enum",
          "additionalProperties": "extra_forbidden", "format": "value_error",
          "maxLength": "string_too_long", "minLength": "string_too_short",
          "maximum": "less_than_equal", "minimum": "greater_than_equal",
          "pattern": "string_pattern_mismatch", "maxItems": "too_long", "minItems": "too_short"}


def problem_of(error: jsonschema.ValidationError, prefix: Location) -> Problem:
    """A located problem from a jsonschema error, worded in JSON terms; a missing or unknown
    property is located at itself."""
    path: Location = (*prefix, *error.absolute_path)
    message = message_of(error)
    if error.validator == "required" and isinstance(error.instance, dict):
        declared: Any = error.validator_value
        required = [str(p) for p in declared] if isinstance(declared, list) else []
        missing = named_in_message(error, [p for p in required if p not in error.instance])
        if missing is not None:
            path = (*path, missing)
            message = "field required"
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = extra_properties(error)
        if extra:
            path = (*path, extra[0])
            message = "unknown field"
    return Problem(path, message, _KINDS.get(str(error.validator), "value_error"))


def _schema_of(param: dict[str, Any]) -> dict[str, Any]:
    schema = param.get("schema")
    return schema if isinstance(schema, dict) else {}


def _types(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """The JSON types a parameter schema allows, looking through $ref / anyOf."""
    schema = _deref(schema, document)
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    out: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            out.extend(_types(sub, document))
    return out


def _deref(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = document
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
        return node if isinstance(node, dict) else {}
    return schema


def coerce(text: str, types: list[str]) -> Any:
    """A query or path value as the schema's type, when it reads as one; else the text."""
    for kind in types:
        if kind == "integer" and re.fullmatch(r"[+-]?\d{1,30}", text):
            return int(text)
        if kind == "number":
            try:
                number = float(text)
            except ValueError:
                continue
            if number == number and abs(number) != float("inf"):
                return number
        if kind == "boolean" and text.lower() in ("true", "false", "1", "0"):
            return text.lower() in ("true", "1")
        if kind == "null" and text in ("", "null"):
            return None
        if kind == "string":
            return text
    return text


class ParameterSet:
    """The parameters of one place (path or query): how to coerce them and their schema."""

    def __init__(self, place: str, params: Iterable[dict[str, Any]], document: dict[str, Any],
                 schemas: Schemas) -> None:
        self.place = place
        self.specs = {str(p["name"]): p for p in params if p.get("in") == place}
        self.types = {name: _types(_schema_of(p), document) for name, p in self.specs.items()}
        self.item_types = {name: _types(_deref(_schema_of(p), document).get("items", {}),
                                        document) for name, p in self.specs.items()}
        schema: dict[str, Any] = {}
        if self.specs:
            schema = {"type": "object",
                      "properties": {n: _schema_of(p) for n, p in self.specs.items()},
                      "required": [n for n, p in self.specs.items() if p.get("required")]}
        self.validator = Validator(schema, schemas)
        self.empty = not self.specs or not any(p.get("required") for p in self.specs.values())
        self._recent: dict[tuple[tuple[str, str], ...],
                           tuple[dict[str, Any], list[Problem]]] = {}

    def parse(self, pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], list[Problem]]:
        """Coerce and validate; arrays accept repeated names and comma lists alike.

        The answer depends only on the pairs, and clients repeat the same ones (an account
        id in every path), so recent answers are kept.
        """
        if not pairs and self.empty:
            return {}, []
        key = tuple(pairs)
        known = self._recent.get(key)
        if known is None:
            known = self._parse(pairs)
            if len(self._recent) >= RECENT_LIMIT:
                self._recent.clear()
            self._recent[key] = known
        return dict(known[0]), known[1]

    def _parse(self, pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], list[Problem]]:
        values: dict[str, Any] = {}
        for name, text in pairs:
            types = self.types.get(name)
            if types is None:
                values.setdefault(name, text)
                continue
            if "array" in types:
                items = [coerce(part, self.item_types[name]) for part in text.split(",")
                         if part != ""]
                values.setdefault(name, []).extend(items)
            elif name not in values:
                values[name] = coerce(text, types)
        known = {k: v for k, v in values.items() if k in self.specs}
        problems = self.validator.problems(known, (self.place,))
        return values, problems


def parse_query(raw: bytes) -> list[tuple[str, str]]:
    """Decode a query string; undecodable bytes are replaced, not fatal."""
    if not raw:
        return []
    return parse_qsl(raw.decode("latin-1").encode("latin-1").decode("utf-8", "replace"),
                     keep_blank_values=True)


class BodyParser:
    """Parses and validates a request body against the operation's request body schema.

    Bodies are read by what the operation declares, as the services read them: an operation
    that takes JSON reads a body that parses as JSON whatever the Content-Type says (clients
    built on `requests` send none for a text body, curl's `-d` sends a form type); one that
    takes a form reads URL-encoded and multipart/form-data bodies alike. An operation that
    declares no body reads either, by Content-Type.
    """

    def __init__(self, op: OperationSpec, document: dict[str, Any], schemas: Schemas) -> None:
        body = op.request_body or {}
        content = body.get("content", {}) if isinstance(body, dict) else {}
        self.required = bool(body.get("required"))
        self.declared = bool(content)
        takes_json = any(t in content for t in JSON_TYPES)
        takes_form = any(t in content for t in FORM_TYPES)
        self.form = takes_form and not takes_json
        # With both declared, a form Content-Type picks the form; JSON is the default.
        self.form_by_type = takes_form or not self.declared
        media: Any = next((content[t] for t in (*JSON_TYPES, *FORM_TYPES) if t in content), {})
        schema = media.get("schema", {}) if isinstance(media, dict) else {}
        self.validator = Validator(schema, schemas)
        # Form fields arrive as text: read them as the types their schema declares.
        props = _deref(schema, document).get("properties", {}) if schema else {}
        self.form_types = {str(name): _types(prop, document) for name, prop in props.items()
                           if isinstance(prop, dict)}

    def parse(self, raw: bytes, content_type: str) -> tuple[Any, list[Problem], bool]:
        """(value, problems, malformed): JSON or a form, as the operation takes it. A JSON
        `null` where the body is optional is no body, as clients send it when they have no
        options."""
        if not raw.strip():
            if self.required:
                return None, [Problem(("body",), "a request body is required", "missing")], False
            return None, [], False
        if self.form or (self.form_by_type and media_type(content_type) in FORM_TYPES):
            try:
                fields = read_form(raw, content_type)
            except FormError as exc:
                return None, [Problem(("body",), str(exc), "value_error")], True
            value: Any = {name: coerce(text, self.form_types.get(name, []))
                          for name, text in fields}
        else:
            value, problem = parse_json(raw)
            if problem is not None:
                return None, [problem], True
            if value is None and not self.required:
                return None, [], False
        if not self.declared:
            return value, [], False
        return value, self.validator.problems(value, ("body",)), False


def parse_json(raw: bytes) -> tuple[Any, Problem | None]:
    """A body as strict JSON (no NaN, no lone surrogates, bounded depth), or why it is not."""
    try:
        value = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        return None, Problem(("body",), f"malformed JSON: {exc}", "json_invalid")
    if (b"\\ud" in raw or b"\\uD" in raw) and _lone_surrogate(value):
        return None, Problem(("body",), "the JSON holds a lone UTF-16 surrogate "
                             "(\\ud800-\\udfff), which is not text", "json_invalid")
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _too_deep(value):
        return None, Problem(("body",), f"JSON nested deeper than {MAX_DEPTH} levels",
                             "json_invalid")
    return value, None


def _not_json(constant: str) -> Any:
    """Python's json reads NaN and Infinity, which are not JSON: refuse them."""
    raise ValueError(f"{constant} is not a JSON value")


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for a float (1e400) is refused, not infinity."""
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


_DECODER = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)


def _lone_surrogate(value: Any) -> bool:
    """True when a string (or key) holds an unpaired surrogate, which no UTF-8 can carry."""
    stack = [value]
    while stack:
        node = stack.pop()
        texts: list[Any] = [node]
        if isinstance(node, dict):
            texts = list(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
            continue
        for text in texts:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return True
    return False


def _too_deep(value: Any) -> bool:
    """True when containers nest deeper than MAX_DEPTH (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False
