"""The residents' representatives' assembly (居民代表会议, issue 15): its rule in the engine (one representative, one
vote: at least 2/3 present, more than half of those present agree), its words, and a representatives' matter whose
electorate freezes the registered representatives; an owners' meeting is unchanged."""

import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from community.models import Representative, Role
from lifecycle.services import proposal_open_voting
from meetings.models import AgendaItem, Organiser
from meetings.services import (
    agenda_election_add,
    agenda_item_remove,
    agenda_matter_add,
    meeting_create,
    meeting_update,
)
from proposals.models import Category, Electorate, Proposal, RuleCode, rules_for
from proposals.services import proposal_create, proposal_start_consultation, proposal_update
from tests.factories import EntranceFactory, HouseholdFactory, RoleFactory
from voting import engine
from voting.engine import (
    REPRESENTATIVES,
    RESIDENTS_REPRESENTATIVES_ASSEMBLY,
    RULES,
    Count,
    Voter,
    condition_words,
    decide,
    evaluate,
)
from voting.models import Channel, Elector
from voting.selectors import tally_json, tally_outcome, tally_recount
from voting.services import ballot_cast
from voting.views.household import check_label, tally_display, tally_strings

RULE = RESIDENTS_REPRESENTATIVES_ASSEMBLY


def representatives(n: int) -> list[Voter]:
    return [Voter(key=f"r{i}", area=Decimal(0), owner=f"rep:{i}") for i in range(n)]


# --- The rule, declared ---------------------------------------------------------------------------------------


def test_the_rule_is_declared_once_and_offered_only_where_representatives_vote():
    assert RULES[RULE.code] is RULE and RULE.code == RuleCode.REPRESENTATIVES
    assert RULE.voters == REPRESENTATIVES
    assert {c.dimension for c in RULE.conditions} == {engine.HEADS}
    assert [code for code, _label in rules_for(Electorate.REPRESENTATIVES)] == [RULE.code]
    owners = [code for code, _label in rules_for(Electorate.OWNERS)]
    assert RULE.code not in owners and set(owners) | {RULE.code} == set(RuleCode.values)
    with pytest.raises(ValueError):
        engine.Rule(code="x", name="x", basis="x", conditions=(), voters="tenants")


@given(
    st.integers(min_value=1, max_value=60).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n)).flatmap(
            lambda np: st.tuples(
                st.just(np[0]),
                st.just(np[1]),
                st.integers(0, np[1]).flatmap(lambda a: st.tuples(st.just(a), st.integers(0, np[1] - a))),
            )
        )
    )
)
def test_two_thirds_present_and_a_majority_of_those_present(drawn):
    n, present, (agree, disagree) = drawn
    voters = representatives(n)
    choices = {}
    for i, voter in enumerate(voters[:present]):
        choices[voter.key] = "agree" if i < agree else "disagree" if i < agree + disagree else "abstain"
    outcome = evaluate(RULE, voters, choices)
    # The law's words in integers: 3·present ≥ 2·n, 2·agree > present.
    assert outcome.passed == (3 * present >= 2 * n and 2 * agree > present)
    assert (outcome.electorate.heads, outcome.participated.heads, outcome.agree.heads) == (n, present, agree)
    assert outcome.participation_area == outcome.approval_area == 0
    # Still needed: the least number of representatives not yet present who, agreeing, make it pass.
    needed = outcome.needed
    least = next(
        (k for k in range(n - present + 1) if 3 * (present + k) >= 2 * n and 2 * (agree + k) > present + k),
        None,
    )
    assert needed.heads == least and needed.households == 0
    # The rule counts no area and no flats: nothing is needed there, even when the heads are out of reach.
    assert needed.area == Decimal("0.00")
    assert needed.possible == (least is not None)


def test_an_electorate_of_no_area_divides_by_nothing():
    # Every ratio over area is 0 (nothing divided by zero); the rule reads heads only.
    nobody = Count(households=0, heads=0, area=Decimal(0))
    groups = {
        engine.ELECTORATE: Count(6, 6, Decimal(0)),
        engine.PARTICIPATED: Count(4, 4, Decimal(0)),
        engine.AGREE: Count(3, 3, Decimal(0)),
        engine.DISAGREE: Count(1, 1, Decimal(0)),
        engine.ABSTAIN: nobody,
    }
    outcome = decide(RULE, groups)
    assert outcome.passed and outcome.participation_heads == Fraction(2, 3)
    assert outcome.participation_area == 0 and outcome.approval_area == 0
    empty = decide(RULE, {group: nobody for group in engine.GROUPS})
    assert not empty.passed and empty.needed.heads is None


def test_the_conditions_in_the_words_of_representatives():
    participation, agreement = RULE.conditions
    assert condition_words(participation, REPRESENTATIVES).text == "%(ratio)s of the representatives take part"
    assert condition_words(agreement, REPRESENTATIVES).text == "%(ratio)s of the representatives taking part agree"
    # The owners' words stay the owners'.
    assert condition_words(participation).text == "%(ratio)s of the owners take part"
    checks = [
        {"group": c.group, "of": c.of, "dimension": c.dimension, "op": c.op, "threshold": f"{c.ratio}"}
        for c in RULE.conditions
    ]
    with translation.override("zh-hans"):
        assert [check_label(check, REPRESENTATIVES) for check in checks] == [
            "三分之二以上的居民代表参与表决",
            "参与表决的居民代表过半数同意",
        ]
        strings = tally_strings(REPRESENTATIVES)
        assert strings["needed_heads"] % {"count": 2} == "2名居民代表"
        assert "居民代表" in strings["needed_impossible"]
        assert tally_strings()["needed_heads"] % {"count": 2} != "2名居民代表"
        for text in (RULE.label, RULE.description, *RULE.law):
            assert translation.gettext(text) != text


# --- A representatives' meeting and its matters ---------------------------------------------------------------


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def assembly(db, community):
    """A community of two entrances (6 flats each, 100 m²), its committee, and 6 representatives registered on
    flats of both entrances, plus one removed earlier."""
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    flats = []
    for building in ("1", "2"):
        entrance = EntranceFactory(building__community=community, building__name=building, name="1")
        flats += [
            HouseholdFactory(entrance=entrance, room=f"{floor}0{r}", floor=floor, area=Decimal("100.00"))
            for floor in (1, 2, 3)
            for r in (1, 2)
        ]
    reps = [
        Representative.objects.create(community=community, name=f"代表{i}", household=flats[2 * i]) for i in range(6)
    ]
    Representative.objects.create(community=community, name="卸任代表", household=flats[1], active=False)
    return committee, flats, reps


def _meeting(community, by, **fields):
    opens = timezone.now() + timedelta(days=20)
    return meeting_create(
        community=community,
        by=by,
        title="居民代表会议",
        organiser=Organiser.RESIDENTS_COMMITTEE,
        voting_opens_at=opens,
        voting_closes_at=opens + timedelta(days=1),
        **fields,
    )


def _proposal(community, by, **fields):
    return proposal_create(
        community=community,
        by=by,
        title="居民公约",
        summary="通过橡胶园居民公约",
        category=fields.pop("category", Category.MANAGEMENT_STATUTE),
        **fields,
    )


def _open(proposal, by):
    proposal_start_consultation(proposal=Proposal.objects.get(pk=proposal.pk), by=by)
    return proposal_open_voting(proposal=proposal, by=by, closes_at=timezone.now() + timedelta(days=3))


def test_a_matter_of_a_representatives_meeting_freezes_the_representatives(assembly, community):
    committee, _flats, reps = assembly
    meeting = _meeting(community, committee, electorate=Electorate.REPRESENTATIVES)
    proposal = _proposal(community, committee)
    assert (proposal.electorate, proposal.rule) == (Electorate.OWNERS, RuleCode.CIVIL_CODE_ORDINARY)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    proposal.refresh_from_db()
    # The secretary adding a matter to the assembly means the assembly decides it, by its rule.
    assert (proposal.electorate, proposal.rule) == (Electorate.REPRESENTATIVES, RuleCode.REPRESENTATIVES)

    proposal = _open(proposal, committee)
    electors = list(Elector.objects.filter(proposal=proposal).order_by("pk"))
    # One elector per ACTIVE representative (the removed one is not), each their own head, no area.
    assert [(e.household_id, e.head, e.area) for e in electors] == [
        (rep.household_id, f"rep:{rep.pk}", Decimal("0.00")) for rep in reps
    ]
    assert electors[0].label == f"1-1-{reps[0].household.room} 代表0"
    assert (proposal.electorate_households, proposal.electorate_heads, proposal.electorate_area) == (6, 6, 0)

    def cast(rep, choice):
        ballot_cast(proposal=proposal, household=rep.household, choice=choice, channel=Channel.ONLINE, by=committee)

    # 3 of 6 present (all agreeing): below two thirds, it does not pass; one more agreeing representative would do.
    for rep in reps[:3]:
        cast(rep, "agree")
    outcome = tally_outcome(proposal, cached=False)
    assert not outcome.passed and outcome.needed.heads == 1 and outcome.needed.area == 0
    # 4 of 6 present, 2 agree: exactly half of those present is not a majority.
    cast(reps[1], "disagree")
    cast(reps[3], "abstain")
    assert not tally_outcome(proposal, cached=False).passed
    # 4 present, 3 agree: passes — one vote each, whatever the flats' areas.
    cast(reps[1], "agree")
    outcome = tally_outcome(proposal, cached=False)
    assert outcome.passed and (outcome.participated.heads, outcome.agree.heads) == (4, 3)
    assert tally_recount(proposal) == outcome

    data = tally_json(proposal)
    assert data["rule"] == RuleCode.REPRESENTATIVES
    assert data["electorate"] == {"households": 6, "heads": 6, "area": "0.00"}
    assert [check["dimension"] for check in data["checks"]] == ["heads", "heads"]
    with translation.override("zh-hans"):
        view = tally_display(data, tally_strings(REPRESENTATIVES))
        assert [bar["label"] for bar in view["bars"]] == [
            "三分之二以上的居民代表参与表决",
            "参与表决的居民代表过半数同意",
        ]


def test_the_tally_page_of_a_representatives_matter(assembly, community, client):
    committee, _flats, reps = assembly
    meeting = _meeting(community, committee, electorate=Electorate.REPRESENTATIVES)
    proposal = _proposal(community, committee)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    proposal = _open(proposal, committee)
    ballot_cast(proposal=proposal, household=reps[0].household, choice="agree", channel=Channel.ONLINE, by=committee)
    client.force_login(committee)
    with translation.override("zh-hans"):
        response = client.get(reverse("proposal_detail", args=[proposal.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = response.content.decode()
    assert response.status_code == 200
    for words in (
        "三分之二以上的居民代表参与表决",
        "参与表决的居民代表过半数同意",
        "3名居民代表",
        "6名居民代表",
        "每位居民代表一票",
    ):
        assert words in html, words
    # The assembly's rule is its meeting's, not one the committee chose; no owners' area is counted.
    assert 'class="chosen"' not in html and "0.00 m²" not in html
    assert client.get(reverse("tally_json", args=[proposal.pk])).json()["electorate"]["area"] == "0.00"
    # The dashboard's participation line has no area share to print for an electorate of no area.
    html = client.get(reverse("community_dashboard", args=[community.slug])).content.decode()
    assert "居民公约" in html and "None" not in html


def test_an_owners_meeting_is_unchanged(assembly, community):
    committee, _flats, _reps = assembly
    meeting = _meeting(community, committee)
    assert meeting.electorate == Electorate.OWNERS
    proposal = _proposal(community, committee, category=Category.REBUILD)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    proposal.refresh_from_db()
    assert (proposal.electorate, proposal.rule) == (Electorate.OWNERS, RuleCode.CIVIL_CODE_MAJOR)
    proposal = _open(proposal, committee)
    electors = Elector.objects.filter(proposal=proposal)
    # Every flat, its owner's head and its area: the representatives play no part.
    assert electors.count() == 12 and not electors.filter(head__startswith="rep:").exists()
    assert (proposal.electorate_heads, proposal.electorate_area) == (12, Decimal("1200.00"))


def test_off_the_assembly_agenda_a_matter_goes_back_to_the_owners(assembly, community):
    committee, _flats, _reps = assembly
    meeting = _meeting(community, committee, electorate=Electorate.REPRESENTATIVES)
    proposal = _proposal(community, committee, category=Category.FUND_RAISE)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    # Editing it in the proposal form (which offers the owners' rules) keeps the assembly's rule.
    proposal_update(proposal=proposal, by=committee, title="居民公约（修订）", rule=RuleCode.CIVIL_CODE_MAJOR)
    proposal.refresh_from_db()
    assert (proposal.title, proposal.rule) == ("居民公约（修订）", RuleCode.REPRESENTATIVES)
    agenda_item_remove(item=AgendaItem.objects.get(proposal=proposal), by=committee)
    proposal.refresh_from_db()
    # The law's rule for its matter again (item 6: major).
    assert (proposal.electorate, proposal.rule) == (Electorate.OWNERS, RuleCode.CIVIL_CODE_MAJOR)
    proposal = _open(proposal, committee)
    assert proposal.electorate_households == 12


def test_rules_must_fit_the_voters(assembly, community, english):
    committee, _flats, _reps = assembly
    assembly_meeting = _meeting(community, committee, electorate=Electorate.REPRESENTATIVES)
    owners_meeting = _meeting(community, committee)
    # An election of the assembly is decided by its rule unless told otherwise; an owners' rule is refused there.
    assert agenda_election_add(meeting=assembly_meeting, by=committee, title="居民小组长", seats=1).rule == RULE.code
    assert agenda_election_add(meeting=owners_meeting, by=committee, title="业委会", seats=5).rule == (
        RuleCode.CIVIL_CODE_ORDINARY
    )
    for meeting, rule in ((assembly_meeting, RuleCode.CIVIL_CODE_ORDINARY), (owners_meeting, RULE.code)):
        items = meeting.items.count()
        with pytest.raises(ValidationError, match="rule each candidate"):
            agenda_election_add(meeting=meeting, by=committee, title="x", seats=1, rule=rule)
        assert meeting.items.count() == items
    # An owners' proposal cannot be created under the assembly's rule.
    count = Proposal.objects.count()
    with pytest.raises(ValidationError, match="owners decide"):
        _proposal(community, committee, rule=RULE.code)
    assert Proposal.objects.count() == count


def test_who_votes_changes_only_while_the_agenda_is_empty(assembly, community, english):
    committee, _flats, _reps = assembly
    meeting = _meeting(community, committee)
    fields = {
        "title": meeting.title,
        "organiser": meeting.organiser,
        "voting_opens_at": meeting.voting_opens_at,
        "voting_closes_at": meeting.voting_closes_at,
    }
    meeting = meeting_update(meeting=meeting, by=committee, electorate=Electorate.REPRESENTATIVES, **fields)
    assert meeting.electorate == Electorate.REPRESENTATIVES
    # Not given: kept.
    assert meeting_update(meeting=meeting, by=committee, **fields).electorate == Electorate.REPRESENTATIVES
    agenda_matter_add(meeting=meeting, by=committee, proposal=_proposal(community, committee))
    with pytest.raises(ValidationError, match="agenda is empty"):
        meeting_update(meeting=meeting, by=committee, electorate=Electorate.OWNERS, **fields)
    meeting.refresh_from_db()
    assert meeting.electorate == Electorate.REPRESENTATIVES
    with pytest.raises(ValidationError, match="Choose who votes"):
        _meeting(community, committee, electorate="tenants")


# --- A whole representatives' meeting: notice, one ballot per representative, close ----------------------------


def test_the_assembly_adopts_its_convention_at_its_meeting(assembly, community, english):
    from lifecycle.services import meeting_close
    from meetings.ballots import Answers, meeting_ballot_cast
    from meetings.models import MeetingElector
    from meetings.selectors import election_outcome
    from meetings.services import candidate_add, meeting_publish_notice
    from tests.meetings.conftest import end_window, open_voting_now

    committee, flats, reps = assembly
    meeting = _meeting(community, committee, electorate=Electorate.REPRESENTATIVES)
    convention = _proposal(community, committee)
    proposal_start_consultation(proposal=convention, by=committee)
    agenda_matter_add(meeting=meeting, by=committee, proposal=convention)
    election = agenda_election_add(meeting=meeting, by=committee, title="居民小组长", seats=1)
    candidates = [candidate_add(election=election, by=committee, name=name) for name in ("代表0", "代表1")]
    # With nobody registered the notice is refused, saying why; with representatives it publishes.
    Representative.objects.filter(pk__in=[rep.pk for rep in reps]).update(active=False)
    with pytest.raises(ValidationError, match="No residents' representatives"):
        meeting_publish_notice(meeting=meeting, by=committee)
    Representative.objects.filter(pk__in=[rep.pk for rep in reps]).update(active=True)
    open_voting_now(meeting, committee)
    meeting.refresh_from_db()
    convention.refresh_from_db()

    # The meeting's electorate (its elections') and the matter's are the six active representatives, one head each.
    heads = {f"rep:{rep.pk}" for rep in reps}
    assert set(MeetingElector.objects.filter(meeting=meeting).values_list("head", flat=True)) == heads
    assert set(Elector.objects.filter(proposal=convention).values_list("head", flat=True)) == heads
    assert (meeting.electorate_households, meeting.electorate_heads, meeting.electorate_area) == (6, 6, 0)

    def vote(rep, choice, approve):
        meeting_ballot_cast(
            meeting=meeting,
            household=rep.household,
            answers=Answers(matters={convention.pk: choice}, elections={election.pk: frozenset(approve)}),
            channel=Channel.ONLINE,
            by=committee,
        )

    # Four of six present (two thirds): three agree with the convention, three with 代表0.
    vote(reps[0], "agree", {candidates[0].pk})
    vote(reps[1], "agree", {candidates[0].pk})
    vote(reps[2], "agree", {candidates[0].pk})
    vote(reps[3], "disagree", {candidates[1].pk})
    # A flat with no representative is not in this electorate.
    with pytest.raises(ValidationError):
        vote(Representative(household=flats[1]), "agree", set())
    outcome = election_outcome(election)
    # 代表0: 3 of the 4 present agree (a majority, one vote each); 代表1: 1 of 4.
    assert outcome.elected == (str(candidates[0].pk),) and outcome.results[str(candidates[0].pk)].agree.heads == 3

    # The meeting's live tally speaks of representatives: its bars and what is still needed.
    from meetings.live_views import tally_context

    with translation.override("zh-hans"):
        context = tally_context(meeting)
        (matter,) = context["tally_matters"]
        assert [bar["label"] for bar in matter["view"]["bars"]] == [
            "三分之二以上的居民代表参与表决",
            "参与表决的居民代表过半数同意",
        ]
        assert context["tally_strings"]["needed_heads"] % {"count": 1} == "1名居民代表"
        assert matter["tally"]["electorate"] == {"households": 6, "heads": 6, "area": "0.00"}

    end_window(meeting)
    meeting_close(meeting=meeting)
    convention.refresh_from_db()
    assert convention.passed is True


# --- The meeting editor: who votes -----------------------------------------------------------------------------

LOCAL = "%Y-%m-%dT%H:%M"


def _form(**changes):
    opens = timezone.localtime() + timedelta(days=20)
    return {
        "title": "居民代表会议",
        "organiser": "residents_committee",
        "electorate": "",
        "voters": "representatives",
        "voting_opens_at": opens.strftime(LOCAL),
        "voting_closes_at": (opens + timedelta(days=1)).strftime(LOCAL),
        "blank_counts_as": "abstention",
    } | changes


def test_the_editor_makes_a_representatives_meeting(assembly, community, client):
    from meetings.models import Meeting

    committee, _flats, _reps = assembly
    client.force_login(committee)
    new = reverse("meeting_new", args=[community.slug])
    response = client.post(new, _form(voters="tenants"))
    assert response.status_code == 400 and not Meeting.objects.exists()
    response = client.post(new, _form())
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.electorate == Electorate.REPRESENTATIVES
    # Without the field (an older form), a new meeting is the owners'.
    client.post(new, _form(voters="", title="业主大会"))
    assert Meeting.objects.get(title="业主大会").electorate == Electorate.OWNERS

    with translation.override("zh-hans"):
        html = client.get(reverse("meeting_edit", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "由居民代表表决" in html and reverse("representative_list", args=[community.slug]) in html
        # Its elections offer the assembly's rule only.
        assert f'value="{RULE.code}"' in html and 'value="civil_code_ordinary"' not in html
        change = reverse("meeting_change", args=[meeting.pk])
        html = client.get(change).content.decode()
        assert re.search(r'name="voters" value="representatives"[^>]*checked', html)
        assert "居民代表：一人一票" in html

        # With a matter on the agenda, who votes cannot change: the form says why and nothing changes.
        agenda_matter_add(meeting=meeting, by=committee, proposal=_proposal(community, committee))
        response = client.post(change, _form(voters="owners"))
        assert response.status_code == 400 and "只有议程为空时才能更改表决主体" in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.electorate == Electorate.REPRESENTATIVES

        # The published notice says who votes.
        from meetings.services import meeting_publish_notice

        meeting_publish_notice(meeting=meeting, by=committee)
        html = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
        assert "全小区的居民代表：一人一票" in html and "居民代表会议：三分之二以上" in html
