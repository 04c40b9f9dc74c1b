"""The ``clinic`` fixture copies a template built once per worker (#23); a copy must be what
``make_test_clinic`` builds, byte for byte and mode for mode, and each test's copy its own."""

from __future__ import annotations

import stat
from pathlib import Path

from facilitator.core.rules import Status
from facilitator.store.running import start_session
from tests.conftest import FAKE_NOW, FakeClock, copy_test_clinic, make_test_clinic


def tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under ``root``: its mode and, for a file, its bytes."""
    return {str(p.relative_to(root)): (stat.S_IMODE(p.lstat().st_mode), p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def test_a_copy_of_the_template_is_a_fresh_build(clinic, clinic_template: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    make_test_clinic(fresh, clock=FakeClock())
    assert tree(clinic.root) == tree(fresh) == tree(clinic_template)
    assert clinic.root == tmp_path / "clinic"
    assert sorted(clinic.snapshot().clients) == ["T001", "T002", "T003", "T004", "T005"]
    assert clinic.me().user == "counselor1"


def test_a_write_in_a_copy_reaches_neither_the_template_nor_another_copy(clinic, clinic_template: Path,
                                                                         tmp_path: Path) -> None:
    before = tree(clinic_template)
    running = start_session(clinic, "Evening IOP")
    running.mark("T001", Status.PRESENT)
    assert tree(clinic.root) != before
    assert tree(clinic_template) == before
    assert not list((clinic_template / "records").rglob("*.json"))
    again = tmp_path / "again"
    other = copy_test_clinic(clinic_template, again, FakeClock())
    assert tree(other.root) == before


def test_a_test_that_moved_the_clock_first_gets_a_clinic_built_at_its_time(tmp_path: Path, request) -> None:
    moved = FakeClock(FAKE_NOW.replace(day=24))
    request.getfixturevalue("fake_clock").set(moved.now)
    made = request.getfixturevalue("clinic")
    entries = (made.root / "audit" / "2026-11.jsonl").read_text(encoding="utf-8")
    assert "2026-11-24T17:55" in entries and "2026-11-23T17:55" not in entries
