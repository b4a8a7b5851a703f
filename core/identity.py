"""Owner identity without Django: mainland mobile numbers, ID numbers and their keyed hash, masking.

Owners are matched by ID number when given, else by phone, never by name alone (DESIGN.md).
"""

import hashlib
import hmac
import re

_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ID_18 = re.compile(r"^\d{17}[\dX]$")
_ID_OTHER = re.compile(r"^[A-Z0-9]{5,20}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_phone(raw: str) -> str:
    """Return the 11-digit mainland mobile number, or raise ValueError.

    Accepts "13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "86 13812345678".
    """
    text = _PHONE_SEPARATORS.sub("", str(raw or "").strip())
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _MAINLAND_MOBILE.match(text):
        raise ValueError("not a mainland mobile number")
    return text


def mask_phone(phone: str) -> str:
    """138****1234: enough for a neighbour to recognise, too little to call."""
    if len(phone) != 11:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[7:]}"


def normalize_id_number(raw: str) -> str:
    """Upper-case an ID number without spaces; check the 18-digit resident ID's check digit.

    Other documents (passports, permits) are accepted as 5-20 letters and digits.
    """
    text = re.sub(r"\s", "", str(raw or "")).upper()
    if _ID_18.match(text):
        total = sum(int(digit) * weight for digit, weight in zip(text[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] != text[17]:
            raise ValueError("the check digit of this resident ID number is wrong")
        return text
    if len(text) == 18 and text[:17].isdigit():
        raise ValueError("the check digit of this resident ID number is wrong")
    if not _ID_OTHER.match(text):
        raise ValueError("not an ID number")
    return text


def hash_id_number(normalized: str, key: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised ID number: matchable, not reversible without the key."""
    return hmac.new(key.encode(), normalized.encode(), hashlib.sha256).hexdigest()
