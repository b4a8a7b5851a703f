"""The printed documents, made from the database in the reader's language: register annex, join slips, walk sheets.

Small documents render in one WeasyPrint call in the calling process (a request); large ones are chunked over
worker processes (a DocumentJob, documents.jobs). Resolutions include the annex through `render_annex`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from consult.models import Visit
from documents import annex, slips
from documents.annex import AnnexRow, AnnexText
from documents.chunked import RenderStats, render_chunked, render_single
from documents.render import render_pdf
from documents.selectors import SlipScope, annex_rows, slip_rows, walk_rows
from documents.slips import SlipText

Progress = Callable[[int, int], None]


def job_workers() -> int:
    """Worker processes for a job: DOCUMENT_WORKERS, else one per core up to 2 (memory: ~110 MB each)."""
    return int(getattr(settings, "DOCUMENT_WORKERS", 0) or min(2, os.cpu_count() or 1))


def pdf_lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-Hans"


def folio_format() -> str:
    """The page number line, with {page} and {pages}."""
    return _("Page %(page)s of %(pages)s") % {"page": "{page}", "pages": "{pages}"}


def folio_css() -> str:
    """@page margin box content for documents WeasyPrint paginates itself ("第 1 页 / 共 3 页")."""
    before, rest = folio_format().split("{page}", 1)
    middle, after = rest.split("{pages}", 1)

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return f"{quoted(before)} counter(page) {quoted(middle)} counter(pages) {quoted(after)}"


def _render(chunks, *, head: str, pages: int, title: str, workers: int | None, progress, stats) -> bytes:
    if workers is None:
        pdf = render_single(chunks, head=head, title=title, lang=pdf_lang())
        if progress:
            progress(pages, pages)
        return pdf
    return render_chunked(
        chunks,
        head=head,
        pages_total=pages,
        title=title,
        lang=pdf_lang(),
        workers=workers,
        progress=progress,
        stats=stats,
    )


# --- The per-household register annex ------------------------------------------------------------------


def annex_summary(rows: Sequence[AnnexRow]) -> str:
    not_voted = _("not voted")
    voted = sum(1 for row in rows if row.choice != not_voted)
    return _("%(households)s households: %(voted)s voted, %(not_voted)s did not vote.") % {
        "households": len(rows),
        "voted": voted,
        "not_voted": len(rows) - voted,
    }


def annex_text(*, title: str, subtitle: str = "", summary: str = "") -> AnnexText:
    return AnnexText(
        title=title,
        subtitle=subtitle,
        summary=summary,
        column_titles=(
            pgettext("register annex column", "No."),
            pgettext("register annex column", "Flat"),
            pgettext("register annex column", "Owner"),
            pgettext("register annex column", "Area (m²)"),
            pgettext("register annex column", "Vote"),
            pgettext("register annex column", "How"),
            pgettext("register annex column", "Recorded at"),
        ),
        folio=folio_format(),
    )


def render_annex(
    rows: Sequence[AnnexRow],
    *,
    title: str,
    subtitle: str = "",
    summary: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    stats: RenderStats | None = None,
    pages_per_chunk: int = annex.PAGES_PER_CHUNK,
) -> bytes:
    """The annex PDF of `rows` (see selectors.annex_rows). `workers=None`: one render here (for up to ~2,000 rows,
    in a request); `workers=N`: chunks of 20 pages rendered by N processes and merged (a job)."""
    text = annex_text(title=title, subtitle=subtitle, summary=annex_summary(rows) if summary is None else summary)
    return _render(
        annex.annex_chunks(rows, text, pages_per_chunk=pages_per_chunk),
        head=annex.HEAD,
        pages=annex.page_count(len(rows)),
        title=title,
        workers=workers,
        progress=progress,
        stats=stats,
    )


def register_subtitle(proposal) -> str:
    parts = [proposal.community.name, str(proposal)]
    if proposal.voting_opens_at and proposal.voting_closes_at:
        parts.append(
            _("voting %(opens)s to %(closes)s")
            % {
                "opens": timezone.localtime(proposal.voting_opens_at).strftime("%Y-%m-%d %H:%M"),
                "closes": timezone.localtime(proposal.voting_closes_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    return " · ".join(parts)


def register_title(proposal) -> str:
    return _("Register of ballots by household — proposal #%(number)s") % {"number": proposal.number}


def render_register(proposal, *, workers: int | None = None, progress: Progress | None = None) -> bytes:
    """The register document of a proposal whose electorate is frozen: the annex on its own."""
    return render_annex(
        annex_rows(proposal),
        title=register_title(proposal),
        subtitle=register_subtitle(proposal),
        workers=workers,
        progress=progress,
    )


# --- Join slips -------------------------------------------------------------------------------------------


def slip_text(community, *, join_root: str) -> SlipText:
    person = {"name": "{name}", "phone": "{phone}"}
    return SlipText(
        community=community.name,
        code_label=_("Join code"),
        instructions=_("Scan the code, or enter the join code at %(url)s, to link your flat.") % {"url": "{url}"},
        join_url=join_root,
        expires=_("Valid until %(date)s") % {"date": "{date}"},
        helpline_canvasser=_("Need help? Call your canvasser %(name)s %(phone)s") % person,
        helpline_committee=_("Need help? Call the owners' committee: %(name)s %(phone)s") % person,
        helpline_none=_("Need help? Ask the owners' committee."),
    )


def slips_title(scope: SlipScope, place: str) -> str:
    return _("Join slips — %(place)s") % {"place": place}


def render_slips(
    scope: SlipScope,
    *,
    base_url: str,
    place: str,
    workers: int | None = None,
    progress: Progress | None = None,
) -> bytes:
    """Slips for the households of `scope` that have a usable code; `base_url` is "https://host" of the site."""
    from django.urls import reverse

    rows = slip_rows(scope, join_url=lambda code: base_url + reverse("join_with_code", args=[code]))
    text = slip_text(scope.community, join_root=base_url + reverse("join"))
    return _render(
        slips.slip_chunks(rows, text),
        head=slips.HEAD,
        pages=slips.page_count(len(rows)),
        title=slips_title(scope, place),
        workers=workers,
        progress=progress,
        stats=None,
    )


# --- Walk sheets --------------------------------------------------------------------------------------------


def render_walk_sheet(proposal, entrance) -> bytes:
    """One entrance's walk sheet: rooms top floor first, owner, masked phone, last visit, blank columns to fill."""
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "entrance": entrance,
        "rows": walk_rows(proposal, entrance),
        "stances": [label for value, label in Visit.Stance.choices],
        "printed_at": timezone.localtime(),
        "folio_css": folio_css(),
        "lang": pdf_lang(),
    }
    return render_pdf(render_to_string("documents/walk_sheet.html", context))


# --- Job builders (documents.jobs.KINDS) -------------------------------------------------------------------


def build_register_job(job, progress: Progress) -> bytes:
    return render_register(job.proposal, workers=job_workers(), progress=progress)


def build_slips_job(job, progress: Progress) -> bytes:
    scope = SlipScope(
        community=job.community, building_id=job.params.get("building"), entrance_id=job.params.get("entrance")
    )
    return render_slips(
        scope, base_url=job.params["base_url"], place=job.params["place"], workers=job_workers(), progress=progress
    )
