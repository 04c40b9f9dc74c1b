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
