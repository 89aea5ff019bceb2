"""Zipped HTML layouts sent as data URIs: `index.html` plus optional `images/*.jpg|png|gif`."""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile

MAX_UNZIPPED = 20 * 1024 * 1024
DATA_URI = re.compile(r"^data:(?P<media>[^,;]*)(?P<params>(?:;[^,;]*)*),(?P<data>.*)$", re.DOTALL)
# The first bytes each accepted image format starts with.
SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".gif": (b"GIF87a", b"GIF89a"),
              ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}


class LayoutError(ValueError):
    """A layout that cannot be used, with a message for the client."""


def decode_data_uri(text: str) -> bytes:
    """The bytes of a base64 data URI: 'data:application/zip;base64,UEsD...' -> b'PK...'."""
    found = DATA_URI.match(text.strip())
    if found is None or ";base64" not in found.group("params").lower():
        raise LayoutError("Expected a base64 data URI (data:application/zip;base64,...).")
    try:
        return base64.b64decode(re.sub(r"\s+", "", found.group("data")), validate=True)
    except (binascii.Error, ValueError):
        raise LayoutError("The data URI does not hold valid base64 content.") from None


def read_zip_layout(text: str) -> str:
    """The `index.html` of a zipped layout, after checking its images."""
    raw = decode_data_uri(text)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
        if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
            raise LayoutError(f"The unzipped layout is over {MAX_UNZIPPED // (1024 * 1024)} MB.")
        if "index.html" not in names:
            raise LayoutError("The zip archive must contain an index.html file.")
        for name in names:
            if name.startswith("images/") and not name.endswith("/"):
                _check_image(name, archive.read(name))
        html = archive.read("index.html")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError,
            RuntimeError):  # RuntimeError: encrypted entries, unsupported compression
        raise LayoutError("The submitted file is not a valid zip archive.") from None
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        raise LayoutError("index.html is not valid UTF-8.") from None


def _check_image(name: str, content: bytes) -> None:
    extension = name[name.rfind("."):].lower() if "." in name else ""
    signatures = SIGNATURES.get(extension)
    if signatures is None:
        raise LayoutError(f"{name} is not a supported image: use .jpg, .png or .gif files.")
    if not content.startswith(signatures):
        raise LayoutError(f"{name} is not a valid {extension[1:].upper()} image.")
