"""Sync inherits the strict reader and the limits: a bad plan is never listed or copied,
a clinic.json the strict reader refuses is never written, a FIFO is never read.
Real files in a real clinic; names invented."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from facilitator.store.plans import syncable_plan_files
from facilitator.sync import files as store_sync
from tests.store._support import make_clinic

REPO = Path(__file__).resolve().parents[2]
GOOD_PLAN = (REPO / "sessions" / "er-external-triggers.toml").read_bytes()


@pytest.fixture
def clinic(tmp_path: Path):
    data = make_clinic(tmp_path / "clinic")
    (data.plans_dir / "good-plan.toml").write_bytes(GOOD_PLAN.replace(b'id = "er-external-triggers"',
                                                                      b'id = "good-plan"'))
    return data


BAD_PLANS = {
    "bomb.toml": (".".join(["a"] * 100_000) + " = 1\n").encode(),
    "deep.toml": ("x = " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "huge.toml": b"# " + b"x" * (300 * 1024) + b"\n",
    "broken.toml": b"title = \n",
}


def test_a_bad_plan_is_never_listed_for_sync(clinic) -> None:
    for name, raw in BAD_PLANS.items():
        (clinic.plans_dir / name).write_bytes(raw)
    os.mkfifo(clinic.plans_dir / "pipe.toml")
    (clinic.plans_dir / "link.toml").symlink_to(clinic.plans_dir / "good-plan.toml")
    assert [p.name for p in syncable_plan_files(clinic.plans_dir)] == ["good-plan.toml"]
    listed = store_sync.list_files(clinic.root, "a" * 16, None, [])
    assert [k for k in listed if k.startswith("plans/")] == ["plans/good-plan.toml"]


@pytest.mark.parametrize("name", sorted(BAD_PLANS))
def test_a_bad_plan_received_is_refused_and_not_written(clinic, name: str) -> None:
    with pytest.raises(store_sync.SyncRefused, match=f"plans/{name}"):
        store_sync.write_plain(clinic.root, f"plans/{name}", BAD_PLANS[name])
    assert not (clinic.plans_dir / name).exists()


def test_a_good_plan_received_is_written(clinic) -> None:
    raw = (clinic.plans_dir / "good-plan.toml").read_bytes()
    store_sync.write_plain(clinic.root, "plans/good-plan.toml", raw)
    assert (clinic.plans_dir / "good-plan.toml").read_bytes() == raw


@pytest.mark.parametrize("bad", ["Quinn\u202e", "Quinn\x1b[31m", "Quinn\nX"])
def test_a_clinic_file_with_a_hostile_name_is_refused(clinic, bad: str) -> None:
    from facilitator.store.files import DamagedFile
    path = clinic.root / "clinic.json"
    before = path.read_bytes()
    data = json.loads(before)
    doc = next(iter(data["clients"].values()))
    doc["first_name"] = bad
    with pytest.raises(DamagedFile) as caught:
        store_sync.write_plain(clinic.root, "clinic.json", json.dumps(data).encode())
    assert "first_name" in str(caught.value) and "Quinn" not in str(caught.value)
    assert path.read_bytes() == before


def test_a_fifo_is_never_read_for_sync(clinic) -> None:
    fifo = clinic.records_dir / "2026" / "11" / "2026-11-23-1800-evening-a.json"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    assert store_sync.read_for_sync(fifo) is None                 # returns at once
    rel = "records/2026/11/2026-11-23-1800-evening-a.json"
    assert store_sync.list_files(clinic.root, "a" * 16, None, [rel])[rel] == "damaged"


def test_fifos_in_place_of_syncs_own_files_never_hang(clinic) -> None:
    os.mkfifo(clinic.root / "sync.json")
    os.mkfifo(clinic.audit.directory / "2000-01.jsonl")
    assert store_sync.load_state(clinic.root) == {}
    assert "2000-01.jsonl" not in store_sync.audit_listing(clinic.audit.directory)
    assert store_sync.pending_pushes(clinic.root) >= 0
