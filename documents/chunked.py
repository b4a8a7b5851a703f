"""Large documents: pages rendered in chunks by parallel worker processes, merged with pypdf (no Django here).

WeasyPrint lays a document out as a whole and holds every page in memory, and its cost per page grows with
the document; so a large document is cut into chunks of pages laid out by the caller (each page carries its
own header and folio), rendered by a few worker processes that each keep one font configuration, and merged
in order. At most `2 × workers` chunks are in flight, so memory stays bounded whatever the page count.
Workers come from a fork server that has imported WeasyPrint and nothing else (~55 MB): they neither carry the
parent's Django and rows nor re-import its main module, and start without paying the import again.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from documents import render

# What a caller gives, in document order: (pages in the chunk, the chunk's <body> HTML) — or, instead of the
# HTML, a picklable callable that makes it, so that costly HTML (QR codes) is made inside the worker.
Chunk = tuple[int, "str | Callable[[], str]"]
Progress = Callable[[int, int], None]


@dataclass
class RenderStats:
    """What a render cost: wall time, chunks, and each process's peak resident memory (kB) and CPU seconds."""

    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    peak_kb: dict[int, int] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu.values())

    @property
    def peak_total_mb(self) -> float:
        """The sum of every process's own peak: an upper bound of the peak of the sum."""
        return sum(self.peak_kb.values()) / 1024


def document_html(body: str, *, head: str, title: str = "", lang: str = "zh-Hans") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body>{body}</body></html>"
    )


def peak_kb(pid: int | None = None) -> int:
    """The peak resident memory (VmHWM) of a process (this one by default) in kB, 0 where /proc is not there."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# A chunk that takes longer than this has hung: the job fails with a message instead of waiting for ever.
CHUNK_TIMEOUT = 600
_PRELOAD = ["documents.chunked", "weasyprint"]


def _pool_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def forkserver_pid() -> int | None:
    """The fork server's pid, for counting its memory (multiprocessing keeps it private)."""
    from multiprocessing import forkserver

    return getattr(forkserver._forkserver, "_forkserver_pid", None)


def _body(body: str | Callable[[], str]) -> str:
    return body if isinstance(body, str) else body()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process so far (this one by default), 0 where /proc is not there."""
    try:
        with open(f"/proc/{pid or os.getpid()}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _render_chunk(body: str | Callable[[], str], shell: dict) -> tuple[bytes, int, int, float]:
    pdf = render.render_pdf(document_html(_body(body), **shell))
    return pdf, os.getpid(), peak_kb(), cpu_seconds()


def merge_pdfs(parts: Iterable[bytes], *, title: str = "", out: BinaryIO | None = None) -> bytes:
    """One PDF of `parts` in order (pypdf): returned, or written to `out` (then b"" is returned)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    if title:
        writer.add_metadata({"/Title": title})
    if out is not None:
        writer.write(out)
        return b""
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class VolumesZip:
    """A ZIP of PDF volumes written as they come: each volume's parts are merged straight into its entry, then
    dropped, so that memory holds one volume whatever the number of volumes. The PDFs are stored, not deflated
    (their streams are compressed already)."""

    def __init__(self, out: BinaryIO):
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.names: list[str] = []

    def add(self, name: str, parts: Iterable[bytes], *, title: str = "") -> None:
        # Merged in memory first (a volume's PDF is a few MB): pypdf writes object by object, and a ZIP entry
        # written that way costs more CPU than the merge itself.
        self.zip.writestr(name, merge_pdfs(parts, title=title))
        self.names.append(name)

    def close(self) -> None:
        self.zip.close()


def render_single(chunks: Iterable[Chunk], *, head: str, title: str = "", lang: str = "zh-Hans") -> bytes:
    """All chunks as one WeasyPrint document, in this process: for small documents (and to compare against)."""
    body = "".join(_body(body) for _pages, body in chunks)
    return render.render_pdf(document_html(body, head=head, title=title, lang=lang))


def _rendered(
    chunks: Iterable[tuple[object, int, str | Callable[[], str]]],
    *,
    shell: dict,
    pages_total: int,
    workers: int,
    progress: Progress | None,
    stats: RenderStats,
) -> Iterator[tuple[object, bytes]]:
    """(key, PDF) of each (key, pages, body) in order, rendered by `workers` processes (here with one); at most
    `2 × workers` chunks in flight. `progress(pages_done, pages_total)` after each chunk."""
    done = 0

    def finished(pages: int, result) -> bytes:
        nonlocal done
        pdf, pid, peak, cpu = result
        done += pages
        stats.pages = done
        stats.chunks += 1
        stats.peak_kb[pid] = max(stats.peak_kb.get(pid, 0), peak)
        stats.cpu[pid] = max(stats.cpu.get(pid, 0.0), cpu)
        if progress:
            progress(done, pages_total)
        return pdf

    if progress:
        progress(0, pages_total)
    if workers <= 1:
        for key, pages, body in chunks:
            yield key, finished(pages, _render_chunk(body, shell))
        return
    with _pool_context().Pool(workers) as pool:
        in_flight: deque = deque()
        for key, pages, body in chunks:
            in_flight.append((key, pages, pool.apply_async(_render_chunk, (body, shell))))
            if len(in_flight) >= 2 * workers:
                key_done, pages_done, result = in_flight.popleft()
                yield key_done, finished(pages_done, result.get(CHUNK_TIMEOUT))
        while in_flight:
            key_done, pages_done, result = in_flight.popleft()
            yield key_done, finished(pages_done, result.get(CHUNK_TIMEOUT))
    server = forkserver_pid()
    if server:
        stats.peak_kb[server], stats.cpu[server] = peak_kb(server), cpu_seconds(server)


def _finish(stats: RenderStats, started: float) -> None:
    stats.peak_kb[os.getpid()] = peak_kb()
    stats.cpu[os.getpid()] = cpu_seconds()
    stats.seconds = time.perf_counter() - started


def render_chunked(
    chunks: Iterable[Chunk],
    *,
    head: str,
    pages_total: int,
    title: str = "",
    lang: str = "zh-Hans",
    workers: int = 2,
    progress: Progress | None = None,
    stats: RenderStats | None = None,
) -> bytes:
    """The chunks rendered by `workers` processes and merged in order into one PDF; `progress(pages_done,
    pages_total)` after each chunk. With one worker, everything happens in this process. The merge holds every
    page (~45 kB a ballot page in pypdf): above a few thousand pages, use render_volumes."""
    stats = stats if stats is not None else RenderStats()
    started = time.perf_counter()
    shell = {"head": head, "title": title, "lang": lang}
    keyed = ((None, pages, body) for pages, body in chunks)
    rendered = _rendered(keyed, shell=shell, pages_total=pages_total, workers=workers, progress=progress, stats=stats)
    merged = merge_pdfs((pdf for _key, pdf in rendered), title=title)
    _finish(stats, started)
    return merged


# A volume of a large document: (its file name in the ZIP, its title, its chunks in order).
Volume = tuple[str, str, Iterable[Chunk]]


def render_volumes(
    volumes: Iterable[Volume],
    *,
    out: BinaryIO,
    head: str,
    pages_total: int,
    lang: str = "zh-Hans",
    workers: int = 2,
    progress: Progress | None = None,
    stats: RenderStats | None = None,
) -> list[str]:
    """A large document as a ZIP of PDF volumes written to `out`: every volume's chunks go through the same workers
    as render_chunked's, and each volume is merged into its ZIP entry as soon as its last chunk is back, then its
    parts are dropped — the parent holds one volume's parts (and at most `2 × workers` chunks in flight) whatever
    the number of pages. Returns the volumes' names in order."""
    stats = stats if stats is not None else RenderStats()
    started = time.perf_counter()
    titles: dict[int, tuple[str, str]] = {}

    def keyed():
        for number, (name, title, chunks) in enumerate(volumes):
            titles[number] = (name, title)
            for pages, body in chunks:
                yield number, pages, body

    archive = VolumesZip(out)
    shell = {"head": head, "title": "", "lang": lang}
    rendered = _rendered(keyed(), shell=shell, pages_total=pages_total, workers=workers, progress=progress, stats=stats)
    try:
        for number, parts in itertools.groupby(rendered, key=lambda keyed_pdf: keyed_pdf[0]):
            name, title = titles.pop(number)
            archive.add(name, (pdf for _number, pdf in parts), title=title)
    finally:
        archive.close()
    _finish(stats, started)
    return archive.names
