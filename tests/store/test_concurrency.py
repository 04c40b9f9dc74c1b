"""Real processes writing at once: nothing lost, ids unique, every file valid.

TinyDB alone loses writes and corrupts the file within milliseconds here; every
read-modify-write in the store holds the file's lock and reloads inside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facilitator.store.records import session_files
from facilitator.store.storage import META, DataFile, read_file
from tests.store._support import ITEMS, bare_binding, new_session, run_workers

# any_hour: a loop over one write path with injected clocks (tests/store/_support.clock); see tests/conftest.py
pytestmark = [pytest.mark.slow, pytest.mark.any_hour]

PROCS, WRITES = 4, 250


def switches(owners: list[int]) -> int:
    """How often consecutive writes (in doc-id order) came from different processes."""
    return sum(1 for a, b in zip(owners, owners[1:], strict=False) if a != b)


def test_four_processes_one_session_file(tmp_path: Path) -> None:
    file = new_session(tmp_path / "records", "2026-11-23-1800-evening-a")
    run_workers([("attendance", file.path, p, WRITES) for p in range(PROCS)])

    data = read_file(file.path, "session")                 # the file is valid JSON with its header
    docs = data["attendance"]
    expected = {f"P{p}-{i}" for p in range(PROCS) for i in range(WRITES)}
    assert sorted(d["client_id"] for d in docs.values()) == sorted(expected)   # all 1000, none twice
    assert len(docs) == PROCS * WRITES                     # doc ids (the keys) are unique
    assert set(file.read().attendance) == expected
    assert file.generation() == PROCS * WRITES + 1         # one per write, plus the create
    owners = [int(docs[k]["client_id"][1]) for k in sorted(docs, key=int)]
    assert switches(owners) >= PROCS - 1, "the writers never interleaved; the test proved nothing"
    assert not list(file.path.parent.glob(".*.tmp"))


def test_four_processes_different_session_files(tmp_path: Path) -> None:
    records = tmp_path / "records"
    run_workers([("sessions", records, p, WRITES) for p in range(PROCS)])

    from datetime import date
    files = session_files(records, date(2026, 1, 1), date(2026, 12, 31))
    assert len(files) == PROCS * 25
    seen = set()
    for file in files:
        record = file.read()                                  # each one valid
        seen |= set(record.attendance)
        assert file.generation() == WRITES // 25 + 1          # 10 writes + the create
    assert seen == {f"P{p}-{i}" for p in range(PROCS) for i in range(WRITES)}
    assert not list(records.rglob(".*.tmp"))


def test_ids_allocated_inside_the_lock_never_collide(tmp_path: Path) -> None:
    """The id trap: each TinyDB caches its next id; two writers must still get distinct ids."""
    file = DataFile(tmp_path / ITEMS, "test")
    with bare_binding(tmp_path), file.transaction(create=True) as db:
        db.table("items").insert({"proc": -1, "i": -1})
    outputs = run_workers([("insert", file.path, p, 150) for p in range(2)])

    returned = [list(map(int, out.split())) for out in outputs]
    all_ids = returned[0] + returned[1]
    assert len(set(all_ids)) == 300 and 1 not in all_ids     # no id handed out twice
    items = file.tables()["items"]
    assert len(items) == 301
    by_id = {doc["_id"]: (doc["proc"], doc["i"]) for doc in items}
    for proc, ids in enumerate(returned):                   # each id holds that process's own doc
        assert [by_id[i] for i in ids] == [(proc, i) for i in range(150)]
    assert file.generation() == 301
    owners = [by_id[i][0] for i in sorted(by_id) if i != 1]
    assert switches(owners) >= 1, "the writers never interleaved; the test proved nothing"
    raw = json.loads(file.path.read_bytes())
    assert set(raw) == {META, "items"}
