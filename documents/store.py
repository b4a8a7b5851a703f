"""Rendered PDFs kept in the default storage and served again, keyed by what they are rendered from.

A signed resolution is frozen: the same HTML (content, signatures, fingerprint, address, language) always gives the
same PDF, so it is rendered once. The key is the SHA-256 of the HTML, the print stylesheet and the WeasyPrint
version: a new signature, a translation or a changed template or stylesheet makes a new key, never a stale file.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from documents.render import PRINT_CSS, render_pdf

FOLDER = "documents/rendered"


@cache
def _renderer_key() -> bytes:
    from importlib.metadata import version

    return PRINT_CSS.read_bytes() + version("weasyprint").encode()


def stored_name(html: str, *, kind: str) -> str:
    digest = hashlib.sha256(_renderer_key() + b"\0" + html.encode("utf-8")).hexdigest()
    return f"{FOLDER}/{kind}-{digest}.pdf"


def pdf_stored(html: str, *, kind: str) -> bytes:
    """The PDF of `html` from the store, rendered (documents.render) and stored on first use."""
    name = stored_name(html, kind=kind)
    try:
        with default_storage.open(name, "rb") as file:
            return file.read()
    except FileNotFoundError:
        pass
    pdf = render_pdf(html)
    # Two first requests at once both render; the second finds the file and keeps it (the bytes are the same).
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(pdf))
    return pdf
