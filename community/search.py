"""What a committee member types in the household search box, parsed without Django.

"3-5-502", "3号楼5单元502", "3栋5单元502室", "3/5/502", "3 5 502" → building 3, entrance 5, room 502;
"3-5" → the entrance; "3" → the building; a name or a run of phone digits → owner search.
"""

import re
import unicodedata
from dataclasses import dataclass

# A building, entrance or room as rosters write them: "3", "A", "A座"'s "A", "502", "1502B".
_PART = r"[A-Za-z0-9]+"
# The words people write after each part. "号" after a building is common ("3号5单元"),
# "楼" alone too ("3楼" means building 3 in most rosters, not the third floor, when a 单元 follows).
_BUILDING_WORDS = r"(?:号楼|号|栋|幢|座|楼)"
_ENTRANCE_WORDS = r"(?:单元|门洞|门)"
_ROOM_WORDS = r"(?:室|号|户)"
_CHINESE_FORM = re.compile(
    rf"^(?:(?P<building>{_PART}){_BUILDING_WORDS})?"
    rf"(?:(?P<entrance>{_PART}){_ENTRANCE_WORDS})?"
    rf"(?:(?P<room>{_PART}){_ROOM_WORDS}?)?$"
)
_SEPARATORS = re.compile(r"[\s\-/\\_,，、.·#—]+")
_PHONE_PREFIX = re.compile(r"^(?:\+?86|0086)(?=1\d)")
# A phone written in its usual 3-4-4 grouping ("138 1234 5678", "138-1234"), never a building-entrance-room.
_PHONE_GROUPS = re.compile(r"^1[3-9]\d[\s\-]\d{4}(?:[\s\-]\d{1,4})?$")
# A lone run of digits this long is a phone fragment, not a building: buildings run to a few hundred at most.
PHONE_FRAGMENT_MIN_DIGITS = 4


@dataclass(frozen=True)
class HouseholdQuery:
    """One search: a location (building, entrance, room — any prefix of them), an owner name, or phone digits."""

    building: str = ""
    entrance: str = ""
    room: str = ""
    name: str = ""
    phone_digits: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.building or self.entrance or self.room or self.name or self.phone_digits)

    @property
    def is_location(self) -> bool:
        return bool(self.building or self.entrance or self.room)


def _normalise(text: str) -> str:
    # NFKC turns full-width digits, letters and dashes (３－５－５０２) into ASCII.
    return unicodedata.normalize("NFKC", text or "").strip()


def _looks_like_part(text: str) -> bool:
    # "3", "502", "A", "302A" are parts of an address; "Wei" in "Li Wei" is a name.
    return bool(re.fullmatch(_PART, text)) and (any(char.isdigit() for char in text) or len(text) <= 2)


def parse_household_query(text: str) -> HouseholdQuery:
    """Read a search box: a location first, then phone digits, else an owner's name (a fragment is fine)."""
    text = _normalise(text)
    if not text:
        return HouseholdQuery()

    compact = re.sub(r"\s+", "", text)
    without_prefix = _PHONE_PREFIX.sub("", compact.replace("-", ""))
    if _PHONE_GROUPS.match(text) or (compact.startswith(("+86", "0086")) and without_prefix.isdigit()):
        return HouseholdQuery(phone_digits=re.sub(r"\D", "", without_prefix))
    if text.isdigit() and len(text) >= PHONE_FRAGMENT_MIN_DIGITS:
        return HouseholdQuery(phone_digits=text)

    # "3号楼5单元502室": the words say which part is which, so "5单元502" is entrance 5, room 502.
    has_words = re.search(rf"{_BUILDING_WORDS}|{_ENTRANCE_WORDS}|{_ROOM_WORDS}", compact)
    match = _CHINESE_FORM.match(compact) if has_words else None
    if match and any(match.groupdict().values()):
        return HouseholdQuery(
            building=match["building"] or "",
            entrance=match["entrance"] or "",
            room=match["room"] or "",
        )

    # "3-5-502", "3/5/502", "3 5 502": parts in order building, entrance, room.
    parts = [part for part in _SEPARATORS.split(text) if part]
    if parts:
        # "A座-1-101" is how Household.code writes a lettered building: drop the building word.
        parts[0] = re.sub(rf"{_BUILDING_WORDS}$", "", parts[0]) or parts[0]
    if 1 <= len(parts) <= 3 and all(_looks_like_part(part) for part in parts):
        building, entrance, room = (*parts, "", "")[:3]
        return HouseholdQuery(building=building, entrance=entrance, room=room)

    return HouseholdQuery(name=re.sub(r"\s+", " ", text))


# How a viewer may match phone digits. Whoever may not see full numbers may only search what the masked
# number shows (the last four digits) or a whole number they already know: otherwise searching "1381",
# "13812", ... would spell out a number one digit at a time.
PHONE_CONTAINS = "contains"
PHONE_ENDSWITH = "endswith"
PHONE_EXACT = "exact"


def phone_lookup(digits: str, *, full_phones: bool) -> str | None:
    """The lookup ("contains", "endswith", "exact") this viewer may use for these digits, or None."""
    if not digits:
        return None
    if full_phones:
        return PHONE_CONTAINS
    if len(digits) == 11:
        return PHONE_EXACT
    if len(digits) == 4:
        return PHONE_ENDSWITH
    return None
