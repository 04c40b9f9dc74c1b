"""Recovery plans travelling with sync: down to laptops, up as a whole plan the host merges
and authorizes as the ssh account, conflicting goal numbers never renumbered.

Between real data directories (the host's `facilitator sync --serve` a local process over
pipes, as in test_sync_merge.py), and the host's side in process for each refusal. The
OS-account runs (a counselor's and a supervisor's laptop) are tests/e2e/test_sync_plans.py.
Every goal and name is invented.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from facilitator.core.recovery import RecoveryPlan, Review, add_goal, merge_plans
from facilitator.store import recovery
from facilitator.store.staff import add_staff
from facilitator.sync import files as sync_files
from facilitator.sync.apply import apply_plan_change
from facilitator.sync.files import SyncRefused, check_path, pending_pushes, plan_hash
from tests.store._sync_support import copy_clinic, invalid, make_demo, open_as, run_sync, synced, synced_pair

C1, C2, SUP = "counselor1", "counselor2", "supervisor1"
CLIENT, OTHER = "RB-1001", "RB-1002"          # both have a plan in the demo clinic
LAPTOP_GOAL = "Invented laptop goal words"
HOST_GOAL = "Invented host goal words"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("template") / "clinic")
    for user, role in ((C1, "counselor"), (C2, "counselor"), (SUP, "supervisor")):
        add_staff(open_as(root), user, "Invented Person", role)
    return root


@pytest.fixture
def pair(tmp_path, template):
    return synced_pair(template, tmp_path)


def plan_in(root, client_id: str = CLIENT) -> RecoveryPlan:
    return recovery.read(open_as(root), client_id)


def audit(root, action: str) -> list[dict]:
    return [e for path in sorted((root / "audit").glob("*.jsonl"))
            for e in map(json.loads, path.read_text().splitlines()) if e["action"] == action]


def rel(client_id: str) -> str:
    return f"recovery/{client_id}.json"


# --- both ways, between two data directories --------------------------------------------------

def test_a_clone_holds_every_plan_and_a_second_sync_moves_nothing(pair):
    laptop, host = pair
    assert sorted(p.name for p in (laptop / "recovery").iterdir()) == \
        sorted(p.name for p in (host / "recovery").iterdir())
    assert plan_in(laptop) == plan_in(host)
    assert synced(laptop, host).startswith("Nothing to move")
    assert pending_pushes(laptop) == 0
    assert invalid(laptop) == []


def test_a_goal_added_on_the_laptop_lands_on_the_host(pair):
    laptop, host = pair
    goal = recovery.add(open_as(laptop), CLIENT, LAPTOP_GOAL)
    assert pending_pushes(laptop) == 1
    out = synced(laptop, host)
    assert out.startswith("Pushed 1 recovery plan"), out
    assert plan_in(host).goal(goal.number).text == LAPTOP_GOAL
    assert plan_in(host) == plan_in(laptop)
    applied = [e for e in audit(host, "sync.apply") if e["record"] == f"plan:{CLIENT}"]
    assert len(applied) == 1 and applied[0]["file"] == rel(CLIENT) and LAPTOP_GOAL not in json.dumps(applied)
    assert synced(laptop, host).startswith("Nothing to move") and pending_pushes(laptop) == 0
    assert invalid(host) == [] and invalid(laptop) == []


def test_a_plan_changed_on_the_host_reaches_the_laptop(pair):
    laptop, host = pair
    recovery.review(open_as(host), CLIENT)
    recovery.set_goal_status(open_as(host), f"{OTHER}:1", "met")
    out = synced(laptop, host)
    assert out.startswith("Pulled 2 recovery plans"), out
    assert plan_in(laptop) == plan_in(host) and plan_in(laptop, OTHER) == plan_in(host, OTHER)
    assert str(plan_in(laptop, OTHER).goal(1).status) == "met"
    assert not [e for e in audit(host, "sync.apply") if e["record"].startswith("plan:")]
    assert invalid(laptop) == []


def test_a_plan_new_on_the_host_reaches_the_laptop_and_one_new_on_the_laptop_the_host(pair):
    laptop, host = pair
    client_without = next(c for c in open_as(host).snapshot().clients
                          if recovery.read(open_as(host), c) is None)
    recovery.add(open_as(host), client_without, HOST_GOAL)
    synced(laptop, host)
    assert plan_in(laptop, client_without).goals[0].text == HOST_GOAL
    another = next(c for c in open_as(host).snapshot().clients if recovery.read(open_as(host), c) is None)
    recovery.add(open_as(laptop), another, LAPTOP_GOAL)
    synced(laptop, host)
    assert plan_in(host, another).goals[0].text == LAPTOP_GOAL


def test_changes_to_one_plan_on_both_sides_merge(pair):
    laptop, host = pair
    recovery.set_goal_status(open_as(laptop), f"{CLIENT}:1", "met")
    recovery.review(open_as(host), CLIENT)
    reviews = len(plan_in(host).reviews)
    synced(laptop, host)
    for side in (laptop, host):
        plan = plan_in(side)
        assert str(plan.goal(1).status) == "met" and len(plan.reviews) == reviews, side
    assert synced(laptop, host).startswith("Nothing to move")


def test_goals_added_on_both_sides_under_one_number_conflict_and_nothing_is_renumbered(pair):
    laptop, host = pair
    ours = recovery.add(open_as(laptop), CLIENT, LAPTOP_GOAL)
    theirs = recovery.add(open_as(host), CLIENT, HOST_GOAL)
    assert ours.number == theirs.number
    host_before, laptop_before = plan_in(host), plan_in(laptop)
    done = run_sync(laptop, host)
    assert done.returncode == 0, done.stdout + done.stderr
    told = done.stdout
    assert f"1 conflict: recovery plan of client {CLIENT}: goal {ours.number} was added differently" in told
    assert LAPTOP_GOAL not in told and HOST_GOAL not in told
    assert plan_in(host) == host_before and plan_in(laptop) == laptop_before
    assert plan_in(host).goal(ours.number).text == HOST_GOAL
    assert plan_in(laptop).goal(ours.number).text == LAPTOP_GOAL
    assert "conflict" in run_sync(laptop, host).stdout          # told again until a person settles it
    assert invalid(host) == [] and invalid(laptop) == []


def test_a_damaged_plan_on_the_laptop_is_named_and_costs_only_itself(pair):
    laptop, host = pair
    (laptop / rel(CLIENT)).write_text("{not json")
    recovery.review(open_as(host), OTHER)
    done = run_sync(laptop, host)
    assert done.returncode == 1 and f"{rel(CLIENT)} is damaged" in done.stdout, done.stdout + done.stderr
    assert (laptop / rel(CLIENT)).read_text() == "{not json"
    assert plan_in(laptop, OTHER) == plan_in(host, OTHER)


# --- the host's side: each refusal by client id and reason, audited, the rest lands ---------------

@pytest.fixture
def host(template, tmp_path):
    return copy_clinic(template, tmp_path / "host")


def push(root, user: str, plan: RecoveryPlan, was: str | None = "current") -> dict:
    current = recovery.read(open_as(root), plan.client_id)
    if was == "current":
        was = plan_hash(current) if current is not None else None
    return apply_plan_change(open_as(root, user), rel(plan.client_id), was, plan.to_dict())


def grown(root, client_id: str = CLIENT, words: str = LAPTOP_GOAL) -> RecoveryPlan:
    data = open_as(root)
    return add_goal(recovery.read(data, client_id), words, objectives=(), target=None, day=data.now().date())


def test_a_supervisors_plan_change_is_refused_audited_and_leaves_the_host_file_as_it_was(host):
    before = (host / rel(CLIENT)).read_bytes()
    reply = push(host, SUP, grown(host))
    assert [r["record"] for r in reply["refused"]] == [f"plan:{CLIENT}"]
    reason = reply["refused"][0]["reason"]
    assert "supervisor1 is a supervisor on the host" in reason and "(plan.change)" in reason
    assert LAPTOP_GOAL not in json.dumps(reply)
    assert (host / rel(CLIENT)).read_bytes() == before
    refused = audit(host, "sync.refused")
    assert [(e["user"], e["record"], e["detail"]["part"], e["detail"]["client"]) for e in refused] == \
        [(SUP, f"plan:{CLIENT}", "plan", CLIENT)]
    assert LAPTOP_GOAL not in json.dumps(refused) and not audit(host, "denied")
    # a counselor's change to another plan, pushed next, lands
    assert push(host, C1, grown(host, OTHER))["refused"] == []
    assert plan_in(host, OTHER).goals[-1].text == LAPTOP_GOAL
    assert invalid(host) == []


def test_a_review_or_status_change_in_another_accounts_name_is_refused(host):
    data = open_as(host)
    today = data.now().date()
    plan = recovery.read(data, CLIENT)
    forged = RecoveryPlan(plan.client_id, plan.started, plan.goals, (*plan.reviews, Review(today, C2)))
    reply = push(host, C1, forged)
    assert "a review of RB-1001's plan is in counselor2's name" in reply["refused"][0]["reason"]
    from facilitator.core.recovery import GoalStatus, set_status
    number = plan.active_goals[0].number
    forged = set_status(plan, number, GoalStatus.MET, day=today, by=C2)
    reply = push(host, C1, forged)
    assert f"a status change of goal {number} of RB-1001's plan is in counselor2's name" in \
        reply["refused"][0]["reason"]
    own = set_status(plan, number, GoalStatus.MET, day=today, by=C1)
    assert push(host, C1, own)["refused"] == []
    assert plan_in(host).goal(number).status is GoalStatus.MET
    assert len(audit(host, "sync.refused")) == 2


def test_a_pushed_plan_never_drops_what_the_host_holds(host):
    """A laptop's copy missing the host's goals and reviews only adds to them."""
    plan = plan_in(host)
    stripped = RecoveryPlan(plan.client_id, plan.started, plan.goals[:1], ())
    reply = push(host, C1, stripped)
    assert reply["refused"] == [] and plan_in(host) == plan
    assert not [e for e in audit(host, "sync.apply") if e["record"] == f"plan:{CLIENT}"]


def test_a_stale_push_is_merged_with_what_changed_on_the_host_meanwhile(host):
    was = plan_hash(plan_in(host))
    pushed = grown(host)
    recovery.review(open_as(host), CLIENT)                # on the host, after the laptop looked
    reply = push(host, C1, pushed, was=was)
    assert reply["refused"] == [] and reply["stale"] is True
    stored = plan_in(host)
    assert stored.goals[-1].text == LAPTOP_GOAL and len(stored.reviews) == len(pushed.reviews) + 1
    assert reply["hash"] == plan_hash(stored) == plan_hash(merge_plans(None, pushed, stored))


def test_a_goal_number_taken_on_the_host_meanwhile_is_a_conflict_and_nothing_is_written(host):
    pushed = grown(host)
    recovery.add(open_as(host), CLIENT, HOST_GOAL)
    before = (host / rel(CLIENT)).read_bytes()
    reply = push(host, C1, pushed)
    assert reply["refused"] == [] and reply["conflict"].startswith(f"plan:{CLIENT}: goal ")
    assert LAPTOP_GOAL not in reply["conflict"] and HOST_GOAL not in reply["conflict"]
    assert (host / rel(CLIENT)).read_bytes() == before


def test_malformed_unknown_and_future_plans_are_refused_by_id(host):
    data = open_as(host)
    plan = plan_in(host)
    bad = dict(plan.to_dict(), goals=[dict(plan.goals[0].to_dict(), text="Invented\x1b[2J")])
    reply = apply_plan_change(open_as(host, C1), rel(CLIENT), None, bad)
    assert "malformed" in reply["refused"][0]["reason"] and "Invented" not in json.dumps(reply)
    reply = apply_plan_change(open_as(host, C1), rel(OTHER), None, plan.to_dict())
    assert "names another client" in reply["refused"][0]["reason"]
    ghost = RecoveryPlan("Z999", data.now().date(), ())
    reply = apply_plan_change(open_as(host, C1), rel("Z999"), None, ghost.to_dict())
    assert "there is no client 'Z999' on the host" in reply["refused"][0]["reason"]
    assert not (host / rel("Z999")).exists()
    ahead = add_goal(plan, LAPTOP_GOAL, objectives=(), target=None, day=data.now().date() + timedelta(days=9))
    reply = push(host, C1, ahead)
    assert "after today on the host" in reply["refused"][0]["reason"]
    assert plan_in(host) == plan and invalid(host) == []


@pytest.mark.parametrize("path", [
    "recovery/RB-1001.json\n", "recovery/../clinic.json", "recovery/.hidden.json", "recovery/RB-1001.JSON",
    "recovery/RB-\u0661\u0660\u0660\u0661.json", "recovery/a/b.json", "recovery/" + "x" * 33 + ".json",
    "recovery/RB-1001.json/x",
])
def test_only_a_plain_recovery_plan_path_is_taken(host, path):
    with pytest.raises(SyncRefused, match="is not a file sync exchanges"):
        check_path(path)
    with pytest.raises(SyncRefused):
        apply_plan_change(open_as(host, C1), path, None, plan_in(host).to_dict())
    assert check_path(rel(CLIENT)) == rel(CLIENT)
    with pytest.raises(SyncRefused, match="is not a recovery plan"):
        sync_files.write_recovery(host, "records/2026/11/2026-11-02-0900-x.json", lambda current: None)


def test_plans_of_clients_discharged_before_the_window_stay_on_the_host_unless_asked_for(host):
    from dataclasses import replace
    data = open_as(host)
    client = data.snapshot().clients[CLIENT]
    today = data.now().date()
    since = today - timedelta(days=56)
    assert rel(CLIENT) in sync_files.list_files(host, "ab" * 8, since, [])
    data.import_roster([replace(client, discharged=max(client.admitted, since - timedelta(days=1)))])
    listed = sync_files.list_files(host, "ab" * 8, since, [])
    assert rel(CLIENT) not in listed and rel(OTHER) in listed
    assert listed.get(rel(OTHER)) == plan_hash(plan_in(host, OTHER))
    assert rel(CLIENT) in sync_files.list_files(host, "ab" * 8, since, [rel(CLIENT)])   # a laptop that has it
