"""``python -m tests.bench.importtime [CLINIC] [-n 9]``: what start-up imports beyond the bare app.

Runs figure 1's two children (``startup.CHILD``: the bare Textual app, and ``facilitator``
on CLINIC) under ``python -X importtime`` n times each, keeps the modules the app imports
and the bare app does not, and prints the top ones as a markdown table: each module's own
time and its time with everything it brought in that the bare app does not import (the
Textual modules both import are left out), the minimum over the n runs (the least-disturbed
figure on a shared machine). The last line adds up the self times of every such module.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tests.bench.startup import CHILD

REPO = Path(__file__).resolve().parents[2]


def importtimes(kind: str, root: str) -> list[tuple[str, int, int]]:
    """One run of a start-up child: (module, self µs, depth) in ``-X importtime``'s order
    (each module after the modules it imported, which are one level deeper)."""
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", CHILD, kind, root],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        rows.append((name.strip(), int(own), (len(name) - len(name.lstrip()) - 1) // 2))
    return rows


def beyond(rows: list[tuple[str, int, int]], bare: set[str]) -> dict[str, tuple[int, int]]:
    """{module: (self µs, µs of it and everything it brought in that the bare app lacks)}."""
    out: dict[str, tuple[int, int]] = {}
    stack: list[tuple[int, int]] = []          # (depth, extra µs of a finished subtree)
    for name, own, depth in rows:
        children = 0
        while stack and stack[-1][0] > depth:
            children += stack.pop()[1]
        extra = (0 if name in bare else own) + children
        stack.append((depth, extra))
        if name not in bare:
            out.setdefault(name, (own, extra))
    return out


def table(root: str, runs: int, top: int) -> str:
    bare: set[str] = set()
    app_runs = []
    for _ in range(runs):
        bare |= {name for name, _, _ in importtimes("bare", root)}
        app_runs.append(importtimes("app", root))
    per_module: dict[str, list[tuple[int, int]]] = {}
    for rows in app_runs:
        for name, row in beyond(rows, bare).items():
            per_module.setdefault(name, []).append(row)
    best = {name: (min(r[0] for r in rows), min(r[1] for r in rows)) for name, rows in per_module.items()}
    lines = ["| module (imported by facilitator's start, not by the bare app's) | with what it brings, ms | self, ms |",
             "|---|---:|---:|"]
    for name, (own, extra) in sorted(best.items(), key=lambda kv: -kv[1][1])[:top]:
        lines.append(f"| `{name}` | {extra / 1000:.1f} | {own / 1000:.1f} |")
    total = sum(own for own, _ in best.values())
    lines.append(f"| **all {len(best)} such modules (sum of self)** | | **{total / 1000:.1f}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.importtime")
    parser.add_argument("clinic", nargs="?", type=Path,
                        help="a clinic data directory (default: the cached 1-week bench clinic)")
    parser.add_argument("-n", type=int, default=9, help="runs of each child (minimum taken)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.clinic is not None:
        print(table(str(args.clinic), args.n, args.top))
        return
    import tempfile

    from facilitator.store.identity import os_user
    from tests.bench.generate import ONE_WEEK, clone, ensure_clinic
    cached = ensure_clinic(ONE_WEEK, user=os_user(), log=lambda *a, **k: print(*a, file=sys.stderr))
    with tempfile.TemporaryDirectory() as scratch:
        print(table(str(clone(cached.root, Path(scratch) / "1w")), args.n, args.top))


if __name__ == "__main__":
    main()
