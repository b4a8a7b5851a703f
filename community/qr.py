"""QR codes as inline SVG (segno), for the household page now and the printed slips later."""

import segno


def join_qr_svg(url: str) -> str:
    """An <svg> of `url` that scales with CSS (no fixed size); medium error correction survives a worn slip."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(omitsize=True, border=4, svgclass="qr", title=url)
