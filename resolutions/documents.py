"""The printed resolution and result notices, laid out from a content dict (frozen or computed now) in the reader's
language, rendered by documents.render (A4, the Chinese font). The per-household annex comes from documents.annex.
A meeting's content (resolutions.canonical.MEETING_FORMAT) is laid out by meeting_view, each of its matters by the
same result_view as a proposal's resolution."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from community.qr import join_qr_svg
from consult.models import PartyKind, Position
from core.dates import local_minute
from costs.models import CostMethod, Sharers, SubsidySource
from documents import annex
from documents.builders import annex_summary, annex_text, folio_css, job_workers, pdf_lang
from documents.chunked import render_chunked, render_single
from documents.render import render_pdf
from documents.store import pdf_stored
from meetings.models import BlankCountsAs, Organiser
from proposals.markdown import render_markdown
from proposals.models import Category, RuleCode, Scope
from resolutions.canonical import canonical, is_meeting, load, percent, ratio
from resolutions.selectors import annex_rows, resolution_content, resolution_of
from voting import engine


def _law(code: str) -> list[str]:
    """The rule's legal basis as the engine declares it, in the reader's language."""
    rule = engine.RULES.get(code)
    return [_(text) for text in rule.law] if rule else []


def revocation_notice() -> str:
    return _(
        "Civil Code of the PRC, Article 280(2): where a decision of the owners' assembly or the owners' committee"
        " infringes an owner's lawful rights and interests, the owner may ask the people's court to revoke it. The"
        " owner may make this request within one year from the day on which they knew or should have known that the"
        " owners' assembly or the owners' committee made the decision."
    )


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _when(text: str | None) -> str:
    return local_minute(parse_datetime(text) if text else None)


def _day(text: str | None) -> str:
    moment = parse_datetime(text) if text else None
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def _group_label(group: str) -> str:
    return {
        "electorate": _("all owners in scope"),
        "participated": _("owners taking part"),
        "agree": _("owners agreeing"),
        "disagree": _("owners disagreeing"),
        "abstain": _("owners abstaining"),
    }.get(group, group)


def _dimension_label(dimension: str) -> str:
    return {
        "area": pgettext("resolution", "area"),
        "heads": pgettext("resolution", "headcount"),
        "households": pgettext("resolution", "households"),
    }.get(dimension, dimension)


_OPS = {">=": "≥", ">": ">", "<=": "≤"}


def _measure(counts: dict, dimension: str) -> Fraction:
    return Fraction(Decimal(str(counts[dimension])))


def _shown(counts: dict, dimension: str) -> str:
    value = counts[dimension]
    return f"{Decimal(value):,.2f}" if dimension == "area" else str(value)


def _share_of(part: dict, whole: dict, dimension: str) -> str:
    denominator = _measure(whole, dimension)
    if not denominator:
        return "—"
    return percent(_measure(part, dimension) / denominator) + "%"


def scope_text(scope: dict) -> str:
    kind = scope.get("kind")
    if kind == Scope.COMMUNITY:
        return _("all owners of the community")
    if kind == Scope.HOUSEHOLDS:
        return _("%(count)s chosen households") % {"count": scope.get("households", 0)}
    return "、".join(scope.get("items", []))


def result_view(content: dict) -> dict:
    """Everything the printed resolution and notices show, in words, from a loaded canonical content."""
    tally, electorate = content["tally"], content["electorate"]
    groups = {"electorate": electorate, **{name: tally[name] for name in ("participated", "agree", "disagree")}}
    groups["abstain"] = tally["abstain"]
    not_voted = {
        "households": electorate["households"] - tally["participated"]["households"],
        "heads": electorate["heads"] - tally["participated"]["heads"],
        "area": str(Decimal(electorate["area"]) - Decimal(tally["participated"]["area"])),
    }
    table = []
    for key, label, counts, base in (
        ("participated", pgettext("resolution", "Took part"), tally["participated"], electorate),
        ("agree", _("Agree"), tally["agree"], tally["participated"]),
        ("disagree", _("Disagree"), tally["disagree"], tally["participated"]),
        ("abstain", _("Abstain"), tally["abstain"], tally["participated"]),
        ("not_voted", _("Did not take part"), not_voted, electorate),
    ):
        table.append(
            {
                "key": key,
                "label": label,
                "cells": [
                    {"value": _shown(counts, dimension), "percent": _share_of(counts, base, dimension)}
                    for dimension in ("households", "heads", "area")
                ],
            }
        )
    checks = []
    for check in tally["checks"]:
        part, whole = groups[check["group"]], groups[check["of"]]
        dimension = check["dimension"]
        checks.append(
            {
                "what": _("%(group)s / %(of)s, by %(dimension)s")
                % {
                    "group": _group_label(check["group"]),
                    "of": _group_label(check["of"]),
                    "dimension": _dimension_label(dimension),
                },
                "required": f"{_OPS.get(check['op'], check['op'])} {check['threshold']}"
                f" ({percent(ratio(check['threshold']))}%)",
                "actual": f"{_shown(part, dimension)} / {_shown(whole, dimension)} ({percent(ratio(check['value']))}%)",
                "met": check["met"],
            }
        )
    channels = content["channels"]
    return {
        "proposal": content["proposal"],
        "community": content["community"],
        "scope": scope_text(content["scope"]),
        "category": _label(Category, content["proposal"]["category"]),
        "rule_name": _label(RuleCode, content["rule"]["code"]),
        "law": _law(content["rule"]["code"]),
        "opens_at": _when(content["voting"]["opens_at"]),
        "closes_at": _when(content["voting"]["closes_at"]),
        "channels": [
            (pgettext("voting channel", "online"), channels.get("online", 0)),
            (pgettext("voting channel", "paper ballot"), channels.get("paper", 0)),
            (pgettext("voting channel", "proxy"), channels.get("proxy", 0)),
        ],
        "body_html": render_markdown(content["proposal"]["body"]),
        "electorate": {
            "households": electorate["households"],
            "heads": electorate["heads"],
            "area": f"{Decimal(electorate['area']):,.2f}",
        },
        "table": table,
        "checks": checks,
        "passed": bool(tally["passed"]),
        "costs": _costs_view(content.get("costs")),
        "positions": _positions_view(content.get("positions") or []),
        "ballot_seq": content["ballots"]["seq"],
        # The ballot log's head as `manage.py verify_ballots --head` reads it back off paper.
        "ballot_head": f"{content['ballots']['seq']}:{content['ballots']['hash']}",
    }


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


def _costs_view(costs: dict | None) -> dict | None:
    if not costs:
        return None
    amounts = sorted(Decimal(amount) for amount in costs["shares"].values())
    return {
        "method": _label(CostMethod, costs["method"]),
        "sharers": _label(Sharers, costs["sharers"]),
        "total": _money(costs["total"]),
        "subsidy_total": _money(costs["subsidy_total"]),
        "to_share": _money(costs["to_share"]),
        "items": [{**item, "amount": _money(item["amount"])} for item in costs["items"]],
        "subsidies": [
            {"source": _label(SubsidySource, s["source"]), "name": s["name"], "amount": _money(s["amount"])}
            for s in costs["subsidies"]
        ],
        "households": len(amounts),
        "shared": _money(sum(amounts, Decimal("0"))),
        "lowest": _money(amounts[0]) if amounts else "",
        "highest": _money(amounts[-1]) if amounts else "",
    }


def _positions_view(positions: list[dict]) -> list[dict]:

    return [
        {
            "kind": _label(PartyKind, party["kind"]),
            "name": party["name"],
            "position": _label(Position, party["position"]),
            "conditions": party["conditions"],
            "held_on": _day(party["held_at"]),
        }
        for party in positions
    ]


def _standing_label(standing: str) -> str:
    return {
        "elected": pgettext("election", "elected"),
        "alternate": pgettext("election", "alternate"),
        "tied": pgettext("election", "tied: run-off"),
    }.get(standing, "")


def _election_view(election: dict, electorate: dict) -> dict:
    """An election of a meeting's content in words: each candidate's agreeing households, heads and area (and their
    share of those taking part), whether the rule was met for them, and where they stand."""
    participated = election["candidates"][0]["tally"]["participated"] if election["candidates"] else None
    candidates = []
    for candidate in election["candidates"]:
        tally = candidate["tally"]
        candidates.append(
            {
                "name": candidate["name"],
                "flat": candidate["flat"],
                "party_member": candidate["party_member"],
                "cells": [
                    {
                        "value": _shown(tally["agree"], dimension),
                        "percent": _share_of(tally["agree"], tally["participated"], dimension),
                    }
                    for dimension in ("households", "heads", "area")
                ],
                "qualified": candidate["qualified"],
                "rank": candidate["rank"],
                "standing": _standing_label(candidate["standing"]),
                "elected": candidate["standing"] == "elected",
            }
        )
    return {
        "number": election["number"],
        "title": election["title"],
        "seats": election["seats"],
        "alternates_provided": election["alternates_provided"],
        "rule_name": _label(RuleCode, election["rule"]["code"]),
        "participated": {
            "households": participated["households"] if participated else 0,
            "heads": participated["heads"] if participated else 0,
            "area": f"{Decimal(participated['area']):,.2f}" if participated else "0.00",
            "percent": _share_of(participated, electorate, "heads") if participated else "—",
        },
        "candidates": candidates,
        "elected": election["elected"],
        "alternates": election["alternates"],
        "tied": election["tied"],
        "open_seats": election["open_seats"],
        "invalid": election["invalid"],
        "ballot_head": f"{election['ballots']['seq']}:{election['ballots']['hash']}",
    }


def meeting_view(content: dict) -> dict:
    """Everything the printed meeting resolution and its notices show, in words, from a loaded meeting content:
    the meeting's facts, each matter as result_view lays out a proposal's result, each election."""
    meeting, electorate = content["meeting"], content["electorate"]
    matters = [{"number": matter["number"], "r": result_view(matter["resolution"])} for matter in content["matters"]]
    elections = [_election_view(election, electorate) for election in content["elections"]]
    heads = [(m["number"], m["r"]["proposal"]["title"], m["r"]["ballot_head"]) for m in matters]
    heads += [(e["number"], e["title"], e["ballot_head"]) for e in elections]
    return {
        "meeting": meeting,
        "community": content["community"],
        "organiser": _label(Organiser, meeting["organiser"]),
        "who_votes": meeting["building"] or _("all owners of the community"),
        "blank_counts_as": _label(BlankCountsAs, meeting["blank_counts_as"]),
        "opens_at": _when(content["voting"]["opens_at"]),
        "closes_at": _when(content["voting"]["closes_at"]),
        "electorate": {
            "households": electorate["households"],
            "heads": electorate["heads"],
            "area": f"{Decimal(electorate['area']):,.2f}",
        },
        "matters": matters,
        "elections": elections,
        "passed": sum(1 for matter in matters if matter["r"]["passed"]),
        "heads": sorted(heads),
    }


def content_view(content: dict) -> dict:
    """The view of a proposal's or a meeting's content."""
    return meeting_view(content) if is_meeting(content) else result_view(content)


def _folio() -> str:

    return folio_css()


def _lang() -> str:

    return pdf_lang()


def verify_qr_png(url: str) -> str:
    """The verification QR code as a data: URI of a 1-bit PNG, one pixel per module (the printed resolution scales
    it without smoothing); medium error correction like the join codes."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=4)


def resolution_html(content: dict, *, signatures, fingerprint: str = "", verify_url: str = "") -> str:
    """The resolution's HTML (a proposal's or a meeting's): a draft (no fingerprint) or the signed record with its QR
    code."""
    context = {
        "r": content_view(content),
        "signatures": signatures,
        "draft": not fingerprint,
        "fingerprint": fingerprint,
        "verify_url": verify_url,
        "qr_png": verify_qr_png(verify_url) if verify_url else "",
        "revocation": revocation_notice(),
        "folio_css": _folio(),
        "lang": _lang(),
    }
    # A meeting's PDF templates keep the proposal's names in their own folder (rendered by WeasyPrint, never served).
    folder = "resolutions/meeting" if is_meeting(content) else "resolutions"
    return render_to_string(f"{folder}/resolution_pdf.html", context)


def resolution_pdf(
    content: dict, *, signatures, fingerprint: str = "", verify_url: str = "", store: bool = True
) -> bytes:
    """The resolution's PDF. A signed one is rendered once and served again from documents.store: its content is
    frozen, and its key (the HTML) changes with every new signature. A draft is always rendered afresh."""

    html = resolution_html(content, signatures=signatures, fingerprint=fingerprint, verify_url=verify_url)
    if store and fingerprint:
        return pdf_stored(html, kind="resolution")
    return render_pdf(html)


def notice_html(notice, content: dict, *, verify_url: str = "") -> str:
    context = {
        "r": content_view(content),
        "notice": notice,
        "final": notice.stage == "final",
        "published_on": timezone.localtime(notice.published_at).strftime("%Y-%m-%d"),
        "objections_until": timezone.localtime(notice.objections_until).strftime("%Y-%m-%d %H:%M")
        if notice.objections_until
        else "",
        "fingerprint": notice.fingerprint,
        "verify_url": verify_url,
        "qr_svg": join_qr_svg(verify_url) if verify_url else "",
        "revocation": revocation_notice(),
        "lang": _lang(),
    }
    folder = "resolutions/meeting" if is_meeting(content) else "resolutions"
    return render_to_string(f"{folder}/notice_pdf.html", context)


def notice_pdf(notice, content: dict, *, verify_url: str = "") -> bytes:

    return render_pdf(notice_html(notice, content, verify_url=verify_url))


# --- The per-household annex ------------------------------------------------------------------------------------


def annex_title(content: dict) -> str:
    return _("Annex: ballots and shares by household — proposal #%(number)s") % {
        "number": content["proposal"]["number"]
    }


def annex_pdf(rows, *, content: dict, fingerprint: str = "", with_shares: bool, workers=None, progress=None) -> bytes:
    """The annex (documents.annex) of `rows`: the register's columns, the last one the household's share when the
    proposal has a cost plan."""
    subtitle = " · ".join(
        part
        for part in (
            content["community"]["name"],
            f"#{content['proposal']['number']} {content['proposal']['title']}",
            _("fingerprint %(fingerprint)s") % {"fingerprint": fingerprint} if fingerprint else _("draft (unsigned)"),
        )
        if part
    )
    title = annex_title(content)
    text = annex_text(title=title, subtitle=subtitle, summary=annex_summary(rows))
    if with_shares:
        titles = (*text.column_titles[:-1], pgettext("register annex column", "Share (¥)"))
        text = dataclasses.replace(text, column_titles=titles)
    chunks = annex.annex_chunks(rows, text)
    if workers is None:
        return render_single(chunks, head=annex.HEAD, title=title, lang=_lang())
    return render_chunked(
        chunks,
        head=annex.HEAD,
        pages_total=annex.page_count(len(rows)),
        title=title,
        lang=_lang(),
        workers=workers,
        progress=progress,
    )


ANNEX_JOB_KIND = "resolution_annex"


def build_annex_job(job, progress) -> bytes:
    """The documents.jobs builder of ANNEX_JOB_KIND: the per-household annex of a large electorate, rendered in
    chunks by the job's worker processes, headed with the signed fingerprint (or "draft")."""
    proposal = job.proposal
    record = resolution_of(proposal)
    content = load(record.content) if record else load(canonical(resolution_content(proposal)))
    with_shares = content.get("costs") is not None
    return annex_pdf(
        annex_rows(proposal, with_shares=with_shares),
        content=content,
        fingerprint=record.fingerprint if record else "",
        with_shares=with_shares,
        workers=job_workers(),
        progress=progress,
    )
