"""Phone pages: bytes a phone downloads for the household's proposal page and the join page (HTML + CSS + JS,
raw and gzip-compressed), and the number of queries for each page at 14 and 30,000 households.

Run: .venv/bin/python bench/bench_pages.py [--households 30000] [--quick]
Target: ≤ 60 KB compressed per page (no front-end framework); the same number of queries at both sizes.
"""

import argparse
import gzip
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

LIMIT_KB = 60
BODY = (
    "## 事由\n\n3号楼5单元的单元门已使用十五年，门禁损坏，冬季漏风，老人进出不便。"
    "经楼栋长入户征求意见，业委会提出更换为带对讲的防盗单元门。\n\n"
    "## 方案\n\n- 更换单元门一樘（含对讲主机、电控锁、闭门器）\n- 拆除旧门并清运\n- 施工期两天，不影响通行\n\n"
    "## 费用\n\n总价 18,600 元，维修资金补贴 6,000 元，其余由本单元各户按建筑面积分摊。"
    "分摊明细见附件，表决通过后公示七日。\n\n"
    "## 表决\n\n请本单元业主在手机上选择同意、反对或弃权；不方便使用手机的，可由楼栋长上门登记纸质表决票。\n"
)
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--quick", action="store_true", help="3,000 households instead of 30,000")
    args = parser.parse_args()
    if args.quick:
        args.households = 3000
    with _util.bench_database("pages") as url:
        _util.django_setup(url, redis=False)
        run(args)


def setup(slug: str, households: int):
    """A community, an open proposal with 60% voted, and a user bound to a household that has not voted yet."""
    from accounts.models import User
    from community.models import HouseholdBinding, JoinCode
    from proposals.models import Proposal
    from voting.models import Ballot, Elector

    community, committee = _util.community_with_committee(slug=slug, households=households)
    proposal = _util.open_for_voting(community, committee)
    Proposal.objects.filter(pk=proposal.pk).update(body=BODY)
    _util.ballots_bulk(proposal, share=0.6, by=committee)
    voted = Ballot.objects.filter(proposal=proposal).values("household_id")
    elector = Elector.objects.filter(proposal=proposal).exclude(household_id__in=voted).order_by("pk").first()
    user = User.objects.create_user(username=f"resident-{slug}", password=None, display_name="王阿姨")
    HouseholdBinding.objects.create(user=user, household_id=elector.household_id)
    code = JoinCode.objects.filter(household__entrance__building__community=community).first()
    return proposal, user, code


def fetch(client, path: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200, (path, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, len(queries)


def weigh(client, path: str) -> dict:
    """HTML and every stylesheet and script it links: raw bytes, gzip -6 bytes, what the server sent."""
    response, html, queries = fetch(client, path)
    parts = [("HTML", html, response.get("Content-Encoding", ""))]
    for url in ASSET.findall(html.decode()):
        asset, content, _ = fetch(client, url)
        parts.append((url.rsplit("/", 1)[-1], content, asset.get("Content-Encoding", "")))
    return {
        "queries": queries,
        "parts": [(name, len(data), gz(data), encoding or "none") for name, data, encoding in parts],
    }


def run(args) -> None:
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.monotonic()
    sizes = {"14 households": setup("small", 14), f"{args.households:,} households": setup("big", args.households)}
    print(f"Set up in {time.monotonic() - started:.0f} s.")

    results: dict[str, dict[str, dict]] = {}
    for size, (proposal, user, code) in sizes.items():
        household = Client()
        household.force_login(user)
        anonymous = Client()
        pages = {
            "proposal page (household, voting open)": (household, f"/proposals/{proposal.pk}/"),
            "join page /join/": (anonymous, "/join/"),
        }
        if code is not None:
            pages["join page from a slip's QR /join/<code>/"] = (anonymous, f"/join/{code.code}/")
        for name, (client, path) in pages.items():
            weigh(client, path)  # warm: template loading, translations
            results.setdefault(name, {})[size] = weigh(client, path)

    big = f"{args.households:,} households"
    ok = True
    for name, by_size in results.items():
        parts = by_size[big]["parts"]
        rows = [[part, f"{raw / 1024:.1f}", f"{packed / 1024:.1f}", sent] for part, raw, packed, sent in parts]
        raw_total, gz_total = sum(p[1] for p in parts), sum(p[2] for p in parts)
        rows.append(["total", f"{raw_total / 1024:.1f}", f"{gz_total / 1024:.1f}", ""])
        _util.print_table(name, ["part", "raw KB", "gzip -6 KB", "Content-Encoding sent (dev server)"], rows)
        counts = {size: r["queries"] for size, r in by_size.items()}
        constant = len(set(counts.values())) == 1
        light = gz_total <= LIMIT_KB * 1024
        ok = ok and constant and light
        print(
            f"  queries: {', '.join(f'{n} at {size}' for size, n in counts.items())} — constant: "
            f"{_util.verdict(constant)}; ≤ {LIMIT_KB} KB compressed: {gz_total / 1024:.1f} KB "
            f"({gz_total / (LIMIT_KB * 1024):.2f} of the budget) — {_util.verdict(light)}"
        )
    print(
        "\nCompressed = gzip level 6 of each response, what a browser gets behind a compressing proxy (nginx "
        "gzip on) or from WhiteNoise's precompressed files in production (collectstatic writes .gz and .br); the "
        "development server (WhiteNoise from the finders, no GZipMiddleware) sends them uncompressed."
    )
    print(f"All pages within target: {_util.verdict(ok)}.")
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
