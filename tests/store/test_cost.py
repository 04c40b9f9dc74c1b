"""A write's cost must not grow with the file: a big roster import stays well inside the
lock timeout (other processes wait on the clinic file's lock while it runs)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.roster import Client
from facilitator.store.files import LOCK_TIMEOUT_SECONDS
from tests.conftest import SERIAL_GROUP
from tests.store._support import make_clinic


# A time budget: under pytest-xdist it runs in the serial group, never beside another
# worker's test on a 2-core machine (there it took 14.4 s against 4 s).
@pytest.mark.xdist_group(SERIAL_GROUP)
def test_roster_import_of_600_clients_is_quick(tmp_path: Path) -> None:
    # With a deep copy of the whole file on every TinyDB read (three per upsert) this took
    # ~8 s for 600 clients and ~25 s for 1,000 (longer than the 15 s lock timeout).
    data = make_clinic(tmp_path / "clinic")
    clients = [Client(f"C{n:04d}", "Pat", "Bulkperson", "IOP", 9.0, date(2026, 10, 1)) for n in range(600)]
    started = time.perf_counter()
    assert data.import_roster(clients) == (600, 0)
    assert data.import_roster(clients) == (0, 600)
    took = time.perf_counter() - started
    assert took < min(4.0, LOCK_TIMEOUT_SECONDS / 3), f"two 600-client imports took {took:.1f} s"
    assert len(data.snapshot().clients) == 602
