"""The committee's forms: a proposal with its scope picker, a lifecycle move, an attachment upload."""

import re
import unicodedata
from datetime import datetime, timedelta

from django import forms
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.models import Building, Entrance, Household, natural_sort_key
from community.search import parse_household_query
from core.dates import check_datetime
from proposals.models import Category, Proposal, RuleCode, Scope, State
from proposals.services import MOVES, rule_for

# How the committee picks the rule. "law" derives it from the matter (第278条: items 6–8 major, others ordinary).
RULE_LAW, RULE_UNANIMOUS, RULE_ELEVATOR = "law", "unanimous", "elevator"
RULE_MODES = [
    (RULE_LAW, _("By law: derived from the matter (items 6–8 major, the others ordinary)")),
    (RULE_UNANIMOUS, RuleCode.UNANIMOUS.label),
    (RULE_ELEVATOR, RuleCode.ELEVATOR.label),
]

# Codes in the households box: one per line, or separated by commas (Chinese or Western) or semicolons.
_CODE_SEPARATORS = re.compile(r"[\n\r,，、;；]+")
MAX_HOUSEHOLD_CODES_CHARS = 400_000


def rule_mode_of(rule: str) -> str:
    return {RuleCode.UNANIMOUS: RULE_UNANIMOUS, RuleCode.ELEVATOR: RULE_ELEVATOR}.get(rule, RULE_LAW)


def _code_key(building: str, entrance: str, room: str) -> tuple[str, str, str]:
    # "03" and "3", "a" and "A", "A座" and "A" name the same place; rosters write either.
    building = building.upper().removesuffix("座")
    return natural_sort_key(building), natural_sort_key(entrance.upper()), room.upper()


def split_household_codes(text: str) -> list[str]:
    """The codes typed in the households box, in order, without blanks and repeats."""
    text = unicodedata.normalize("NFKC", text or "")
    seen, codes = set(), []
    for part in _CODE_SEPARATORS.split(text):
        code = part.strip()
        if code and code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


_PLAIN_CODE = re.compile(
    r"^\s*([^\s/-]+?)(?:号楼|号|栋|幢|楼)?\s*[-/\s]\s*([^\s/-]+?)(?:单元)?\s*[-/\s]\s*([^\s/-]+?)室?\s*$"
)


def parse_household_code(code: str) -> tuple[str, str, str] | None:
    """(building, entrance, room) of "3-5-502", "A座-1-101" (what Household.code gives) or "3号楼5单元502室"."""
    match = _PLAIN_CODE.match(code)
    if match:
        return match.group(1), match.group(2), match.group(3)
    query = parse_household_query(code)
    if query.building and query.entrance and query.room:
        return query.building, query.entrance, query.room
    return None


def households_from_codes(community, codes: list[str]) -> tuple[list[Household], list[str]]:
    """(households found, codes not understood or not in this community's roster), in two queries at most."""
    wanted, unknown = {}, []
    for code in codes:
        parts = parse_household_code(code)
        if parts is None:
            unknown.append(code)
            continue
        wanted.setdefault(_code_key(*parts), code)
    if not wanted:
        return [], unknown
    rows = Household.objects.of(community)
    rooms = {key[2] for key in wanted}
    if len(rooms) <= 500:  # a short list narrows the read; a long one reads the community's rooms once
        rows = rows.filter(room__in=rooms | {room.lower() for room in rooms})
    found_ids = {}
    for pk, building, entrance, room in rows.values_list(
        "pk", "entrance__building__name", "entrance__name", "room"
    ).iterator(chunk_size=5000):
        key = _code_key(building, entrance, room)
        if key in wanted:
            found_ids[key] = pk
    unknown += [code for key, code in wanted.items() if key not in found_ids]
    households = list(Household.objects.filter(pk__in=found_ids.values()).select_related("entrance__building"))
    return households, unknown


class ProposalForm(forms.Form):
    """A proposal's text, matter, rule and scope. Only the given community's buildings and households are valid."""

    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences households see first."),
    )
    body = forms.CharField(
        label=_("Full text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown: a line starting with # is a heading, **bold**, - a list item, [text](https://…) link."),
    )
    category = forms.ChoiceField(label=_("Matter (Civil Code art. 278)"), choices=Category.choices)
    rule_mode = forms.ChoiceField(
        label=_("Decision rule"), choices=RULE_MODES, initial=RULE_LAW, widget=forms.RadioSelect
    )
    scope = forms.ChoiceField(
        label=_("Who votes"), choices=Scope.choices, initial=Scope.COMMUNITY, widget=forms.RadioSelect
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"), queryset=Building.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    entrances = forms.ModelMultipleChoiceField(
        label=_("Entrances"), queryset=Entrance.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    households = forms.CharField(
        label=_("Households (building-entrance-room)"),
        required=False,
        max_length=MAX_HOUSEHOLD_CODES_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "3-5-501\n3-5-502", "autocomplete": "off"}),
        help_text=_("Building-entrance-room such as 3-5-502, one per line or separated by commas."),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["buildings"].queryset = Building.objects.of(community)
        self.fields["entrances"].queryset = Entrance.objects.filter(building__community=community).select_related(
            "building"
        )

    @classmethod
    def initial_for(cls, proposal: Proposal) -> dict:
        households = proposal.scope_households.select_related("entrance__building").order_by(
            "entrance__building__sort_key", "entrance__sort_key", "room_sort_key"
        )
        return {
            "title": proposal.title,
            "summary": proposal.summary,
            "body": proposal.body,
            "category": proposal.category,
            "rule_mode": rule_mode_of(proposal.rule),
            "scope": proposal.scope,
            "buildings": [b.pk for b in proposal.scope_buildings.all()],
            "entrances": [e.pk for e in proposal.scope_entrances.all()],
            "households": "\n".join(h.code for h in households),
        }

    def clean_households(self):
        text = self.cleaned_data.get("households", "")
        if self.data.get(self.add_prefix("scope")) != Scope.HOUSEHOLDS:
            return []  # the box is ignored unless households are the scope
        households, unknown = households_from_codes(self.community, split_household_codes(text))
        if unknown:
            shown = "、".join(unknown[:20]) + ("…" if len(unknown) > 20 else "")
            raise forms.ValidationError(
                ngettext(
                    "This code is not a household of this community: %(codes)s",
                    "These %(count)d codes are not households of this community: %(codes)s",
                    len(unknown),
                )
                % {"codes": shown, "count": len(unknown)}
            )
        return households

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        needs = {Scope.BUILDINGS: "buildings", Scope.ENTRANCES: "entrances", Scope.HOUSEHOLDS: "households"}
        field = needs.get(scope)
        if field and field not in self.errors and not data.get(field):
            messages = {
                "buildings": _("Choose at least one building."),
                "entrances": _("Choose at least one entrance."),
                "households": _("Enter at least one household, such as 3-5-502."),
            }
            self.add_error(field, messages[field])
        if data.get("category") and data.get("rule_mode"):
            data["rule"] = rule_for(
                category=data["category"],
                unanimous=data["rule_mode"] == RULE_UNANIMOUS,
                elevator=data["rule_mode"] == RULE_ELEVATOR,
            )
        return data

    def service_fields(self) -> dict:
        """The keyword arguments proposal_create and proposal_update take."""
        data = self.cleaned_data
        scope = data["scope"]
        return {
            "title": data["title"],
            "summary": data["summary"],
            "body": data["body"],
            "category": data["category"],
            "rule": data["rule"],
            "scope": scope,
            "buildings": list(data["buildings"]) if scope == Scope.BUILDINGS else [],
            "entrances": list(data["entrances"]) if scope == Scope.ENTRANCES else [],
            "households": data["households"] if scope == Scope.HOUSEHOLDS else [],
        }

    # --- What the scope picker renders: checkboxes grouped by building, with household counts ---------------

    def _chosen(self, name: str) -> set[str]:
        if self.is_bound:
            return set(self.data.getlist(self.add_prefix(name)))
        return {str(pk) for pk in self.initial.get(name, [])}

    def building_choices(self) -> list[dict]:
        chosen = self._chosen("buildings")
        rows = Building.objects.of(self.community).annotate(n=Count("entrances__households")).order_by("sort_key")
        return [{"id": b.pk, "label": str(b), "households": b.n, "checked": str(b.pk) in chosen} for b in rows]

    def entrance_groups(self) -> list[dict]:
        chosen = self._chosen("entrances")
        rows = (
            Entrance.objects.filter(building__community=self.community)
            .select_related("building")
            .annotate(n=Count("households"))
            .order_by("building__sort_key", "sort_key")
        )
        groups: dict[int, dict] = {}
        for entrance in rows:
            group = groups.setdefault(
                entrance.building_id, {"label": str(entrance.building), "entrances": [], "chosen": 0}
            )
            checked = str(entrance.pk) in chosen
            group["chosen"] += checked
            label = f"{entrance.name}单元" if entrance.name.isdigit() else entrance.name
            group["entrances"].append({"id": entrance.pk, "label": label, "households": entrance.n, "checked": checked})
        return list(groups.values())


# --- Lifecycle moves ---------------------------------------------------------------------------------------

ACTIONS = {
    "consultation": State.CONSULTATION,
    "open": State.VOTING,
    "close": State.CLOSED,
    "publish": State.PUBLISHED,
    "withdraw": State.WITHDRAWN,
}


def allowed_actions(state: str) -> list[str]:
    """The moves offered from a state, in the order the panel shows them."""
    return [action for action, target in ACTIONS.items() if target in MOVES.get(state, ())]


def default_closes_at(now: datetime | None = None) -> datetime:
    """A proposed end of voting: seven days from now at 20:00, after work, in the community's time zone."""
    local = timezone.localtime(now or timezone.now())
    return (local + timedelta(days=7)).replace(hour=20, minute=0, second=0, microsecond=0)


DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class MoveForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    closes_at = forms.DateTimeField(
        label=_("Voting closes at"),
        required=False,
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M"],
        validators=[check_datetime],
    )
    opens_at = forms.DateTimeField(
        label=_("Voting opens at"),
        required=False,
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M"],
        validators=[check_datetime],
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    confirm = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "open" and not data.get("closes_at") and "closes_at" not in self.errors:
            self.add_error("closes_at", _("Enter when voting closes."))
        if action == "withdraw" and not data.get("reason", "").strip():
            self.add_error("reason", _("Enter the reason for withdrawing; it is kept in the proposal's history."))
        return data


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    file = forms.FileField(label=_("File (image or PDF)"))
