"""Issue #20 case 8: two laptops and the host changing hours entries and attendance at once
lose nothing. Each laptop's base is what *it* last agreed with the host, never another
device's entries. Real data directories and real `facilitator sync` processes over pipes;
every name is invented (the demo clinic)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from facilitator.core.hours import OtherHours
from facilitator.core.rules import Status
from facilitator.store import otherhours
from facilitator.store.running import RunningSession
from tests.conftest import FakeClock
from tests.store._sync_support import (
    AT,
    LATER,
    copy_clinic,
    invalid,
    make_demo,
    open_as,
    record_of,
    run_session,
    sync_argv,
    synced,
)

PROXY = Path(__file__).with_name("_sync_proxy.py")
TODAY = AT.date()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("template") / "clinic")


@pytest.fixture
def three(tmp_path, demo_template):
    """A host, and two laptops cloned from it, each holding today's PHP Day session."""
    host = copy_clinic(demo_template, tmp_path / "host")
    one, two = tmp_path / "laptop1", tmp_path / "laptop2"
    synced(one, host)
    session_id, clients = run_session(one, sign=False)
    synced(one, host)
    synced(two, host)
    return one, two, host, session_id, clients


def hours_uids(root: Path) -> list[str]:
    path = root / "hours" / f"{TODAY:%Y-%m}.json"
    entries = json.loads(path.read_bytes()).get("entries", {}) if path.exists() else {}
    return sorted(str(e.get("uid")) for e in entries.values())


def statuses(root: Path, session_id: str) -> dict[str, str]:
    return {a["client_id"]: a["status"] for a in record_of(root, session_id)["attendance"].values()}


def mark(root: Path, session_id: str, client: str, status: Status, minutes: int = 0) -> None:
    data = open_as(root, clock=FakeClock(LATER + timedelta(minutes=minutes)))
    RunningSession(data, data.session_file(session_id)).mark(client, status)


def log_hours(root: Path, client: str, minutes: int) -> None:
    otherhours.log(open_as(root), OtherHours(client, TODAY, minutes, "individual"))


def audit_actions(root: Path) -> list[str]:
    return [json.loads(line)["action"] for f in sorted((root / "audit").glob("*.jsonl"))
            for line in f.read_bytes().splitlines() if line.strip()]


def settle(*laptops: Path, host: Path) -> None:
    for _ in range(2):
        for laptop in laptops:
            synced(laptop, host)


def test_another_laptops_sync_between_this_ones_look_and_its_push_loses_nothing(three):
    """Laptop 2 syncs in full while laptop 1 is between its listing and its first push (a
    proxy in place of ssh holds the push back until laptop 2 is done): every entry and every
    mark made on the three devices is on all three afterwards, and nothing was removed."""
    one, two, host, session_id, clients = three
    before = hours_uids(host)
    log_hours(one, clients[0], 50)
    log_hours(two, clients[1], 40)
    log_hours(host, clients[2], 30)
    mark(one, session_id, clients[0], Status.LATE, 1)
    mark(two, session_id, clients[1], Status.ABSENT, 2)
    mark(host, session_id, clients[2], Status.EXCUSED, 3)

    other = shlex.join(sync_argv(two, host))
    ssh = shlex.join([sys.executable, str(PROXY), other])
    done = subprocess.run(sync_argv(one, host, ssh=ssh), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    settle(one, two, host=host)

    for root in (one, two, host):
        assert len(hours_uids(root)) == len(before) + 3, root
        assert hours_uids(root) == hours_uids(host)
        got = statuses(root, session_id)
        assert (got[clients[0]], got[clients[1]], got[clients[2]]) == ("late", "absent", "excused"), root
        assert invalid(root) == []
    assert "hours.remove" not in audit_actions(host)


def test_an_entry_another_laptop_removes_during_this_ones_sync_stays_removed(three):
    """Both laptops hold an entry; laptop 2 removes it and syncs while laptop 1 is between its
    look at the host and its push (of an entry of its own). Laptop 1 must not push the removed
    entry back: afterwards it is on no device, and laptop 1's new entry is on all three."""
    one, two, host, session_id, clients = three
    log_hours(host, clients[0], 45)
    settle(one, two, host=host)
    removed = hours_uids(host)
    assert len(removed) == 1 and hours_uids(one) == hours_uids(two) == removed
    (entry_id, _), = otherhours.between(two / "hours", TODAY, TODAY)[0]
    otherhours.unlog(open_as(two), TODAY, entry_id)
    log_hours(one, clients[1], 20)

    other = shlex.join(sync_argv(two, host))
    ssh = shlex.join([sys.executable, str(PROXY), other])
    done = subprocess.run(sync_argv(one, host, ssh=ssh), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    settle(one, two, host=host)
    for root in (one, two, host):
        assert len(hours_uids(root)) == 1 and removed[0] not in hours_uids(root), root
        assert hours_uids(root) == hours_uids(host)


@pytest.mark.slow
@pytest.mark.any_hour    # fifty rounds of real syncs, each at the instant program() sets (tests/conftest.py)
def test_fifty_rounds_of_two_laptops_syncing_at_once_keep_every_hours_entry(three):
    """Each round the host and both laptops log an hours entry and mark a client, then both
    laptops sync at the same moment: after 50 rounds the host holds exactly 150 more entries,
    and so does each laptop."""
    import random
    one, two, host, session_id, clients = three
    before = len(hours_uids(host))
    rng = random.Random(20)
    for _round in range(50):
        for n, root in enumerate((one, two, host)):
            log_hours(root, rng.choice(clients), 10 + n)
            mark(root, session_id, rng.choice(clients),
                 rng.choice([Status.PRESENT, Status.LATE, Status.ABSENT]))
        runs = [subprocess.Popen(sync_argv(laptop, host), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for laptop in (one, two)]
        for run in runs:
            out, err = run.communicate(timeout=180)
            assert run.returncode == 0, out + err
    settle(one, two, host=host)
    for root in (one, two, host):
        assert len(hours_uids(root)) == before + 150, root
        assert hours_uids(root) == hours_uids(host)
        assert statuses(root, session_id) == statuses(host, session_id)
        assert invalid(root) == []
    assert "hours.remove" not in audit_actions(host)
