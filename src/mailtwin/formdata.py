"""Form bodies as (name, text) pairs: URL-encoded, or multipart/form-data read by
python-multipart (the parser Starlette and FastAPI use)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"
MAX_PARTS = 1000
# The parser logs a warning for every malformed body before raising; a client's malformed
# body is answered with a 400, so those warnings go to a logger that keeps quiet.
_PARSER_LOG = logging.getLogger("mailtwin.formdata.parser")
_PARSER_LOG.setLevel(logging.ERROR)


class FormError(ValueError):
    """A form body that cannot be read; the message says why."""


def read_form(raw: bytes, content_type: str) -> list[tuple[str, str]]:
    """The fields of a form body: multipart when the Content-Type says so, else URL-encoded."""
    if media_type(content_type) == MULTIPART_TYPE:
        return read_multipart(raw, content_type)
    return read_urlencoded(raw)


def media_type(content_type: str) -> str:
    """`multipart/form-data; boundary=x` -> `multipart/form-data`."""
    return content_type.partition(";")[0].strip().lower()


def read_urlencoded(raw: bytes) -> list[tuple[str, str]]:
    """`a=1&b=x` -> [("a", "1"), ("b", "x")]; blank values are kept."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormError("the body is not valid UTF-8") from None
    return parse_qsl(text, keep_blank_values=True)


def read_multipart(raw: bytes, content_type: str) -> list[tuple[str, str]]:
    """Each part's name and content (as UTF-8 text); the body must end with its closing
    boundary and hold at most MAX_PARTS parts (it is already bounded in bytes)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise FormError("the multipart Content-Type names no boundary")
    parts = _Parts()
    try:
        parser = MultipartParser(boundary, parts.callbacks(), max_size=max(len(raw), 1))
        parser.logger = _PARSER_LOG
        parser.write(raw)
        parser.finalize()
    except FormParserError as exc:
        raise FormError(f"malformed multipart body: {exc}") from None
    if not parts.ended:
        raise FormError("the multipart body ends before its closing boundary")
    return parts.fields


class _Parts:
    """Collects the parts python-multipart reports through its callbacks."""

    def __init__(self) -> None:
        self.fields: list[tuple[str, str]] = []
        self.ended = False
        self._headers: dict[str, bytes] = {}
        self._name = bytearray()
        self._value = bytearray()
        self._data = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self._begin, "on_header_field": self._header_name,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_part_data": self._part_data, "on_part_end": self._end_part,
                "on_end": self._end}

    def _begin(self) -> None:
        if len(self.fields) >= MAX_PARTS:
            raise FormError(f"the multipart body has more than {MAX_PARTS} parts")
        self._headers = {}
        self._data = bytearray()

    def _header_name(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._name.decode("latin-1").strip().lower()] = bytes(self._value).strip()
        self._name = bytearray()
        self._value = bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def _end_part(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition"))
        name = options.get(b"name")
        if disposition != b"form-data" or name is None:
            raise FormError("a multipart part has no Content-Disposition: form-data name")
        try:
            field = name.decode("utf-8")
            self.fields.append((field, self._data.decode("utf-8")))
        except UnicodeDecodeError:
            raise FormError("a multipart part is not UTF-8 text") from None

    def _end(self) -> None:
        self.ended = True
