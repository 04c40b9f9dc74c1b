"""A roster import is linear (#21: 4,000 rows took 7.4 s, 50,000 did not finish in 2 minutes).

TinyDB rewrites a table's whole dict on every update, upsert or insert call, so one call per
row was quadratic. The count of those rewrites is the measure here (no timing in a unit
test): a constant number, whatever the roster's size. tests/bench has the time."""

from __future__ import annotations

from datetime import date

import pytest
from tinydb.table import Table

from facilitator.core.roster import Client
from tests.conftest import FakeClock, make_test_clinic


def clients(n: int, *, hours: float = 9.0) -> list[Client]:
    return [Client(f"L{i:05d}", "Avery", f"Testperson{i}", "IOP", hours, date(2026, 11, 1),
                   groups=("Evening IOP",)) for i in range(n)]


@pytest.mark.parametrize("size", [10, 2000])
def test_an_import_rewrites_the_table_a_fixed_number_of_times(tmp_path, monkeypatch, size):
    data = make_test_clinic(tmp_path / "clinic", clock=FakeClock(), user="counselor1")
    rewrites = []
    real = Table._update_table          # TinyDB's one table rewrite (read here, never replaced for good)

    def counted(self, updater):
        rewrites.append(self.name)
        return real(self, updater)

    monkeypatch.setattr(Table, "_update_table", counted)
    assert data.import_roster(clients(size)) == (size, 0)
    assert rewrites.count("clients") <= 2
    rewrites.clear()
    assert data.import_roster(clients(size, hours=12.0)) == (0, size)
    assert rewrites.count("clients") <= 2


def test_an_update_keeps_every_client_and_changes_only_what_the_file_says(tmp_path):
    data = make_test_clinic(tmp_path / "clinic", clock=FakeClock(), user="counselor1")
    before = {c.client_id for c in data.snapshot().clients.values()}
    data.import_roster(clients(3))
    assert data.import_roster([*clients(2, hours=12.0), *clients(5)[3:]]) == (2, 2)
    after = data.snapshot().clients
    assert set(after) == before | {f"L{i:05d}" for i in range(5)}
    assert [after[f"L{i:05d}"].required_hours for i in range(5)] == [12.0, 12.0, 9.0, 9.0, 9.0]
