"""Re-reading keeps each file's last parse: a changed file IS parsed again, an unchanged one
is not (benchmark figure 6). Whether a file was parsed again shows in object identity: a
kept parse hands back the very header object (and plan) it built the first time.

Every name and id here is invented.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.errors import InputError
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.plans import load_plan_file
from tests.store._support import bare_binding, clock, make_clinic, new_session

MONDAY, WEDNESDAY = "2026-11-23-1800-evening-a", "2026-11-25-1800-evening-a"
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


def scan_by_id(data: DataDir):
    scan = data.sessions_between(*WEEK)
    return {r.header.session_id: r for r in scan.records}, scan.problems


def week_with_two_sessions(tmp_path: Path):
    data = make_clinic(tmp_path / "clinic")
    for session_id in (MONDAY, WEDNESDAY):
        with data.change("attendance.mark", session_id):
            new_session(data.records_dir, session_id).put_attendance(AttendanceEntry("Z001", Status.PRESENT))
    return data


def test_a_changed_session_file_is_parsed_again_and_an_unchanged_one_is_not(tmp_path):
    data = week_with_two_sessions(tmp_path)
    first, _ = scan_by_id(data)

    # Another writer (its own DataDir, as another process would be) changes Monday only.
    other = DataDir(data.root, user=os_user(), clock=clock)
    with other.change("attendance.mark", MONDAY):
        other.session_file(MONDAY).put_attendance(AttendanceEntry("Z002", Status.LATE))
    second, problems = scan_by_id(data)

    assert problems == []
    assert second[MONDAY].header is not first[MONDAY].header          # parsed again
    assert {c: e.status for c, e in second[MONDAY].attendance.items()} == {
        "Z001": Status.PRESENT, "Z002": Status.LATE}
    assert second[WEDNESDAY].header is first[WEDNESDAY].header        # kept
    assert second[WEDNESDAY] == first[WEDNESDAY]


def test_a_rewrite_that_stat_cannot_see_is_still_read(tmp_path):
    """Same inode, same size, same modification time: only the bytes differ."""
    data = week_with_two_sessions(tmp_path)
    first, _ = scan_by_id(data)
    path = data.session_file(WEDNESDAY).path
    before = os.stat(path)
    raw = path.read_bytes()
    assert raw.count(b'"present"') == 1
    with open(path, "r+b") as f:                                      # in place: the inode stays
        f.write(raw.replace(b'"present"', b'"excused"'))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)

    second, _ = scan_by_id(data)
    assert first[WEDNESDAY].attendance["Z001"].status is Status.PRESENT
    assert second[WEDNESDAY].attendance["Z001"].status is Status.EXCUSED


def test_a_kept_file_that_is_damaged_later_is_named_not_served_from_memory(tmp_path):
    data = week_with_two_sessions(tmp_path)
    scan_by_id(data)
    path = data.session_file(MONDAY).path
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])                          # torn by a bad copy
    records, problems = scan_by_id(data)
    assert list(records) == [WEDNESDAY]
    assert [p.path for p in problems] == [path]

    path.write_bytes(good)                                            # restored from a backup
    records, problems = scan_by_id(data)
    assert sorted(records) == [MONDAY, WEDNESDAY] and problems == []


def test_a_client_removed_from_the_clinic_is_checked_again_on_a_kept_file(tmp_path):
    """The kept parse is of the file; whether the clinic still knows its clients is asked
    every time."""
    data = week_with_two_sessions(tmp_path)
    scan_by_id(data)
    with bare_binding(data.root):          # a client the clinic does not know: the strict reader would refuse
        data.session_file(WEDNESDAY).put_attendance(AttendanceEntry("Z404", Status.PRESENT))
    records, problems = scan_by_id(data)
    assert list(records) == [MONDAY]
    assert "Z404" in str(problems[0]) and problems[0].path == data.session_file(WEDNESDAY).path


def test_each_caller_gets_its_own_attendance(tmp_path):
    """A screen that edits the record it was given changes neither the file's kept parse
    nor what the next reader gets."""
    data = week_with_two_sessions(tmp_path)
    first, _ = scan_by_id(data)
    first[MONDAY].attendance["Z001"] = AttendanceEntry("Z001", Status.ABSENT)
    first[MONDAY].attendance.pop("Z001")
    second, _ = scan_by_id(data)
    assert second[MONDAY].attendance["Z001"].status is Status.PRESENT


PLAN = """\
title = "Invented evening"
kind = "iop-evening"

[[blocks]]
kind = "check-in"
title = "Check-in"
minutes = {minutes}
"""


def test_a_changed_plan_file_is_parsed_again_and_an_unchanged_one_is_not(tmp_path):
    path = tmp_path / "invented-evening.toml"
    path.write_text(PLAN.format(minutes=30), encoding="utf-8")
    first = load_plan_file(path)
    assert load_plan_file(path) is first                              # kept
    before = os.stat(path)
    path.write_text(PLAN.format(minutes=45), encoding="utf-8")        # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    second = load_plan_file(path)
    assert second is not first and second.blocks[0].minutes == 45
    path.write_text(PLAN.format(minutes="not a number"), encoding="utf-8")
    with pytest.raises(InputError, match="invented-evening.toml"):   # refused, not the kept plan
        load_plan_file(path)
