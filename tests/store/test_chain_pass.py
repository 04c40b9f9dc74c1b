"""verify's one-loop chain pass (``store.chain``) finds exactly what the reference pass finds.

The reference is ``AuditLog.verify`` with ``checks.AuditShapes`` and ``integrity.Replay``; the
fast pass runs in one process, split over a forked child, or (the case where every month file
is spliced to the one before it) one run per month file. Each damaged log below is checked all
four ways: the same breaks, in the same order, the same shape problems and the same last
binding of every file. Entries invented.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from facilitator.store.audit import AuditLog, entry_hash
from facilitator.store.chain import ChainPass, _splice, check_chain, check_run
from facilitator.store.checks import AuditShapes
from facilitator.store.integrity import Replay
from tests.store._support import CHICAGO

START = datetime(2026, 8, 20, 9, 0, tzinfo=CHICAGO)


def make_log(root: Path) -> AuditLog:
    """Five month files of entries, every third one binding a file."""
    log = AuditLog(root / "audit")
    for n in range(40):
        bound = {"file": f"records/2026/0{8 + n // 12}/s{n % 5}.json", "sha256": f"{n:064x}"} if n % 3 == 0 else {}
        log.append(at=START + timedelta(days=3 * n), user="counselor1", action="test.entry",
                   record=f"rec-{n}", detail={"n": n}, **bound)
    assert len(log._files()) == 5
    return log


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _put(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def _rehash(line: bytes, **changes) -> bytes:
    entry = json.loads(line)
    entry.update(changes)
    entry["hash"] = entry_hash(entry)
    return (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode()


def edit_field(files):
    lines = _lines(files[1])
    lines[2] = lines[2].replace(b'"rec-', b'"REC-')
    _put(files[1], lines)


def drop_line(files):
    lines = _lines(files[2])
    del lines[4]
    _put(files[2], lines)


def drop_first_line_of_a_month(files):
    lines = _lines(files[2])
    del lines[0]
    _put(files[2], lines)


def swap_lines(files):
    lines = _lines(files[0])
    lines[1], lines[2] = lines[2], lines[1]
    _put(files[0], lines)


def not_json(files):
    lines = _lines(files[3])
    lines.insert(1, b"{not json\n")
    _put(files[3], lines)


def not_json_opening_a_month(files):
    lines = _lines(files[1])
    lines.insert(0, b"[1, 2]\n")
    _put(files[1], lines)


def naive_time_rehashed(files):
    lines = _lines(files[1])
    lines[3] = _rehash(lines[3], at="2026-09-20T09:00:00")
    _put(files[1], lines)


def text_seq_opening_a_month(files):
    lines = _lines(files[2])
    lines[0] = _rehash(lines[0], seq="x")
    _put(files[2], lines)


def too_long(files):
    lines = _lines(files[1])
    lines[5] = _rehash(lines[5], detail={"pad": "x" * 70_000})
    _put(files[1], lines)


def blank_lines_and_extra_field(files):
    lines = _lines(files[1])
    lines.insert(3, b"\n")
    lines[5] = _rehash(lines[5], extra=[1])
    _put(files[1], lines)


def month_deleted(files):
    files[1].unlink()


def unsorted_keys_rehashed(files):
    """A line whose keys are not in canonical order, hashed over its unsorted compact dump."""
    import hashlib
    lines = _lines(files[2])
    entry = json.loads(lines[1])
    body = {k: entry[k] for k in reversed(sorted(entry)) if k != "hash"}
    body["hash"] = hashlib.sha256(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    lines[1] = (json.dumps(body, ensure_ascii=False) + "\n").encode()
    _put(files[2], lines)


DAMAGE = [None, edit_field, drop_line, drop_first_line_of_a_month, swap_lines, not_json,
          not_json_opening_a_month, naive_time_rehashed, text_seq_opening_a_month, too_long,
          blank_lines_and_extra_field, month_deleted, unsorted_keys_rehashed]


def _per_month(paths: list[Path]) -> ChainPass:
    """Every month file its own run, spliced in order (as verify's parent process does)."""
    whole = check_run(paths[:1])
    for path in paths[1:]:
        spliced = _splice(whole, check_run([path], None, None))
        if spliced is None:
            return check_run(paths)       # as ChainCheck.result falls back
        whole = spliced
    return whole


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__ if d else "intact")
def test_the_fast_pass_finds_what_the_reference_finds(tmp_path: Path, damage) -> None:
    log = make_log(tmp_path)
    if damage is not None:
        damage(log._files())
    replay, shapes = Replay(), AuditShapes()
    breaks = log.verify(visit=replay.visit, inspect=shapes)
    if damage is not None:
        assert breaks or shapes.problems, "the damage must be seen at all"
    paths = log._files()
    for run in (check_run(paths), check_chain(paths, parallel=True), _per_month(paths)):
        assert run.breaks == breaks
        assert run.shape_problems == shapes.problems
        assert set(run.seen) == shapes.seen
        assert run.last == replay.last and run.bound_any == replay.bound_any


def test_verify_says_the_same_whether_or_not_a_child_checks_part_of_the_chain(tmp_path: Path) -> None:
    from facilitator.core.rules import Status
    from facilitator.store.maintenance import verify
    from facilitator.store.running import start_session
    from tests.store._support import make_clinic
    data = make_clinic(tmp_path / "clinic")
    running = start_session(data, "Evening A")
    running.mark("Z001", Status.PRESENT)
    fill = AuditLog(data.audit.directory)
    for n in range(30):                    # more month files (a clock set forward, then kept)
        fill.append(at=START + timedelta(days=120 + 10 * n), user=data.user, action="test.entry",
                    record=f"rec-{n}")
    path = running.file.path
    path.write_bytes(path.read_bytes().replace(b'"present"', b'"absent"'))
    month = data.audit._files()[-3]
    _put(month, _lines(month)[1:])
    quiet = verify(data, parallel=False)
    assert any(str(path) in p for p in quiet) and any(str(month) in p for p in quiet), quiet
    assert verify(data, parallel=True) == quiet
