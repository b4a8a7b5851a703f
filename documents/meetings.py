"""The printed documents of an owners' meeting: the notice (会议通知 with 候选人公示) for the notice board, an A4 PDF
rendered once in a request and stored, and the batch of ballots (表决票), one page per household of the meeting's
electorate (one per representative at a representatives' meeting), made as a document job (documents.jobs) whose pages
worker processes render in chunks (documents.chunked). A batch of more than a volume's ballots (30,000 households) is a
ZIP of PDF volumes in walking order, each merged on its own and written as it is done, so that the merge's memory
stays that of one volume (bench/bench_documents.py).
"""

from __future__ import annotations

import os
import re
import tempfile

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Building, Household, Representative
from community.qr import join_qr_svg
from core.dates import local_minute
from documents import ballot_sheets
from documents.ballot_sheets import BallotAgenda, BallotCandidate, BallotElection, BallotHousehold, BallotMatter
from documents.builders import Progress, _render, job_workers, pdf_lang
from documents.chunked import RenderStats, render_volumes
from documents.jobs import JobFile
from documents.selectors import place_label
from documents.store import pdf_stored
from meetings.models import BlankCountsAs, Meeting, MeetingElector, MeetingState
from meetings.selectors import agenda_rows, meeting_electorate
from proposals.models import Electorate, Scope
from proposals.selectors import scope_households
from voting.models import Choice, Elector

_STREAM = 5000
# Ballots in a volume of a large batch: pypdf's merge holds ~45 kB a page, so 1,000 pages keep the merging parent near
# 50 MB above its rows (30,000 pages in one PDF: ~1.3 GB). A multiple of ballot_sheets.PAGES_PER_CHUNK.
BALLOTS_PER_VOLUME = 1000


def ballots_per_volume() -> int:
    """MEETING_BALLOTS_PER_VOLUME, else BALLOTS_PER_VOLUME."""
    return int(getattr(settings, "MEETING_BALLOTS_PER_VOLUME", 0) or BALLOTS_PER_VOLUME)


def meeting_url(base_url: str, meeting: Meeting) -> str:
    """The meeting's page, as printed and in the QR code; `base_url` is "https://host" of the site."""
    return base_url + reverse("meeting_detail", args=[meeting.pk])


def window_text(meeting: Meeting) -> str:
    """ "2027-01-10 08:00 to 2027-01-13 20:00" in the reader's language."""
    return _("%(opens)s to %(closes)s") % {
        "opens": local_minute(meeting.voting_opens_at),
        "closes": local_minute(meeting.voting_closes_at),
    }


def blank_rule_text(meeting: Meeting) -> str:
    """What a matter left blank on a returned ballot counts as, in one sentence for the notice and the ballot."""
    if meeting.blank_counts_as == BlankCountsAs.ABSENT:
        return _("A matter left blank counts as not taking part in that matter.")
    return _("A matter left blank counts as an abstention: the household took part.")


def choose_text(seats: int) -> str:
    return ngettext(
        "Choose at most %(seats)d candidate; choosing more makes this election's ballot invalid.",
        "Choose at most %(seats)d candidates; choosing more makes this election's ballot invalid.",
        seats,
    ) % {"seats": seats}


def refusal(meeting: Meeting) -> str:
    """Why the meeting's printed documents cannot be made now, in words for the committee; "" when they can."""
    if meeting.state == MeetingState.DRAFT:
        return _("The notice of this meeting is not published yet: publish it first, then print its documents.")
    if not meeting.items.exists():
        return _("This meeting has nothing on its agenda, so there is nothing to print.")
    return ""


def ballots_refusal(meeting: Meeting) -> str:
    """Why the batch of ballots cannot be made now; "" when it can."""
    reason = refusal(meeting)
    if not reason and not _electorate_exists(meeting):
        if is_representatives_meeting(meeting):
            reason = _("This meeting's electorate has no active representative, so there is no ballot to print.")
        else:
            reason = _("This meeting's electorate has no household, so there is no ballot to print.")
    return reason


# --- The notice -----------------------------------------------------------------------------------------------


def notice_html(meeting: Meeting, *, base_url: str) -> str:
    """The notice of a published meeting: organiser, agenda with each matter's rule, the candidates' list, the window,
    how to vote online and on paper, the blank rule, and a QR code to the meeting's page."""
    url = meeting_url(base_url, meeting)
    context = {
        "meeting": meeting,
        "community": meeting.community,
        "rows": agenda_rows(meeting),
        "window": window_text(meeting),
        "blank_rule": blank_rule_text(meeting),
        "meeting_url": url,
        "qr": mark_safe(join_qr_svg(url)),  # segno's own SVG of our URL
        "published": timezone.localtime(meeting.notice_published_at) if meeting.notice_published_at else None,
        "lang": pdf_lang(),
    }
    context["items"] = [(row, choose_text(row.election.seats) if row.election else "") for row in context["rows"]]
    return render_to_string("documents/meeting_notice.html", context)


def render_notice(meeting: Meeting, *, base_url: str) -> bytes:
    """The notice's PDF, rendered once and served again from the store (documents.store): a published notice is
    frozen, and every household of the community may download it."""
    return pdf_stored(notice_html(meeting, base_url=base_url), kind="meeting-notice")


def notice_filename(meeting: Meeting) -> str:
    return f"meeting-notice-{meeting.community.slug}-{meeting.pk}.pdf"


# --- The ballots ----------------------------------------------------------------------------------------------


def ballot_agenda(rows) -> BallotAgenda:
    """The agenda (meetings.selectors.agenda_rows) as every ballot prints it: matters with their rule, elections with
    their candidates."""
    matters, elections = [], []
    for row in rows:
        election = row.election
        if election is None:
            matters.append(BallotMatter(number=row.number, title=row.item.proposal.title, rule=row.rule_label))
            continue
        candidates = tuple(
            BallotCandidate(
                name=candidate.name,
                flat=str(candidate.household) if candidate.household_id else "",
                party=candidate.party_shown,
            )
            for candidate in election.candidates.all()
        )
        elections.append(
            BallotElection(
                number=row.number,
                title=election.title,
                seats=election.seats,
                choose=choose_text(election.seats),
                candidates=candidates,
            )
        )
    return BallotAgenda(matters=tuple(matters), elections=tuple(elections))


def _matter_households(rows) -> dict[int, set[int] | None]:
    """Matter number → the ids of the households that vote on it; None for "every household of the meeting".

    A matter's electorate is its proposal's: the frozen one once voting opened, else the live scope."""
    out: dict[int, set[int] | None] = {}
    for row in rows:
        proposal = row.item.proposal
        if proposal is None:
            continue
        if proposal.electorate_households:
            out[row.number] = set(Elector.objects.filter(proposal=proposal).values_list("household_id", flat=True))
        elif proposal.scope == Scope.COMMUNITY:
            out[row.number] = None
        else:
            out[row.number] = set(scope_households(proposal).values_list("pk", flat=True))
    return out


_WALK = ("entrance__building__sort_key", "entrance__sort_key", "-floor", "room_sort_key", "pk")


def is_representatives_meeting(meeting: Meeting) -> bool:
    """A representatives' meeting prints one ballot per representative, not per household."""
    return meeting.electorate == Electorate.REPRESENTATIVES


def _representative_ids(meeting: Meeting) -> list[int]:
    """The representatives of a representatives' meeting: its frozen electorate's once voting opened (head
    "rep:<pk>"), else meeting_electorate's (the active representatives of its households)."""
    heads = list(MeetingElector.objects.filter(meeting=meeting).values_list("head", flat=True))
    if not heads:
        heads = [elector.head for elector in meeting_electorate(meeting)[0]]
    return [int(head.split(":", 1)[1]) for head in heads if head.startswith("rep:")]


def _representative_rows(meeting: Meeting):
    """The representatives of the meeting (community.Representative), in walking order of their flats."""
    order = (f"-household__{key[1:]}" if key[0] == "-" else f"household__{key}" for key in _WALK)
    return Representative.objects.filter(pk__in=_representative_ids(meeting)).order_by(*order, "pk")


def _electorate_rows(meeting: Meeting, building_id: int | None = None):
    """(household id, building, entrance, room, owner) of the meeting's electorate in roster order: the frozen
    electorate once voting opened (MeetingElector), else the roster — the meeting's building, or the community. At a
    representatives' meeting, one row per representative with their name in place of the owner's."""
    fields = ("pk", "entrance__building__name", "entrance__name", "room", "owner__name")
    if is_representatives_meeting(meeting):
        representatives = _representative_rows(meeting)
        if building_id is not None:
            representatives = representatives.filter(household__entrance__building_id=building_id)
        return representatives.values_list("household_id", *(f"household__{key}" for key in fields[1:4]), "name")
    order = _WALK
    frozen = MeetingElector.objects.filter(meeting=meeting)
    if frozen.exists():
        if building_id is not None:
            frozen = frozen.filter(household__entrance__building_id=building_id)
        return (
            frozen.order_by(*(f"-household__{key[1:]}" if key[0] == "-" else f"household__{key}" for key in order))
            .values_list("household_id", *(f"household__{key}" for key in fields[1:4]), "owner__name")
            .iterator(chunk_size=_STREAM)
        )
    households = _roster(meeting)
    if building_id is not None:
        households = households.filter(entrance__building_id=building_id)
    return households.order_by(*order).values_list(*fields).iterator(chunk_size=_STREAM)


def _roster(meeting: Meeting):
    """The meeting's electorate as the roster has it now: its building's households, or the community's."""
    households = Household.objects.of(meeting.community)
    if meeting.building_id is not None:
        households = households.filter(entrance__building_id=meeting.building_id)
    return households


def _electorate_exists(meeting: Meeting) -> bool:
    if is_representatives_meeting(meeting):
        return bool(_representative_ids(meeting))
    return MeetingElector.objects.filter(meeting=meeting).exists() or _roster(meeting).exists()


def electorate_size(meeting: Meeting) -> int:
    """How many ballots the batch prints: the frozen electorate once voting opened, else the roster's households (or
    the meeting's representatives)."""
    if is_representatives_meeting(meeting):
        return len(_representative_ids(meeting))
    return MeetingElector.objects.filter(meeting=meeting).count() or _roster(meeting).count()


def electorate_buildings(meeting: Meeting) -> list[tuple[Building, int]]:
    """The buildings of the meeting's electorate with how many ballots each prints, in roster order: a large
    community's ballots are made building by building, each a document of its own. One query."""
    if is_representatives_meeting(meeting):
        counted: dict[int, int] = {}
        for building_id in _representative_rows(meeting).values_list("household__entrance__building_id", flat=True):
            counted[building_id] = counted.get(building_id, 0) + 1
        buildings = Building.objects.filter(pk__in=counted).order_by("sort_key", "pk")
        return [(building, counted[building.pk]) for building in buildings]
    frozen = MeetingElector.objects.filter(meeting=meeting)
    households = Household.objects.filter(pk__in=frozen.values("household_id")) if frozen.exists() else _roster(meeting)
    counts = Count("entrances__households", filter=Q(entrances__households__in=households))
    buildings = (
        Building.objects.filter(pk__in=households.values("entrance__building_id"))
        .annotate(ballots=counts)
        .order_by("sort_key", "pk")
    )
    return [(building, building.ballots) for building in buildings]


def ballot_households(
    meeting: Meeting, rows, *, base_url: str, building_id: int | None = None
) -> list[BallotHousehold]:
    """One ballot per household of the meeting's electorate, each with the matters (of the agenda `rows`) it does
    not vote on and, in its QR code, the secretary's paper-entry screen opened on it. One query for the households,
    one per matter whose scope is narrower than the community."""
    scopes = {number: ids for number, ids in _matter_households(rows).items() if ids is not None}
    entry = base_url + reverse("meeting_paper_entry", args=[meeting.pk]) + "?household="
    households = []
    for household_id, building, entrance, room, owner in _electorate_rows(meeting, building_id):
        outside = frozenset(number for number, ids in scopes.items() if household_id not in ids)
        households.append(
            BallotHousehold(
                place=place_label(building, entrance, room),
                owner=owner,
                code=f"{building}-{entrance}-{room}",  # Household.code: what the paper-entry search box takes
                outside=outside,
                entry=f"{entry}{household_id}",
            )
        )
    return households


def ballots_title(meeting: Meeting, building: Building | None = None) -> str:
    if building is not None:
        return _("Ballots — %(meeting)s — %(building)s") % {"meeting": meeting.title, "building": building}
    return _("Ballots — %(meeting)s") % {"meeting": meeting.title}


def ballots_filename(meeting: Meeting, building: Building | None = None) -> str:
    part = f"-{building.name}" if building is not None else ""
    return f"meeting-ballots-{meeting.community.slug}-{meeting.pk}{part}.pdf"


def ballot_text(meeting: Meeting, *, base_url: str) -> ballot_sheets.BallotText:
    agree, disagree, abstain = (str(Choice(value).label) for value in (Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN))
    choices = (agree, disagree, abstain)
    return ballot_sheets.BallotText(
        community=meeting.community.name,
        title=_("%(meeting)s — ballot") % {"meeting": meeting.title},
        window=_("Voting: %(window)s") % {"window": window_text(meeting)},
        owner_label=_("Representative") if is_representatives_meeting(meeting) else _("Owner"),
        code_label=_("Household code (the committee enters this ballot by it)"),
        matters_heading=_("Matters: tick one box for each"),
        choices=choices,
        not_in_scope=_("Your household does not vote on this matter."),
        party=_("Party member"),
        instructions=(
            _("For each matter, tick one of %(choices)s.") % {"choices": "、".join(choices)},
            blank_rule_text(meeting),
            _(
                "In an election, tick the candidates you agree with, at most as many as its seats; choosing more makes"
                " your household's ballot in that election invalid."
            ),
            _("Sign and return this ballot to the owners' committee before voting closes.")
            + " "
            + _("You can vote online instead: %(url)s") % {"url": meeting_url(base_url, meeting)},
        ),
        signature=(
            _("Representative's signature: ____________    Date: ____________")
            if is_representatives_meeting(meeting)
            else _("Owner's signature: ____________    Date: ____________")
        ),
        folio=_("Household %(code)s") % {"code": "{code}"},
    )


def render_meeting_ballots(
    meeting: Meeting,
    *,
    base_url: str,
    workers: int | None = None,
    progress: Progress | None = None,
    stats: RenderStats | None = None,
    building: Building | None = None,
) -> bytes:
    """Every household's ballot (or one building's), one A4 page each. `workers=None`: one render here (a few
    households, tests); `workers=N`: chunks rendered by N processes and merged (the job)."""
    rows = agenda_rows(meeting)
    return render_ballots(
        ballot_households(meeting, rows, base_url=base_url, building_id=building.pk if building else None),
        ballot_agenda(rows),
        ballot_text(meeting, base_url=base_url),
        title=ballots_title(meeting, building),
        workers=workers,
        progress=progress,
        stats=stats,
    )


def render_ballots(households, agenda, text, *, title: str, workers=None, progress=None, stats=None) -> bytes:
    """The ballots of `households` (also what bench/bench_documents.py renders from rows made in memory)."""
    return _render(
        ballot_sheets.ballot_chunks(households, agenda, text),
        head=ballot_sheets.HEAD,
        pages=max(1, len(households)),
        title=title,
        workers=workers,
        progress=progress,
        stats=stats,
    )


def volume_name(number: int, first: BallotHousehold, last: BallotHousehold) -> str:
    """A volume's file name in the ZIP: "表决票-第01册-1号楼1单元101至3号楼2单元602.pdf"."""
    name = _("ballots-volume-%(number)02d-%(first)s-to-%(last)s.pdf") % {
        "number": number,
        "first": first.place,
        "last": last.place,
    }
    return re.sub(r'[\\/:*?"<>|\s]+', "-", name)


def ballot_volumes(households, agenda, text, *, title: str, per_volume: int):
    """The batch cut into volumes of `per_volume` ballots in walking order: (file name, title, chunks) each."""
    for number, start in enumerate(range(0, len(households), per_volume), start=1):
        volume = households[start : start + per_volume]
        volume_title = _("%(title)s — volume %(number)d") % {"title": title, "number": number}
        yield (
            volume_name(number, volume[0], volume[-1]),
            volume_title,
            ballot_sheets.ballot_chunks(volume, agenda, text),
        )


def render_ballot_volumes(
    households, agenda, text, *, title: str, out, per_volume: int, workers: int, progress=None, stats=None
) -> list[str]:
    """The ballots of `households` as a ZIP of PDF volumes written to `out` (documents.chunked.render_volumes); the
    volumes' names in order. Also what bench/bench_documents.py renders."""
    return render_volumes(
        ballot_volumes(households, agenda, text, title=title, per_volume=per_volume),
        out=out,
        head=ballot_sheets.HEAD,
        pages_total=len(households),
        lang=pdf_lang(),
        workers=workers,
        progress=progress,
        stats=stats,
    )


def ballots_batch(
    meeting: Meeting,
    *,
    base_url: str,
    workers: int,
    progress: Progress | None = None,
    building: Building | None = None,
    per_volume: int | None = None,
) -> bytes | JobFile:
    """The job's file: one PDF for up to `per_volume` ballots, else a ZIP of volumes in a temporary file (JobFile)."""
    per_volume = per_volume or ballots_per_volume()
    rows = agenda_rows(meeting)
    households = ballot_households(meeting, rows, base_url=base_url, building_id=building.pk if building else None)
    agenda, text, title = ballot_agenda(rows), ballot_text(meeting, base_url=base_url), ballots_title(meeting, building)
    if len(households) <= per_volume:
        return render_ballots(households, agenda, text, title=title, workers=workers, progress=progress)
    descriptor, path = tempfile.mkstemp(prefix="gongyi-ballots-", suffix=".zip")
    try:
        with os.fdopen(descriptor, "wb") as out:
            names = render_ballot_volumes(
                households,
                agenda,
                text,
                title=title,
                out=out,
                per_volume=per_volume,
                workers=workers,
                progress=progress,
            )
    except BaseException:
        os.unlink(path)
        raise
    return JobFile(path=path, suffix=".zip", volumes=len(names))


def build_meeting_ballots_job(job, progress: Progress) -> bytes | JobFile:
    meeting = Meeting.objects.select_related("community").get(pk=job.params["meeting"], community=job.community)
    building = job.params.get("building")
    building = Building.objects.get(pk=building, community=job.community) if building else None
    return ballots_batch(
        meeting, base_url=job.params["base_url"], workers=job_workers(), progress=progress, building=building
    )
