"""``python -m tests.bench.verify_figure [--runs N]``: `verify` on the 5-year clinic vs the floor.

The floor is reading and SHA-256-hashing every byte of the clinic directory (data files
and audit log), the least any check of "does every file match the log" can do. Both run
in this process on the same clone, interleaved (floor, verify, floor, verify, ...), so
page-cache state and machine noise fall on both. Target: verify ≤ 3× the floor.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from facilitator.store.chain import check_chain
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.integrity import Replay, verify_integrity
from facilitator.store.maintenance import verify
from tests.bench.generate import FIVE_YEARS, cache_root, clone, ensure_clinic


def floor(root: Path) -> int:
    """Read and hash every byte of every file under ``root``; returns the bytes read."""
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                raw = handle.read()
            hashlib.sha256(raw).digest()
            total += len(raw)
    return total


def time_phases(data: DataDir) -> dict[str, float]:
    """verify's big parts, each as verify runs it, and what they replaced: the chain pass
    (each audit line parsed, re-hashed, linked, shape-checked and replayed) in one process and
    split with a forked child; the session files read and hashed (what verify does with a file
    whose entry vouches for it), and read strictly (what it does with any other, and what
    ``verify --full`` does with all of them)."""
    from facilitator.store.chain import check_chain, check_run
    from facilitator.store.checks import check_records, hash_records
    took = {}
    paths = data.audit._files()
    start = time.perf_counter()
    assert check_run(paths).breaks == []
    took["audit chain pass, in one process"] = time.perf_counter() - start
    start = time.perf_counter()
    assert check_chain(paths).breaks == []
    took["audit chain pass, split with a forked child (as verify runs it)"] = time.perf_counter() - start
    start = time.perf_counter()
    hash_records(data)
    took["session files read and hashed"] = time.perf_counter() - start
    snapshot = data.snapshot()
    start = time.perf_counter()
    assert check_records(data, snapshot, set(), {}) == []
    took["session files read strictly (verify --full)"] = time.perf_counter() - start
    start = time.perf_counter()
    assert verify(data, parallel=False) == []
    took["verify in one process (no child: one core)"] = time.perf_counter() - start
    start = time.perf_counter()
    assert verify(data, full=True) == []
    took["verify --full"] = time.perf_counter() - start
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.verify_figure")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--phases", action="store_true",
                        help="also time verify's parts (the chain pass, the strict reading of the records)")
    args = parser.parse_args(argv)
    user = os_user()
    cache = args.cache or cache_root()
    clinic = ensure_clinic(FIVE_YEARS, user=user, cache=cache, log=lambda *a: print(*a, file=sys.stderr))
    scratch = Path(tempfile.mkdtemp(prefix=".verify-bench-", dir=cache))
    try:
        root = clone(clinic.root, scratch / "clinic")
        data = DataDir.open(root, user=user)
        size = floor(root)                                  # warm the page cache once
        problems = verify(data)
        assert problems == [], problems[:3]
        floors, audits, verifies = [], [], []
        phases: dict[str, list[float]] = {}
        for _ in range(args.runs):
            if args.phases:
                for name, took in time_phases(data).items():
                    phases.setdefault(name, []).append(took)
            start = time.perf_counter()
            floor(root)
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            run = check_chain(data.audit._files())
            assert run.breaks == []
            assert verify_integrity(data, replay=Replay.of_run(data.audit, run.last, run.bound_any)) == []
            audits.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert verify(data) == []
            verifies.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    f, a, v = (statistics.median(x) for x in (floors, audits, verifies))
    print(f"clinic: {clinic.info['record_files']} session files, {size / 1e6:.0f} MB in all")
    print(f"floor (read + SHA-256 every byte), median of {args.runs}: {f:.2f} s")
    print(f"audit checks (chain + every file against its last entry + witnesses): {a:.2f} s = {a / f:.2f}x")
    print(f"verify (all of it: also reads every data file strictly unless its entry vouches for it): {v:.2f} s")
    print(f"verify / floor: {v / f:.2f}x (target <= 3x): {'pass' if v <= 3 * f else 'MISS'}")
    for name, took in phases.items():
        p = statistics.median(took)
        print(f"  part of verify: {name}: {p:.2f} s = {p / f:.2f}x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
