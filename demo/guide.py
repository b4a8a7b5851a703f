"""The "demo stories" guide `load_demo` prints after the accounts table: for each story, who logs in and where to go.

Reads only (a few queries), so a second `load_demo` still writes nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from community.demo import SHANSHUI_RESIDENT2_FLAT
from community.models import Household
from costs.models import BillStatus
from costs.selectors import collection, plan_for, shares_compute, sign_up_totals
from demo.report_stories import DEPARTMENTS, LEDGER
from demo.stories import DOOR, GARAGE, PHASE_ONE, StoriesResult
from meetings.selectors import agenda_rows, election_outcome
from messaging.models import Batch
from proposals.models import State
from reports.models import Report

SITE = "http://127.0.0.1:8000"


def _url(name: str, *args) -> str:
    return SITE + reverse(name, args=args)


def _yuan(amount) -> str:
    return f"¥{amount:,.2f}"


def _state(proposal) -> str:
    if proposal.state in (State.CLOSED, State.PUBLISHED):
        return _("passed") if proposal.passed else _("not passed")
    return str(proposal.get_state_display())


def _canvasser_name() -> str:
    user = get_user_model().objects.filter(username="canvasser").values_list("display_name", flat=True).first()
    return user or "canvasser"


def _door(story) -> list[str]:
    proposal, community = story.proposal, story.community
    shares = shares_compute(proposal)
    amounts = {row.amount for row in shares.rows} if shares and not shares.error else set()
    head = _("%(number)s. %(community)s · %(title)s — %(state)s, %(rule)s") % {
        "number": 1,
        "community": community.name,
        "title": proposal.title,
        "state": _state(proposal),
        "rule": proposal.get_rule_display(),
    }
    lines = [head]
    if len(amounts) == 1:
        lines.append(
            "   "
            + _("%(households)s households, %(amount)s each")
            % {"households": len(shares.rows), "amount": _yuan(amounts.pop())}
        )
    lines += [
        "   "
        + _("committee logs in → %(community)s → Proposals → %(title)s → Open voting: %(url)s")
        % {"community": community.name, "title": proposal.title, "url": _url("proposal_detail", proposal.pk)},
        "   " + _("resident opens %(url)s on a phone and votes") % {"url": SITE + "/"},
        "   " + _("The big screen for the meeting hall: %(url)s") % {"url": _url("big_screen", proposal.pk)},
        "   " + _("secretary enters paper ballots: %(url)s") % {"url": _url("paper_entry", proposal.pk)},
        "   "
        + _("canvasser (%(name)s) walks the stairwell door to door: %(url)s")
        % {"name": _canvasser_name(), "url": _url("walk_list", proposal.pk)},
    ]
    return lines


def _garage(story) -> list[str]:
    proposal, community = story.proposal, story.community
    head = _("%(number)s. %(community)s · %(title)s — %(state)s, %(rule)s") % {
        "number": 2,
        "community": community.name,
        "title": proposal.title,
        "state": _state(proposal),
        "rule": proposal.get_rule_display(),
    }
    lines = [head]
    plan = plan_for(proposal)
    if plan is not None:
        count, weight = sign_up_totals(plan)
        lines.append(
            "   "
            + _("%(count)s households signed up with %(weight)s %(label)s")
            % {"count": count, "weight": f"{weight:f}".rstrip("0").rstrip("."), "label": plan.weight_label}
        )
    building, entrance, room = SHANSHUI_RESIDENT2_FLAT
    household = Household.objects.of(community).filter(
        entrance__building__name=building, entrance__name=entrance, room=room
    )
    shares = shares_compute(proposal, plan=plan) if plan is not None else None
    row = shares.by_household.get(household.values_list("pk", flat=True).first()) if shares else None
    url = _url("proposal_detail", proposal.pk)
    if row is not None:
        share = _("resident2 logs in and sees the household's share, %(amount)s, before voting: %(url)s") % {
            "amount": _yuan(row.amount),
            "url": url,
        }
    else:
        share = _("resident2 logs in and sees the household's share before voting: %(url)s") % {"url": url}
    lines += [
        "   " + share,
        "   " + _("canvasser and party record visits on phones: %(url)s") % {"url": _url("walk_list", proposal.pk)},
        "   "
        + _("committee watches the building board fill in: %(url)s") % {"url": _url("canvass_board", proposal.pk)},
        "   " + _("Demands summary: %(url)s") % {"url": _url("demands_summary", proposal.pk)},
        "   " + _("Negotiation meetings and the parties' positions: %(url)s") % {"url": _url("meetings", proposal.pk)},
    ]
    return lines


def _phase_one(story) -> list[str]:
    proposal, community = story.proposal, story.community
    head = _("%(number)s. %(community)s · %(title)s — %(state)s, %(rule)s") % {
        "number": 3,
        "community": community.name,
        "title": proposal.title,
        "state": _state(proposal),
        "rule": proposal.get_rule_display(),
    }
    lines = [head]
    money = collection(proposal)
    if money.bills:
        lines.append(
            "   "
            + _("%(paid)s of %(bills)s bills paid (%(received)s received, %(unpaid)s still due), %(waived)s waived")
            % {
                "paid": money.counts[BillStatus.PAID],
                "bills": money.bills,
                "received": _yuan(money.sums[BillStatus.PAID]),
                "unpaid": _yuan(money.sums[BillStatus.UNPAID]),
                "waived": money.counts[BillStatus.WAIVED],
            }
        )
    lines += [
        "   " + _("committee tracks the payments to the fen: %(url)s") % {"url": _url("bill_collection", proposal.pk)},
        "   " + _("Register of ballots: %(url)s") % {"url": _url("register", proposal.pk)},
    ]
    if Batch.objects.filter(proposal=proposal).exists():
        lines.append(
            "   "
            + _("committee sees the texts of this vote (the notice, a reminder, the result, the bills): %(url)s")
            % {"url": SITE + reverse("sms_batches", args=[community.slug])}
        )
    return lines


def guide_lines(result: StoriesResult) -> list[str]:
    """The guide, in the active language; one line per step."""
    lines = [_("Demo stories (password as above)")]
    for key, write in ((DOOR, _door), (GARAGE, _garage), (PHASE_ONE, _phase_one)):
        story = result.stories.get(key)
        if story is not None:
            lines += write(story)
    return lines


def meeting_guide_lines(stories: list) -> list[str]:
    """The meetings' part of the guide: who was elected, and where to read the ballot, the tally and the results."""
    lines = []
    for number, story in enumerate(stories, start=4):
        meeting = story.meeting
        lines.append(
            _("%(number)s. %(community)s · %(title)s — %(state)s")
            % {
                "number": number,
                "community": story.community.name,
                "title": meeting.title,
                "state": meeting.get_state_display(),
            }
        )
        for row in agenda_rows(meeting):
            if row.election is None:
                lines.append(
                    "   "
                    + _("%(number)s. %(title)s — %(state)s")
                    % {"number": row.number, "title": row.item.proposal.title, "state": _state(row.item.proposal)}
                )
                continue
            outcome = election_outcome(row.election)
            names = {str(c.pk): c.name for c in row.election.candidates.all()}
            lines.append(
                "   "
                + _("%(number)s. %(election)s — elected: %(elected)s; alternates: %(alternates)s")
                % {
                    "number": row.number,
                    "election": row.election.title,
                    "elected": "、".join(names[key] for key in outcome.elected) or "—",
                    "alternates": "、".join(names[key] for key in outcome.alternates[: row.election.alternates]) or "—",
                }
            )
        lines.append(
            "   "
            + _("households and the committee read the notice, the tally and the results: %(url)s")
            % {"url": _url("meeting_detail", meeting.pk)}
        )
        lines.append(
            "   "
            + _("committee signs the meeting's resolution and publishes the result notice: %(url)s")
            % {"url": _url("meeting_resolution", meeting.pk)}
        )
    return lines


def report_guide_lines(stories) -> list[str]:
    """The residents' reports: who logs in where (issue 17)."""
    if stories.kunming is None or stories.ledger is None:
        return []
    kunming = Report.objects.filter(community=stories.kunming).count()
    ledger = dict(
        Report.objects.filter(community=stories.ledger)
        .values_list("created_at__year")
        .annotate(n=Count("pk"))
        .values_list("created_at__year", "n")
    )
    years = "→".join(str(ledger.get(year, 0)) for year in LEDGER)
    return [
        _("%(number)s. %(community)s — %(reports)s residents' reports over three years; from March 2020 whistled to")
        % {"number": 6, "community": stories.kunming.name, "reports": kunming}
        + " "
        + "、".join(DEPARTMENTS),
        "   "
        + _(
            "baijianwei (the party secretary), jiedao (the district), chengguan and zhujian (the departments) log in "
            "with the same password"
        ),
        _("%(number)s. %(community)s — the ledger of residents' complaints by year: %(years)s")
        % {"number": 7, "community": stories.ledger.name, "years": years},
    ]
