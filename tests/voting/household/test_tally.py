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
    assert "若现在结束：不通过" in text
    # 4 of 12 take part: 2/3 needs 8, so 4 more households and 400 m².
    assert "还差 4 户 / 400.00 ㎡" in text
    assert "参与表决的专有部分面积 ≥ 2/3" in text and "参与表决的人数 ≥ 2/3" in text
    assert 'data-left="66.67"' in html and 'data-left="50.00"' in html  # set by widths.js (no inline styles: CSP)
    assert 'data-field="not_yet.households">8<' in html
    # No choice of any household on the screen.
    assert str(stairwell[0]) not in text


def test_big_screen_unanimous(community, committee_user, stairwell, residents, client_as):
    proposal = open_proposal(community, committee_user, rule=RuleCode.UNANIMOUS)
    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel="online", by=residents[0])
    text = page_text(client_as(residents[0]).get(reverse("big_screen", args=[proposal.pk])))
    assert "参与表决的户数 ≥ 100%" in text and "还差 11 户" in text and "还差 11 户 /" not in text


# --- The words of the tally (the same rules tally.js follows) ---------------------------------------------------


def test_labels_of_every_rule():
    labels = {
        RuleCode.ELEVATOR: ["同意的面积（占全体业主面积） ≥ 2/3", "同意的人数（占全体业主人数） ≥ 2/3", "无人反对"],
        RuleCode.CIVIL_CODE_MAJOR: ["参与表决的专有部分面积 ≥ 2/3", "参与表决的人数 ≥ 2/3",
                                    "同意的面积（占参与表决面积） ≥ 3/4", "同意的人数（占参与表决人数） ≥ 3/4"],
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
    assert needed_text(_data(), strings) == "还差 4 户 / 433.35 ㎡"
    assert needed_text(_data(needed={"households": 0, "heads": 0, "area": "0.01"}), strings) == "还差 0.01 ㎡"
    assert needed_text(_data(needed={"households": 3, "heads": 0, "area": "0.00"}), strings) == "还差 3 户"
    impossible = _data(needed={"households": None, "heads": 0, "area": "0.00"})
    assert needed_text(impossible, strings) == "即使尚未表决的住户全部同意，也无法通过。"
    assert needed_text(_data(passed=True), strings) == "已达到通过条件。"


def test_display_of_a_closed_tally():
    view = tally_display(_data(state="closed", passed=True), tally_strings())
    assert view["verdict"] == "表决结果：通过" and view["needed"] == "" and view["closed"]
    assert view["not_yet"] == {"households": 9, "heads": 8, "area": "900.05"}
