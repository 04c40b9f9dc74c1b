"""Issue #20 case 4, order that survives clocks: an import is stamped like a key press, the
host measures the laptop's clock at every sync (a warning over 2 minutes, a refusal over 10,
nothing lost), and an older laptop gets one sentence. Real processes at chosen instants
(libfaketime) on both sides; every name is invented."""

from __future__ import annotations

import json
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.core.rules import Status
from facilitator.store.running import RunningSession
from facilitator.sync.protocol import PROTOCOL
from tests.conftest import FakeClock
from tests.store._sync_support import (
    DAY,
    GROUP,
    LATER,
    LOCAL_SSH,
    copied_pair,
    copy_clinic,
    fingerprint,
    invalid,
    make_demo,
    open_as,
    program,
    record_of,
    run_session,
    synced,
)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("template") / "clinic")


@pytest.fixture
def pair(tmp_path, demo_template):
    """A laptop that ran today's session unsigned and synced it (built once: copied_pair)."""
    def build(at):
        host = copy_clinic(demo_template, at / "host")
        synced(at / "laptop", host)
        ran = run_session(at / "laptop", sign=False)
        synced(at / "laptop", host)
        return ran
    laptop, host, (session_id, clients) = copied_pair(("clocks", *fingerprint(demo_template)), build, tmp_path)
    return laptop, host, session_id, clients


def status_of(root: Path, session_id: str, client: str) -> str:
    found = [a for a in record_of(root, session_id)["attendance"].values() if a["client_id"] == client]
    return found[0]["status"]


def sync_at(laptop: Path, host: Path, laptop_at: datetime, host_at: datetime = LATER):
    """`facilitator sync` with the laptop's clock at ``laptop_at`` and the host's at ``host_at``."""
    here = program(laptop.parent / "laptop-clock", laptop_at)
    there = program(host.parent / "host-clock", host_at)
    return subprocess.run([str(here), "sync", f"localhost:{host}", "--data", str(laptop),
                           "--remote-command", str(there), "--ssh", LOCAL_SSH],
                          capture_output=True, text=True, timeout=120)


def test_a_correction_imported_on_the_host_after_a_laptop_change_wins(pair, tmp_path):
    """The laptop marks a client late at 11:01; at 11:05 the admin imports that client as
    absent on the host. The import is the later change and is kept on both sides; the
    laptop's is in the record's history."""
    laptop, host, session_id, clients = pair
    data = open_as(laptop, clock=FakeClock(LATER + timedelta(minutes=1)))
    RunningSession(data, data.session_file(session_id)).mark(clients[0], Status.LATE)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"date,group,client_id,status,arrived,left\n{DAY},{GROUP},{clients[0]},absent,,\n")
    done = subprocess.run([str(program(tmp_path / "at-1105", LATER + timedelta(minutes=5))), "attendance",
                           "import", str(sheet), "--data", str(host)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = [a for a in record_of(host, session_id)["attendance"].values() if a["client_id"] == clients[0]]
    assert imported[0]["updated_at"].startswith(f"{DAY}T11:05")     # stamped like a key press
    out = synced(laptop, host)
    assert f"{session_id} client {clients[0]} attendance — kept the later change" in out
    assert status_of(laptop, session_id, clients[0]) == status_of(host, session_id, clients[0]) == "absent"
    history = record_of(host, session_id)["history"].values()
    assert [h["entry"]["status"] for h in history] == ["late"]


def test_a_laptop_clock_three_minutes_fast_syncs_with_a_warning(pair):
    laptop, host, session_id, clients = pair
    data = open_as(laptop, clock=FakeClock(LATER + timedelta(minutes=1)))
    RunningSession(data, data.session_file(session_id)).mark(clients[0], Status.LATE)
    done = sync_at(laptop, host, LATER + timedelta(minutes=3))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: this laptop's clock is 3 minutes ahead of the host's; set it right " \
           "(at more than 10 minutes sync is refused)" in done.stderr
    assert status_of(host, session_id, clients[0]) == "late"


@pytest.mark.parametrize("off, word", [(timedelta(hours=2), "ahead of"), (-timedelta(minutes=11), "behind")])
def test_a_laptop_clock_more_than_ten_minutes_off_is_refused_and_keeps_its_changes(pair, off, word):
    laptop, host, session_id, clients = pair
    data = open_as(laptop, clock=FakeClock(LATER + timedelta(minutes=1)))
    RunningSession(data, data.session_file(session_id)).mark(clients[0], Status.LATE)
    host_before = record_of(host, session_id)
    minutes = round(abs(off).total_seconds() / 60)
    done = sync_at(laptop, host, LATER + off)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == (
        f"facilitator sync: the clinic host refused the sync: this laptop's clock is {minutes} minutes "
        f"{word} the host's "
        f"(more than 10); nothing was pushed or pulled and this laptop keeps its changes: set its clock "
        f"right and sync again")
    assert record_of(host, session_id) == host_before
    assert status_of(laptop, session_id, clients[0]) == "late"
    audit = [json.loads(line) for f in sorted((host / "audit").glob("*.jsonl"))
             for line in f.read_bytes().splitlines() if line.strip()]
    assert audit[-1]["action"] == "sync.refused"
    # Both programs start at their faked instants and then tick on their own from different
    # real moments (the host starts after ssh), so a loaded machine can measure a second less.
    measured = audit[-1]["detail"]["clock_offset_seconds"]
    assert audit[-1]["detail"] == {"clock_offset_seconds": measured}
    assert abs(measured - off.total_seconds()) <= 2
    assert invalid(host) == [] and invalid(laptop) == []
    assert sync_at(laptop, host, LATER).returncode == 0          # the clock set right: it goes
    assert status_of(host, session_id, clients[0]) == "late"


def test_a_laptop_of_the_previous_protocol_gets_the_version_and_the_host_no_traceback(tmp_path, demo_template):
    host = copy_clinic(demo_template, tmp_path / "host")
    body = json.dumps({"hello": "facilitator-sync", "protocol": 3, "version": "0.0.9",
                       "device": "a" * 16}).encode()
    done = subprocess.run([str(program(tmp_path)), "sync", "--serve", "--data", str(host)],
                          input=struct.pack(">I", len(body)) + body, capture_output=True, timeout=60)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    (size,) = struct.unpack(">I", done.stdout[:4])
    answer = json.loads(done.stdout[4:4 + size])
    assert answer["protocol"] == PROTOCOL == 4 and "version" in answer


def test_a_hello_without_a_clock_reading_is_refused_in_one_sentence(tmp_path, demo_template):
    host = copy_clinic(demo_template, tmp_path / "host")
    body = json.dumps({"hello": "facilitator-sync", "protocol": PROTOCOL, "version": "0.1.0",
                       "device": "a" * 16, "now": "not a time"}).encode()
    done = subprocess.run([str(program(tmp_path)), "sync", "--serve", "--data", str(host)],
                          input=struct.pack(">I", len(body)) + body, capture_output=True, timeout=60)
    assert b"Traceback" not in done.stderr
    (size,) = struct.unpack(">I", done.stdout[:4])
    answer = json.loads(done.stdout[4:4 + size])
    assert answer["error"] == "this laptop sent no reading of its clock; upgrade facilitator on it"


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+14:00", "2026-11-24T11:00:00", 20261124, None, "",
                                 "9999-12-31T23:59:59-14:00"])
def test_a_hostile_clock_reading_is_one_sentence_never_a_crash(now):
    """What a hand-made laptop might send as its clock: the host refuses in one sentence."""

    from facilitator.sync import protocol as proto
    host_now = LATER.astimezone(UTC)
    message = {"hello": proto.MAGIC, "protocol": PROTOCOL, "device": "a" * 16, "now": now}
    try:
        offset = proto.clock_offset(message, host_now)
    except proto.ProtocolError as err:
        assert str(err) == "this laptop sent no reading of its clock; upgrade facilitator on it"
    else:
        assert "more than 10" in proto.clock_refusal(offset)
    # and what a hostile host might answer: the laptop's warning stays a sentence
    for seconds in (10**30, -10**30, True, "600", 121):
        warning = proto.clock_warning(seconds)
        assert warning is None or warning.startswith("this laptop's clock is ")
