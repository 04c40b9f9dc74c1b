"""Recovery plans in the store: one file per client, roles, audit without words, damage.

Clinic "today" is Monday 2026-11-23 (the fake clock); the review interval defaults to 30 days.
Every name and goal is invented.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.recovery import GoalStatus
from facilitator.store import recovery
from facilitator.store.files import DamagedFile
from facilitator.store.maintenance import verify
from facilitator.store.settings import change_settings
from facilitator.store.staff import add_staff

GOAL = "I want to get my license back"


def audit(data) -> list[dict]:
    return [e for _, _, e in data.audit.entries() if e]


def test_a_goal_starts_the_plan_in_its_own_file(clinic) -> None:
    goal = recovery.add(clinic, "T001", GOAL, objectives=("Pay the reinstatement fee by Dec 15",),
                        target=date(2027, 2, 1))
    assert goal.number == 1 and goal.status is GoalStatus.ACTIVE
    path = clinic.root / "recovery" / "T001.json"
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o640"
    plan = recovery.read(clinic, "T001")
    assert plan is not None and plan.started == date(2026, 11, 23)
    assert plan.goals[0].text == GOAL and plan.goals[0].target == date(2027, 2, 1)
    assert recovery.read(clinic, "T002") is None
    assert not (clinic.root / "recovery" / "T002.json").exists()


def test_every_change_is_audited_by_id_and_number_never_by_words(clinic, fake_clock) -> None:
    recovery.add(clinic, "T001", GOAL)
    recovery.add(clinic, "T001", "Sleep through the night without pills", objectives=("7 nights of 7",))
    recovery.set_goal_status(clinic, "T001:1", "met")
    fake_clock.advance(days=3)
    recovery.review(clinic, "T001")
    entries = [e for e in audit(clinic) if e["action"].startswith("plan.")]
    assert [(e["action"], e["record"], e["detail"]) for e in entries] == [
        ("plan.goal-add", "plan:T001", {"goal": 1, "objectives": 0}),
        ("plan.goal-add", "plan:T001", {"goal": 2, "objectives": 1}),
        ("plan.goal-status", "plan:T001", {"goal": 1, "status": "met"}),
        ("plan.review", "plan:T001", {"reviews": 1}),
    ]
    log = "".join(p.read_text() for p in (clinic.root / "audit").glob("*.jsonl"))
    for words in ("license", "pills", "Avery", "Testperson"):
        assert words not in log
    assert clinic.audit.verify() == []
    plan = recovery.read(clinic, "T001")
    assert plan.reviews[0].day == date(2026, 11, 26) and plan.reviews[0].by == "counselor1"


def test_review_due_follows_the_clinic_setting(clinic) -> None:
    recovery.add(clinic, "T001", GOAL)
    rows, problems = recovery.plans_due(clinic, date(2026, 12, 30))
    by_id = {r.client.client_id: r for r in rows}
    assert problems == []
    assert by_id["T001"].due == date(2026, 12, 23) and by_id["T001"].days_overdue == 7
    assert by_id["T002"].plan is None and by_id["T002"].due is None   # no plan: shown as such
    assert "T004" not in by_id                                        # discharged
    change_settings(clinic, plan_review_days=60)
    rows, _ = recovery.plans_due(clinic, date(2026, 12, 30))
    assert {r.client.client_id: r for r in rows}["T001"].due == date(2027, 1, 22)


def test_supervisors_read_but_their_changes_are_refused_and_audited(clinic, tmp_path, fake_clock) -> None:
    recovery.add(clinic, "T001", GOAL)
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    from facilitator.store.clinic import open_clinic
    sup = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    before = (clinic.root / "recovery" / "T001.json").read_bytes()
    for attempt in (lambda: recovery.add(sup, "T001", "another goal"),
                    lambda: recovery.set_goal_status(sup, "T001:1", "met"),
                    lambda: recovery.review(sup, "T001")):
        with pytest.raises(PermissionDenied):
            attempt()
    assert (clinic.root / "recovery" / "T001.json").read_bytes() == before
    assert recovery.read(sup, "T001").goals[0].text == GOAL
    denied = [e for e in audit(clinic) if e["action"] == "denied"]
    assert [e["record"] for e in denied] == ["plan.change"] * 3


@pytest.mark.parametrize(("call", "field"), [
    (lambda d: recovery.add(d, "NOPE", GOAL), "CLIENT"),
    (lambda d: recovery.add(d, "../../etc/passwd", GOAL), "CLIENT"),
    (lambda d: recovery.add(d, "T001", "two\nlines"), "--text"),
    (lambda d: recovery.set_goal_status(d, "T001:1", "met"), "GOAL"),      # no plan yet
    (lambda d: recovery.set_goal_status(d, "T001", "met"), "GOAL"),
    (lambda d: recovery.set_goal_status(d, "T001:1", "done"), "STATUS"),
    (lambda d: recovery.review(d, "T002"), "CLIENT"),
])
def test_bad_input_is_one_sentence_and_writes_nothing(clinic, call, field) -> None:
    before = sorted(p.name for p in clinic.root.rglob("*") if p.is_file())
    with pytest.raises(InputError) as err:
        call(clinic)
    assert err.value.field == field
    assert "\n" not in str(err.value)
    assert not (clinic.root / "recovery").exists() or not any((clinic.root / "recovery").glob("*.json"))
    assert sorted(p.name for p in clinic.root.rglob("*") if p.is_file()) == before


def test_a_damaged_plan_is_reported_by_name_kept_and_costs_only_itself(clinic) -> None:
    recovery.add(clinic, "T001", GOAL)
    recovery.add(clinic, "T002", "Get back to coaching my son's team")
    path = clinic.root / "recovery" / "T001.json"
    data = json.loads(path.read_text())
    doc = next(iter(data["plan"].values()))
    doc["goals"][0]["text"] = "\x1b]0;owned\x07"
    path.write_text(json.dumps(data))
    hostile = path.read_bytes()
    plans, problems = recovery.all_plans(clinic)
    assert list(plans) == ["T002"]
    assert len(problems) == 1 and str(path) in str(problems[0])
    assert "owned" not in str(problems[0])
    with pytest.raises(DamagedFile):
        recovery.add(clinic, "T001", "a new goal")
    assert path.read_bytes() == hostile
    assert any(str(path) in p for p in verify(clinic))


def test_a_plan_file_under_another_clients_name_is_damaged(clinic) -> None:
    recovery.add(clinic, "T001", GOAL)
    src = clinic.root / "recovery" / "T001.json"
    (clinic.root / "recovery" / "T002.json").write_bytes(src.read_bytes())
    plans, problems = recovery.all_plans(clinic)
    assert list(plans) == ["T001"] and "does not match" in str(problems[0])


def test_may_change_plan_is_exposed_for_sync(clinic) -> None:
    assert recovery.may_change_plan(clinic.me())
