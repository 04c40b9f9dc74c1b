"""The tamper suite: each edit a security review made to a copy of a clinic, and what
`facilitator verify` says about it (issue 12). Each case runs on its own copy; the
untouched clinic verifies clean.

The clinic: the invented demo (six weeks of sessions, written 25 Nov 2026), a supervisor,
an individual-hours entry, then in December another hours entry, refused actions
(``denied``) and weekly reports: a second audit month, and a tail of lines that bind no file.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.errors import PermissionDenied
from facilitator.core.hours import OtherHours
from facilitator.demo import ensure_demo_clinic
from facilitator.store import otherhours
from facilitator.store.audit import GENESIS, Head, entry_hash, record_witness
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.staff import add_staff
from tests.cli.conftest import record_files, run_cli

TZ = ZoneInfo("America/Chicago")
NOVEMBER = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)
DECEMBER = datetime(2026, 12, 2, 12, 0, tzinfo=TZ)
DENIED = 20
REPORTS = 14


def _at(when: datetime):
    return lambda: when


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tamper") / "clinic"
    user = os_user()
    ensure_demo_clinic(root, user=user, display_name="Invented Admin", today=NOVEMBER.date(),
                       clock=_at(NOVEMBER))
    admin = DataDir.open(root, user=user, clock=_at(NOVEMBER))
    add_staff(admin, "supervisor1", "Sam Supervisor", "supervisor")
    client = _client_in(root)
    otherhours.log(admin, OtherHours(client, date(2026, 11, 20), 50, "individual"))
    december = DataDir.open(root, user=user, clock=_at(DECEMBER))
    otherhours.log(december, OtherHours(client, date(2026, 11, 24), 45, "family"))
    supervisor = DataDir.open(root, user="supervisor1", clock=_at(DECEMBER))
    for _ in range(DENIED):
        with pytest.raises(PermissionDenied):
            supervisor.require("attendance.change")
    for _ in range(REPORTS):
        december.record_audit("report.week", "week:2026-W48", {"clients": 3})
    return root


def _client_in(root: Path) -> str:
    doc = json.loads(record_files(root)[0].read_text())
    return next(iter(doc["attendance"].values()))["client_id"]


@pytest.fixture
def clinic(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "copy"))


def verify(capsys, root: Path, *extra: str):
    return run_cli(capsys, "verify", "--data", root, *extra)


def found(capsys, root: Path, *extra: str) -> str:
    """verify's findings, asserting it failed (exit 1) with one summary line on stderr."""
    result = verify(capsys, root, *extra)
    assert result.code == 1, result.out + result.err
    assert "problem(s)" in result.one_line_error()
    return result.out


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_bytes())
    change(doc)
    path.write_bytes(json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())


def audit_lines(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, line) for p in sorted((root / "audit").glob("*.jsonl")) for line in p.read_bytes().splitlines()]


def write_audit(root: Path, lines: list[tuple[Path, bytes]]) -> None:
    for path in (root / "audit").glob("*.jsonl"):
        path.write_bytes(b"")
    for path, line in lines:
        with open(path, "ab") as handle:
            handle.write(line + b"\n")


def rechain(lines: list[tuple[Path, bytes]]) -> list[tuple[Path, bytes]]:
    """What a forger does after dropping lines: renumber and rehash the rest consistently."""
    out, prev = [], GENESIS
    for seq, (path, line) in enumerate(lines, start=1):
        entry = json.loads(line)
        entry.update(seq=seq, prev=prev)
        entry["hash"] = prev = entry_hash(entry)
        out.append((path, json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()))
    return out


def head_now(capsys, root: Path) -> str:
    result = run_cli(capsys, "audit", "head", "--data", root)
    assert result.code == 0, result.err
    return result.out.strip()


def test_the_untouched_clinic_verifies_clean_and_its_head_is_short(capsys, clinic: Path) -> None:
    result = verify(capsys, clinic)
    assert result.code == 0, result.out
    head = head_now(capsys, clinic)
    assert head.startswith("2026-12 #") and len(head) <= 30
    assert verify(capsys, clinic, "--head", head).code == 0
    assert head_now(capsys, clinic) == head          # printing the head does not move it


@pytest.mark.parametrize("field, value", [("status", "absent"), ("arrived", "2026-11-02T18:40:00-06:00")])
def test_attendance_edited_in_a_record(capsys, clinic: Path, field: str, value: str) -> None:
    record = record_files(clinic)[3]

    def change(doc):
        entry = next(iter(doc["attendance"].values()))
        entry[field] = value if entry.get(field) != value else "late"
    edit_json(record, change)
    out = found(capsys, clinic)
    assert f"{record} is not what the audit log last recorded for it" in out
    assert "demo.session" in out and "changed outside facilitator" in out


def test_a_record_deleted(capsys, clinic: Path) -> None:
    record = record_files(clinic)[5]
    record.unlink()
    assert f"{record} is missing: the audit log says it exists" in found(capsys, clinic)


def test_an_older_copy_of_a_record_put_back(capsys, clinic: Path) -> None:
    from facilitator.core.rules import Status
    from facilitator.store.running import RunningSession
    record = record_files(clinic)[-1]
    old = record.read_bytes()
    data = DataDir.open(clinic, user=os_user(), clock=_at(DECEMBER))
    running = RunningSession(data, data.session_file(record.stem))
    running.mark(next(iter(running.record().attendance)), Status.EXCUSED)
    assert verify(capsys, clinic).code == 0
    record.write_bytes(old)
    out = found(capsys, clinic)
    assert f"{record} is an older version of itself: it matches entry #" in out
    assert "attendance.mark" in out and "an old copy was put back" in out


def test_minutes_edited_in_an_hours_entry(capsys, clinic: Path) -> None:
    hours = clinic / "hours" / "2026-11.json"
    edit_json(hours, lambda doc: doc["entries"]["1"].update(minutes=500))
    out = found(capsys, clinic)
    assert f"{hours} is not what the audit log last recorded for it" in out and "hours.add" in out


def test_the_hours_file_deleted(capsys, clinic: Path) -> None:
    hours = clinic / "hours" / "2026-11.json"
    hours.unlink()
    assert f"{hours} is missing: the audit log says it exists" in found(capsys, clinic)


def test_the_newest_audit_month_deleted(capsys, clinic: Path) -> None:
    (clinic / "audit" / "2026-12.jsonl").unlink()
    # December's hours entry is no longer accounted for.
    out = found(capsys, clinic)
    assert f"{clinic / 'hours' / '2026-11.json'} is not what the audit log last recorded" in out


def test_every_audit_file_deleted(capsys, clinic: Path) -> None:
    for path in (clinic / "audit").glob("*.jsonl"):
        path.unlink()
    out = found(capsys, clinic)
    assert "records no file's content" in out and "data file(s) are unaccounted for" in out


@pytest.mark.parametrize("dropped", [1, 5])
def test_the_last_audit_lines_removed_after_a_data_write(capsys, clinic: Path, dropped: int) -> None:
    # The newest lines record data writes: the files no longer match the shortened log.
    data = DataDir.open(clinic, user=os_user(), clock=_at(DECEMBER))
    client = _client_in(clinic)
    for minutes in range(30, 30 + dropped):
        otherhours.log(data, OtherHours(client, date(2026, 12, 1), minutes, "individual"))
    lines = audit_lines(clinic)
    write_audit(clinic, lines[:-dropped])
    out = found(capsys, clinic)
    assert f"{clinic / 'hours' / '2026-12.json'}" in out


@pytest.mark.parametrize("dropped", [1, 5])
def test_the_last_audit_lines_removed_are_caught_against_a_written_down_head(
        capsys, clinic: Path, dropped: int) -> None:
    head = head_now(capsys, clinic)                  # the newest lines are reports: no file binds them
    write_audit(clinic, audit_lines(clinic)[:-dropped])
    assert verify(capsys, clinic).code == 0          # without a witness, a cut tail of reads is invisible
    out = found(capsys, clinic, "--head", head)
    assert f"no longer extends the witnessed head {head}" in out and "cut short or rewritten" in out


def test_the_chain_rewritten_consistently_without_34_lines(capsys, clinic: Path) -> None:
    head = head_now(capsys, clinic)
    lines = audit_lines(clinic)
    denied = [i for i, (_, line) in enumerate(lines) if b'"action": "denied"' in line]
    reports = [i for i, (_, line) in enumerate(lines) if b'"action": "report.week"' in line]
    drop = set(denied) | set(reports)
    assert len(denied) == DENIED and len(drop) == 34
    write_audit(clinic, rechain([x for i, x in enumerate(lines) if i not in drop]))
    assert verify(capsys, clinic).code == 0          # consistent: only a witness can tell
    out = found(capsys, clinic, "--head", head)
    assert "no longer holds entry" in out or "is now a different entry" in out

    # A head kept in the clinic (as a laptop's sync leaves it) catches it with no argument.
    seq = int(head.split("#")[1].split()[0])
    record_witness(clinic, "self", Head.parse(head), by="laptop 0123456789abcdef", at=DECEMBER)
    out = found(capsys, clinic)
    assert f"#{seq}" in out and "witnessed by laptop 0123456789abcdef" in out


def test_a_staff_role_edited_in_clinic_json(capsys, clinic: Path) -> None:
    def promote(doc):
        for member in doc["staff"].values():
            if member["user"] == "supervisor1":
                member["role"] = "admin"
    edit_json(clinic / "clinic.json", promote)
    out = found(capsys, clinic)
    assert f"{clinic / 'clinic.json'} is not what the audit log last recorded for it" in out
    assert "staff.add" in out


def forge_copy(record: Path) -> Path:
    """A copy of ``record`` under a new session id of the same day, well-formed (so the strict
    reader takes it) but never written by facilitator: only the audit replay can tell."""
    forged = record.with_name(record.name[:11] + "2359-forged.json")
    shutil.copy(record, forged)
    edit_json(forged, lambda doc: next(iter(doc["header"].values())).update(session_id=forged.stem))
    return forged


def test_a_record_put_in_by_hand(capsys, clinic: Path) -> None:
    record = record_files(clinic)[0]
    forged = forge_copy(record)
    assert f"{forged} has no audit entry" in found(capsys, clinic)


def test_a_clinic_from_before_content_binding_is_baselined_once(capsys, clinic: Path) -> None:
    legacy = []
    for path, line in audit_lines(clinic):                 # the log as an older facilitator wrote it
        entry = json.loads(line)
        entry.pop("file", None), entry.pop("sha256", None)
        legacy.append((path, json.dumps(entry, sort_keys=True).encode()))
    write_audit(clinic, rechain(legacy))
    assert "records no file's content" in found(capsys, clinic)
    result = run_cli(capsys, "audit", "baseline", "--data", clinic)
    assert result.code == 0, result.err
    files = (1 + len(record_files(clinic)) + len(list((clinic / "hours").glob("*.json")))
             + len(list((clinic / "recovery").glob("*.json"))))
    assert f"current state of {files} data file(s)" in result.out
    assert verify(capsys, clinic).code == 0
    again = run_cli(capsys, "audit", "baseline", "--data", clinic)
    assert again.code == 2 and "every data file already has an audit entry" in again.one_line_error()


def test_baseline_vouches_only_for_files_never_bound_and_says_who(capsys, clinic: Path) -> None:
    record = record_files(clinic)[0]
    forged = forge_copy(record)
    edit_json(record, lambda doc: next(iter(doc["attendance"].values())).update(status="absent"))
    result = run_cli(capsys, "audit", "baseline", "--data", clinic)
    assert result.code == 0 and "current state of 1 data file(s)" in result.out
    out = found(capsys, clinic)                      # the edited record is still a finding
    assert f"{record} is not what the audit log last recorded" in out and str(forged) not in out
    last = json.loads(audit_lines(clinic)[-1][1])
    rel = forged.relative_to(clinic).as_posix()
    assert (last["action"], last["record"], last["file"], last["user"]) == ("baseline", rel, rel, os_user())


# -- each audit line's shape, checked in the chain's own pass (verify parses the log once) --------

def _reshaped(lines: list[tuple[Path, bytes]], index: int, change) -> list[tuple[Path, bytes]]:
    entry = json.loads(lines[index][1])
    change(entry)
    lines = list(lines)
    lines[index] = (lines[index][0], json.dumps(entry, sort_keys=True, ensure_ascii=False).encode())
    return rechain(lines)


@pytest.mark.parametrize("change, said", [
    (lambda e: e.update(at="2026-11-25T12:00:00"), "field 'at' is a time without a time zone"),
    (lambda e: e.update(user=7), "field 'user' is missing or not str"),
    (lambda e: e.update(detail=["x"]), "field 'detail' is missing or not dict"),
    (lambda e: e.update(detail={"x": "y" * (70 * 1024)}), "the line is longer than any audit entry is"),
])
def test_an_audit_line_of_the_wrong_shape_is_named_even_when_the_chain_holds(
        capsys, clinic: Path, change, said: str) -> None:
    lines = audit_lines(clinic)
    index = len(lines) // 2
    write_audit(clinic, _reshaped(lines, index, change))
    out = found(capsys, clinic)
    path = lines[index][0]
    number = sum(1 for p, _ in lines[:index + 1] if p == path)
    assert f"{path}, line {number}: {said}" in out, out
    assert "was altered" not in out and "chain is broken" not in out, out


def test_a_pushed_device_chain_and_a_stray_month_file_are_shape_checked_too(capsys, clinic: Path) -> None:
    entry = {"seq": 1, "at": "2026-11-25T12:00:00", "user": "laptop", "action": "x", "record": "r",
             "detail": {}, "prev": GENESIS}
    entry["hash"] = entry_hash(entry)
    line = json.dumps(entry, sort_keys=True).encode() + b"\n"
    device = clinic / "audit" / "devices" / "laptop1" / "2026-11.jsonl"
    stray = clinic / "audit" / "elsewhere" / "2026-11.jsonl"
    for path in (device, stray):
        path.parent.mkdir(parents=True)
        path.write_bytes(line)
    out = found(capsys, clinic)
    for path in (device, stray):
        assert f"{path}, line 1: field 'at' is a time without a time zone" in out, out
