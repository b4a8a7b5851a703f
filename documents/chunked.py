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
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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


def merge_pdfs(parts: Iterable[bytes], *, title: str = "") -> bytes:
    """One PDF of `parts` in order (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_single(chunks: Iterable[Chunk], *, head: str, title: str = "", lang: str = "zh-Hans") -> bytes:
    """All chunks as one WeasyPrint document, in this process: for small documents (and to compare against)."""
    body = "".join(_body(body) for _pages, body in chunks)
    return render.render_pdf(document_html(body, head=head, title=title, lang=lang))


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
    """The chunks rendered by `workers` processes and merged in order; `progress(pages_done, pages_total)`
    after each chunk. With one worker, everything happens in this process."""
    stats = stats if stats is not None else RenderStats()
    started = time.perf_counter()
    parts: list[bytes] = []
    done = 0

    def finished(pages: int, result) -> None:
        nonlocal done
        pdf, pid, peak, cpu = result
        parts.append(pdf)
        done += pages
        stats.chunks += 1
        stats.peak_kb[pid] = max(stats.peak_kb.get(pid, 0), peak)
        stats.cpu[pid] = max(stats.cpu.get(pid, 0.0), cpu)
        if progress:
            progress(done, pages_total)

    shell = {"head": head, "title": title, "lang": lang}
    if progress:
        progress(0, pages_total)
    if workers <= 1:
        for pages, body in chunks:
            finished(pages, _render_chunk(body, shell))
    else:
        with _pool_context().Pool(workers) as pool:
            in_flight: deque = deque()
            for pages, body in chunks:
                in_flight.append((pages, pool.apply_async(_render_chunk, (body, shell))))
                if len(in_flight) >= 2 * workers:
                    pages_done, result = in_flight.popleft()
                    finished(pages_done, result.get(CHUNK_TIMEOUT))
            while in_flight:
                pages_done, result = in_flight.popleft()
                finished(pages_done, result.get(CHUNK_TIMEOUT))
        server = forkserver_pid()
        if server:
            stats.peak_kb[server], stats.cpu[server] = peak_kb(server), cpu_seconds(server)
    merged = merge_pdfs(parts, title=title)
    stats.pages = done
    stats.peak_kb[os.getpid()] = peak_kb()
    stats.cpu[os.getpid()] = cpu_seconds()
    stats.seconds = time.perf_counter() - started
    return merged
