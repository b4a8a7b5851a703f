"""The printed ballots (表决票) of an owners' meeting: one A4 page per household, laid out here (no Django here).

Every page has the same shape — the household's flat, owner and code printed big with a QR code for entry, every
matter with 同意/不同意/弃权 boxes, every election with its candidates and the number to choose, the instructions,
the blank rule and the signature line — so pages render in any number of chunks (documents.chunked). A page's HTML,
QR code included, is made inside the worker that renders it, as for the join slips.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from community.qr import join_qr_svg
from documents.chunked import Chunk

# Each chunk pays WeasyPrint's subsetting of the font (~1 s) and holds its pages' layout: 25 pages keep a worker near
# 110 MB at 15 % more CPU than 50 pages (bench/bench_documents.py, 600 households: 419 MB in all processes vs 486 MB).
PAGES_PER_CHUNK = 25

HEAD = """<style>
@page { margin: 11mm 13mm 12mm; @bottom-center { content: string(folio); } }
/* One typeface, one weight: every face WeasyPrint embeds is subset once per chunk (~2 s for this 5 MB font), a
   synthetic bold or the monospaced face would each add that again (bench/bench_documents.py). */
* { font-weight: normal; }
.ballot { break-after: page; }
.ballot:last-child { break-after: auto; }
.top { position: relative; min-height: 30mm; border-bottom: 0.5mm solid #000; padding-right: 34mm; }
.community { font-size: 10pt; }
.title { font-size: 16pt; line-height: 1.3; }
.who { font-size: 12pt; margin-top: 1mm; }
.who b { font-size: 15pt; }
.code-label { font-size: 9pt; margin-top: 1mm; }
.code { font-size: 24pt; line-height: 1.1; letter-spacing: 0.5pt; }
.top svg.qr { position: absolute; right: 0; top: 0; width: 30mm; height: 30mm; }
h2 { font-size: 11.5pt; margin: 3mm 0 1mm; }
table { font-size: 10.5pt; table-layout: fixed; }
td.n { width: 7mm; text-align: center; }
td.rule { font-size: 8.5pt; color: #222; }
td.box { width: 17mm; white-space: nowrap; text-align: center; font-size: 10.5pt; }
.sq { display: inline-block; width: 3.6mm; height: 3.6mm; border: 0.3mm solid #000; vertical-align: -0.6mm;
      margin-right: 0.8mm; }
.na { color: #555; font-size: 9pt; text-align: center; }
.choose { font-size: 10.5pt; text-decoration: underline; }
.candidates { font-size: 10.5pt; }
.candidates td { width: 33.3%; }
.flat { font-size: 8.5pt; color: #333; }
.notes { font-size: 9pt; line-height: 1.45; margin-top: 3mm; border: 0.3mm solid #000; padding: 1.5mm 2.5mm; }
.notes ol { margin: 0; padding-left: 5mm; }
.sign { font-size: 11pt; margin-top: 5mm; line-height: 2.2; }
</style>"""


@dataclass(frozen=True)
class BallotMatter:
    number: int
    title: str
    rule: str  # the rule's label, in the reader's language


@dataclass(frozen=True)
class BallotCandidate:
    name: str
    flat: str = ""
    party: bool = False  # printed only with the candidate's consent (Candidate.party_shown)


@dataclass(frozen=True)
class BallotElection:
    number: int
    title: str
    seats: int
    choose: str  # "最多选7人，多选无效" in the reader's language
    candidates: tuple[BallotCandidate, ...]


@dataclass(frozen=True)
class BallotHousehold:
    place: str  # "3号楼5单元502"
    owner: str
    code: str  # "3-5-502": what the paper-entry search box and the spreadsheet's 房屋 column take
    # The matter numbers this household does not vote on (a matter whose scope is narrower than the meeting's).
    outside: frozenset[int] = frozenset()
    entry: str = ""  # what the QR code carries: the entry screen's address on this household ("" for the code)


@dataclass(frozen=True)
class BallotText:
    """The words of every ballot, in the reader's language. `folio` has {code}."""

    community: str
    title: str
    window: str
    owner_label: str
    code_label: str
    matters_heading: str
    choices: tuple[str, str, str]  # 同意, 不同意, 弃权
    not_in_scope: str
    party: str
    instructions: tuple[str, ...]
    signature: str
    folio: str


@dataclass(frozen=True)
class BallotAgenda:
    matters: tuple[BallotMatter, ...]
    elections: tuple[BallotElection, ...]


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _matters_html(household: BallotHousehold, agenda: BallotAgenda, text: BallotText) -> str:
    if not agenda.matters:
        return ""
    rows = []
    for matter in agenda.matters:
        if matter.number in household.outside:
            boxes = f'<td class="na" colspan="3">{_e(text.not_in_scope)}</td>'
        else:
            boxes = "".join(f'<td class="box"><span class="sq"></span>{_e(choice)}</td>' for choice in text.choices)
        rows.append(
            f'<tr><td class="n">{matter.number}</td><td>{_e(matter.title)}'
            f'<div class="rule">{_e(matter.rule)}</div></td>{boxes}</tr>'
        )
    return f"<h2>{_e(text.matters_heading)}</h2><table>{''.join(rows)}</table>"


def _election_html(election: BallotElection, text: BallotText) -> str:
    cells = []
    for candidate in election.candidates:
        party = f" · {_e(text.party)}" if candidate.party else ""
        flat = f'<div class="flat">{_e(candidate.flat)}{party}</div>' if candidate.flat or party else ""
        cells.append(f'<td><span class="sq"></span>{_e(candidate.name)}{flat}</td>')
    cells += ["<td></td>"] * (-len(cells) % 3)
    rows = "".join("<tr>" + "".join(cells[i : i + 3]) + "</tr>" for i in range(0, len(cells), 3))
    return (
        f"<h2>{election.number}. {_e(election.title)}</h2>"
        f'<p class="choose">{_e(election.choose)}</p><table class="candidates">{rows}</table>'
    )


def ballot_html(household: BallotHousehold, agenda: BallotAgenda, text: BallotText, qr_payload: str) -> str:
    folio = _css_string(text.folio.format(code=household.code))
    elections = "".join(_election_html(election, text) for election in agenda.elections)
    notes = "".join(f"<li>{_e(line)}</li>" for line in text.instructions)
    return (
        f'<section class="ballot"><div class="top" style="string-set: folio {html.escape(folio)}">'
        f'<div class="community">{_e(text.community)}</div>'
        f'<div class="title">{_e(text.title)}</div>'
        f'<div class="who"><b>{_e(household.place)}</b>　{_e(text.owner_label)}：{_e(household.owner)}</div>'
        f'<div class="code-label">{_e(text.code_label)}</div><div class="code">{_e(household.code)}</div>'
        f"{join_qr_svg(qr_payload)}</div>"
        f'<p class="community">{_e(text.window)}</p>'
        f"{_matters_html(household, agenda, text)}{elections}"
        f'<div class="notes"><ol>{notes}</ol></div>'
        f'<p class="sign">{_e(text.signature)}</p></section>'
    )


def ballots_html(households: Sequence[BallotHousehold], agenda: BallotAgenda, text: BallotText) -> str:
    return "".join(ballot_html(household, agenda, text, household.entry or household.code) for household in households)


def ballot_chunks(
    households: Sequence[BallotHousehold],
    agenda: BallotAgenda,
    text: BallotText,
    *,
    pages_per_chunk: int | None = None,
) -> Iterator[Chunk]:
    """(pages, body) per chunk of ballots, one page each; the body is made where it is rendered."""
    pages_per_chunk = pages_per_chunk or PAGES_PER_CHUNK
    for start in range(0, len(households), pages_per_chunk):
        chunk = list(households[start : start + pages_per_chunk])
        yield len(chunk), partial(ballots_html, chunk, agenda, text)
