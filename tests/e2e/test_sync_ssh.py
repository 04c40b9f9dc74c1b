"""`facilitator sync` over real OpenSSH on 127.0.0.1: a laptop data directory and a host's.

Skipped only where sshd cannot run, with the reason printed. The kill-at-random-points test
runs 50 times without ssh in tests/store/test_sync_merge.py; here a handful go over ssh.
"""

from __future__ import annotations

import random
import shlex
from datetime import timedelta

import pytest

from facilitator.core.notes import Note
from facilitator.core.rules import Status
from facilitator.store.notes import NoteBook
from facilitator.store.running import RunningSession
from tests.conftest import FakeClock
from tests.store._sync_support import (
    LATER,
    add_supervisor,
    copy_clinic,
    credited,
    invalid,
    kill_midway,
    make_demo,
    open_as,
    record_of,
    run_session,
    run_sync,
    sync_argv,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("template") / "clinic")


def _over_ssh(sshd) -> dict:
    return {"ssh": shlex.join(sshd.ssh_argv()[:-1]), "target": sshd.ssh_argv()[-1]}


def _sync(sshd, laptop, host) -> str:
    done = run_sync(laptop, host, **_over_ssh(sshd))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def pair(tmp_path, template, sshd):
    host, laptop = copy_clinic(template, tmp_path / "host"), tmp_path / "laptop"
    out = _sync(sshd, laptop, host)
    assert out.startswith("Pulled clinic.json") and "session records" in out
    return laptop, host


def test_clone_then_a_laptop_session_reaches_the_hosts_report_and_a_second_sync_moves_nothing(sshd, pair):
    laptop, host = pair
    assert (laptop / "clinic.json").read_bytes() == (host / "clinic.json").read_bytes()
    assert _sync(sshd, laptop, host).startswith("Nothing to move")
    before = credited(host)
    session_id, clients = run_session(laptop)
    assert "Pushed 1 session record" in _sync(sshd, laptop, host)
    # PHP Day's 09:00-11:00 so far (see test_sync_merge.py for the hand-worked case)
    # 09:00-11:00 less the PHP day plan's 10:20-10:35 break: 1.75 h (tests/store/test_sync_merge.py)
    assert credited(host)[clients[0]] == pytest.approx(before[clients[0]] + 1.75)
    assert _sync(sshd, laptop, host).startswith("Nothing to move")
    assert invalid(laptop) == [] and invalid(host) == []


def test_cosign_on_the_host_and_addendum_on_the_laptop_survive_in_either_order(sshd, pair):
    laptop, host = pair
    add_supervisor(host)
    session_id, clients = run_session(laptop)
    data = open_as(laptop)
    book = NoteBook(data, data.session_file(session_id))
    book.save_draft(clients[1], "Invented second note.")
    book.sign(clients[1])
    _sync(sshd, laptop, host)

    def addendum(client):
        data = open_as(laptop)
        NoteBook(data, data.session_file(session_id)).add_addendum(client, "Invented addendum.")

    def cosign(client):
        data = open_as(host, "supervisor1")
        NoteBook(data, data.session_file(session_id)).cosign(client)

    cosign(clients[0]), addendum(clients[0])        # co-signed first
    addendum(clients[1]), cosign(clients[1])        # addendum first
    assert "conflict" not in _sync(sshd, laptop, host)
    for root in (laptop, host):
        notes = {n["client_id"]: Note.from_dict(n) for n in record_of(root, session_id)["notes"].values()}
        for client in clients[:2]:
            assert notes[client].cosigned_by == "supervisor1" and len(notes[client].addenda) == 1
        assert invalid(root) == []
    assert _sync(sshd, laptop, host).startswith("Nothing to move")


def test_a_true_conflict_is_reported_and_nothing_is_lost(sshd, pair):
    laptop, host = pair
    session_id, clients = run_session(laptop, sign=False)
    _sync(sshd, laptop, host)
    # telehealth, not late: a late mark must fall after the group's start
    for root, status, minutes in ((host, Status.ABSENT, 1), (laptop, Status.TELEHEALTH, 2)):
        data = open_as(root, clock=FakeClock(LATER + timedelta(minutes=minutes)))
        RunningSession(data, data.session_file(session_id)).mark(clients[0], status)
    out = _sync(sshd, laptop, host)
    assert f"1 conflict: {session_id} client {clients[0]} attendance — kept the later change" in out
    for root in (laptop, host):
        record = record_of(root, session_id)
        current = {a["client_id"]: a["status"] for a in record["attendance"].values()}
        assert current[clients[0]] == "telehealth"
        assert [h["entry"]["status"] for h in record["history"].values()] == ["absent"]
    assert "Invented" not in out    # ids only, never names or notes


def test_syncs_killed_over_ssh_leave_valid_files_and_the_next_converges(sshd, pair):
    laptop, host = pair
    session_id, clients = run_session(laptop)
    _sync(sshd, laptop, host)
    rng = random.Random(11)
    for round_number in range(5):
        data = open_as(laptop)
        RunningSession(data, data.session_file(session_id)).mark(rng.choice(clients), Status.TELEHEALTH)
        kill_midway(sync_argv(laptop, host, **_over_ssh(sshd)), rng.uniform(0.15, 0.6))
        assert invalid(laptop) == [] and invalid(host) == [], round_number
    _sync(sshd, laptop, host)
    assert _sync(sshd, laptop, host).startswith("Nothing to move")
    assert invalid(laptop) == [] and invalid(host) == []


def test_version_mismatch_and_a_missing_program_are_one_sentence(sshd, tmp_path, template):
    fake = tmp_path / "old-facilitator"
    fake.write_text("#!/bin/sh\nprintf '\\000\\000\\000\\071"
                    "{\"hello\":\"facilitator-sync\",\"protocol\":9,\"version\":\"0.9\"}'\n")
    fake.chmod(0o755)
    done = run_sync(tmp_path / "laptop", template, remote=str(fake), **_over_ssh(sshd))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "the host runs facilitator 0.9 with sync protocol 9; this laptop has facilitator" in done.stderr
    assert "upgrade the older one" in done.stderr
    missing = run_sync(tmp_path / "laptop2", template, remote="/nonexistent/facilitator", **_over_ssh(sshd))
    assert missing.returncode == 2 and "did not answer as a facilitator sync server" in missing.stderr
    assert "Traceback" not in missing.stderr + done.stderr
