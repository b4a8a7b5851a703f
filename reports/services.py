"""Every write on a report: reporting, merging a duplicate, assigning, whistling to departments and their answer,
recording what was done, the reporter's confirmation and rating, closing unconfirmed reports after a week, and
turning a report into a proposal. Each step writes one line of the report's history (ReportEvent).

Callers hold the permission (reports.rules); the services check the state, and lock the report's row."""

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import Building, Community, District, Entrance, Household
from core.dates import check_date
from core.identity import normalize_phone
from core.uploads import image_reencoded
from proposals.models import Category as ProposalCategory
from proposals.models import Proposal
from proposals.services import attachment_add, proposal_create
from reports.models import (
    DONE_FROM,
    OPEN_STATES,
    TRIAGE_STATES,
    WHISTLE_STATES,
    Department,
    DepartmentMember,
    DistrictStaff,
    JointMeeting,
    Rating,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportState,
    Summons,
    Whistle,
)
from reports.selectors import assignable_people

PHOTOS_MAX = 3
PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_SIDE = 1600
CONFIRM_DAYS = 7  # a report done and not confirmed closes by itself after a week


class ReportError(ValidationError):
    pass


def _checked(day: date) -> date:
    """A date a person typed, within core.dates' range (2000 to two years ahead), or a ReportError saying so."""
    try:
        return check_date(day)
    except ValidationError as error:
        raise ReportError(error.messages) from None


def _event(report: Report, kind: str, *, by=None, text: str = "", department=None, at: datetime | None = None):
    return ReportEvent.objects.create(
        report=report, kind=kind, by=by, text=text, department=department, at=at or timezone.now()
    )


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def _expect(report: Report, *states: str) -> None:
    if report.state not in states:
        raise ReportError(
            _("This report is %(state)s: that step is not possible now.") % {"state": report.get_state_display()}
        )


def _encoded(photos: Sequence) -> list[bytes]:
    """The photos re-encoded, or a ReportError. Decoding is slow: call it before taking any lock."""
    if len(photos) > PHOTOS_MAX:
        raise ReportError(_("At most three photos."))
    refusal = _("A photo must be a JPEG, PNG or WebP image.")
    try:
        return [image_reencoded(p, max_bytes=PHOTO_BYTES, max_side=PHOTO_SIDE, refusal=refusal) for p in photos]
    except ValidationError as error:
        raise ReportError(error.messages) from error


def _photos(report: Report, encoded: Sequence[bytes], stage: str) -> None:
    for data in encoded:
        photo = ReportPhoto(report=report, stage=stage, token=secrets.token_hex(16))
        photo.image.save(f"{photo.token}.png", ContentFile(data), save=False)
        photo.save()


def _responded(report: Report, now: datetime) -> None:
    if report.first_response_at is None:
        report.first_response_at = now


def report_create(
    *,
    community: Community,
    by,
    category: str,
    description: str,
    photos: Sequence = (),
    building: Building | None = None,
    entrance: Entrance | None = None,
    location: str = "",
    public: bool = False,
    household: Household | None = None,
    reporter_phone: str = "",
    on_behalf: bool = False,
    at: datetime | None = None,
) -> Report:
    """A resident's report, or a canvasser's on behalf of `household` (`on_behalf`: the reporter is not `by`)."""
    description = description.strip()
    if not description:
        raise ReportError(_("Say what is wrong."))
    if building is not None and building.community_id != community.pk:
        raise ReportError(_("That building is not in this community."))
    if entrance is not None and entrance.building.community_id != community.pk:
        raise ReportError(_("That entrance is not in this community."))
    if entrance is not None:
        building = entrance.building
    if household is not None and household.entrance.building.community_id != community.pk:
        raise ReportError(_("That household is not in this community."))
    if reporter_phone:
        try:
            reporter_phone = normalize_phone(reporter_phone)
        except ValueError:
            raise ReportError(_("Enter a mainland mobile number, e.g. 138 1234 5678.")) from None
    encoded = _encoded(photos)
    with transaction.atomic():
        Community.objects.select_for_update().only("pk").get(pk=community.pk)
        last = Report.objects.filter(community=community).aggregate(n=Max("number"))["n"]
        report = Report.objects.create(
            community=community,
            number=(last or 0) + 1,
            category=category,
            description=description,
            building=building,
            entrance=entrance,
            location=location.strip()[:120],
            public=public,
            reporter=None if on_behalf else by,
            household=household,
            reporter_phone=reporter_phone or ("" if on_behalf else (by.phone or "")),
            recorded_by=by,
            created_at=at or timezone.now(),
        )
        _photos(report, encoded, ReportPhoto.Stage.REPORTED)
        _event(report, ReportEvent.Kind.REPORTED, by=by, at=report.created_at)
    return report


def report_merge(*, report: Report, into: Report, by) -> Report:
    """A duplicate joins the open report it repeats; its reporter follows that one, and so do its own duplicates.
    Both rows are locked in pk order (a merge A→B racing B→A waits, re-reads and is refused)."""
    if into.pk == report.pk or into.community_id != report.community_id:
        raise ReportError(_("Choose another report of this community."))
    with transaction.atomic():
        first, second = (_locked(r) for r in sorted((report, into), key=lambda r: r.pk))
        report, into = (first, second) if first.pk == report.pk else (second, first)
        _expect(report, *TRIAGE_STATES)
        if into.state == ReportState.MERGED:
            raise ReportError(_("That report was itself merged; choose the one it was merged into."))
        if into.state not in OPEN_STATES:
            raise ReportError(
                _("Report #%(n)s is %(state)s: merge into an open report.")
                % {"n": into.number, "state": into.get_state_display()}
            )
        now = timezone.now()
        _responded(report, now)
        report.state, report.duplicate_of, report.closed_at = ReportState.MERGED, into, now
        report.save(update_fields=["state", "duplicate_of", "closed_at", "first_response_at"])
        text = _("Merged into report #%(n)s.") % {"n": into.number}
        _event(report, ReportEvent.Kind.MERGED, by=by, text=text, at=now)
        # Its duplicates follow it: the proposal and the manage page look one level down only.
        for duplicate in Report.objects.select_for_update().filter(duplicate_of=report).order_by("pk"):
            duplicate.duplicate_of = into
            duplicate.save(update_fields=["duplicate_of"])
            _event(duplicate, ReportEvent.Kind.MERGED, by=by, text=text, at=now)
    return report


def report_assign(*, report: Report, to, due_on: date, by, note: str = "") -> Report:
    """Hand a report to someone in the community (the property company, a canvasser, a volunteer) with a due date."""
    if _checked(due_on) < timezone.localdate():
        raise ReportError(_("The due date has passed."))
    if not assignable_people(report.community).filter(pk=to.pk).exists():
        raise ReportError(_("Choose someone who holds a role in this community."))
    with transaction.atomic():
        report = _locked(report)
        _expect(report, *TRIAGE_STATES)
        _responded(report, timezone.now())
        report.state, report.assignee, report.due_on = ReportState.ASSIGNED, to, due_on
        report.save(update_fields=["state", "assignee", "due_on", "first_response_at"])
        # The name people know them by, never a number or an account name: the reporter reads this line.
        who = to.display_name or _("a helper of the community")
        text = _("Assigned to %(who)s, due %(due)s.") % {"who": who, "due": due_on.isoformat()}
        _event(report, ReportEvent.Kind.ASSIGNED, by=by, text=f"{text} {note}".strip())
    return report


def whistle_blow(
    *, reports: Sequence[Report], departments: Sequence[Department], deadline: date, note: str, by
) -> Whistle:
    """吹哨: send related reports of one community to departments of its district, with a deadline."""
    if not reports or not departments:
        raise ReportError(_("Choose the reports and at least one department."))
    community = reports[0].community
    if any(r.community_id != community.pk for r in reports):
        raise ReportError(_("The reports must be of one community."))
    if community.district_id is None or any(d.district_id != community.district_id for d in departments):
        raise ReportError(_("Choose departments of this community's district."))
    if _checked(deadline) < timezone.localdate():
        raise ReportError(_("The deadline has passed."))
    if not note.strip():
        raise ReportError(_("Say what is asked of the departments."))
    with transaction.atomic():
        locked = [_locked(r) for r in sorted(reports, key=lambda r: r.pk)]
        for report in locked:
            _expect(report, *WHISTLE_STATES)
        # A double submit or a re-whistle: the reports' locks above make the second one wait and see the first.
        pending = (
            Summons.objects.filter(whistle__reports__in=locked, department__in=departments, completed_at__isnull=True)
            .select_related("department")
            .order_by("department__name")
            .first()
        )
        if pending is not None:
            raise ReportError(
                _("%(department)s already has an open part about these reports: wait for it to be completed.")
                % {"department": pending.department.name}
            )
        whistle = Whistle.objects.create(community=community, note=note.strip(), deadline=deadline, created_by=by)
        whistle.reports.set(locked)
        Summons.objects.bulk_create([Summons(whistle=whistle, department=d) for d in departments])
        now = timezone.now()
        for report in locked:
            _responded(report, now)
            report.state = ReportState.ESCALATED
            report.save(update_fields=["state", "first_response_at"])
            for department in departments:
                _event(report, ReportEvent.Kind.WHISTLED, by=by, department=department, text=note.strip(), at=now)
    return whistle


def joint_meeting_record(
    *, whistle: Whistle, held_on: date, place: str, departments: Sequence[Department], decisions: str, by
) -> JointMeeting:
    """专题会: a meeting of the departments the whistle was sent to, recorded afterwards, once (the whistle's row is
    locked); each report of the whistle still open says so in its history — a closed report's history has ended."""
    if not departments:
        raise ReportError(_("Choose the departments present."))
    if _checked(held_on) > timezone.localdate():
        raise ReportError(_("Record a meeting once it has been held."))
    place, decisions = place.strip()[:120], decisions.strip()
    if not place or not decisions:
        raise ReportError(_("Say where the meeting was held and what was decided."))
    with transaction.atomic():
        whistle = Whistle.objects.select_for_update().get(pk=whistle.pk)
        summoned = set(whistle.summonses.values_list("department_id", flat=True))
        if any(d.pk not in summoned for d in departments):
            raise ReportError(_("Choose departments this whistle was sent to."))
        reports = list(whistle.reports.filter(state__in=OPEN_STATES).order_by("pk"))
        if not reports:
            raise ReportError(_("Every report of this whistle is closed: there is nothing to meet about."))
        if whistle.meetings.filter(held_on=held_on, place=place).exists():
            raise ReportError(_("This meeting is already recorded."))
        meeting = JointMeeting.objects.create(
            whistle=whistle, held_on=held_on, place=place, decisions=decisions, recorded_by=by
        )
        meeting.departments.set(departments)
        names = "、".join(d.name for d in departments)
        text = _("Joint meeting on %(day)s at %(place)s with %(departments)s: %(decisions)s") % {
            "day": held_on.isoformat(),
            "place": meeting.place,
            "departments": names,
            "decisions": meeting.decisions,
        }
        now = timezone.now()
        for report in reports:
            _event(report, ReportEvent.Kind.MEETING, by=by, text=text[:2000], at=now)
    return meeting


def _summons_step(summons: Summons, kind: str, by, text: str) -> None:
    for report in summons.whistle.reports.all():
        _event(report, kind, by=by, department=summons.department, text=text)


def _summons_locked(summons: Summons) -> Summons:
    """The summons, locked, while a report of its whistle is still open: a part ends with the reports it is about."""
    summons = Summons.objects.select_for_update().select_related("whistle", "department").get(pk=summons.pk)
    if not summons.whistle.reports.filter(state__in=OPEN_STATES).exists():
        raise ReportError(_("The reports of this whistle are closed: the department's part has ended."))
    return summons


def summons_acknowledge(*, summons: Summons, by) -> Summons:
    """报到: the department takes the whistled reports on."""
    with transaction.atomic():
        summons = _summons_locked(summons)
        if summons.acknowledged_at is not None:
            return summons
        summons.acknowledged_at = timezone.now()
        summons.save(update_fields=["acknowledged_at"])
        _summons_step(summons, ReportEvent.Kind.ACKNOWLEDGED, by, "")
    return summons


def summons_act(*, summons: Summons, by, text: str) -> None:
    """A department records what it did (as often as it acts)."""
    if not text.strip():
        raise ReportError(_("Say what was done."))
    with transaction.atomic():
        summons = _summons_locked(summons)
        if summons.acknowledged_at is None or summons.completed_at is not None:
            raise ReportError(_("Report for duty first; a completed part takes no more actions."))
        _summons_step(summons, ReportEvent.Kind.ACTION, by, text.strip())


def summons_complete(*, summons: Summons, by, text: str) -> Summons:
    """The department's part is done, in its words; the community then confirms with the reporter (report_done)."""
    if not text.strip():
        raise ReportError(_("Say what was done before completing."))
    with transaction.atomic():
        summons = _summons_locked(summons)
        if summons.acknowledged_at is None:
            raise ReportError(_("Report for duty first."))
        if summons.completed_at is not None:
            return summons
        summons.completed_at = timezone.now()
        summons.save(update_fields=["completed_at"])
        _summons_step(summons, ReportEvent.Kind.COMPLETED, by, text.strip())
    return summons


def report_done(*, report: Report, by, text: str, photos: Sequence = ()) -> Report:
    """What was done, for the reporter to confirm."""
    if not text.strip():
        raise ReportError(_("Say what was done."))
    encoded = _encoded(photos)
    with transaction.atomic():
        report = _locked(report)
        _expect(report, *DONE_FROM)
        now = timezone.now()
        _photos(report, encoded, ReportPhoto.Stage.DONE)
        report.state, report.done_at = ReportState.DONE, now
        report.save(update_fields=["state", "done_at"])
        _event(report, ReportEvent.Kind.DONE, by=by, text=text.strip(), at=now)
    return report


def report_confirm(*, report: Report, by, satisfied: bool, comment: str = "") -> Report:
    """The reporter's word: satisfied closes it; not satisfied reopens it once, and closes it the second time."""
    with transaction.atomic():
        report = _locked(report)
        _expect(report, ReportState.DONE)
        now = timezone.now()
        if not satisfied and report.reopened == 0:
            # Back to whoever had it last: the departments if it was whistled after (or without) being assigned,
            # else its assignee, else the queue.
            last = (
                report.events.filter(kind__in=[ReportEvent.Kind.ASSIGNED, ReportEvent.Kind.WHISTLED])
                .order_by("-at", "-pk")
                .values_list("kind", flat=True)
                .first()
            )
            if last == ReportEvent.Kind.WHISTLED:
                state = ReportState.ESCALATED
            elif last == ReportEvent.Kind.ASSIGNED and report.assignee_id is not None:
                state = ReportState.ASSIGNED
            else:
                state = ReportState.NEW
            report.state, report.reopened, report.done_at = state, 1, None
            report.save(update_fields=["state", "reopened", "done_at"])
            _event(report, ReportEvent.Kind.REOPENED, by=by, text=comment.strip(), at=now)
            return report
        report.state, report.closed_at = ReportState.CLOSED, now
        report.rating = Rating.SATISFIED if satisfied else Rating.UNSATISFIED
        report.save(update_fields=["state", "closed_at", "rating"])
        _event(report, ReportEvent.Kind.CONFIRMED, by=by, text=comment.strip(), at=now)
    return report


def reports_close_unconfirmed(*, now: datetime | None = None) -> int:
    """Close the reports done a week ago that their reporter never confirmed (the scheduled job's)."""
    now = now or timezone.now()
    closed = 0
    for report in Report.objects.filter(state=ReportState.DONE, done_at__lte=now - timedelta(days=CONFIRM_DAYS)):
        with transaction.atomic():
            report = _locked(report)
            if report.state != ReportState.DONE:
                continue
            report.state, report.closed_at = ReportState.CLOSED, now
            report.save(update_fields=["state", "closed_at"])
            _event(report, ReportEvent.Kind.CLOSED, text=_("Closed: not confirmed within a week."), at=now)
            closed += 1
    return closed


def report_to_proposal(*, report: Report, by) -> Proposal:
    """A report that needs the owners' money or decision becomes a draft proposal: its text, where, and who
    reported it (merged duplicates too) carried over; the report points to it."""
    with transaction.atomic():
        report = _locked(report)
        _expect(report, *OPEN_STATES)
        reporters = [report, *Report.objects.filter(duplicate_of=report).order_by("number")]
        lines = [report.description, ""]
        if report.where:
            lines.append(_("Where: %(where)s") % {"where": report.where})
        lines.append(
            _("From residents' reports %(numbers)s.") % {"numbers": "、".join(f"#{r.number}" for r in reporters)}
        )
        proposal = proposal_create(
            community=report.community,
            by=by,
            title=report.description.splitlines()[0][:60],
            summary=report.description[:300],
            body="\n".join(lines),
            category=ProposalCategory.OTHER,
        )
        # The photos the residents took come along as the proposal's attachments (re-encoded PNGs already).
        photos = ReportPhoto.objects.filter(report__in=reporters, stage=ReportPhoto.Stage.REPORTED)
        for index, photo in enumerate(photos.select_related("report").order_by("report__number", "pk"), start=1):
            with photo.image.open("rb") as stored:
                upload = ContentFile(stored.read(), name=f"report-{photo.report.number}-{index}.png")
            title = _("Photo %(i)s of report #%(n)s") % {"i": index, "n": photo.report.number}
            attachment_add(proposal=proposal, by=by, upload=upload, title=title)
        now = timezone.now()
        _responded(report, now)
        report.state, report.proposal, report.closed_at = ReportState.PROPOSED, proposal, now
        report.save(update_fields=["state", "proposal", "closed_at", "first_response_at"])
        text = _("Became proposal #%(n)s: %(title)s") % {"n": proposal.number, "title": proposal.title}
        _event(report, ReportEvent.Kind.PROPOSED, by=by, text=text, at=now)
    return proposal


# --- departments and district ---------------------------------------------------------------------------------


_PHONE_LIKE = re.compile(r"[\d\s+\-()（）.]+")  # no letter: a mobile number, as people type one


def _account(login: str):
    """The account a username or a mobile number (in any spelling: 138 1234 5678, +86…) names; a number that is not
    a mainland mobile number is refused rather than looked up (a username is never a mobile number)."""
    login = login.strip()
    if _PHONE_LIKE.fullmatch(login):
        try:
            phone = normalize_phone(login)
        except ValueError:
            raise ReportError(
                _("%(login)s is not a mainland mobile number (e.g. 138 1234 5678).") % {"login": login}
            ) from None
        user = User.objects.filter(phone=phone).order_by("pk").first()
    else:
        user = User.objects.filter(username=login).first()
    if user is None:
        raise ReportError(_("No account with the username or mobile number %(login)s.") % {"login": login})
    return user


def district_setup(
    *,
    name: str,
    slug: str,
    departments: Sequence[str] = (),
    communities: Sequence[Community] = (),
    staff: Sequence[str] = (),
    members: Sequence[tuple[str, str]] = (),
) -> District:
    """Set up a district (街道): create it or rename it, add the departments not there yet, put `communities` in it,
    make the accounts `staff` names (usernames or mobile numbers) its staff and each (department name, account) of
    `members` a member. Idempotent: run again, nothing doubles; nothing is removed. Refused as a whole when a name,
    a department or an account is wrong."""
    name, slug = name.strip(), slug.strip()
    names = [n.strip() for n in departments if n.strip()]
    if not name or not slug:
        raise ReportError(_("A district needs a name and a short name."))
    if not re.fullmatch(r"[-a-z0-9]{1,60}", slug):  # it is in the district's and its departments' addresses
        raise ReportError(
            _("The short name %(slug)s may have only small letters a–z, digits and hyphens (e.g. majie).")
            % {"slug": slug}
        )
    limits = [(name, District._meta.get_field("name").max_length)]
    limits += [(n, Department._meta.get_field("name").max_length) for n in names]
    if too_long := [n for n, limit in limits if len(n) > limit]:
        raise ReportError(_("This name is too long: %(name)s") % {"name": too_long[0]})
    staff_users = [_account(login) for login in staff]
    member_users = [(department.strip(), _account(login)) for department, login in members]
    unknown = {d for d, _user in member_users} - set(names)
    with transaction.atomic():
        district, _created = District.objects.update_or_create(slug=slug, defaults={"name": name})
        for department in names:
            Department.objects.get_or_create(district=district, name=department)
        by_name = {d.name: d for d in Department.objects.filter(district=district)}
        if missing := unknown - by_name.keys():
            raise ReportError(
                _("No such department in this district: %(names)s") % {"names": "、".join(sorted(missing))}
            )
        Community.objects.filter(pk__in=[c.pk for c in communities]).update(district=district)
        for community in communities:  # the caller's objects say so too
            community.district = district
        for user in staff_users:
            DistrictStaff.objects.get_or_create(user=user, district=district)
        for department, user in member_users:
            DepartmentMember.objects.get_or_create(user=user, department=by_name[department])
    return district
