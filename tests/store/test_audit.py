"""The hash-chained audit log: any edit, deletion or reordering is named by file and line;
the chain runs across month files; entries hold no names or note text."""

from __future__ import annotations

import errno
import json
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from facilitator.core.imports import AttendanceRow
from facilitator.core.rules import Status
from facilitator.store import audit as audit_module
from facilitator.store.audit import GENESIS, AuditLog
from tests.store._support import CHICAGO, make_clinic

START = datetime(2026, 10, 30, 9, 0, tzinfo=CHICAGO)


def fill(log: AuditLog, count: int, *, start: datetime = START, step: timedelta = timedelta(hours=1)) -> None:
    for n in range(count):
        log.append(at=start + n * step, user="counselor1", action="test.entry", record=f"rec-{n}",
                   detail={"n": n})


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path / "audit")
    fill(log, 6)
    return log


def test_chain_verifies(log: AuditLog) -> None:
    assert log.verify() == []
    entries = [e for _, _, e in log.entries()]
    assert [e["seq"] for e in entries] == list(range(1, 7))
    assert entries[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))


@pytest.mark.parametrize("field,value", [("user", "someone-else"), ("action", "test.other"),
                                         ("detail", {"n": 99}), ("at", "2026-10-30T10:00:00-05:00")])
def test_edited_field_is_named(log: AuditLog, field: str, value: object) -> None:
    path = log._files()[0]
    content = lines(path)
    entry = json.loads(content[2])
    entry[field] = value
    content[2] = (json.dumps(entry, sort_keys=True) + "\n").encode()
    path.write_bytes(b"".join(content))
    breaks = log.verify()
    assert breaks and (breaks[0].file, breaks[0].line) == (path, 3)
    assert "altered" in breaks[0].problem
    assert f"{path}, line 3" in str(breaks[0])


def test_edited_entry_with_its_hash_recomputed_breaks_the_next_line(log: AuditLog) -> None:
    path = log._files()[0]
    content = lines(path)
    entry = json.loads(content[2])
    entry["user"] = "someone-else"
    entry["hash"] = audit_module.entry_hash(entry)
    content[2] = (json.dumps(entry, sort_keys=True) + "\n").encode()
    path.write_bytes(b"".join(content))
    breaks = log.verify()
    assert [(b.file, b.line) for b in breaks] == [(path, 4)]
    assert "chain is broken" in breaks[0].problem


def test_deleted_line_is_named(log: AuditLog) -> None:
    path = log._files()[0]
    content = lines(path)
    del content[3]
    path.write_bytes(b"".join(content))
    breaks = log.verify()
    assert {(b.file, b.line) for b in breaks} == {(path, 4)}   # the line that now follows the gap
    assert any("chain is broken" in b.problem for b in breaks)


def test_reordered_lines_are_named(log: AuditLog) -> None:
    path = log._files()[0]
    content = lines(path)
    content[1], content[2] = content[2], content[1]
    path.write_bytes(b"".join(content))
    breaks = log.verify()
    assert {b.line for b in breaks} >= {2, 3} and all(b.file == path for b in breaks)


def test_garbled_line_is_named(log: AuditLog) -> None:
    path = log._files()[0]
    content = lines(path)
    content[4] = b"{not json\n"
    path.write_bytes(b"".join(content))
    assert (path, 5, "the line is not a valid entry") in [(b.file, b.line, b.problem) for b in log.verify()]


def test_chain_continues_across_month_files(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    fill(log, 8, start=datetime(2026, 10, 31, 20, 0, tzinfo=CHICAGO))   # 20:00 Oct 31 .. 03:00 Nov 1
    files = log._files()
    assert [f.name for f in files] == ["2026-10.jsonl", "2026-11.jsonl"]
    first_of_november = json.loads(lines(files[1])[0])
    last_of_october = json.loads(lines(files[0])[-1])
    assert first_of_november["prev"] == last_of_october["hash"]
    assert first_of_november["seq"] == last_of_october["seq"] + 1
    assert log.verify() == []
    files[0].unlink()                                        # losing a whole month is a break too
    breaks = log.verify()
    assert breaks and (breaks[0].file, breaks[0].line) == (files[1], 1)


def test_a_clock_set_back_a_month_does_not_fork_the_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    fill(log, 2, start=datetime(2026, 11, 1, 0, 30, tzinfo=CHICAGO))
    fill(log, 2, start=datetime(2026, 10, 31, 23, 30, tzinfo=CHICAGO))   # clock went back past midnight
    assert [f.name for f in log._files()] == ["2026-11.jsonl"]
    assert log.verify() == []


def test_torn_last_line_is_reported_then_cut_by_the_next_append(log: AuditLog) -> None:
    path = log._files()[-1]
    whole = path.read_bytes()
    extra = json.dumps({"seq": 7, "user": "counselor1", "action": "test.torn"}).encode()
    path.write_bytes(whole + extra[:25])                     # as a write killed half-way would leave it
    breaks = log.verify()
    assert [(b.file, b.line) for b in breaks] == [(path, 7)]
    fill(log, 1, start=START + timedelta(days=1))
    assert log.verify() == []
    assert path.read_bytes().startswith(whole) and len(lines(path)) == 7


def test_short_write_on_a_full_disk_leaves_no_torn_line(log: AuditLog, monkeypatch) -> None:
    path = log._files()[-1]
    before = path.read_bytes()
    real_write = os.write
    monkeypatch.setattr(audit_module.os, "write", lambda fd, data: real_write(fd, data[:30]))
    with pytest.raises(OSError) as raised:
        fill(log, 1, start=START + timedelta(days=1))
    monkeypatch.undo()
    assert raised.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    fill(log, 1, start=START + timedelta(days=1))
    assert log.verify() == []


def test_audit_entries_hold_no_client_names_or_note_text(tmp_path: Path) -> None:
    data = make_clinic(tmp_path / "clinic")                  # clients Quinn Inventedname, Rowan Madeupson
    rows = [AttendanceRow(line=2, day=date(2026, 11, 23), group="Evening A", client_id="Z001",
                          status=Status.PRESENT, arrived=time(18, 5), left=None),
            AttendanceRow(line=3, day=date(2026, 11, 25), group="Evening A", client_id="Z002",
                          status=Status.LATE, arrived=time(18, 30), left=None)]
    data.import_attendance(rows)
    from facilitator.store.running import start_session
    session = start_session(data, "Evening A")               # today's meeting, 2026-11-23 18:00
    session.mark("Z002", Status.PRESENT)
    session.mark("Z001", Status.PRESENT)
    session.set_participation("Z001", ("shared",), "Quinn talked about a private matter.")
    assert "private matter" in session.record().attendance["Z001"].text
    raw = b"".join(p.read_bytes() for p in sorted((data.root / "audit").glob("*.jsonl")))
    for secret in (b"Quinn", b"Inventedname", b"Rowan", b"Madeupson", b"private matter"):
        assert secret not in raw
    actions = [e["action"] for _, _, e in data.audit.entries()]
    assert actions.count("attendance.import") == 2 and "participation.save" in actions
    assert data.audit.verify() == []


def test_an_append_after_a_long_damaged_tail_still_continues_the_chain(log: AuditLog) -> None:
    """The last entry is looked for in the file's last 4 KB, then its last 64 KB: 5 KB of a
    line that is not an entry after it (named by verify) does not make the next append start over."""
    path = log._files()[-1]
    last = json.loads(lines(path)[-1])
    with open(path, "ab") as handle:
        handle.write(b'{"planted": "' + b"x" * 5000 + b'"}\n')
    entry = log.append(at=START + timedelta(days=1), user="counselor1", action="test.entry", record="rec-x")
    assert (entry["seq"], entry["prev"]) == (last["seq"] + 1, last["hash"])
    assert {b.line for b in log.verify()} == {7, 8}      # the planted line, and the link past it
