"""Writes of the resolution: committee members sign it (the first signature freezes the content), and the committee
publishes the result notices (preliminary, then final once the objection window has ended). The subject is a
proposal or an owners' meeting (会议决议, 会议结果公告): the same functions, the same rules, for both."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.throttle import Limit
from lifecycle.services import proposal_publish
from meetings.models import AgendaItem, Meeting
from proposals.models import Proposal, State
from resolutions import canonical as resolution
from resolutions.models import NoticeStage, Resolution, ResultNotice, Signature
from resolutions.selectors import Subject, has_result, resolution_canonical, signer_role

# Wrong passwords when signing, per account: the form must not become a way to guess a member's password.
WRONG_PASSWORDS = Limit("resolution_sign_wrong_password", max_hits=5, window=15 * 60)
DEFAULT_OBJECTION_DAYS = 7
MAX_OBJECTION_DAYS = 60


def _not_over(subject: Subject) -> ValidationError:
    if isinstance(subject, Meeting):
        return ValidationError(
            _(
                "The meeting's resolution can be made, signed and published once the meeting has closed at the end "
                "of its voting window; this meeting is %(state)s."
            )
            % {"state": subject.get_state_display()},
            code="state",
        )
    return ValidationError(
        _("The result can be signed and published once voting has closed; this proposal is %(state)s.")
        % {"state": subject.get_state_display()},
        code="state",
    )


def _lock(subject: Subject) -> Subject:
    model = Meeting if isinstance(subject, Meeting) else Proposal
    return model.objects.select_for_update().select_related("community").get(pk=subject.pk)


def _subject(proposal: Proposal | None, meeting: Meeting | None) -> Subject:
    if (proposal is None) == (meeting is None):
        raise TypeError("give a proposal or a meeting")
    return proposal if proposal is not None else meeting


def _records(subject: Subject) -> dict:
    return {"meeting": subject} if isinstance(subject, Meeting) else {"proposal": subject}


def no_signer_role(community) -> ValidationError:
    return ValidationError(
        _(
            "Only a member of the owners' committee of %(community)s can sign its resolutions, and your account holds "
            "no committee role there. Nothing was signed."
        )
        % {"community": community.name},
        code="no_role",
    )


def resolution_sign(
    *, proposal: Proposal | None = None, meeting: Meeting | None = None, user, password: str
) -> Signature:
    """Sign the resolution of the proposal or of the meeting as `user`, who re-enters their password, in the
    capacity their role in the community gives them (resolutions.selectors.signer_role), never one they choose.

    Only a committee member of the community, only once voting is over (the meeting closed), once per member. The
    first signature generates the resolution: it stores the canonical content and its fingerprint; every later one
    is attached to that same record. A wrong password writes nothing and counts towards WRONG_PASSWORDS.
    """
    subject = _subject(proposal, meeting)
    role = signer_role(user, subject.community)
    if role is None:
        raise no_signer_role(subject.community)
    if not user.has_perm("resolutions.sign_resolution", subject):
        raise PermissionDenied
    if not has_result(subject):
        raise _not_over(subject)
    ident = str(user.pk)
    if WRONG_PASSWORDS.exceeded(ident):
        raise ValidationError(
            _("Too many wrong passwords. Please wait 15 minutes before signing again."), code="rate_limited"
        )
    if not password or not user.check_password(password):
        WRONG_PASSWORDS.hit(ident)
        raise ValidationError(_("The password is not correct. Nothing was signed."), code="wrong_password")
    WRONG_PASSWORDS.reset(ident)
    try:
        with transaction.atomic():
            locked = _lock(subject)
            if not has_result(locked):
                raise _not_over(locked)
            record = Resolution.objects.filter(**_records(locked)).first()
            if record is None:
                # The first signature: the content is computed under the subject's lock and frozen from now on.
                text = resolution_canonical(locked)
                record = Resolution.objects.create(
                    **_records(locked), content=text, fingerprint=resolution.fingerprint(text)
                )
            elif Signature.objects.filter(resolution=record, user=user).exists():
                raise ValidationError(_("You have already signed this resolution."), code="already_signed")
            return Signature.objects.create(
                resolution=record, user=user, name=str(user)[:60], role=role, signed_at=timezone.now()
            )
    except IntegrityError:
        # Only where the row lock is not enforced (SQLite): the same member's second click got there first.
        raise ValidationError(_("You have already signed this resolution."), code="already_signed") from None


def result_notice_publish(
    *,
    proposal: Proposal | None = None,
    meeting: Meeting | None = None,
    by,
    stage: str,
    objection_days: int | None = None,
    note: str = "",
) -> ResultNotice:
    """Publish a stage of the result notice of the proposal or of the meeting (会议结果公告). Caller holds
    resolutions.publish_result_notice.

    Preliminary: once voting is over, with an objection window of `objection_days` (1–60, 7 by default).
    Final: only after the preliminary notice's window has ended; a proposal still closed is then published — for a
    meeting, each of its matters still closed. Each stage once. The notice keeps the result as published: the
    signed content if there is one, else the content computed now.
    """
    subject = _subject(proposal, meeting)

    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError(_("The note is too long (300 characters at most)."), code="note")
    if stage not in NoticeStage.values:
        raise ValidationError(_("Unknown notice stage."), code="stage")
    with transaction.atomic():
        locked = _lock(subject)
        if not has_result(locked):
            raise _not_over(locked)
        notices = {n.stage: n for n in ResultNotice.objects.filter(**_records(locked))}
        if stage in notices:
            raise ValidationError(
                _("The %(stage)s has already been published.") % {"stage": NoticeStage(stage).label}, code="twice"
            )
        now = timezone.now()
        fields = {}
        if stage == NoticeStage.PRELIMINARY:
            days = DEFAULT_OBJECTION_DAYS if objection_days in (None, "") else objection_days
            if not isinstance(days, int) or not 1 <= days <= MAX_OBJECTION_DAYS:
                raise ValidationError(
                    _("The objection window is from 1 to %(max)s days.") % {"max": MAX_OBJECTION_DAYS}, code="days"
                )
            fields = {"objection_days": days, "objections_until": now + timedelta(days=days)}
        else:
            preliminary = notices.get(NoticeStage.PRELIMINARY)
            if preliminary is None:
                raise ValidationError(
                    _("Publish the preliminary result notice first: the final notice follows its objection window."),
                    code="no_preliminary",
                )
            if now < preliminary.objections_until:
                raise ValidationError(
                    _("The objection window is still open until %(until)s; the final notice can be published after it.")
                    % {"until": timezone.localtime(preliminary.objections_until).strftime("%Y-%m-%d %H:%M")},
                    code="window_open",
                )
        record = Resolution.objects.filter(**_records(locked)).first()
        content = record.content if record else resolution_canonical(locked)
        notice = ResultNotice.objects.create(
            **_records(locked),
            stage=stage,
            note=note,
            content=content,
            fingerprint=record.fingerprint if record else "",
            published_at=now,
            by=by,
            **fields,
        )
        if stage == NoticeStage.FINAL:
            for matter in _closed_matters(locked):
                proposal_publish(proposal=matter, by=by)
        return notice


def _closed_matters(subject: Subject) -> list[Proposal]:
    """The proposals the final notice publishes: the proposal, or every matter of the meeting, while closed."""
    if isinstance(subject, Proposal):
        return [subject] if subject.state == State.CLOSED else []
    items = AgendaItem.objects.filter(meeting=subject, kind=AgendaItem.Kind.MATTER, proposal__state=State.CLOSED)
    return [item.proposal for item in items.select_related("proposal").order_by("position")]
