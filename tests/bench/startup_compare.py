"""``python -m tests.bench.startup_compare REV [CLINIC] [-n 30]``: figure 1 against an older commit.

Cold starts of figure 1's children (``startup.CHILD``), interleaved in a rotating order so
noise falls on all three: the bare Textual app, ``REV`` (a ``git archive`` of it on
``PYTHONPATH``, run by this venv) and this tree, each on CLINIC (default: the cached
5-year bench clinic). Prints the p50 of wall time to the first frame and of the child's CPU
time, each as a ratio to the bare app.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from tests.bench.generate import FIVE_YEARS, clone, ensure_clinic
from tests.bench.startup import REPO, checkout, spawn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.startup_compare")
    parser.add_argument("rev", help="the older commit to compare with")
    parser.add_argument("clinic", nargs="?", type=Path)
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    from facilitator.store.identity import os_user
    with tempfile.TemporaryDirectory() as scratch:
        clinic = args.clinic or clone(ensure_clinic(FIVE_YEARS, user=os_user()).root, Path(scratch) / "5y")
        before = checkout(args.rev, Path(scratch) / "before")
        runs = [("bare", "bare", "-", REPO), ("before", "app", str(clinic), before),
                ("now", "app", str(clinic), REPO)]
        for _, kind, root, tree in runs:                 # warm the page cache; not counted
            spawn(kind, root, tree=tree)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in runs}
        for i in range(args.n):
            for name, kind, root, tree in runs[i % 3:] + runs[:i % 3]:
                run = spawn(kind, root, tree=tree)
                samples[name].append((run["first_frame_s"], run["cpu_s"]))
    wall0 = statistics.median(w for w, _ in samples["bare"])
    cpu0 = statistics.median(c for _, c in samples["bare"])
    for name, rows in samples.items():
        wall = statistics.median(w for w, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print(f"{name:7s} wall p50 {wall * 1000:6.0f} ms ({wall / wall0:.2f}x)   "
              f"cpu p50 {cpu * 1000:6.0f} ms ({cpu / cpu0:.2f}x)   wall min {min(w for w, _ in rows) * 1000:.0f}")


if __name__ == "__main__":
    main()
