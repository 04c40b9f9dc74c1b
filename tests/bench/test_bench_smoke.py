"""The benchmark still runs: a tiny clinic, every figure with two repetitions.

Numbers only; no timing is asserted here (timings belong to `python -m tests.bench`).
"""

from __future__ import annotations

import math
import shutil

import pytest

from facilitator.store.audit import AuditLog
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.maintenance import verify
from tests.bench import instructions, keypress, startup, store_figures
from tests.bench.__main__ import rows_from, table
from tests.bench.generate import ClinicSpec, clone, ensure_clinic


def test_every_figure_returns_numbers(tmp_path):
    user = os_user()
    small = ensure_clinic(ClinicSpec("tiny", 1, clients=12), user=user, cache=tmp_path / "cache",
                          log=lambda *a, **k: None)
    again = ensure_clinic(ClinicSpec("tiny", 1, clients=12), user=user, cache=tmp_path / "cache")
    assert again.info == small.info and small.info["sessions"] > 0
    assert AuditLog(small.root / "audit").verify() == []
    # Every file matches its audit entry: the generator's clinics verify clean (on a clone).
    assert verify(DataDir.open(clone(small.root, tmp_path / "verified", copy=True), user=user)) == []

    before = {p: p.read_bytes() for p in small.root.rglob("*") if p.is_file()}
    big = clone(small.root, tmp_path / "big")
    other = clone(small.root, tmp_path / "other")
    quiet = lambda *a, **k: None  # noqa: E731
    results = {
        "startup": startup.measure({"app": big, "app-1w": other}, 2, log=quiet),
        "writes": store_figures.writes(big, other, 2, log=quiet),
        "reports": store_figures.reports(big, other, small.last_full_week_first, 2, log=quiet),
        "keypress": keypress.measure(big, 2, log=quiet),
    }
    numbers = [s["p95"] for s in results["writes"].values()]
    numbers += [s["p50"] for s in results["reports"].values()]
    numbers += [results["startup"][k]["first_frame_s"]["p50"] for k in ("bare", "app", "app-1w")]
    numbers += [results["startup"][k]["maxrss_mib"]["p50"] for k in ("bare", "app")]
    numbers += [results["keypress"]["store-mark"]["p95"]]
    assert all(math.isfinite(n) and n > 0 for n in numbers), numbers
    rows = rows_from(results)
    assert len(rows) >= 10 and all(r["result"] in ("pass", "MISS", "") for r in rows)
    assert "report week" in table(rows)
    # The cache was never written through the clones' hard links.
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (apt-get install valgrind)")
def test_the_instruction_count_of_a_start_comes_back_and_repeats():
    """``tests.bench.instructions`` counts the bare app's start to its first frame, and with
    a fixed hash seed two counts agree to 0.1% (the README says 0.01%)."""
    first = instructions.instructions("bare", "-")
    second = instructions.instructions("bare", "-")
    assert first > 100_000_000
    assert abs(first - second) / first < 0.001
