"""``python -m tests.bench.instructions [REV] [CLINIC]``: figure 1 in instructions, not ms.

On a shared virtual machine a start-up's wall time moves by ±5% from one minute to the
next, more than a change of a few ms. The number of instructions a start executes barely
moves at all, so this counts them: figure 1's children (``startup.CHILD``: the bare Textual
app, and ``facilitator`` on CLINIC, default a clone of the cached 5-year bench clinic) run
under Valgrind's cachegrind (``--cache-sim=no``: instruction counts only), each stopping at
its first frame, with a fixed hash seed (so set and dict order, and with them the count,
repeat to within 0.01%). With REV, a ``git archive`` of that commit is counted as well.

Needs ``valgrind`` (Debian: ``apt-get install valgrind``); each child takes ~10 s under it.
Instructions are not time (a cache miss or a system call costs more than its count), so
the wall-time figure stays figure 1; this is how its parts are weighed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.startup import CHILD, REPO, checkout, child_env


def instructions(kind: str, root: str, tree: Path = REPO) -> int:
    """Instructions one cold start of ``kind`` executes up to its first frame."""
    env = child_env(tree, PYTHONHASHSEED="0", FIGURE1_EXIT_AT_READY="1")
    subprocess.run([sys.executable, "-c", CHILD, kind, root], env=env, cwd=tree,
                   capture_output=True, check=True)          # writes the bytecode caches
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", sys.executable, "-c", CHILD, kind, root],
                          env=env, cwd=tree, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if not found or "READY" not in done.stdout:
        raise RuntimeError(f"{kind} did not reach its first frame under valgrind: {done.stderr[-1500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.instructions")
    parser.add_argument("rev", nargs="?", help="an older commit to count as well")
    parser.add_argument("clinic", nargs="?", type=Path)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    from facilitator.store.identity import os_user
    from tests.bench.generate import FIVE_YEARS, clone, ensure_clinic
    with tempfile.TemporaryDirectory() as scratch:
        clinic = args.clinic or clone(ensure_clinic(FIVE_YEARS, user=os_user()).root, Path(scratch) / "5y")
        runs = [("bare", "bare", "-", REPO)]
        if args.rev:
            before = checkout(args.rev, Path(scratch) / "before")
            runs.append((args.rev[:8], "app", str(clinic), before))
        runs.append(("now", "app", str(clinic), REPO))
        bare = None
        for name, kind, root, tree in runs:
            count = instructions(kind, root, tree)
            bare = bare or count
            print(f"{name:9s} {count / 1e6:8.1f} M instructions to the first frame ({count / bare:.3f}x bare)")


if __name__ == "__main__":
    main()
