"""Roster import of 50,000 households from XLSX against openpyxl's read-only parse of the same file.

Run: .venv/bin/python bench/bench_import.py [--households 50000] [--rounds 2] [--profile] [--quick]
Target: the import (read, check, compare, write in one transaction) ≤ 2× the bare parse.
"""

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强淑珍文博欣怡浩然子涵梓萱"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random) -> str:
    body = f"110108{rng.randint(1940, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def roster_xlsx(households: int, seed: int = 8) -> bytes:
    """A realistic roster: high-rise buildings written "12号楼", entrances "2单元", rooms "1502", areas with
    decimals, a phone on every row, an ID number on half, 2% of owners holding a second flat, some developer-held."""
    import openpyxl

    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名册")
    sheet.append(["楼栋", "单元", "房号", "楼层", "建筑面积", "业主", "手机号", "证件号", "开发商持有"])
    owners: list[tuple[str, str, str]] = []
    used: set[str] = set()

    def unique(make) -> str:  # two owners sharing a phone or an ID number would (rightly) be a problem in the file
        value = make()
        while value in used:
            value = make()
        used.add(value)
        return value

    written, building = 0, 0
    while written < households:
        building += 1
        floors, per_floor = rng.randint(18, 33), rng.randint(2, 4)
        for entrance in range(1, rng.randint(2, 4) + 1):
            for floor in range(1, floors + 1):
                for flat in range(1, per_floor + 1):
                    if written >= households:
                        break
                    written += 1
                    area = round(rng.uniform(45, 180), 2)
                    if rng.random() < 0.01:
                        sheet.append([f"{building}号楼", f"{entrance}单元", f"{floor}{flat:02d}", floor, area,
                                      "某某置业有限公司", "", "", "是"])  # fmt: skip
                        continue
                    if owners and rng.random() < 0.02:
                        name, phone, id_number = rng.choice(owners)
                    else:
                        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
                        phone = unique(lambda: f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}")
                        id_number = unique(lambda: resident_id(rng)) if rng.random() < 0.5 else ""
                        owners.append((name, phone, id_number))
                    sheet.append([f"{building}号楼", f"{entrance}单元", f"{floor}{flat:02d}", floor, area,
                                  name, phone, id_number, "否"])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bare_parse(content: bytes) -> int:
    """The floor: openpyxl's read-only parse of the same file, every cell value read, nothing else."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved parse/import pairs")
    parser.add_argument("--profile", action="store_true", help="also profile one import (cProfile, top functions)")
    parser.add_argument("--quick", action="store_true", help="10,000 households, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.households, args.rounds = 10000, 2
    with _util.bench_database("import") as url:
        _util.django_setup(url, redis=False)
        run(args)


def run(args) -> None:
    from community.importing import roster_file_read, roster_import, roster_plan
    from community.models import Community

    started = time.monotonic()
    content = roster_xlsx(args.households)
    print(f"Generated a {len(content) / 1e6:.1f} MB roster of {args.households:,} households in "
          f"{time.monotonic() - started:.0f} s.")  # fmt: skip

    def fresh_import(n: int) -> None:
        community = Community.objects.create(slug=f"import-{n}", name=f"导入{n}")
        summary = roster_import(community=community, filename="名册.xlsx", content=content)
        assert summary.households_created == args.households, summary

    timings: dict[str, list[float]] = {"parse": [], "import": [], "reimport": [], "read": []}
    bare_parse(content)  # warm the imports
    for n in range(args.rounds):
        t0 = time.perf_counter()
        rows = bare_parse(content)
        timings["parse"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fresh_import(n)
        timings["import"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        roster = roster_file_read(filename="名册.xlsx", content=content)
        timings["read"].append(time.perf_counter() - t0)
        community = Community.objects.get(slug=f"import-{n}")
        t0 = time.perf_counter()
        roster_import(community=community, filename="名册.xlsx", content=content)  # the same file again: no write
        timings["reimport"].append(time.perf_counter() - t0)
        # Each round imports into a community of its own: deleting 50,000 households between rounds would cost
        # more than the rounds (the database is dropped at the end anyway).
    assert rows == args.households + 1

    # Where the import's time goes, phase by phase (one more run).
    community = Community.objects.create(slug="phases", name="分段")
    t0 = time.perf_counter()
    roster = roster_file_read(filename="名册.xlsx", content=content)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    roster_plan(community=community, roster=roster)
    t_plan = time.perf_counter() - t0
    from community.importing import roster_apply

    t0 = time.perf_counter()
    roster_apply(community=community, roster=roster)
    t_apply = time.perf_counter() - t0

    parse = _util.median(timings["parse"])
    rows_out = [
        ["floor: openpyxl read-only parse", f"{parse:.2f}", "1.00×"],
        ["import into an empty community (roster_import)", f"{_util.median(timings['import']):.2f}",
         f"{_util.median(timings['import']) / parse:.2f}×"],
        ["  of which reading + checking the file (roster_file_read)", f"{_util.median(timings['read']):.2f}",
         f"{_util.median(timings['read']) / parse:.2f}×"],
        ["import of the same file again (nothing to write)", f"{_util.median(timings['reimport']):.2f}",
         f"{_util.median(timings['reimport']) / parse:.2f}×"],
    ]  # fmt: skip
    _util.print_table(
        f"Roster import: {args.households:,} households, {len(content) / 1e6:.1f} MB XLSX, {args.rounds} rounds",
        ["what", "median s", "× floor"],
        rows_out,
    )
    _util.print_table(
        "One import, phase by phase",
        ["phase", "s"],
        [
            ["read + check the file (openpyxl + roster_file)", f"{t_read:.2f}"],
            ["compare with the roster (roster_plan, 5 queries)", f"{t_plan:.2f}"],
            ["plan again + write in bulk + totals (roster_apply)", f"{t_apply:.2f}"],
        ],
    )
    ratio = _util.median(timings["import"]) / parse
    print(f"\nTarget ≤ 2× the bare parse: {ratio:.2f}× — {_util.verdict(ratio <= 2)}.")
    if args.profile:
        community = Community.objects.create(slug="profiled", name="剖析")
        profiler = cProfile.Profile()
        profiler.enable()
        roster_import(community=community, filename="名册.xlsx", content=content)
        profiler.disable()
        print("\nProfile of one import (cProfile, top 25 by own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
