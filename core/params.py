"""Whole numbers read from addresses, forms and sockets: anything a database id cannot hold is no number."""

MAX_ID = 2**63 - 1  # the largest bigint PostgreSQL stores; SQLite overflows on more


def int_param(value) -> int | None:
    """The non-negative whole number written in `value` (digits only), or None for anything else or too large."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number <= MAX_ID else None
