"""Benchmark of the printed documents (run by hand): `.venv/bin/python bench/bench_documents.py`.

(a) The fixed cost: importing WeasyPrint, the first render of a process, an empty one-page Chinese document,
    and representative one-page documents (a register page, a sheet of join slips, a walk sheet) beside it.
(r) The signed resolution without its annex (the 橡胶园 unit-door vote, built in memory and rendered by the view's
    own functions) against the empty page: warm (font configuration reused) and cold (a fresh process: import of
    WeasyPrint + the first render), and the same PDF served again from the store.
(b) The 20,000-household register annex: the naive single WeasyPrint <table> render (measured at --naive-rows,
    extrapolated to 20,000 unless 20,000 is among them) against the path Gongyi uses (pre-paginated monospaced
    pages, chunks rendered by 2 worker processes, merged with pypdf), and that layout in one render for reference.
(m) An owners' meeting's printed ballots (表决票) for 30,000 households, one A4 page each (3 matters and the election
    of 7 of 9 candidates, as the 山水名城 demo meeting), as the document job renders them (documents.meetings): above
    --per-volume ballots (default documents.meetings.BALLOTS_PER_VOLUME), a ZIP of PDF volumes. --ballots-volumes N
    measures the parent's share of that path at N pages without rendering them all (one real chunk, copied), beside
    --ballots-merge N, the same pages merged into one PDF.

Every measurement runs in a fresh forked process so that its peak memory (VmHWM, summed over the process, its
workers and their fork server) is its own. Rows are made in memory; no database is used. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍建红梅志海燕晓东春国文淑珍凤德福荣鹏宇飞翔博文慧"
CHOICES = ["同意", "同意", "同意", "不同意", "弃权", "未表决"]
CHANNELS = ["网上表决", "网上表决", "纸质表决票", "委托代理"]


def setup_django() -> None:
    import django
    from django.utils import translation

    django.setup()
    translation.activate("zh-hans")


def annex_rows(count: int, seed: int = 20):
    """`count` households of a large community: 30 floors × 4 flats per entrance, 4 entrances per building."""
    from documents.annex import AnnexRow

    rng = random.Random(seed)
    rows = []
    for n in range(count):
        building, rest = divmod(n, 480)
        entrance, rest = divmod(rest, 120)
        floor, flat = divmod(rest, 4)
        choice = rng.choice(CHOICES)
        voted = choice != "未表决"
        rows.append(
            AnnexRow(
                place=f"{building + 1}号楼{entrance + 1}单元{floor + 1}{flat + 1:02d}",
                owner=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                area=f"{rng.randint(45, 180)}.{rng.randint(0, 99):02d}",
                choice=choice,
                channel=rng.choice(CHANNELS) if voted else "",
                at=f"2024-05-{rng.randint(1, 8):02d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}"
                if voted
                else "",
            )
        )
    return rows


def vmhwm_mb() -> float:
    from documents.chunked import peak_kb

    return peak_kb() / 1024


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def in_fresh_process(function, *args):
    """Run `function(*args)` in a forked child and return what it returns (a dict)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def target():
        try:
            queue.put(function(*args))
        except BaseException as exc:  # report, do not hang the parent
            queue.put({"error": f"{type(exc).__name__}: {exc}"})

    process = context.Process(target=target)
    process.start()
    result = queue.get()
    process.join()
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


# --- (a) fixed costs ----------------------------------------------------------------------------------------


def cold_start() -> dict:
    from documents.render import render_pdf  # does not import WeasyPrint yet

    started = time.perf_counter()
    import weasyprint  # noqa: F401

    imported = time.perf_counter()
    render_pdf("<p>空白</p>")
    return {"import": imported - started, "first": time.perf_counter() - imported}


def one_page_documents(repeat: int) -> dict:
    from django.template.loader import render_to_string

    from documents import slips
    from documents.builders import folio_css, render_annex, slip_text
    from documents.chunked import render_single
    from documents.render import render_pdf
    from documents.selectors import WalkRow

    render_pdf("<p>预热</p>")
    rows = annex_rows(50)
    community = SimpleNamespace(name="橡胶园小区")
    slip_rows = [
        slips.Slip(place=f"3号楼5单元{f}0{r}", code="ABCD-EFGH", url=f"https://gongyi.example.cn/join/ABCD{f}{r}FGH/")
        for f in range(1, 5)
        for r in (1, 2)
    ]
    walk = [
        WalkRow(
            floor=f, place="", room=f"{f}0{r}", owner="王秀英", phone="138****1234", last_visit="", last_visit_on=None
        )
        for f in range(6, 0, -1)
        for r in (1, 2)
    ]
    walk_html = render_to_string(
        "documents/walk_sheet.html",
        {
            "proposal": "#1 更换单元门",
            "community": community,
            "entrance": "3号楼5单元",
            "rows": walk,
            "stances": ["支持", "反对", "未决定", "有条件支持"],
            "printed_at": None,
            "folio_css": folio_css(),
            "lang": "zh-Hans",
        },
    )
    cases = {
        "empty one-page Chinese document": lambda: render_pdf("<p>空白</p>"),
        "register annex, one page (50 households)": lambda: render_annex(rows, title="附件：业主表决登记表"),
        "join slips, one sheet (8 QR codes)": lambda: render_single(
            slips.slip_chunks(slip_rows, slip_text(community, join_root="https://gongyi.example.cn/join/")),
            head=slips.HEAD,
        ),
        "walk sheet, one entrance (12 households, a table)": lambda: render_pdf(walk_html),
    }
    out = {}
    for name, make in cases.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            make()
            times.append(time.perf_counter() - started)
        out[name] = statistics.median(times)
    return out


# --- (r) the resolution --------------------------------------------------------------------------------------


def door_resolution(number: int = 1, signers: tuple[str, str] = ("刘建国", "王秀兰")):
    """(content, signatures, fingerprint, verify_url) of the 橡胶园 unit-door resolution, signed by two members: the
    demo story's text, cost plan and parties, 14 households of 3号楼5单元 all agreeing (unanimous rule), in the
    shape resolutions.selectors.resolution_content gives, through the canonical JSON as the view loads it.
    Another `number` and other `signers` make another resolution (other glyphs, another fingerprint)."""
    import datetime as dt
    from decimal import Decimal
    from fractions import Fraction

    from demo.stories import DOOR_BODY, DOOR_SUMMARY, DOOR_TITLE
    from resolutions import canonical as resolution

    china = dt.timezone(dt.timedelta(hours=8))
    opens, closes = dt.datetime(2026, 5, 6, 8, 0, tzinfo=china), dt.datetime(2026, 5, 13, 20, 0, tzinfo=china)
    rooms = [f"{floor}0{flat}" for floor in range(1, 8) for flat in (1, 2)]
    area = sum(Decimal("86.40") if room.endswith("1") else Decimal("74.85") for room in rooms)
    everyone = {"households": 14, "heads": 14, "area": area}
    nobody = {"households": 0, "heads": 0, "area": Decimal("0")}
    unanimous = [
        {"group": "participated", "of": "electorate", "dimension": "households", "op": ">=", "ratio": Fraction(1)},
        {"group": "agree", "of": "participated", "dimension": "households", "op": ">=", "ratio": Fraction(1)},
    ]
    met = Fraction(1)
    meeting = closes - dt.timedelta(days=9)
    content = {
        "format": resolution.FORMAT,
        "proposal": {
            "id": 1,
            "number": number,
            "title": DOOR_TITLE,
            "summary": DOOR_SUMMARY,
            "body": DOOR_BODY,
            "category": "rebuild",
        },
        "community": {"id": 1, "name": "橡胶园小区", "address": "辽宁省阜新市细河区华兴社区"},
        "convener": "owners_committee",
        "scope": {"kind": "entrances", "items": ["3号楼5单元"]},
        "rule": {
            "code": "unanimous",
            "basis": "Every household in scope takes part and every household agrees",
            "conditions": unanimous,
        },
        "voting": {"opens_at": opens, "closes_at": closes},
        "electorate": everyone,
        "tally": {
            "participated": everyone,
            "agree": everyone,
            "disagree": nobody,
            "abstain": nobody,
            "checks": [
                {
                    **{k: c[k] for k in ("group", "of", "dimension", "op")},
                    "threshold": c["ratio"],
                    "value": met,
                    "met": True,
                }
                for c in unanimous
            ],
            "passed": True,
        },
        "channels": {"online": 11, "paper": 2, "proxy": 1},
        "costs": {
            "method": "equal",
            "sharers": "scope",
            "weight_label": "",
            "total": Decimal("8400"),
            "subsidy_total": Decimal("0"),
            "to_share": Decimal("8400"),
            "items": [
                {"description": "单元门及门禁系统（含安装）", "supplier": "阜新安居门业", "amount": Decimal("8400")}
            ],
            "subsidies": [],
            "shares": {f"3-5-{room}": Decimal("600") for room in rooms},
        },
        "positions": [
            {"kind": "party", "name": "华兴社区党委", "position": "support", "conditions": "", "held_at": meeting},
            {
                "kind": "owners",
                "name": "橡胶园小区业主委员会",
                "position": "support",
                "conditions": "",
                "held_at": meeting,
            },
            {
                "kind": "property",
                "name": "橡胶园小区物业服务中心",
                "position": "conditional",
                "conditions": "门禁系统由施工方质保两年，之后的日常维修由物业负责。",
                "held_at": meeting,
            },
        ],
        "ballots": {"seq": 14, "hash": "5e" * 32},
    }
    text = resolution.canonical(content)
    fingerprint = resolution.fingerprint(text)
    signatures = [
        SimpleNamespace(name=signers[0], get_role_display="业主委员会主任", signed_at=closes + dt.timedelta(hours=14)),
        SimpleNamespace(name=signers[1], get_role_display="业主委员会委员", signed_at=closes + dt.timedelta(hours=16)),
    ]
    return resolution.load(text), signatures, fingerprint, f"https://gongyi.example.cn/verify/{fingerprint}/"


def render_resolution(parts) -> bytes:
    """The resolution as the view renders it (resolutions.documents.resolution_pdf), never from the store."""
    from resolutions.documents import resolution_pdf

    content, signatures, fingerprint, verify_url = parts
    return resolution_pdf(content, signatures=signatures, fingerprint=fingerprint, verify_url=verify_url, store=False)


WHICH = ("empty", "resolution")


def cold_document(which: str) -> dict:
    """A fresh process as a server holds it before its first document (Django set up, the URLconf and so every view
    module imported, WeasyPrint not): import WeasyPrint, then the first render of `which` ("empty" or
    "resolution"), the template's compilation and the first Markdown included — what a new daphne process pays."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the views, as the first request of a server does)
    assert "weasyprint" not in sys.modules, "a view module imports WeasyPrint at import time"
    parts = door_resolution() if which == "resolution" else None
    from documents.render import render_pdf

    started = time.perf_counter()
    import weasyprint  # noqa: F401

    imported = time.perf_counter()
    pdf = render_pdf("<p>空白</p>") if parts is None else render_resolution(parts)
    done = time.perf_counter()
    return {"import": imported - started, "first": done - imported, "total": done - started, "bytes": len(pdf)}


def warm_resolution(repeat: int) -> dict:
    """Median warm render of the empty page and of the resolution, and the resolution served from the store."""
    import io
    import tempfile

    from django.test import override_settings
    from pypdf import PdfReader

    from documents.render import render_pdf
    from resolutions.documents import resolution_pdf

    parts = door_resolution()
    content, signatures, fingerprint, verify_url = parts
    render_pdf("<p>预热</p>")
    pdf = render_resolution(parts)
    # What a server meets: each resolution another one (other signers' names, another number and fingerprint).
    rng = random.Random(6)
    others = iter(
        [
            door_resolution(number, tuple(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in "12"))
            for number in range(2, 2 + repeat)
        ]
    )

    def median(make) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            make()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    out = {
        "empty": median(lambda: render_pdf("<p>空白</p>")),
        "resolution": median(lambda: render_resolution(parts)),
        "others": median(lambda: render_resolution(next(others))),
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "bytes": len(pdf),
    }
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):

        def served() -> bytes:
            return resolution_pdf(content, signatures=signatures, fingerprint=fingerprint, verify_url=verify_url)

        stored = served()  # renders once and stores
        assert stored == served(), "the stored resolution differs from the one just rendered"
        out["served"] = median(served)
    return out


# --- (b) the 20,000-household annex -----------------------------------------------------------------------


def naive_table(count: int) -> dict:
    """What the issue measured: the rows as one HTML <table>, one WeasyPrint render (font configuration reused)."""
    import html

    from documents.render import render_pdf

    render_pdf("<p>预热</p>")
    rows = annex_rows(count)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(value)}</td>"
            for value in (str(i + 1), r.place, r.owner, r.area, r.choice, r.channel, r.at)
        )
        + "</tr>"
        for i, r in enumerate(rows)
    )
    document = (
        "<h1>业主表决登记表</h1><table><thead><tr><th>序号</th><th>房号</th><th>业主</th><th>面积</th><th>表决意见</th>"
        f"<th>表决方式</th><th>表决时间</th></tr></thead><tbody>{body}</tbody></table>"
    )
    cpu, started = cpu_seconds(), time.perf_counter()
    pdf = render_pdf(document)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "peak_mb": vmhwm_mb(),
        "bytes": len(pdf),
    }


def gongyi_annex(count: int, workers: int | None) -> dict:
    import io

    from pypdf import PdfReader

    from documents.builders import render_annex
    from documents.chunked import RenderStats
    from documents.render import render_pdf

    render_pdf("<p>预热</p>")
    rows = annex_rows(count)
    stats = RenderStats()
    cpu, started = cpu_seconds(), time.perf_counter()
    pdf = render_annex(
        rows, title="附件：业主表决登记表", subtitle="大型小区 · 第 1 号议题", workers=workers, stats=stats
    )
    seconds = time.perf_counter() - started
    me = os.getpid()
    # This process's CPU and its own children's; the workers and their fork server are not our children.
    used = cpu_seconds() - cpu + sum(value for pid, value in stats.cpu.items() if pid != me)
    peaks = {**stats.peak_kb, me: int(vmhwm_mb() * 1024)}
    return {
        "seconds": seconds,
        "cpu": used,
        "peak_mb": sum(peaks.values()) / 1024,
        "largest_mb": max(peaks.values()) / 1024,
        "processes": len(peaks),
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "bytes": len(pdf),
    }


# --- (m) the meeting's ballots -----------------------------------------------------------------------------


def meeting_ballot_rows(count: int, seed: int = 15):
    """(households, agenda, text) of a meeting of `count` households laid out as annex_rows; the third matter is one
    building's only, so that most ballots print "not in scope" for it."""
    from documents.ballot_sheets import (
        BallotAgenda,
        BallotCandidate,
        BallotElection,
        BallotHousehold,
        BallotMatter,
        BallotText,
    )

    rng = random.Random(seed)
    rule = "民法典一般事项：面积和人数均三分之二以上参与表决，参与者中面积和人数均过半数同意"
    major = "民法典重大事项：面积和人数均三分之二以上参与表决，参与者中面积和人数均四分之三以上同意"
    agenda = BallotAgenda(
        matters=(
            BallotMatter(1, "在3号楼东侧建设电动车充电车库", rule),
            BallotMatter(2, "使用专项维修资金更换5、6号楼电梯", major),
            BallotMatter(3, "1号楼外墙保温层修缮", rule),
        ),
        elections=(
            BallotElection(
                4,
                "第三届业主委员会委员选举",
                7,
                "最多选7人，多选无效。",
                tuple(
                    BallotCandidate(
                        rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        f"{rng.randint(1, 60)}号楼{rng.randint(1, 4)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}",
                        party=n % 3 == 0,
                    )
                    for n in range(9)
                ),
            ),
        ),
    )
    text = BallotText(
        community="山水名城小区",
        title="2027年第一次业主大会会议 表决票",
        window="表决时间：2027-01-10 08:00 至 2027-01-20 20:00",
        owner_label="业主",
        code_label="户号（业主委员会凭此录入本表决票）",
        matters_heading="表决事项（每项选一格打“√”）",
        choices=("同意", "不同意", "弃权"),
        not_in_scope="本户不参加此事项的表决。",
        party="中共党员",
        instructions=(
            "每个事项在同意、不同意、弃权中选一项打“√”。",
            "未填写的事项，视为弃权（计为已参加表决）。",
            "选举：在同意的候选人姓名前的方框内打“√”，人数不得超过应选人数；多选的，本户在该选举中的选票无效。",
            "请签名后在表决截止前交回业主委员会。 也可以在网上投票：https://gongyi.example.cn/meetings/12/",
        ),
        signature="业主签名：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿＿＿＿＿",
        folio="户号 {code}",
    )
    households = []
    for n in range(count):
        building, rest = divmod(n, 480)
        entrance, rest = divmod(rest, 120)
        floor, flat = divmod(rest, 4)
        room = f"{floor + 1}{flat + 1:02d}"
        households.append(
            BallotHousehold(
                place=f"{building + 1}号楼{entrance + 1}单元{room}",
                owner=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                code=f"{building + 1}-{entrance + 1}-{room}",
                outside=frozenset() if building == 0 else frozenset({3}),
            )
        )
    return households, agenda, text


def gongyi_ballots(count: int, workers: int, per_volume: int) -> dict:
    """The ballots as the job renders them (documents.meetings.render_ballots over `workers` processes; above
    `per_volume` ballots, render_ballot_volumes: a ZIP of volumes written to a temporary file, as the job does)."""
    import io
    import tempfile
    import zipfile

    from pypdf import PdfReader

    from documents.chunked import RenderStats
    from documents.meetings import render_ballot_volumes, render_ballots
    from documents.render import render_pdf

    render_pdf("<p>预热</p>")
    households, agenda, text = meeting_ballot_rows(count)
    stats = RenderStats()
    cpu, started = cpu_seconds(), time.perf_counter()
    shown = [0]

    def progress(done: int, total: int) -> None:
        if done * 10 // total > shown[0]:  # every tenth, with the time so far: a long run shows where it is
            shown[0] = done * 10 // total
            print(f"    {done:,} of {total:,} pages, {time.perf_counter() - started:.0f} s", flush=True)

    volumes = 0
    if count <= per_volume:
        pdf = render_ballots(households, agenda, text, title="表决票", workers=workers, stats=stats, progress=progress)
    else:
        with tempfile.TemporaryFile() as out:
            names = render_ballot_volumes(
                households, agenda, text, title="表决票", out=out, per_volume=per_volume, workers=workers,
                stats=stats, progress=progress,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            used = cpu_seconds() - cpu
            peak_parent = vmhwm_mb()  # before the checks below read the volumes back
            out.seek(0)
            size = out.seek(0, 2)
            out.seek(0)
            archive = zipfile.ZipFile(out)
            pages = sum(len(PdfReader(io.BytesIO(archive.read(name))).pages) for name in names)
            volumes = len(names)
    if volumes == 0:
        seconds = time.perf_counter() - started
        used = cpu_seconds() - cpu
        peak_parent = vmhwm_mb()
        pages, size = len(PdfReader(io.BytesIO(pdf)).pages), len(pdf)
    me = os.getpid()
    used += sum(value for pid, value in stats.cpu.items() if pid != me)
    peaks = {**stats.peak_kb, me: int(peak_parent * 1024)}
    return {
        "seconds": seconds,
        "cpu": used,
        "peak_mb": sum(peaks.values()) / 1024,
        "largest_mb": max(peaks.values()) / 1024,
        "parent_mb": peaks[me] / 1024,
        "processes": len(peaks),
        "pages": pages,
        "bytes": size,
        "volumes": volumes,
    }


def _one_chunk(count: int):
    from documents.ballot_sheets import HEAD, PAGES_PER_CHUNK, ballot_chunks
    from documents.chunked import render_single

    households, agenda, text = meeting_ballot_rows(count)
    chunk = render_single(ballot_chunks(households[480 : 480 + PAGES_PER_CHUNK], agenda, text), head=HEAD)
    return households, chunk, PAGES_PER_CHUNK


def ballots_merge(count: int) -> dict:
    """The parent's share at `count` pages without rendering them all: one chunk rendered, then `count` pages of
    distinct copies of it held and merged into one PDF (the single-PDF path: render_chunked's merge_pdfs)."""
    from documents.chunked import merge_pdfs

    _households, chunk, per_chunk = _one_chunk(count)
    before = vmhwm_mb()
    cpu, started = cpu_seconds(), time.perf_counter()
    parts = [bytes(bytearray(chunk)) for _ in range(count // per_chunk)]
    pdf = merge_pdfs(parts, title="表决票")
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "peak_mb": vmhwm_mb(),
        "before_mb": before,
        "bytes": len(pdf),
        "volumes": 0,
    }


def ballots_volumes_merge(count: int, per_volume: int) -> dict:
    """The parent's share of the volume path at `count` pages without rendering them all: one chunk rendered, then
    volumes of `per_volume` pages of distinct copies of it merged into a ZIP on disk by documents.chunked.VolumesZip
    (what render_volumes does with the chunks as the workers return them), each copy made as its chunk would arrive."""
    import io
    import tempfile
    import zipfile

    from pypdf import PdfReader

    from documents.chunked import VolumesZip

    _households, chunk, per_chunk = _one_chunk(count)
    before = vmhwm_mb()
    cpu, started = cpu_seconds(), time.perf_counter()
    with tempfile.TemporaryFile() as out:
        archive = VolumesZip(out)
        for number, start in enumerate(range(0, count, per_volume), start=1):
            chunks = -(-min(per_volume, count - start) // per_chunk)
            archive.add(
                f"表决票-第{number:02d}册.pdf", (bytes(bytearray(chunk)) for _ in range(chunks)), title="表决票"
            )
        archive.close()
        seconds, cpu_used, peak = time.perf_counter() - started, cpu_seconds() - cpu, vmhwm_mb()
        size = out.seek(0, 2)
        out.seek(0)
        check = zipfile.ZipFile(out)
        first = check.namelist()[0]
        pages_first = len(PdfReader(io.BytesIO(check.read(first))).pages)
        volumes = len(check.namelist())
    return {
        "seconds": seconds,
        "cpu": cpu_used,
        "peak_mb": peak,
        "before_mb": before,
        "bytes": size,
        "volumes": volumes,
        "pages_first": pages_first,
    }


def ballots_row(count: int, workers: int, per_volume: int) -> None:
    print(f"\n(m) An owners' meeting's printed ballots, {count:,} households, one A4 page each", flush=True)
    r = in_fresh_process(gongyi_ballots, count, workers, per_volume)
    what = f"ZIP of {r['volumes']} volumes of ≤ {per_volume:,}" if r["volumes"] else "one PDF, pypdf merge"
    print(
        f"  Gongyi: chunks over {workers} workers, {what}   {r['seconds']:7.1f} s  cpu {r['cpu']:7.1f} s"
        f"  peak {r['peak_mb']:7.0f} MB in {r['processes']} processes"
        f" (largest {r['largest_mb']:.0f} MB, the merging parent {r['parent_mb']:.0f} MB),"
        f" {r['pages']:,} pages, {r['bytes'] / 1e6:.1f} MB {'ZIP' if r['volumes'] else 'PDF'}"
    )
    print(
        f"  {r['seconds'] / r['pages'] * 1000:.0f} ms a page wall, {r['cpu'] / r['pages'] * 1000:.0f} ms CPU;"
        f" peak memory of all processes {r['peak_mb']:.0f} MB (target < 600 MB)."
    )


def merge_row(count: int) -> None:
    r = in_fresh_process(ballots_merge, count)
    print(
        f"  the parent's merge alone at {count:,} pages into one PDF (one chunk copied): {r['seconds']:7.1f} s,"
        f" cpu {r['cpu']:.1f} s, peak {r['peak_mb']:.0f} MB (from {r['before_mb']:.0f} MB before the parts),"
        f" {r['bytes'] / 1e6:.0f} MB PDF",
        flush=True,
    )


def volumes_merge_row(count: int, per_volume: int) -> None:
    r = in_fresh_process(ballots_volumes_merge, count, per_volume)
    print(
        f"  the parent's merge alone at {count:,} pages into a ZIP of {r['volumes']} volumes of ≤ {per_volume:,}"
        f" (one chunk copied): {r['seconds']:7.1f} s, cpu {r['cpu']:.1f} s, peak {r['peak_mb']:.0f} MB"
        f" (from {r['before_mb']:.0f} MB before the parts), {r['bytes'] / 1e6:.0f} MB ZIP,"
        f" first volume {r['pages_first']:,} pages",
        flush=True,
    )


def power_fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(a, b) of value = a · n^b through the two largest measurements."""
    (n1, v1), (n2, v2) = sorted(points)[-2:]
    b = math.log(v2 / v1) / math.log(n2 / n1)
    return v2 / n2**b, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20000, help="households in the annex (default 20,000)")
    parser.add_argument(
        "--naive-rows",
        default="1000,2000,4000",
        help="row counts for the naive single <table> render, comma-separated (default 1000,2000,4000; "
        "add 20000 to measure it whole: minutes and gigabytes)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7, help="renders per one-page document (median)")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes per cold measurement (median)")
    parser.add_argument("--only-resolution", action="store_true", help="(a) and (r) only, skip the annex (b)")
    parser.add_argument("--no-single", action="store_true", help="skip the pre-paginated layout in one render")
    parser.add_argument(
        "--ballots", type=int, default=30000, help="households in the meeting's ballots (m) (default 30,000; 0 skips)"
    )
    parser.add_argument("--only-ballots", action="store_true", help="the meeting's ballots (m) only")
    parser.add_argument(
        "--ballots-merge",
        type=int,
        default=0,
        help="also measure the parent's pypdf merge alone into one PDF at this many ballot pages (e.g. 30000)",
    )
    parser.add_argument(
        "--ballots-volumes",
        type=int,
        default=0,
        help="also measure the parent's merge alone into a ZIP of volumes at this many ballot pages (e.g. 30000)",
    )
    parser.add_argument("--per-volume", type=int, default=0, help="ballots in a volume (default: the job's)")
    args = parser.parse_args()
    setup_django()
    naive_counts = sorted({int(n) for n in args.naive_rows.split(",") if n.strip()})
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    from documents.meetings import BALLOTS_PER_VOLUME

    per_volume = args.per_volume or BALLOTS_PER_VOLUME
    if args.only_ballots:
        if args.ballots:
            ballots_row(args.ballots, args.workers, per_volume)
        if args.ballots_volumes:
            volumes_merge_row(args.ballots_volumes, per_volume)
        if args.ballots_merge:
            merge_row(args.ballots_merge)
        print(f"Load average {os.getloadavg()[0]:.2f} at the end.")
        return

    cold = in_fresh_process(cold_start)
    pages = in_fresh_process(one_page_documents, args.repeat)
    empty = pages["empty one-page Chinese document"]
    print(f"\n(a) Fixed costs (median of {args.repeat} warm renders)")
    print(f"  import weasyprint (once per process)            {cold['import']:7.2f} s")
    print(f"  first render of a process (font configuration)  {cold['first']:7.2f} s")
    for name, seconds in pages.items():
        print(f"  {name:48s} {seconds:7.3f} s   {seconds / empty:5.1f} × empty")

    print("\n(r) The signed resolution without annex (橡胶园 unit door, 14 households, 2 signatures)", flush=True)
    warm = in_fresh_process(warm_resolution, args.repeat)
    cold_runs = {which: [in_fresh_process(cold_document, which) for _ in range(args.cold)] for which in WHICH}
    cold = {which: statistics.median(r["total"] for r in runs) for which, runs in cold_runs.items()}
    first = {which: statistics.median(r["first"] for r in runs) for which, runs in cold_runs.items()}

    def row(label: str, figures: dict) -> None:
        ratio = figures["resolution"] / figures["empty"]
        print(f"  {label:36s} {figures['empty'] * 1000:8.1f} ms {figures['resolution'] * 1000:8.1f} ms  {ratio:6.2f} ×")

    print(f"  {'':36s} {'empty page':>11s} {'resolution':>11s}  ratio (target < 1.5)")
    row(f"warm render (median of {args.repeat})", warm)
    row("  a different resolution each time", {"empty": warm["empty"], "resolution": warm["others"]})
    row(f"cold: import + first render ({args.cold} runs)", cold)
    row("  of which the first render", first)
    served = {"empty": warm["empty"], "resolution": warm["served"]}
    row("served again from the store", served)
    print("  (the stored PDF: the same bytes, read back; against the warm render of the empty page)")
    print(f"  resolution: {warm['pages']} pages, {warm['bytes'] / 1000:.0f} kB")

    if args.only_resolution:
        print(f"Load average {os.getloadavg()[0]:.2f} at the end.")
        return
    print(f"\n(b) Register annex of {args.rows:,} households", flush=True)
    naive = {}
    for count in naive_counts:
        naive[count] = in_fresh_process(naive_table, count)
        r = naive[count]
        print(
            f"  naive <table>, one render, {count:>6,} rows   {r['seconds']:7.1f} s  cpu {r['cpu']:7.1f} s"
            f"  peak {r['peak_mb']:7.0f} MB",
            flush=True,
        )
    if args.rows in naive:
        naive_time, naive_cpu, naive_mb, how = (
            naive[args.rows]["seconds"],
            naive[args.rows]["cpu"],
            naive[args.rows]["peak_mb"],
            "measured",
        )
    else:
        a, b = power_fit([(n, r["seconds"]) for n, r in naive.items()])
        ac, bc = power_fit([(n, r["cpu"]) for n, r in naive.items()])
        am, bm = power_fit([(n, r["peak_mb"]) for n, r in naive.items()])
        naive_time, naive_cpu, naive_mb = a * args.rows**b, ac * args.rows**bc, am * args.rows**bm
        how = (
            f"extrapolated (time ∝ n^{b:.2f}, memory ∝ n^{bm:.2f}, from {naive_counts[-2]:,} and {naive_counts[-1]:,})"
        )
        print(
            f"  naive <table>, one render, {args.rows:>6,} rows   {naive_time:7.1f} s  cpu {naive_cpu:7.1f} s"
            f"  peak {naive_mb:7.0f} MB   ({how})"
        )
    single = None
    if not args.no_single:
        single = in_fresh_process(gongyi_annex, args.rows, None)
        print(
            f"  pre-paginated pages, one render, one process   {single['seconds']:7.1f} s  cpu {single['cpu']:7.1f} s"
            f"  peak {single['peak_mb']:7.0f} MB  ({single['pages']} pages)",
            flush=True,
        )
    chunked = in_fresh_process(gongyi_annex, args.rows, args.workers)
    print(
        f"  Gongyi: chunks over {args.workers} workers, pypdf merge   {chunked['seconds']:7.1f} s"
        f"  cpu {chunked['cpu']:7.1f} s"
        f"  peak {chunked['peak_mb']:7.0f} MB in {chunked['processes']} processes"
        f" (largest {chunked['largest_mb']:.0f} MB), {chunked['pages']} pages, {chunked['bytes'] / 1e6:.1f} MB PDF"
    )
    print(
        f"\n  Speed-up over the naive render: {naive_time / chunked['seconds']:.1f}× wall time,"
        f" {naive_cpu / chunked['cpu']:.1f}× CPU time (target ≥ 10×); naive figure {how}."
    )
    print(f"  Peak memory of all processes: {chunked['peak_mb']:.0f} MB (target < 600 MB; naive {naive_mb:.0f} MB).")
    if args.ballots:
        ballots_row(args.ballots, args.workers, per_volume)
    if args.ballots_volumes:
        volumes_merge_row(args.ballots_volumes, per_volume)
    if args.ballots_merge:
        merge_row(args.ballots_merge)
    print(f"Load average {os.getloadavg()[0]:.2f} at the end.")


if __name__ == "__main__":
    main()
