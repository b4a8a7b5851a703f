"""Phone pages as served: the bytes a phone downloads from a real daphne for each page a household meets (the HTML
and every stylesheet and script it links, each response counted as it crossed the socket: status line, headers and
body, compressed as the server chose), and the number of queries of each page at 14 and 30,000 households.

Run: .venv/bin/python bench/bench_pages.py [--households 30000] [--quick]
Target (issue 14): ≤ 15 KB of HTML + CSS + JS transferred per page on a first visit; the same number of queries at
both sizes. Static files are collected (`collectstatic` into a scratch folder, as production and `make run` do) and
daphne runs with DEBUG off, the bench's settings (production's connection pool).
"""

import argparse
import gzip
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

LIMIT_KB = 15
# What Chromium (and WeChat's in-app browser, a Chromium) asks for over plain HTTP; over HTTPS it adds br, and
# WeChat's newer builds zstd (--accept-encoding "gzip, deflate, br, zstd" to measure that).
ACCEPT_ENCODING = "gzip, deflate"
PHONE = {"accept_encoding": ACCEPT_ENCODING}  # --accept-encoding changes it
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 12; M2007J3SC) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 "
    "Mobile Safari/537.36 MicroMessenger/8.0.47.2560"
)
BODY = (
    "## 事由\n\n3号楼5单元的单元门已使用十五年，门禁损坏，冬季漏风，老人进出不便。"
    "经楼栋长入户征求意见，业委会提出更换为带对讲的防盗单元门。\n\n"
    "## 方案\n\n- 更换单元门一樘（含对讲主机、电控锁、闭门器）\n- 拆除旧门并清运\n- 施工期两天，不影响通行\n\n"
    "## 费用\n\n总价 18,600 元，维修资金补贴 6,000 元，其余由本单元各户按建筑面积分摊。"
    "分摊明细见附件，表决通过后公示七日。\n\n"
    "## 表决\n\n请本单元业主在手机上选择同意、反对或弃权；不方便使用手机的，可由楼栋长上门登记纸质表决票。\n"
)
# What the server may answer with: WhiteNoise serves the Brotli copy that `collectstatic` wrote where the `brotli`
# package is installed (it comes with WeasyPrint's fonttools), GZipMiddleware gzips pages.
DECODE = {"": bytes, "gzip": gzip.decompress, "br": brotli.decompress}
# The pages a household's home page leads to: proposals, cost shares and bills.
DEMO_LINK = re.compile(r'href="(/proposals/\d+/(?:[a-z-]+/)*)"')
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')
# Scripts of a part further down (the live tally), loaded by static/js/page.js when that part comes into view.
LAZY = re.compile(r'data-scripts="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--quick", action="store_true", help="3,000 households instead of 30,000")
    parser.add_argument("--accept-encoding", default=ACCEPT_ENCODING, help=f"default: {ACCEPT_ENCODING}")
    args = parser.parse_args()
    if args.quick:
        args.households = 3000
    PHONE["accept_encoding"] = args.accept_encoding
    with _util.bench_database("pages") as url, tempfile.TemporaryDirectory(prefix="gongyi-bench-static-") as static:
        _util.django_setup(url, redis=False)
        run(args, url, Path(static))


def setup(slug: str, households: int):
    """A community, an open proposal with 60% voted, a user bound as the verified owner of a flat that has not voted
    yet (an owner's flat: the developer's vote only through the account the committee designates), and a fresh join
    code of another household (the slip's QR code)."""
    from accounts.models import User
    from community.models import HouseholdBinding
    from community.services import join_code_issue
    from proposals.models import Proposal
    from voting.models import Ballot, Elector

    community, committee = _util.community_with_committee(slug=slug, households=households)
    proposal = _util.open_for_voting(community, committee)
    Proposal.objects.filter(pk=proposal.pk).update(body=BODY)
    _util.ballots_bulk(proposal, share=0.6, by=committee)
    voted = Ballot.objects.filter(proposal=proposal).values("household_id")
    waiting = Elector.objects.filter(proposal=proposal, household__developer_held=False).exclude(household_id__in=voted)
    elector, other = waiting.order_by("pk")[:2]
    user = User.objects.create_user(username=f"resident-{slug}", password=None, display_name="王阿姨")
    HouseholdBinding.objects.create(
        user=user, household_id=elector.household_id, relation=HouseholdBinding.Relation.OWNER
    )
    code = join_code_issue(household=other.household, by=committee)
    return proposal, user, code


def pages_of(proposal, code) -> dict[str, tuple[bool, str]]:
    """The phone pages: name → (as the signed-in household?, path)."""
    return {
        "home (household)": (True, "/"),
        "proposal page (household, voting open)": (True, f"/proposals/{proposal.pk}/"),
        "join page /join/": (False, "/join/"),
        "log-in page (where a shared link lands)": (False, f"/accounts/login/?next=/proposals/{proposal.pk}/"),
        "join page from a slip's QR /join/<code>/": (False, f"/join/{code.code}/"),
    }


# --- Queries: the same views in this process, counted ------------------------------------------------------------


def count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm: templates, translations, the cache of content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


# --- Bytes: one GET over a socket to daphne, every byte counted ----------------------------------------------------


def get(port: int, path: str, cookie: str = "") -> dict:
    """GET as a phone does (its Accept-Encoding and user agent); the bytes that came back over the socket."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {_util.HOST}:{port}",
        f"User-Agent: {USER_AGENT}",
        "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
        f"Accept-Encoding: {PHONE['accept_encoding']}",
        "Accept-Language: zh-CN,zh;q=0.9",
        "Connection: close",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    with socket.create_connection((_util.HOST, port), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    wire = b"".join(chunks)
    head, _, body = wire.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    status = int(status_line.split()[1])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    encoding = headers.get("content-encoding", "")
    content = DECODE[encoding](body)
    return {
        "status": status,
        "wire": len(wire),
        "head": len(head) + 4,
        "body": len(wire) - len(head) - 4,
        "content": content,
        "encoding": encoding or "none",
        "cache": headers.get("cache-control", "—"),
    }


def dechunk(data: bytes) -> bytes:
    out, rest = [], data
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(rest[:size])
        rest = rest[size + 2 :]


def weigh(port: int, path: str, cookie: str) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """The page and every stylesheet and script it links, each as it was served; and apart, the scripts it loads
    when a part further down comes into view."""
    page = get(port, path, cookie)
    assert page["status"] == 200, (path, page["status"])
    html = page["content"].decode()
    parts = [("HTML", page)]

    def fetch(url):
        asset = get(port, url, cookie)
        assert asset["status"] == 200, (url, asset["status"])
        return url.rsplit("/", 1)[-1], asset

    # Once each, as a browser fetches a stylesheet linked twice (the proposal page links consultation.css twice).
    parts += [fetch(url) for url in dict.fromkeys(ASSET.findall(html))]
    later = [fetch(url) for url in dict.fromkeys(url for urls in LAZY.findall(html) for url in urls.split())]
    return parts, later


def collect_static(env: dict[str, str]) -> None:
    """`collectstatic` into the scratch folder (hashed names, .gz beside each file), as `make run` does."""
    subprocess.run(
        [str(_util.PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=_util.ROOT, env=env, check=True
    )


def report(port: int, title: str, path: str, cookie: str) -> int:
    """Print the table of one page as served; returns its bytes transferred on a first visit."""
    get(port, path, cookie)  # warm: templates, translations
    parts, later = weigh(port, path, cookie)

    def row(part, r):
        return [
            part,
            r["encoding"],
            f"{len(r['content']) / 1024:.1f}",
            f"{r['head'] / 1024:.1f}",
            f"{r['wire'] / 1024:.1f}",
        ]

    def sums(label, items):
        content = sum(len(r["content"]) for _, r in items)
        heads = sum(r["head"] for _, r in items)
        wire = sum(r["wire"] for _, r in items)
        return wire, [label, "", f"{content / 1024:.1f}", f"{heads / 1024:.1f}", f"{wire / 1024:.1f}"]

    rows = [row(part, r) for part, r in parts]
    total, total_row = sums("total (first visit)", parts)
    rows.append(total_row)
    if later:
        rows += [row(f"{part} (when scrolled to)", r) for part, r in later]
        rows.append(sums("total with what loads on scrolling", parts + later)[1])
    _util.print_table(title, ["part", "Content-Encoding", "content KB", "headers KB", "transferred KB"], rows)
    light = total <= LIMIT_KB * 1024
    print(
        f"  ≤ {LIMIT_KB} KB transferred: {total / 1024:.1f} KB ({total / (LIMIT_KB * 1024):.2f} of the budget) — "
        f"{_util.verdict(light)}; a second visit (CSS and JS cached): {parts[0][1]['wire'] / 1024:.1f} KB; "
        f"static files: {parts[-1][1]['cache'] if len(parts) > 1 else '—'}"
    )
    return total


def load_demo():
    """The demo communities and stories, as `make run` loads them; their two household accounts."""
    import io

    from django.core.management import call_command

    from accounts.models import User

    call_command("load_demo", stdout=io.StringIO())
    return list(User.objects.filter(username__in=["resident", "resident2"]).order_by("username"))


def run(args, database_url: str, static_root: Path) -> None:
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.monotonic()
    big = f"{args.households:,} households"
    sizes = {"14 households": setup("small", 14), big: setup("big", args.households)}
    print(f"Set up in {time.monotonic() - started:.0f} s.")

    queries: dict[str, dict[str, int]] = {}
    for size, (proposal, user, code) in sizes.items():
        household, anonymous = Client(), Client()
        household.force_login(user)
        for name, (signed_in, path) in pages_of(proposal, code).items():
            queries.setdefault(name, {})[size] = count_queries(household if signed_in else anonymous, path)

    demo_users = load_demo()
    env = _util.server_env(database_url, redis=False, STATIC_COLLECTED="1", STATIC_ROOT=str(static_root))
    collect_static(env)
    proposal, user, code = sizes[big]
    cookie = f"sessionid={_util.session_cookie(user)}"
    ok = True
    with _util.daphne(env) as port:
        for name, (signed_in, path) in pages_of(proposal, code).items():
            total = report(port, f"{name} — {path.split('?')[0]} at {big}", path, cookie if signed_in else "")
            counts = queries[name]
            constant = len(set(counts.values())) == 1
            ok = ok and constant and total <= LIMIT_KB * 1024
            measured = ", ".join(f"{n} at {size}" for size, n in counts.items())
            print(f"  queries: {measured} — constant: {_util.verdict(constant)}")
        print("\n## The demo's households (`make run`'s data), every page their home page links to")
        for demo_user in demo_users:
            demo_cookie = f"sessionid={_util.session_cookie(demo_user)}"
            home = get(port, "/", demo_cookie)["content"].decode()
            for path in ["/", *dict.fromkeys(DEMO_LINK.findall(home))]:
                total = report(port, f"{demo_user.username}: {path}", path, demo_cookie)
                ok = ok and total <= LIMIT_KB * 1024
    print(
        f"\nTransferred = every byte daphne sent for the response (status line, headers, body as encoded), one "
        f"request per connection, Accept-Encoding: {PHONE['accept_encoding']}. Content = the decoded body."
    )
    print(f"All pages within target: {_util.verdict(ok)}.")
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
