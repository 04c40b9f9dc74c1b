"""Permission checks and read audits live in the store (issue #23): the CLI's ``goals list`` and
``goals due`` and the client screen's ``g`` and hours keys only call these functions. Each is
called here directly, as an account that may not, and refuses with nothing written and no
reading logged. All data invented."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.hours import OtherHours
from facilitator.store import otherhours, recovery
from facilitator.store.clinic import open_clinic
from facilitator.store.datadir import DataDir, NotStaff
from facilitator.store.files import DamagedFile
from facilitator.store.staff import add_staff, deactivate


def tree(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


def actions(data: DataDir) -> list[tuple[str, str, str]]:
    return [(e["user"], e["action"], e["record"]) for path in sorted((data.root / "audit").glob("*.jsonl"))
            for e in map(json.loads, path.read_text().splitlines())]


@pytest.fixture
def staffed(clinic: DataDir, fake_clock) -> DataDir:
    recovery.add(clinic, "T001", "Invented goal words.")
    add_staff(clinic, "sup1", "Invented Supervisor", "supervisor")
    add_staff(clinic, "gone1", "Invented Leaver", "counselor")
    deactivate(clinic, "gone1")
    return clinic


@pytest.mark.parametrize("account", ["stranger", "gone1"])
def test_a_plan_is_read_only_by_staff_and_the_refusal_logs_no_view(staffed: DataDir, fake_clock, account: str) -> None:
    outsider = DataDir(staffed.root, user=account, clock=fake_clock)   # past DataDir.open, as a caller could
    before = tree(staffed.root)
    with pytest.raises(NotStaff):
        recovery.view(outsider, "T001")
    with pytest.raises(NotStaff):
        recovery.due_list(outsider, date(2026, 11, 23))
    assert tree(staffed.root) == before                  # no view, no due list, nothing logged


def test_a_view_is_logged_only_once_the_plan_was_read(staffed: DataDir, fake_clock) -> None:
    sup = open_clinic(staffed.root, user="sup1", clock=fake_clock)
    client, plan = recovery.view(sup, "T001", {"format": "json"})
    assert client.client_id == "T001" and plan is not None and plan.goals[0].text == "Invented goal words."
    assert actions(staffed)[-1] == ("sup1", "plan.view", "plan:T001")
    before = tree(staffed.root)
    with pytest.raises(InputError, match="no client with id 'T404'"):
        recovery.view(sup, "T404")
    assert tree(staffed.root) == before                  # an unknown client: no view logged
    path = recovery.plan_path(staffed.root, "T001")
    path.write_bytes(path.read_bytes()[:20])              # damaged: nothing was read, nothing shown
    before = tree(staffed.root)
    with pytest.raises(DamagedFile):
        recovery.view(sup, "T001")
    assert tree(staffed.root) == before


def test_the_due_list_is_logged_by_count_not_by_client(staffed: DataDir, fake_clock) -> None:
    sup = open_clinic(staffed.root, user="sup1", clock=fake_clock)
    rows, problems = recovery.due_list(sup, date(2026, 11, 23), {"format": "csv"})
    assert problems == [] and rows
    last = [json.loads(line) for path in sorted((staffed.root / "audit").glob("*.jsonl"))
            for line in path.read_text().splitlines()][-1]
    assert (last["action"], last["record"], last["detail"]) == ("plan.due", "plans",
                                                                {"clients": len(rows), "format": "csv"})


def test_hours_are_refused_to_a_supervisor_before_any_form_and_at_the_write(staffed: DataDir, fake_clock) -> None:
    sup = open_clinic(staffed.root, user="sup1", clock=fake_clock)
    with pytest.raises(PermissionDenied):
        otherhours.may_change(sup)
    with pytest.raises(PermissionDenied):
        otherhours.log(sup, OtherHours("T001", date(2026, 11, 20), 50, "individual"))
    assert not (staffed.root / "hours").exists() or list((staffed.root / "hours").glob("*.json")) == []
    assert [a for a in actions(staffed) if a[0] == "sup1"] == [("sup1", "denied", "hours.change")] * 2
    otherhours.may_change(staffed)                       # the admin may: nothing raised, nothing logged
    assert [a for a in actions(staffed) if a[0] == "counselor1"][-1][1] != "denied"


# -- backup, restore, baseline and the session list: checked by the store, not the CLI ---------

def test_a_counselor_cannot_back_up_and_nothing_is_copied_or_logged_but_the_refusal(
        staffed: DataDir, fake_clock, tmp_path: Path) -> None:
    import io

    from facilitator.store.archive import backup_archive
    add_staff(staffed, "coun2", "Invented Counselor", "counselor")
    counselor = open_clinic(staffed.root, user="coun2", clock=fake_clock)
    before = len(actions(staffed))
    out = io.BytesIO()
    with pytest.raises(PermissionDenied):
        backup_archive(counselor, out)
    assert out.getvalue() == b""
    assert actions(staffed)[before:] == [("coun2", "denied", "backup")]
    sup = open_clinic(staffed.root, user="sup1", clock=fake_clock)
    count = backup_archive(sup, out)
    assert count > 0 and actions(staffed)[-1] == ("sup1", "clinic.backup", "clinic")


def test_restore_is_refused_to_a_counselor_and_an_outsider_with_nothing_written(
        staffed: DataDir, fake_clock, tmp_path: Path) -> None:
    import io

    from facilitator.store.archive import backup_archive, extract
    from facilitator.store.maintenance import may_restore
    add_staff(staffed, "coun2", "Invented Counselor", "counselor")
    out = io.BytesIO()
    backup_archive(staffed, out)
    (tmp_path / "copy").mkdir()
    extract(io.BytesIO(out.getvalue()), tmp_path / "copy", "clinic.tar")
    before = tree(tmp_path / "copy")
    with pytest.raises(PermissionDenied, match="only a supervisor or admin may restore"):
        may_restore(tmp_path / "copy", "coun2")
    for account in ("stranger", "gone1"):
        with pytest.raises(NotStaff):
            may_restore(tmp_path / "copy", account)
    may_restore(tmp_path / "copy", "sup1")
    assert tree(tmp_path / "copy") == before             # not even a refusal in the backup's log


def test_only_an_admin_records_a_baseline(staffed: DataDir, fake_clock) -> None:
    from facilitator.store.integrity import baseline
    sup = open_clinic(staffed.root, user="sup1", clock=fake_clock)
    before = len(actions(staffed))
    with pytest.raises(PermissionDenied):
        baseline(sup)
    assert actions(staffed)[before:] == [("sup1", "denied", "audit.baseline")]


def test_the_session_list_is_for_staff_and_logged_by_count(staffed: DataDir, fake_clock) -> None:
    from facilitator.store.reports import session_list
    before = tree(staffed.root)
    with pytest.raises(NotStaff):
        session_list(DataDir(staffed.root, user="stranger", clock=fake_clock), date(2026, 11, 1), date(2026, 11, 30))
    assert tree(staffed.root) == before
    scan = session_list(staffed, date(2026, 11, 1), date(2026, 11, 30), {"format": "table"})
    assert actions(staffed)[-1] == ("counselor1", "session.list", "2026-11-01..2026-11-30")
    assert scan.problems == []


def test_only_a_supervisor_or_admin_reads_the_log_and_the_reading_is_logged(staffed: DataDir, fake_clock) -> None:
    from facilitator.store.accounting import read_log
    add_staff(staffed, "coun2", "Invented Counselor", "counselor")
    counselor = open_clinic(staffed.root, user="coun2", clock=fake_clock)
    before = len(actions(staffed))
    with pytest.raises(PermissionDenied):
        read_log(counselor, client="T001")
    assert actions(staffed)[before:] == [("coun2", "denied", "audit.read")]     # the refusal, no reading
    sup = open_clinic(staffed.root, user="sup1", clock=fake_clock)
    reading = read_log(sup, client="t001", detail={"format": "json"})          # any case
    assert reading.breaks == [] and reading.rows
    assert all(e["record"] in ("plan:T001", "T001") or "T001" in json.dumps(e) for e in reading.rows)
    assert actions(staffed)[-1] == ("sup1", "audit.read", "client:T001")
