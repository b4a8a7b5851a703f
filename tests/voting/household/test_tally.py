"""tally.json and the big screen: the same JSON as the socket, never cached; the screen renders it large."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Proposal, RuleCode, State
from tests.voting.conftest import open_proposal
from tests.voting.household.util import page_text
from voting.selectors import tally_json
from voting.services import ballot_cast
from voting.views.household import check_label, needed_text, tally_display, tally_strings

pytestmark = pytest.mark.django_db

SPEC_KEYS = {"proposal", "state", "rule", "version", "electorate", "participated", "agree", "disagree", "abstain",
             "passed", "needed"}  # fmt: skip


def test_tally_json_equals_the_selector(proposal, stairwell, residents, client_as):
    for household, user, choice in zip(stairwell[:3], residents[:3], ["agree", "disagree", "abstain"], strict=True):
        ballot_cast(proposal=proposal, household=household, choice=choice, channel="online", by=user)
    response = client_as(residents[5]).get(reverse("tally_json", args=[proposal.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data == tally_json(proposal)
    assert data.keys() >= SPEC_KEYS
    for group in ("electorate", "participated", "agree", "disagree", "abstain"):
        assert set(data[group]) == {"households", "heads", "area"}
    assert data["needed"].keys() >= {"heads", "area"}
    assert (data["agree"]["households"], data["disagree"]["area"], data["version"]) == (1, "100.00", 3)
    # Totals only: no household, receipt or person anywhere in it.
    assert "receipt" not in response.content.decode() and "household_id" not in response.content.decode()


def test_tally_json_closes_a_due_proposal(proposal, residents, client_as):
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=2), voting_closes_at=now - timedelta(seconds=1)
    )
    data = client_as(residents[0]).get(reverse("tally_json", args=[proposal.pk])).json()
    assert data["state"] == State.CLOSED and data["passed"] is False


def test_tally_json_unknown_proposal(residents, client_as):
    response = client_as(residents[0]).get(reverse("tally_json", args=[987654]))
    assert response.status_code == 404 and response.json() == {"error": "not found"}


def test_big_screen(proposal, stairwell, residents, client_as):
    for household, user in zip(stairwell[:4], residents[:4], strict=True):
        ballot_cast(proposal=proposal, household=household, choice="agree", channel="online", by=user)
    response = client_as(residents[0]).get(reverse("big_screen", args=[proposal.pk]))
    html, text = response.content.decode(), page_text(response)
    assert response.status_code == 200
    assert "big-screen" in html and "tally-screen" in html and "js/tally.js" in html
    # While voting is open: what is still needed, neutral, and no verdict. 4 of 12 owners take part: 2/3 needs 8, so
    # 4 more owners (人: the rule counts heads) and 400 m².
    assert "还需 4 人、400.00 平方米同意即可通过" in text and "不通过" not in text
    assert '<p class="verdict open"' in html
    assert "专有部分面积占比三分之二以上的业主参与表决" in text and "人数占比三分之二以上的业主参与表决" in text
    assert "≥" not in text
    assert 'data-left="66.67"' in html and 'data-left="50.00"' in html  # set by page.js (no inline styles: CSP)
    assert 'data-field="not_yet.households">8<' in html
    # No choice of any household on the screen.
    assert str(stairwell[0]) not in text


def test_big_screen_unanimous(community, committee_user, stairwell, residents, client_as):
    proposal = open_proposal(community, committee_user, rule=RuleCode.UNANIMOUS)
    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel="online", by=residents[0])
    text = page_text(client_as(residents[0]).get(reverse("big_screen", args=[proposal.pk])))
    assert "全部住户参与表决" in text and "参与表决的住户全部同意" in text and "100%" not in text
    # Unanimity counts flats (户); the 11 not yet voting all have to agree.
    assert "还需 11 户同意即可通过" in text


def test_big_screen_right_after_opening_a_unanimous_matter(community, committee_user, residents, client_as):
    # Issue 14: nobody has voted yet, and the screen said "even if everyone agreed it would not pass".
    proposal = open_proposal(community, committee_user, rule=RuleCode.UNANIMOUS)
    text = page_text(client_as(residents[0]).get(reverse("big_screen", args=[proposal.pk])))
    assert f"还需 {proposal.electorate_households} 户同意即可通过" in text
    assert "无法通过" not in text and "不通过" not in text


# --- The words of the tally (the same rules tally.js follows) ---------------------------------------------------


TAKE_PART = ["专有部分面积占比三分之二以上的业主参与表决", "人数占比三分之二以上的业主参与表决"]


def test_labels_of_every_rule():
    labels = {
        RuleCode.ELEVATOR: ["专有部分面积占比三分之二以上的业主同意", "人数占比三分之二以上的业主同意", "无人反对"],
        RuleCode.CIVIL_CODE_MAJOR: [*TAKE_PART, "参与表决专有部分面积四分之三以上的业主同意",
                                    "参与表决人数四分之三以上的业主同意"],
        RuleCode.CIVIL_CODE_ORDINARY: [*TAKE_PART, "参与表决专有部分面积过半数的业主同意",
                                       "参与表决人数过半数的业主同意"],
        RuleCode.UNANIMOUS: ["全部住户参与表决", "参与表决的住户全部同意"],
    }  # fmt: skip
    from voting import engine
    from voting.selectors import _ratio_json

    for code, expected in labels.items():
        checks = [
            {"group": c.group, "of": c.of, "dimension": c.dimension, "op": c.op, "threshold": _ratio_json(c.ratio)}
            for c in engine.RULES[code].conditions
        ]
        assert [check_label(check) for check in checks] == expected


def _data(**changes):
    data = {
        "state": "voting",
        "passed": False,
        "electorate": {"households": 14, "heads": 13, "area": "1400.10"},
        "participated": {"households": 5, "heads": 5, "area": "500.05"},
        "needed": {"households": 0, "heads": 4, "area": "433.35"},
        "checks": [],
    }
    data.update(changes)
    return data


def test_needed_words():
    strings = tally_strings()
    assert needed_text(_data(), strings) == "还需 4 人、433.35 平方米同意即可通过"
    area = _data(needed={"households": 0, "heads": 0, "area": "0.01"})
    assert needed_text(area, strings) == "还需 0.01 平方米同意即可通过"
    households = _data(needed={"households": 13, "heads": 0, "area": "0.00"})
    assert needed_text(households, strings) == "还需 13 户同意即可通过"
    impossible = _data(needed={"households": None, "heads": 0, "area": "0.00"})
    assert needed_text(impossible, strings) == "即使尚未表决的住户全部同意，也无法通过。"
    assert needed_text(_data(passed=True), strings) == "目前已达到通过条件，以表决截止时的结果为准。"


def test_display_of_an_open_tally_is_neutral():
    view = tally_display(_data(), tally_strings())
    assert view["verdict"] == "还需 4 人、433.35 平方米同意即可通过" and view["verdict_class"] == "open"
    assert not view["closed"]


def test_display_of_a_closed_tally():
    view = tally_display(_data(state="closed", passed=True), tally_strings())
    assert view["verdict"] == "表决结果：通过" and view["verdict_class"] == "pass" and view["closed"]
    view = tally_display(_data(state="closed", passed=False), tally_strings())
    assert view["verdict"] == "表决结果：未通过" and view["verdict_class"] == "fail"
    assert view["not_yet"] == {"households": 9, "heads": 8, "area": "900.05"}
