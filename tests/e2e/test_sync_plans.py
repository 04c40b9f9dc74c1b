"""Recovery plans through sync as a clinic of real OS accounts (issue 15's sync test).

The host is the invented demo clinic plus ``fct_sy_c1`` (counselor) and ``fct_sy_sup``
(supervisor), made with useradd; each push is answered by ``facilitator sync --serve`` running
as that account (``runuser``), which knows its role only from the host's clinic.json. A plan a
counselor changed on the laptop lands on the host; one a supervisor's laptop changed is
refused, reported by client id and reason, audited, and leaves the host's file as it was, while
the supervisor's co-signature in the same push lands. The laptops' own `facilitator` runs as
root, as a laptop's owner would.
"""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from facilitator.core.notes import Note
from facilitator.core.recovery import add_goal
from facilitator.core.rules import Status
from facilitator.store import recovery
from facilitator.store.notes import NoteBook
from facilitator.store.records import SessionFile, record_path
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from facilitator.sync import files as sync_files
from facilitator.sync.merge import record_parts
from tests.e2e import accounts
from tests.e2e.test_sync_forgery import WireClient, account_sshd, audit_lines, hand_to, host_program, stock_sync  # noqa: F401
from tests.store._support import bare_binding
from tests.store._sync_support import GROUP, invalid, make_demo, open_as, record_of, run_sync

pytestmark = pytest.mark.e2e

C1, SUP = "fct_sy_c1", "fct_sy_sup"
CLIENT, OTHER = "RB-1001", "RB-1002"
WORDS = "Invented goal words, never to be seen in a refusal"


@pytest.fixture(scope="module")
def runtime():
    yield from accounts.runtime_for((C1, SUP), "plan sync tests")


@pytest.fixture(scope="module")
def template(runtime):
    """The demo clinic, the two accounts, and today's session run by C1 with one signed note."""
    base = accounts.world_dir("fct-plans-template-")
    root = make_demo(base / "clinic")
    for user, role in ((C1, "counselor"), (SUP, "supervisor")):
        add_staff(open_as(root), user, f"Invented {role.title()}", role)
    data = open_as(root, C1)
    running = start_session(data, GROUP)
    client = running.record().roster[0]
    running.mark(client, Status.PRESENT)
    book = NoteBook(data, running.file)
    book.save_draft(client, "Invented note text.")
    book.sign(client)
    yield root, running.session_id, client
    subprocess.run(["rm", "-rf", str(base)], check=True)


@pytest.fixture
def host(template):
    root, session_id, client = template
    copy = accounts.world_dir("fct-plans-host-") / "clinic"
    subprocess.run(["cp", "-a", str(root), str(copy)], check=True)
    yield copy, session_id, client
    subprocess.run(["rm", "-rf", str(copy.parent)], check=True)


def plan_in(root, client_id: str = CLIENT):
    return recovery.read(open_as(root), client_id)


def test_a_plan_a_counselor_changed_on_the_laptop_lands_on_the_host(runtime, host, tmp_path):
    root, _, _ = host
    laptop = tmp_path / "laptop"
    assert stock_sync(runtime, laptop, root, C1).returncode == 0
    goal = recovery.add(open_as(laptop, C1), CLIENT, WORDS)
    recovery.review(open_as(laptop, C1), OTHER)
    done = stock_sync(runtime, laptop, root, C1)
    assert done.returncode == 0 and done.stdout.startswith("Pushed 2 recovery plans"), done.stdout + done.stderr
    hand_to("root", root)
    assert plan_in(root).goal(goal.number).text == WORDS
    assert plan_in(root, OTHER).reviews[-1].by == C1
    applied = [e for e in audit_lines(root, "sync.apply") if e["record"].startswith("plan:")]
    assert sorted((e["user"], e["record"], e["file"]) for e in applied) == [
        (C1, f"plan:{CLIENT}", f"recovery/{CLIENT}.json"), (C1, f"plan:{OTHER}", f"recovery/{OTHER}.json")]
    assert WORDS not in json.dumps(applied) and audit_lines(root, "sync.refused") == []
    assert invalid(root) == []


@pytest.mark.parametrize("route", ["runuser", "openssh"])
def test_a_plan_a_supervisors_laptop_changed_is_refused_and_the_rest_of_the_push_lands(
        runtime, host, tmp_path, request, route):
    root, session_id, client = host
    laptop = tmp_path / "laptop"
    if route == "openssh":          # the supervisor's key login to a loopback sshd
        sshd = request.getfixturevalue("account_sshd")

        def push():
            hand_to(SUP, root)
            return run_sync(laptop, root, ssh=shlex.join(sshd.ssh_argv()[:-1]), target=f"{SUP}@127.0.0.1",
                            remote=host_program(runtime))
    else:
        def push():
            return stock_sync(runtime, laptop, root, SUP)
    assert push().returncode == 0
    # legitimate: the supervisor co-signs the counselor's note on the laptop
    NoteBook(open_as(laptop, SUP), SessionFile(record_path(laptop / "records", session_id))).cosign(client)
    # not: the laptop's store refuses a supervisor, so the plan file is edited straight
    today = open_as(laptop).now().date()
    with bare_binding(laptop):
        sync_files.write_recovery(laptop, f"recovery/{CLIENT}.json",
                                  lambda current: add_goal(current, WORDS, objectives=(), target=None, day=today))
    host_file = (root / "recovery" / f"{CLIENT}.json").read_bytes()
    done = push()
    assert done.returncode == 1, done.stdout + done.stderr
    told = done.stdout
    assert f"refused: plan:{CLIENT}: {SUP} is a supervisor on the host; only admins and counselors change " \
           f"recovery plans (plan.change)" in told, told
    assert WORDS not in told and "Invented" not in told
    hand_to("root", root)
    assert (root / "recovery" / f"{CLIENT}.json").read_bytes() == host_file
    refused = audit_lines(root, "sync.refused")
    assert [(e["user"], e["record"], e["detail"]["part"], e["detail"]["client"]) for e in refused] == \
        [(SUP, f"plan:{CLIENT}", "plan", CLIENT)]
    assert WORDS not in json.dumps(refused)
    note = Note.from_dict(record_parts(record_of(root, session_id))[f"note:{client}"])
    assert note.cosigned_by == SUP                                 # the rest of the push landed
    assert invalid(root) == []
    # offered again, refused again, and the host's plan comes down unchanged otherwise
    again = push()
    assert again.returncode == 1 and f"refused: plan:{CLIENT}:" in again.stdout


def test_a_hand_made_client_gets_no_plan_past_the_host(runtime, host):
    """The wire protocol straight to the server run as the supervisor, then the counselor."""
    root, _, _ = host
    before = plan_in(root)
    grown = add_goal(before, WORDS, objectives=(), target=None, day=open_as(root).now().date())
    wire = WireClient(runtime, root, SUP)
    for path in (f"recovery/{CLIENT}.json\n", "recovery/../clinic.json", f"recovery/{CLIENT}.json/x"):
        reply = wire.call("put_plan", path=path, was=None, value=grown.to_dict())
        assert not reply["ok"] and "is not a file sync exchanges" in reply["error"], path
    reply = wire.call("put_plan", path=f"recovery/{CLIENT}.json", was=None, value=grown.to_dict())
    assert reply["ok"] and [r["record"] for r in reply["refused"]] == [f"plan:{CLIENT}"]
    assert "is a supervisor on the host" in reply["refused"][0]["reason"] and WORDS not in json.dumps(reply)
    assert wire.close() == 0
    wire = WireClient(runtime, root, C1)
    reply = wire.call("put_plan", path=f"recovery/{CLIENT}.json", was=None, value=grown.to_dict())
    assert reply["ok"] and reply["refused"] == [] and reply["conflict"] is None
    assert wire.close() == 0
    hand_to("root", root)
    assert plan_in(root) == grown
    assert [e["user"] for e in audit_lines(root, "sync.refused")] == [SUP]
    assert invalid(root) == []
