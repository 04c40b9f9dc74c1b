"""Sync as a clinic of real OS accounts: every pushed change is authorized as the ssh account.

The host is the invented demo clinic plus three accounts made here with useradd
(``fct_sy_c1`` and ``fct_sy_c2`` counselors, ``fct_sy_sup`` a supervisor). Each push is answered
by ``facilitator sync --serve`` running *as that account* (``runuser``): its role and name
come from the host's clinic.json, never the laptop's.

Each attack from issue 11 goes two routes: the stock client on a laptop whose files the
attacker edited (through ``runuser`` and, for (a) and (b), through a loopback OpenSSH as each
account's key login), and a hand-made client speaking the wire protocol. Either way every forged
change is refused, reported by record id and reason, audited on the host, and leaves the
host's copy of that part as it was, while a legitimate change in the same push lands.

Until the shared-group permissions of issue 11 land (another branch), the host directory is
handed to the account about to push (``chown -R``), as a clinic host's group would.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from facilitator.core import notes as core_notes
from facilitator.core.hours import OtherHours
from facilitator.core.rules import Status
from facilitator.store import otherhours
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from facilitator.sync import files as sync_files
from facilitator.sync import protocol as proto
from facilitator.sync.client import laptop_clock, record_changes
from facilitator.sync.merge import ordered_tables, record_parts, short_hash, tables_from_parts
from tests.e2e import accounts
from tests.faketime import libfaketime, program_at
from tests.store._support import bare_binding
from tests.store._sync_support import GROUP, LATER, LOCAL_SSH, invalid, make_demo, open_as, record_of, run_sync

pytestmark = pytest.mark.e2e

C1, C2, SUP = "fct_sy_c1", "fct_sy_c2", "fct_sy_sup"
BODY = "Invented note text, never to be seen in a refusal."


@pytest.fixture(scope="module")
def runtime():
    yield from accounts.runtime_for((C1, C2, SUP), "sync tests")


@pytest.fixture(scope="module")
def account_sshd(runtime):
    """A loopback sshd whose authorized_keys every account can read (sshd reads it as the
    user logging in), in a directory outside pytest's private temp dir."""
    from tests.e2e.sshd import SshServer
    reason = SshServer.unavailable()
    if reason:
        print(f"skipping the OpenSSH forgery tests: {reason}")
        pytest.skip(reason)
    server = SshServer(accounts.world_dir("fct-sshd-") / "sshd").start()
    server.dir.chmod(0o711)
    (server.dir / "authorized_keys").chmod(0o644)
    yield server
    server.stop()
    subprocess.run(["rm", "-rf", str(server.dir.parent)], check=True)


@pytest.fixture(scope="module")
def template(runtime):
    """The demo clinic with the three staff accounts and today's session run by C1 and C2:
    note 0 a draft of C1's, note 1 signed by C1 and co-signed by SUP, notes 2 and 3 signed."""
    base = accounts.world_dir("fct-sync-template-")
    root = make_demo(base / "clinic")
    for user, role in ((C1, "counselor"), (C2, "counselor"), (SUP, "supervisor")):
        add_staff(open_as(root), user, f"Invented {role.title()}", role)
    data = open_as(root, C1)
    running = start_session(data, GROUP)
    with data.change("session.facilitators", running.session_id):
        running.file.update_header(lambda h: h.with_changes(facilitators=(C1, C2)))
    clients = running.record().roster
    assert len(clients) >= 4
    for client in clients:
        running.mark(client, Status.PRESENT)
    book = NoteBook(data, running.file)
    for client in clients[:4]:
        book.save_draft(client, BODY)
    for client in clients[1:4]:
        book.sign(client)
    NoteBook(open_as(root, SUP), running.file).cosign(clients[1])
    yield root, running.session_id, clients
    subprocess.run(["rm", "-rf", str(base)], check=True)


@pytest.fixture
def host(template, tmp_path):
    root, session_id, clients = template
    copy = accounts.world_dir("fct-sync-host-") / "clinic"
    subprocess.run(["cp", "-a", str(root), str(copy)], check=True)
    yield copy, session_id, clients
    subprocess.run(["rm", "-rf", str(copy.parent)], check=True)


def hand_to(user: str, root: Path) -> None:
    subprocess.run(["chown", "-R", f"{user}:", str(root)], check=True)


def local_ssh_as(user: str) -> str:
    """An `ssh` stand-in: runs the remote command as ``user`` (a real process of that account)."""
    # The laptop runs under libfaketime (tests/faketime.py), whose shared start-time
    # semaphore belongs to root: runuser runs without it, and the account's command gets
    # libfaketime back (as_account does the same for a process the test starts itself).
    lib = libfaketime()
    preload = ["env", f"LD_PRELOAD={lib}"] if lib else []
    return shlex.join(["env", "-u", "LD_PRELOAD", "-u", "FAKETIME_SHARED", "runuser", "-u", user, "--",
                       *preload, "sh", "-c", 'eval "$2"', "localssh"])


def host_program(runtime) -> str:
    """The host's facilitator for an sshd login, run at the laptop's instant (``LATER``).

    sshd passes the laptop's libfaketime settings on to nobody, and a host whose clock is
    days from the laptop's refuses the sync (issue #20: a clock more than 10 minutes off), so
    the remote command is a wrapper, in a folder every account can enter, that fakes it too."""
    return str(program_at(accounts.world_dir("fct-host-at-"), LATER, runtime.bin))


def stock_sync(runtime, laptop: Path, root: Path, user: str) -> subprocess.CompletedProcess:
    hand_to(user, root)
    return run_sync(laptop, root, ssh=local_ssh_as(user), remote=str(runtime.bin))


def rel_of(session_id: str) -> str:
    return f"records/{session_id[:4]}/{session_id[5:7]}/{session_id}.json"


def host_record(root: Path, session_id: str) -> dict:
    return record_of(root, session_id)


def audit_lines(root: Path, action: str) -> list[dict]:
    found = []
    for path in sorted((root / "audit").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if entry["action"] == action:
                found.append(entry)
    return found


# --- the attacks: each changes some parts of a record; one change in each is legitimate --------

def _note(parts, client) -> core_notes.Note:
    return core_notes.Note.from_dict(parts[f"note:{client}"])


def attack_a(parts: dict, clients: tuple, now) -> tuple[dict, list[str], str]:
    """Supervisor: rewrites C1's signed note with a recomputed hash, forges a co-signature in
    C2's name, marks a client absent; co-signs another note in their own name (legitimate)."""
    rewritten = core_notes.Note.from_dict(dict(parts[f"note:{clients[1]}"], body="Invented rewrite."))
    rewritten = core_notes.Note(**{**rewritten.__dict__, "content_hash": core_notes.note_hash(rewritten)})
    rewritten = core_notes.Note(**{**rewritten.__dict__, "cosign_hash": core_notes.cosign_hash(
        rewritten.content_hash, rewritten.cosigned_by, rewritten.cosigned_at)})
    forged = core_notes.cosign(_note(parts, clients[3]), C2, now)
    absent = dict(parts[f"att:{clients[0]}"], status=str(Status.ABSENT), arrived=None, left=None,
                  updated_at=now.isoformat())
    legit = core_notes.cosign(_note(parts, clients[2]), SUP, now)
    changes = {f"note:{clients[1]}": rewritten.to_dict(), f"note:{clients[3]}": forged.to_dict(),
               f"att:{clients[0]}": absent, f"note:{clients[2]}": legit.to_dict()}
    return changes, [f"att:{clients[0]}", f"note:{clients[1]}", f"note:{clients[3]}"], f"note:{clients[2]}"


def attack_b(parts: dict, clients: tuple, now) -> tuple[dict, list[str], str]:
    """Counselor C2: signs C1's draft in C1's name, strips SUP's co-signature; marks a client
    late in the session they co-facilitate (legitimate)."""
    signed = core_notes.sign(_note(parts, clients[0]), C1, now)
    stripped = dict(parts[f"note:{clients[1]}"], cosigned_by=None, cosigned_at=None, cosign_hash=None)
    late = dict(parts[f"att:{clients[2]}"], status=str(Status.LATE), arrived=now.isoformat(),
                updated_at=now.isoformat())
    changes = {f"note:{clients[0]}": signed.to_dict(), f"note:{clients[1]}": stripped,
               f"att:{clients[2]}": late}
    return changes, [f"note:{clients[0]}", f"note:{clients[1]}"], f"att:{clients[2]}"


ATTACKS = {"a": (SUP, attack_a), "b": (C2, attack_b)}


def forge(parts: dict, changes: dict) -> dict:
    return {**parts, **changes}


def _unknown_session(session_id: str) -> tuple[str, dict]:
    """(c): a session of a group the host has never had, for a client it has never had."""
    ghost_id = session_id[:16] + "ghost-group"
    header = {"session_id": ghost_id, "group": "Ghost Group", "day": session_id[:10],
              "scheduled_start": f"{session_id[:10]}T{session_id[11:13]}:{session_id[13:15]}:00+00:00",
              "scheduled_end": f"{session_id[:10]}T23:00:00+00:00", "plan_id": None,
              "facilitators": [C1], "actual_start": None, "actual_end": None, "state": "ended",
              "source": "import"}
    attendance = {"client_id": "Z999", "status": "present", "arrived": None, "left": None,
                  "picks": [], "text": ""}
    return ghost_id, {"header": header, "att:Z999": attendance}


def check_outcome(root: Path, session_id: str, before: dict, changes: dict, refused: list[str],
                  legit: str, told: str) -> None:
    after = record_parts(host_record(root, session_id))
    for part in refused:
        assert after[part] == before[part], f"{part} changed on the host"
        assert f"{session_id} {part}: " in told, (part, told)
    assert after[legit] == changes[legit], "the legitimate change did not land"
    audited = [(e["record"], e["detail"]["part"], e["detail"]["client"]) for e in audit_lines(root, "sync.refused")
               if e["record"] == session_id]
    assert sorted(audited) == sorted((session_id,) + tuple(p.split(":")) for p in refused)
    assert "Invented" not in told and BODY not in json.dumps(audit_lines(root, "sync.refused"))
    assert invalid(root) == []


# --- route 1: the stock client on an edited laptop ------------------------------------------

def _stock_attack(runtime, root: Path, session_id: str, clients: tuple, laptop: Path, attack: str,
                  push) -> None:
    """Clone with the stock client, edit the laptop's files as the attacker, sync, check."""
    user, make = ATTACKS[attack]
    cloned = push()
    assert cloned.returncode == 0, cloned.stdout + cloned.stderr
    before = record_parts(host_record(root, session_id))
    now = open_as(laptop).now() + timedelta(minutes=5)
    changes, refused, legit = make(before, clients, now)
    rel = rel_of(session_id)
    history = ordered_tables(record_of(laptop, session_id)).get("history", [])
    with bare_binding(laptop):       # the attacker writes the laptop's files, not through its store
        sync_files.write_record(laptop, rel, {}, "(forge)", lambda current: tables_from_parts(
            forge(record_parts(current), changes), history))
        if attack == "a":        # and 600 minutes of individual hours, logged straight into the file
            otherhours.add(laptop / "hours", OtherHours(clients[0], now.date(), 600, "individual"))
    done = push()
    assert done.returncode == 1, done.stdout + done.stderr
    told = done.stdout
    check_outcome(root, session_id, before, changes, refused, legit, told)
    assert {e["user"] for e in audit_lines(root, "sync.refused")} == {user}
    if attack == "a":
        assert "hours:" in told and "hours" in told.split("hours:", 1)[1]
        assert not (root / "hours").exists() or not otherhours.between(root / "hours", now.date(), now.date())[0]
        assert [e["detail"]["part"] for e in audit_lines(root, "sync.refused")].count("hours") == 1


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_stock_client_forgeries_are_refused_reported_and_audited(runtime, host, tmp_path, attack):
    root, session_id, clients = host
    user = ATTACKS[attack][0]
    laptop = tmp_path / "laptop"
    _stock_attack(runtime, root, session_id, clients, laptop, attack,
                  lambda: stock_sync(runtime, laptop, root, user))


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_over_real_openssh_the_host_acts_as_the_ssh_login(runtime, host, tmp_path, account_sshd, attack):
    """The same attacks through a loopback sshd, each account logging in with a key."""
    root, session_id, clients = host
    user = ATTACKS[attack][0]
    laptop = tmp_path / "laptop"

    def push():
        hand_to(user, root)
        return run_sync(laptop, root, ssh=shlex.join(account_sshd.ssh_argv()[:-1]), target=f"{user}@127.0.0.1",
                        remote=host_program(runtime))

    _stock_attack(runtime, root, session_id, clients, laptop, attack, push)


def test_stock_client_an_unknown_group_and_client_never_reach_the_host(runtime, host, tmp_path):
    root, session_id, clients = host
    laptop = tmp_path / "laptop"
    assert stock_sync(runtime, laptop, root, C1).returncode == 0
    ghost_id, parts = _unknown_session(session_id)
    before = record_parts(host_record(root, session_id))
    mark = dict(before[f"att:{clients[3]}"], status=str(Status.EXCUSED), arrived=None, left=None)
    with bare_binding(laptop):       # the attacker writes the laptop's files, not through its store
        sync_files.write_record(laptop, rel_of(ghost_id), tables_from_parts(parts, []), None, lambda current: {})
        sync_files.write_record(laptop, rel_of(session_id), {}, "(forge)", lambda current: tables_from_parts(
            forge(record_parts(current), {f"att:{clients[3]}": mark}), ordered_tables(current).get("history", [])))
    done = stock_sync(runtime, laptop, root, C1)
    assert done.returncode == 1 and f"refused: {ghost_id} header: there is no group 'Ghost Group'" in done.stdout
    assert not (root / rel_of(ghost_id)).exists()
    assert record_parts(host_record(root, session_id))[f"att:{clients[3]}"] == mark
    assert [e["record"] for e in audit_lines(root, "sync.refused")] == [ghost_id]
    billing = subprocess.run(runtime.argv(C1, "export", "billing", "--from", session_id[:10], "--to",
                                          session_id[:10], "--data", root), capture_output=True, text=True)
    assert "Z999" not in billing.stdout and billing.returncode in (0, 1), billing.stderr


# --- route 2: a hand-made protocol client ------------------------------------------------------

class WireClient:
    """Speaks the sync protocol straight to `facilitator sync --serve` run as ``user``."""

    def __init__(self, runtime, root: Path, user: str, device: str = "ab" * 8) -> None:
        hand_to(user, root)
        self.process = subprocess.Popen(runtime.argv(user, "sync", "--serve", "--data", root),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        # This hand-made device's clock, as the stock client sends it (the host runs at the
        # same instant: both are real processes of this machine, under the suite's faketime).
        proto.send(self.process.stdin, proto.hello(device, now=laptop_clock()))
        self.hello = proto.receive(self.process.stdout)
        assert not self.hello.get("error"), self.hello

    def call(self, op: str, **fields) -> dict:
        proto.send(self.process.stdin, {"op": op, **fields})
        return proto.receive(self.process.stdout)

    def close(self) -> int:
        self.call("bye")
        self.process.stdin.close()
        return self.process.wait(timeout=30)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hand_made_client_forgeries_are_refused_reported_and_audited(runtime, host, attack):
    root, session_id, clients = host
    user, make = ATTACKS[attack]
    current = host_record(root, session_id)
    before = record_parts(current)
    now = open_as(root).now() + timedelta(minutes=5)
    changes, refused, legit = make(before, clients, now)
    wire = WireClient(runtime, root, user)
    tables = tables_from_parts(forge(before, changes), ordered_tables(current).get("history", []))
    reply = wire.call("put_changes", path=rel_of(session_id), changes=record_changes(current, tables))
    assert reply["ok"], reply
    told = "\n".join(f"{r['record']} {r['part']}: {r['reason']}" for r in reply["refused"])
    if attack == "a":
        month = f"{now.date():%Y-%m}"
        hours = wire.call("put_hours", path=f"hours/{month}.json", add=[{
            "client_id": clients[0], "day": now.date().isoformat(), "minutes": 600, "kind": "individual",
            "uid": "f" * 32}], remove=[])
        assert hours["ok"] and hours["refused"][0]["record"] == f"hours:{month}:{'f' * 32}"
        assert "supervisor" in hours["refused"][0]["reason"] and not (root / "hours" / f"{month}.json").exists()
        assert hours["uids"] == []
    assert wire.close() == 0
    hand_to("root", root)
    check_outcome(root, session_id, before, changes, refused, legit, told)


def test_hand_made_client_an_unknown_group_and_client_are_refused(runtime, host):
    root, session_id, clients = host
    ghost_id, parts = _unknown_session(session_id)
    wire = WireClient(runtime, root, C1)
    reply = wire.call("put_changes", path=rel_of(ghost_id), changes=record_changes(
        None, tables_from_parts(parts, [])))
    current = host_record(root, session_id)
    mark = dict(record_parts(current)[f"att:{clients[3]}"], status=str(Status.EXCUSED))
    legit = wire.call("put_changes", path=rel_of(session_id), changes=[
        {"part": f"att:{clients[3]}", "was": short_hash(record_parts(current)[f"att:{clients[3]}"]),
         "value": mark}])
    assert wire.close() == 0
    assert reply["ok"] and [r["part"] for r in reply["refused"]] == ["header"]
    assert "there is no group 'Ghost Group'" in reply["refused"][0]["reason"]
    assert legit["ok"] and legit["refused"] == [] and legit["stale"] == []
    assert not (root / rel_of(ghost_id)).exists()
    assert record_parts(host_record(root, session_id))[f"att:{clients[3]}"] == mark


def test_hand_made_client_bad_paths_and_audit_lines_are_refused_before_anything_is_written(runtime, host):
    root, session_id, clients = host
    wire = WireClient(runtime, root, C1)
    day = session_id[:10]
    for path in (f"records/{day[:4]}/{day[5:7]}/{day}-1800-x.json\n",
                 f"records/{day[:4]}/{day[5:7]}/{day[:3]}\u0663-{day[5:]}-1800-x.json",
                 f"records/{day[:4]}/01/{day}-1800-x.json" if day[5:7] != "01" else
                 f"records/{day[:4]}/02/{day}-1800-x.json",
                 "records/../clinic.json", "hours/2026-13.json"):
        reply = wire.call("put_changes", path=path, changes=[])
        assert not reply["ok"] and "is not a file sync exchanges" in reply["error"], path
        assert not reply["ok"]
    clinic_before = (root / "clinic.json").read_bytes()
    for op, fields in (("put_changes", {"path": "clinic.json", "changes": []}),
                       ("put_record", {"path": "clinic.json", "data": proto.encode(b"{}")}),
                       ("put_file", {"path": "plans/x.toml", "data": proto.encode(b"")})):
        reply = wire.call(op, **fields)
        assert not reply["ok"] and ("is not a session record" in reply["error"] or
                                    "unknown request" in reply["error"]), op
    assert (root / "clinic.json").read_bytes() == clinic_before and not (root / "plans" / "x.toml").exists()
    host_device = wire.hello["device"]
    junk = wire.call("put_audit", name="2026-11.jsonl", data=proto.encode(b"not json\n"))
    assert not junk["ok"] and "line 1, is not an audit entry (not JSON)" in junk["error"]
    own = wire.close()
    assert own == 0
    as_host = WireClient(runtime, root, C1, device=host_device)
    reply = as_host.call("put_audit", name="2026-11.jsonl", data=proto.encode(b"{}\n"))
    assert not reply["ok"] and "host's own device id" in reply["error"]
    assert as_host.close() == 0
    assert not (root / "audit" / "devices").exists() or not any((root / "audit" / "devices").rglob("*.jsonl"))


# --- (d) a supervisor who called themself a counselor in the laptop's clinic.json -------------------

def test_a_laptop_clinic_json_saying_counselor_puts_no_hours_into_the_hosts_week(runtime, host):
    root, session_id, clients = host
    laptop = accounts.world_dir("fct-sync-laptop-") / "clinic"
    laptop.mkdir()
    hand_to(SUP, laptop)
    try:
        hand_to(SUP, root)
        cloned = subprocess.run(runtime.argv(SUP, "sync", f"localhost:{root}", "--data", laptop,
                                             "--remote-command", runtime.bin, "--ssh", LOCAL_SSH),
                                capture_output=True, text=True)      # the laptop is already SUP
        assert cloned.returncode == 0, cloned.stderr
        week_before = _week(runtime, root, _a_meeting_the_host_has_no_record_of(root)[0])
        clinic = json.loads((laptop / "clinic.json").read_text())
        for doc in clinic["staff"].values():
            if doc["user"] == SUP:
                doc["role"] = "counselor"
        (laptop / "clinic.json").write_text(json.dumps(clinic))
        day, group, enrolled = _a_meeting_the_host_has_no_record_of(root)
        csv = laptop.parent / "attendance.csv"
        csv.write_text("date,group,client_id,status,arrived,left\n" + "".join(
            f"{day},{group},{c},present,,\n" for c in enrolled[:3]))
        csv.chmod(0o644)
        imported = subprocess.run(runtime.argv(SUP, "attendance", "import", csv, "--data", laptop),
                                  capture_output=True, text=True)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        pushed = subprocess.run(runtime.argv(SUP, "sync", "--data", laptop, "--remote-command", runtime.bin,
                                             "--ssh", LOCAL_SSH), capture_output=True, text=True)
        assert pushed.returncode == 1, pushed.stdout + pushed.stderr
        assert "is a supervisor on the host" in pushed.stdout
        hand_to("root", root)
        assert _week(runtime, root, day) == week_before
        refused = audit_lines(root, "sync.refused")
        assert refused and all(e["user"] == SUP and e["detail"]["part"] == "header" for e in refused)
        # and the laptop's clinic.json is the host's again
        assert json.loads((laptop / "clinic.json").read_text()) != clinic
    finally:
        subprocess.run(["rm", "-rf", str(laptop.parent)], check=True)


def _a_meeting_the_host_has_no_record_of(root: Path):
    """The latest weekday meeting (up to two weeks back) the host holds no record of, and the
    ids of the clients enrolled in that group that day."""
    from datetime import datetime

    from facilitator.core.session import session_id_for
    from facilitator.store.records import record_path
    data = open_as(root)
    snapshot = data.snapshot()
    today = data.now().date()
    for back in range(14):
        day = today - timedelta(days=back)
        for group in snapshot.groups.values():
            start = datetime.combine(day, group.start, snapshot.settings.tz)
            if not group.meetings(day, day, snapshot.settings.tz):
                continue
            if record_path(root / "records", session_id_for(group.name, start)).exists():
                continue
            enrolled = [c.client_id for c in snapshot.enrolled(group.name, day)]
            if len(enrolled) >= 3:
                return day, group.name, enrolled
    raise AssertionError("the demo has no meeting without a record in the last two weeks")


def _week(runtime, root: Path, day) -> dict:
    done = subprocess.run(runtime.argv("root", "report", "week", "--date", day, "--format", "json",
                                       "--data", root),
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return {row["client_id"]: row["attended_hours"] for row in json.loads(done.stdout)["clients"]}
