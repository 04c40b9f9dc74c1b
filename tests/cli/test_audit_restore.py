"""`facilitator audit` (an accounting of disclosures), `facilitator restore`, `facilitator pin reset`.

The acting user is the OS account, the clinics' admin (see tests/cli/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.cli import output
from facilitator.store.identity import os_user
from tests.cli.conftest import ATTENDANCE_HEADER, TZ, csv_body, open_data, run_cli, tree_bytes, write

SESSION_Q001 = "2026-11-02-1800-evening-a"   # Q001 and Q002 attended
SESSION_Q002_ONLY = "2026-11-03-1000-morning-b"


@pytest.fixture
def busy_clinic(rostered_clinic: Path, tmp_path: Path, capsys) -> Path:
    """Rostered clinic with two imported sessions, a billing export, a weekly report, hours."""
    path = write(tmp_path / "att.csv", "\n".join([
        ATTENDANCE_HEADER,
        "2026-11-02,Evening A,Q001,present,,",
        "2026-11-02,Evening A,Q002,present,,",
        "2026-11-03,Morning B,Q002,present,,"]) + "\n")
    for argv in (("attendance", "import", path),
                 ("export", "billing", "--from", "2026-11-03", "--to", "2026-11-03"),
                 ("export", "billing", "--from", "2026-11-01", "--to", "2026-11-07"),
                 ("report", "week", "--week", "2026-W40"),   # before anyone's admission
                 ("report", "week", "--week", "2026-W45"),
                 ("hours", "add", "Q001", "--date", "2026-11-05", "--minutes", "50", "--kind", "individual"),
                 ("hours", "add", "Q002", "--date", "2026-11-05", "--minutes", "30", "--kind", "family")):
        result = run_cli(capsys, *argv, "--data", rostered_clinic)
        assert result.code == 0, (argv, result.err)
    return rostered_clinic


def audit_lines(root: Path) -> list[dict]:
    return [json.loads(line) for p in sorted((root / "audit").glob("*.jsonl"))
            for line in p.read_text().splitlines() if line.strip()]


def audit_json(capsys, root: Path, *args: str) -> list[dict]:
    result = run_cli(capsys, "audit", "--format", "json", *args, "--data", root)
    assert result.code == 0, result.err
    return json.loads(result.out)["entries"]


# -- audit ------------------------------------------------------------------------------------
def test_audit_lists_every_entry_and_is_itself_audited(busy_clinic: Path, capsys) -> None:
    before = audit_lines(busy_clinic)
    entries = audit_json(capsys, busy_clinic)
    assert [e["seq"] for e in entries] == [e["seq"] for e in before]
    after = audit_lines(busy_clinic)
    assert len(after) == len(before) + 1
    assert after[-1]["action"] == "audit.read" and after[-1]["user"] == os_user()
    assert run_cli(capsys, "verify", "--data", busy_clinic).code == 0


def test_audit_for_a_client_follows_sessions_hours_and_disclosures(busy_clinic: Path, capsys) -> None:
    def keyed(entries):
        return {(e["action"], e["record"]) for e in entries}

    q001 = keyed(audit_json(capsys, busy_clinic, "--client", "Q001"))
    q002 = keyed(audit_json(capsys, busy_clinic, "--client", "Q002"))
    # Sessions: by the attendance in the session file.
    assert ("attendance.import", SESSION_Q001) in q001 and ("attendance.import", SESSION_Q001) in q002
    assert ("attendance.import", SESSION_Q002_ONLY) in q002
    assert ("attendance.import", SESSION_Q002_ONLY) not in q001
    # Exports: by attendance in the exported range.
    assert ("export.billing", "2026-11-01..2026-11-07") in q001
    assert ("export.billing", "2026-11-03..2026-11-03") not in q001
    assert ("export.billing", "2026-11-03..2026-11-03") in q002
    # Weekly reports: by enrolment in that week (both admitted 2026-11-01).
    assert ("report.week", "week:2026-W45") in q001
    assert ("report.week", "week:2026-W40") not in q001
    # Hours entries: by the stored entry's client.
    hours = {e["client_id"]: f"hours:2026-11:{e['uid']}"
             for e in json.loads((busy_clinic / "hours" / "2026-11.json").read_text())["entries"].values()}
    assert ("hours.add", hours["Q001"]) in q001 and ("hours.add", hours["Q002"]) not in q001
    assert ("hours.add", hours["Q002"]) in q002
    # Clinic-wide changes are not listed per client.
    assert not {a for a, _ in q001} & {"clinic.init", "group.add", "roster.import"}
    # An earlier audit read for Q001 names it, so it is listed for Q001.
    again = keyed(audit_json(capsys, busy_clinic, "--client", "Q001"))
    assert ("audit.read", "client:Q001") in again
    assert ("audit.read", "client:Q001") not in keyed(audit_json(capsys, busy_clinic, "--client", "Q003"))


def test_audit_from_to_select_by_the_clinic_day(busy_clinic: Path, capsys) -> None:
    # The entries were written whenever this runs (the CLI in-process reads the real clock);
    # what is expected comes from their own timestamps, read in the clinic's zone, never from
    # today's date. (The faketime pass in .ci/run writes them at a Sunday 23:30 in Chicago,
    # 05:30 UTC on Monday: the clinic day is the Sunday.)
    everything = audit_json(capsys, busy_clinic)
    day_of = {e["seq"]: datetime.fromisoformat(e["at"]).astimezone(ZoneInfo(TZ)).date() for e in everything}
    first = min(day_of.values())
    one_day = audit_json(capsys, busy_clinic, "--from", first.isoformat(), "--to", first.isoformat())
    assert one_day and {e["seq"] for e in one_day if e["seq"] in day_of} == {
        seq for seq, day in day_of.items() if day == first}
    since = audit_json(capsys, busy_clinic, "--from", first.isoformat())
    assert {e["seq"] for e in everything} <= {e["seq"] for e in since}
    after = first + timedelta(days=1)
    assert {e["seq"] for e in audit_json(capsys, busy_clinic, "--from", after.isoformat())} & {
        seq for seq, day in day_of.items() if day == first} == set()
    assert audit_json(capsys, busy_clinic, "--from", f"{max(day_of.values()).year + 1}-01-01") == []
    assert audit_json(capsys, busy_clinic, "--to", f"{first.year - 1}-12-31") == []


def test_audit_csv_and_table(busy_clinic: Path, capsys) -> None:
    result = run_cli(capsys, "audit", "--format", "csv", "--data", busy_clinic)
    assert result.code == 0, result.err
    lines = csv_body(result.out).splitlines()
    assert next(csv.reader([lines[0]])) == [output.NOTICE_CELL]    # one cell, commas and all
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert list(rows[0]) == ["seq", "at", "user", "action", "record", "detail"]
    assert rows[0]["action"] == "clinic.init" and json.loads(rows[0]["detail"]) == {"admin": os_user()}
    table = run_cli(capsys, "audit", "--client", "Q001", "--data", busy_clinic)
    assert table.code == 0 and "audit entries" in table.out.splitlines()[0]
    assert SESSION_Q001 in table.out
    # No names in the audit, so none in its listing.
    for name in ("Avery", "Inventedname", "Blake", "Madeupson"):
        assert name not in result.out and name not in table.out


@pytest.mark.parametrize(("argv", "words"), [
    (("--client", "NOPE"), "no client"),
    (("--from", "2026-13-01"), "--from"),
    (("--from", "2026-11-05", "--to", "2026-11-01"), "before"),
    (("--format", "xml"), "unknown"),
])
def test_audit_bad_input_is_one_sentence(busy_clinic: Path, capsys, argv, words) -> None:
    result = run_cli(capsys, "audit", *argv, "--data", busy_clinic)
    assert result.code == 2
    assert words in result.one_line_error()


def test_only_supervisors_and_admins_read_the_audit(busy_clinic: Path, capsys) -> None:
    me = os_user()
    assert run_cli(capsys, "staff", "add", "admin2", "--name", "Second Admin", "--role", "admin",
                   "--data", busy_clinic).code == 0
    assert run_cli(capsys, "staff", "set-role", me, "supervisor", "--data", busy_clinic).code == 0
    assert run_cli(capsys, "audit", "--data", busy_clinic).code == 0
    # Back to admin (as admin2), then down to counselor.
    from facilitator.store.clinic import open_clinic
    from facilitator.store.staff import set_role
    set_role(open_clinic(busy_clinic, user="admin2"), me, "counselor")
    result = run_cli(capsys, "audit", "--data", busy_clinic)
    assert result.code == 2
    assert "may read the audit log" in result.one_line_error()
    assert result.out == ""
    last = audit_lines(busy_clinic)[-1]
    assert (last["action"], last["record"], last["user"]) == ("denied", "audit.read", me)


def test_audit_reports_a_broken_chain(busy_clinic: Path, capsys) -> None:
    path = sorted((busy_clinic / "audit").glob("*.jsonl"))[-1]
    lines = path.read_text().splitlines(keepends=True)
    del lines[2]
    path.write_text("".join(lines))
    result = run_cli(capsys, "audit", "--data", busy_clinic)
    assert result.code == 1
    assert "break" in result.err and "facilitator verify" in result.err


# -- restore ----------------------------------------------------------------------------------
@pytest.fixture
def backup_dir(busy_clinic: Path, tmp_path: Path, capsys) -> Path:
    dest = tmp_path / "backup"
    result = run_cli(capsys, "backup", dest, "--data", busy_clinic)
    assert result.code == 0, result.err
    return dest


def modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode)
            for p in sorted(root.rglob("*")) if not p.name.startswith(".")}


def test_restore_copies_a_backup_that_then_verifies(backup_dir: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "restored" / "clinic"
    backup_bytes = tree_bytes(backup_dir)
    result = run_cli(capsys, "restore", backup_dir, "--data", target)
    assert result.code == 0, result.err
    assert "verify passes" in result.out
    restored = tree_bytes(target)
    audit_names = {n for n in restored if n.startswith("audit/")}
    assert {n: b for n, b in restored.items() if n not in audit_names} == \
        {n: b for n, b in backup_bytes.items() if n not in audit_names}
    # The restored log is the backup's plus one "clinic.restore" entry.
    entries = audit_lines(target)
    assert entries[:-1] == audit_lines(backup_dir)
    assert entries[-1]["action"] == "clinic.restore"
    for name, mode in modes(target).items():
        assert mode == (0o750 if (target / name).is_dir() else 0o640), name
    assert stat.S_IMODE(target.stat().st_mode) == 0o700          # the clinic folder: its account's alone
    assert all((target / sub).is_dir() for sub in ("records", "plans", "audit"))
    assert run_cli(capsys, "verify", "--data", target).code == 0
    assert tree_bytes(backup_dir) == backup_bytes  # the backup is untouched
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_restore_into_an_existing_empty_directory(backup_dir: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert run_cli(capsys, "restore", backup_dir, "--data", target).code == 0
    assert (target / "clinic.json").is_file()


def test_restore_refuses_a_non_empty_directory(backup_dir: Path, busy_clinic: Path, tmp_path: Path,
                                               capsys) -> None:
    before = tree_bytes(busy_clinic)
    result = run_cli(capsys, "restore", backup_dir, "--data", busy_clinic)
    assert result.code == 2
    assert "not empty" in result.one_line_error()
    assert tree_bytes(busy_clinic) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("someone's file")
    assert run_cli(capsys, "restore", backup_dir, "--data", other).code == 2
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("case", ["missing", "not-a-backup", "inside-source", "is-a-file"])
def test_restore_refuses_bad_sources_and_targets(backup_dir: Path, tmp_path: Path, capsys, case) -> None:
    src, target = backup_dir, tmp_path / "target"
    if case == "missing":
        src = tmp_path / "nowhere"
    elif case == "not-a-backup":
        src = tmp_path / "plain"
        src.mkdir()
        (src / "x.txt").write_text("x")
    elif case == "inside-source":
        target = backup_dir / "records" / "new"
    else:
        target = write(tmp_path / "file", "x")
    before = tree_bytes(backup_dir)
    result = run_cli(capsys, "restore", src, "--data", target)
    assert result.code == 2
    result.one_line_error()
    assert tree_bytes(backup_dir) == before
    if case != "is-a-file":
        assert not target.exists()


def test_restore_of_a_tampered_backup_exits_1(backup_dir: Path, tmp_path: Path, capsys) -> None:
    path = sorted((backup_dir / "audit").glob("*.jsonl"))[0]
    lines = path.read_text().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["user"] = "someone-else"
    lines[1] = json.dumps(entry, sort_keys=True) + "\n"
    path.write_text("".join(lines))
    target = tmp_path / "restored"
    result = run_cli(capsys, "restore", backup_dir, "--data", target)
    assert result.code == 1
    assert "altered" in result.out
    assert "verify found" in result.err
    assert (target / "clinic.json").is_file()  # kept for inspection, with nothing added
    assert audit_lines(target) == audit_lines(backup_dir)


def test_restore_drops_world_permissions(backup_dir: Path, tmp_path: Path, capsys) -> None:
    (backup_dir / "clinic.json").chmod(0o644)
    target = tmp_path / "restored"
    assert run_cli(capsys, "restore", backup_dir, "--data", target).code == 0
    assert stat.S_IMODE((target / "clinic.json").stat().st_mode) == 0o640


def test_restore_needs_a_supervisor_or_admin_of_the_backed_up_clinic(busy_clinic: Path, tmp_path: Path,
                                                                     capsys) -> None:
    me = os_user()
    assert run_cli(capsys, "staff", "add", "admin2", "--name", "Second Admin", "--role", "admin",
                   "--data", busy_clinic).code == 0
    assert run_cli(capsys, "staff", "set-role", me, "supervisor", "--data", busy_clinic).code == 0
    assert run_cli(capsys, "backup", tmp_path / "b", "--data", busy_clinic).code == 0
    from facilitator.store.clinic import open_clinic
    from facilitator.store.staff import set_role
    set_role(open_clinic(tmp_path / "b", user="admin2"), me, "counselor")
    before = tree_bytes(tmp_path / "b")
    result = run_cli(capsys, "restore", tmp_path / "b", "--data", tmp_path / "r")
    assert result.code == 2
    assert "supervisor or admin" in result.one_line_error()
    assert not (tmp_path / "r").exists()
    assert tree_bytes(tmp_path / "b") == before  # not even a "denied" line in the backup


def test_restore_from_the_demo_clinic(tmp_path: Path, capsys) -> None:
    from facilitator.demo import ensure_demo_clinic
    from tests.conftest import FakeClock
    demo = tmp_path / "demo"
    made_at = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(TZ))   # the demo as of this Tuesday
    assert ensure_demo_clinic(demo, user=os_user(), display_name="Demo Admin", clock=FakeClock(made_at))
    assert run_cli(capsys, "backup", tmp_path / "b", "--data", demo).code == 0
    result = run_cli(capsys, "restore", tmp_path / "b", "--data", tmp_path / "r")
    assert result.code == 0, result.err
    # Disclose the demo's history, then account for one client who attended in it.
    data = open_data(tmp_path / "r")
    today = made_at.date()
    first = today - timedelta(days=28)
    records = data.sessions_between(first, today).records
    attended = sorted({c for r in records for c in r.attendance})
    assert attended, "the demo has six weeks of attendance"
    span = ("--from", first.isoformat(), "--to", today.isoformat())
    assert run_cli(capsys, "export", "billing", *span, "--data", tmp_path / "r").code == 0
    listed = audit_json(capsys, tmp_path / "r", "--client", attended[0])
    assert ("export.billing", f"{first}..{today}") in {(e["action"], e["record"]) for e in listed}
    assert run_cli(capsys, "verify", "--data", tmp_path / "r").code == 0


# -- pin reset --------------------------------------------------------------------------------
def test_pin_reset_clears_your_own_pin(empty_clinic: Path, capsys) -> None:
    from facilitator.store.pins import pins_of, set_first_pin
    data = open_data(empty_clinic)
    set_first_pin(data, "2468", "2468")
    result = run_cli(capsys, "pin", "reset", "--data", empty_clinic)
    assert result.code == 0, result.err
    assert "Cleared" in result.out
    assert not pins_of(data).has_pin(os_user())
    assert audit_lines(empty_clinic)[-1]["action"] == "pin.reset"
    assert run_cli(capsys, "pin", "reset", "nobody", "--data", empty_clinic).code == 2


def test_a_session_entry_naming_its_client_is_listed_for_that_client_only(busy_clinic: Path, capsys) -> None:
    data = open_data(busy_clinic)
    data.record_audit("note.view", SESSION_Q001, {"client": "Q002"})
    data.record_audit("note.view", SESSION_Q001)
    q001 = [(e["action"], e["detail"]) for e in audit_json(capsys, busy_clinic, "--client", "Q001")]
    q002 = [(e["action"], e["detail"]) for e in audit_json(capsys, busy_clinic, "--client", "Q002")]
    assert ("note.view", {"client": "Q002"}) in q002 and ("note.view", {"client": "Q002"}) not in q001
    assert ("note.view", {}) in q001 and ("note.view", {}) in q002  # by the session's attendance
