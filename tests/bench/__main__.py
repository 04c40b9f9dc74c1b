"""``python -m tests.bench [--quick]``: every figure beside its reference, as a table.

Generates (once, cached) the 5-year, 1-month and 1-week clinics, clones them into a
scratch directory next to the cache (hard links: the cache is never changed), measures
the five figures and writes ``tests/bench/results.json``. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from facilitator.store.identity import os_user
from tests.bench import keypress, startup, store_figures
from tests.bench.generate import FIVE_YEARS, ONE_MONTH, ONE_WEEK, cache_root, clone, ensure_clinic
from tests.bench.stats import machine

HERE = Path(__file__).resolve().parent

FULL = {"startup": 40, "writes": 300, "reports": 40, "presses": 200}
QUICK = {"startup": 12, "writes": 100, "reports": 15, "presses": 60}


def log(*parts: object, end: str = "\n") -> None:
    print(*parts, end=end, file=sys.stderr, flush=True)


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def rows_from(results: dict) -> list[dict]:
    """The table: one row per figure, with its target and whether it was met."""
    rows = []
    s = results.get("startup")
    if s:
        app, bare, small = (s[k]["first_frame_s"]["p50"] * 1000 for k in ("app", "bare", "app-1w"))
        rows.append(dict(figure="1 start-up to first frame (p50)", measured=f"{app:.0f} ms (5y)",
                         reference=f"{bare:.0f} ms bare Textual", ratio=ratio(app, bare), target="≤ 1.2×"))
        rows.append(dict(figure="  start-up growth 1w → 5y (p50)", measured=f"{app:.0f} ms (5y)",
                         reference=f"{small:.0f} ms (1w)", ratio=ratio(app, small), target="info"))
        if "cpu_s" in s["app"]:
            app_c, bare_c = (s[k]["cpu_s"]["p50"] * 1000 for k in ("app", "bare"))
            rows.append(dict(figure="  start-up CPU time, user+sys (p50)", measured=f"{app_c:.0f} ms (5y)",
                             reference=f"{bare_c:.0f} ms bare Textual", ratio=ratio(app_c, bare_c),
                             target="info"))
        app_m, bare_m = (s[k]["maxrss_mib"]["p50"] for k in ("app", "bare"))
        rows.append(dict(figure="4 peak memory at first frame", measured=f"{app_m:.1f} MiB (5y)",
                         reference=f"{bare_m:.1f} MiB bare Textual", ratio=ratio(app_m, bare_m),
                         target="≤ 1.3×"))
    w = results.get("writes")
    if w:
        big, small = w["mark-5y"], w["mark-1w"]
        rows.append(dict(figure="2 mark, growth 1w → 5y (p50)", measured=f"{big['p50']:.2f} ms (5y)",
                         reference=f"{small['p50']:.2f} ms (1w)", ratio=ratio(big["p50"], small["p50"]),
                         target="≤ 1.2×"))
        rows.append(dict(figure="  mark, growth 1w → 5y (p95)", measured=f"{big['p95']:.2f} ms (5y)",
                         reference=f"{small['p95']:.2f} ms (1w)", ratio=ratio(big["p95"], small["p95"]),
                         target="info"))
        for ref, name in (("sqlite-full", "journal=DELETE"), ("sqlite-wal", "journal=WAL")):
            rows.append(dict(
                figure=f"2 mark vs SQLite FULL, {name} (p95)", measured=f"{big['p95']:.2f} ms (5y)",
                reference=f"{w[ref]['p95']:.2f} ms SQLite", ratio=ratio(big["p95"], w[ref]["p95"]),
                target="≤ 3×" if ref == "sqlite-full" else "info"))
        up = w["update-5y"]
        rows.append(dict(figure="  update_attendance (no audit) vs SQLite DELETE (p95)",
                         measured=f"{up['p95']:.2f} ms (5y)",
                         reference=f"{w['sqlite-full']['p95']:.2f} ms SQLite",
                         ratio=ratio(up["p95"], w["sqlite-full"]["p95"]), target="info"))
        rows.append(dict(figure="  update_attendance growth 1w → 5y (p50)",
                         measured=f"{up['p50']:.2f} ms (5y)", reference=f"{w['update-1w']['p50']:.2f} ms (1w)",
                         ratio=ratio(up["p50"], w["update-1w"]["p50"]), target="info"))
    r = results.get("reports")
    if r:
        big, small = r["report-5y"]["p50"], r["report-1m"]["p50"]
        rows.append(dict(figure="3 report week, growth 1m → 5y (p50)", measured=f"{big:.1f} ms (5y)",
                         reference=f"{small:.1f} ms (1m)", ratio=ratio(big, small), target="≤ 1.2×"))
    k = results.get("keypress")
    if k:
        store = k["store-mark"]
        if k["mode"] == "pilot":
            key = k["key-to-stored"]
            rows.append(dict(figure="5 key press → stored (Pilot, p95)", measured=f"{key['p95']:.1f} ms",
                             reference=f"{store['p95']:.1f} ms store path", ratio=None, target="≤ 50 ms",
                             value=key["p95"]))
        else:
            rows.append(dict(figure="5 store path only: mark (p95)", measured=f"{store['p95']:.1f} ms",
                             reference="—", ratio=None, target="≤ 50 ms", value=store["p95"]))
    for row in rows:
        target = row["target"]
        if target == "info":
            row["result"] = ""
        elif target.endswith("ms"):
            row["result"] = "pass" if row["value"] <= float(target.split()[1]) else "MISS"
        else:
            row["result"] = "pass" if row["ratio"] <= float(target.split()[1].rstrip("×")) else "MISS"
    return rows


def table(rows: list[dict]) -> str:
    head = ("figure", "measured", "reference", "ratio", "target", "result")
    body = [(r["figure"], r["measured"], r["reference"],
             "" if r["ratio"] is None else f"{r['ratio']:.2f}×", r["target"], r["result"]) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]

    def line(cells: Sequence[object]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def markdown(rows: list[dict]) -> str:
    head = "| figure | measured | reference | ratio | target | result |\n|---|---|---|---|---|---|"
    body = [f"| {r['figure'].strip()} | {r['measured']} | {r['reference']} | "
            f"{'' if r['ratio'] is None else format(r['ratio'], '.2f') + '×'} | {r['target']} | "
            f"{r['result']} |" for r in rows]
    return "\n".join([head, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (about a minute)")
    parser.add_argument("--cache", type=Path, help=f"where generated clinics live (default {cache_root()})")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--only", default="startup,writes,reports,keypress",
                        help="comma-separated: startup (figures 1 and 4), writes, reports, keypress")
    args = parser.parse_args(argv)
    reps = QUICK if args.quick else FULL
    only = set(args.only.split(","))
    began = time.perf_counter()
    user = os_user()
    cache = args.cache or cache_root()
    clinics = {spec.key: ensure_clinic(spec, user=user, cache=cache, log=log)
               for spec in (FIVE_YEARS, ONE_MONTH, ONE_WEEK)}
    generated = time.perf_counter() - began
    scratch = Path(tempfile.mkdtemp(prefix=".run-", dir=cache))
    results: dict = {"machine": machine(), "mode": "quick" if args.quick else "full",
                     "repetitions": reps, "clinics": {k: c.info for k, c in clinics.items()}}
    try:
        roots = {key: clone(c.root, scratch / key) for key, c in clinics.items()}
        if "startup" in only:
            log(f"figures 1 and 4: cold start, {reps['startup']} runs of each program ...")
            results["startup"] = startup.measure({"app": roots["5y"], "app-1w": roots["1w"]},
                                                 reps["startup"], log=log)
        if "writes" in only:
            log(f"figure 2: {reps['writes']} durable writes of each kind ...")
            results["writes"] = store_figures.writes(roots["5y"], roots["1w"], reps["writes"], log=log)
        if "reports" in only:
            log(f"figure 3: report week, {reps['reports']} runs on each clinic ...")
            results["reports"] = store_figures.reports(roots["5y"], roots["1m"],
                                                       clinics["5y"].last_full_week_first,
                                                       reps["reports"], log=log)
        if "keypress" in only:
            log(f"figure 5: {reps['presses']} key presses in the session screen ...")
            results["keypress"] = keypress.measure(roots["5y"], reps["presses"], log=log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = rows_from(results)
    results["table"] = rows
    results["seconds"] = {"total": round(time.perf_counter() - began, 1), "generating": round(generated, 1)}
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    m = results["machine"]
    print(f"facilitator benchmark ({results['mode']}), {m['date']}: {m['cpu']}, {m['cores']} cores, "
          f"Python {m['python']}, Textual {m['textual']}, TinyDB {m['tinydb']}, SQLite {m['sqlite']}")
    print(table(rows))
    if args.markdown:
        print(markdown(rows))
    print(f"({results['seconds']['total']:.0f} s, of which {generated:.0f} s generating; "
          f"results in {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
