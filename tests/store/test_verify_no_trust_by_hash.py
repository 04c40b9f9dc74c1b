"""verify reads every session file strictly even when its bytes match their audit entry.

A write rewrites the whole file after reading it leniently (``DataFile.transaction``), so a
field planted by hand travels into a file the log then vouches for. Skipping the strict read of
files that match their entry (a tempting speed-up, tests/bench/README.md) would hide it.
"""

from __future__ import annotations

import json
from pathlib import Path

from facilitator.core.rules import Status
from facilitator.store.commit import file_sha256, last_bound_entry
from facilitator.store.maintenance import verify
from facilitator.store.running import start_session
from tests.store._support import make_clinic


def test_a_planted_field_is_still_named_after_the_app_rewrote_the_file(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    data = make_clinic(root)
    running = start_session(data, "Evening A")
    running.mark("Z001", Status.PRESENT)
    running.mark("Z002", Status.PRESENT)
    path = running.file.path
    doc = json.loads(path.read_bytes())
    planted = next(e for e in doc["attendance"].values() if e["client_id"] == "Z001")
    planted["arrived"] = "2026-11-23T18:10:00"            # no time zone
    path.write_bytes(json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())

    running.mark("Z002", Status.ABSENT)                     # the app rewrites the file and binds it

    rel = path.relative_to(root).as_posix()
    assert file_sha256(path) == last_bound_entry(root / "audit", rel)["sha256"]   # the log vouches for it
    problems = verify(data)
    assert any(str(path) in p and "field 'arrived' is a time without a time zone" in p for p in problems), problems
