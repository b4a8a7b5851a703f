"""HTML → PDF with WeasyPrint: one font configuration and one parsed print stylesheet per process.

No Django here: worker processes import only this module (and chunked.py). WeasyPrint itself is imported
on first use, so starting Django does not pay its second of import time.
"""

from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path

# Debian's fonts-wqy-microhei: one 5 MB file with a proportional and a monospaced face. The monospaced face
# has half-width Latin and full-width Chinese, so columns line up by counting characters (layout.py).
CJK_FONT_FAMILY = "WenQuanYi Micro Hei"
CJK_MONO_FAMILY = "WenQuanYi Micro Hei Mono"
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "print.css"

# WeasyPrint logs every step of every render at INFO: thousands of lines for one large document.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

_lock = threading.Lock()
_state: dict = {}


class FontMissing(RuntimeError):
    """The Chinese font is not installed: WeasyPrint would draw every Chinese character as a box."""


def fontconfig_match(family: str) -> tuple[str, str]:
    """(family, file) of the font fontconfig picks for `family` — a fallback font when `family` is missing."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = ffi.gc(fontconfig.FcInitLoadConfigAndFonts(), fontconfig.FcConfigDestroy)
    pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
    fontconfig.FcPatternAddString(pattern, b"family", family.encode())
    fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
    fontconfig.FcDefaultSubstitute(pattern)
    result = ffi.new("FcResult *")
    match = fontconfig.FcFontMatch(config, pattern, result)
    if match == ffi.NULL:
        return "", ""
    match = ffi.gc(match, fontconfig.FcPatternDestroy)
    found = {}
    for key in ("family", "file"):
        value = ffi.new("FcChar8 **")
        if fontconfig.FcPatternGetString(match, key.encode(), 0, value) == fontconfig.FcResultMatch:
            found[key] = ffi.string(value[0]).decode()
    return found.get("family", ""), found.get("file", "")


def assert_cjk_font() -> str:
    """The file of the Chinese font, or FontMissing with what to install. Checked once per process."""
    with _lock:
        if "font_file" in _state:
            return _state["font_file"]
        families = {}
        for family in (CJK_FONT_FAMILY, CJK_MONO_FAMILY):
            matched, file = fontconfig_match(family)
            if matched.casefold() != family.casefold():
                raise FontMissing(
                    f'The Chinese font "{family}" is not installed (fontconfig offers "{matched or "nothing"}"'
                    f" instead), so every Chinese character would print as a box. Install it with"
                    f" `apt-get install {CJK_FONT_PACKAGE}` (scripts/system-deps.sh does), then restart."
                )
            families[family] = file
        _state["font_file"] = families[CJK_FONT_FAMILY]
        return _state["font_file"]


def _resources():
    """(FontConfiguration, print stylesheet) of this process, made on first use."""
    with _lock:
        if "font_config" not in _state:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            font_config = FontConfiguration()
            _state["font_config"] = font_config
            _state["print_css"] = CSS(filename=str(PRINT_CSS), font_config=font_config)
        return _state["font_config"], _state["print_css"]


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of `html` (A4, the project's print stylesheet, the Chinese font). Raises FontMissing without it.

    Only data: URLs are fetched (the QR codes): a proposal's text is written by users, and an image or stylesheet
    address in it must not make the server fetch a remote address or read a local file into a document."""
    from weasyprint import HTML, URLFetcher

    assert_cjk_font()
    font_config, print_css = _resources()
    document = HTML(string=html, base_url=base_url, url_fetcher=URLFetcher(allowed_protocols=("data",)))
    return document.write_pdf(stylesheets=[print_css], font_config=font_config)


def png_data_url(file) -> str:
    """A stored PNG (re-encoded at upload) as a data: URL, the only way a picture reaches a rendered page (the
    renderer fetches nothing); "" when there is none, or its file is missing."""
    if not file:
        return ""
    try:
        with file.open("rb") as handle:
            return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")
    except FileNotFoundError:
        return ""
