"""Bounded everything in sync (issue #21): what a hand-made client can make the host's
``facilitator sync --serve`` spend. Each attack is a real server process (or, for the read
deadline, the real server code on a real pipe with a short deadline) fed raw frames.

Memory is measured as the finished server's own peak resident size (``os.wait4``'s rusage)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from facilitator.sync import protocol as proto
from facilitator.sync.server import serve
from tests.store._sync_support import LATER, copy_clinic, make_demo, program

BIN = Path(sys.executable).parent / "facilitator"
CEILING_KB = 150 * 1024    # parsing 11 MB of [] takes ~250 MB more; a 32 MB frame of it, 1.5 GB


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("template") / "clinic")


def _server(root: Path, faked: bool = False) -> subprocess.Popen:
    here = str(program(root.parent)) if faked else str(BIN)
    return subprocess.Popen([here, "sync", "--serve", "--data", str(root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# The server's peak is read by a small Python that starts it and waits for it. Read by the test's
# own process (a pytest worker of some hundred MB), the child's ru_maxrss would count the
# worker's pages it was forked with, which exec does not reset (310 MB measured so in a full run).
_MEASURE = ("import os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[1:])\n"
            "_, status, usage = os.wait4(p.pid, 0)\n"
            "sys.stderr.write(f'\\npeak-kb {usage.ru_maxrss}\\n')\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")


def _measured_server(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _MEASURE, str(BIN), "sync", "--serve", "--data", str(root)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _peak_kb_after(process: subprocess.Popen) -> tuple[int, int]:
    """(exit code, peak resident kB) of the server started by ``_measured_server``, once ended."""
    process.stdout.read()                       # a one-line refusal at most
    err = process.stderr.read()
    process.wait(timeout=120)
    peak = int(err.decode().rsplit("peak-kb ", 1)[1].split()[0])
    return process.returncode, peak


def _feed(process: subprocess.Popen, raw: bytes) -> None:
    try:
        process.stdin.write(raw)
        process.stdin.close()
    except BrokenPipeError:          # the server stopped reading: what a bounded one does
        pass


def test_a_frame_claiming_more_than_a_request_is_refused_before_any_byte_is_read(tmp_path):
    server = _server(tmp_path / "none")
    server.stdin.write(struct.pack(">I", proto.MAX_MESSAGE))     # and then nothing at all
    server.stdin.flush()
    assert server.wait(timeout=20) == 2                              # not waiting for 32 MB
    server.stdin.close()
    assert server.stdout.read() == b""


@pytest.mark.parametrize("size", [proto.MAX_REQUEST, proto.MAX_MESSAGE])
def test_a_frame_of_empty_lists_costs_its_bytes_not_gigabytes(tmp_path, size):
    body = b"[" + b"[]," * (size // 3 - 1) + b"[]]"
    assert len(body) <= size
    server = _measured_server(tmp_path / "none")
    _feed(server, struct.pack(">I", len(body)) + body)
    code, peak = _peak_kb_after(server)
    assert code == 2 and peak < CEILING_KB


def test_a_deeply_nested_frame_is_no_traceback(tmp_path):
    body = b"[" * 200_000 + b"]" * 200_000
    server = _server(tmp_path / "none")
    _feed(server, struct.pack(">I", len(body)) + body)
    assert server.wait(timeout=60) == 2
    assert b"Traceback" not in server.stderr.read()


def test_receive_checks_the_length_against_its_limit_before_reading_the_body():
    read, write = os.pipe()
    with os.fdopen(read, "rb", buffering=0) as stream, os.fdopen(write, "wb") as out:
        body = b'{"a":[' + b"1," * 20 + b"1]}"
        out.write(struct.pack(">I", len(body)) + body)
        out.write(struct.pack(">I", 11) + b'{"ok":true}')
        out.flush()
        with pytest.raises(proto.ProtocolError, match="over the 10-byte limit"):
            proto.receive(stream, limit=10)


def _serve_in_thread(root: Path, stdin, stdout, **deadlines) -> tuple[threading.Thread, list[int]]:
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(serve(root, stdin, stdout, **deadlines)),
                              daemon=True)
    thread.start()
    return thread, codes


def test_a_client_that_never_sends_its_hello_is_dropped_at_the_deadline(tmp_path):
    """The default is 30 s (HELLO_DEADLINE); here 0.2 s, on a real pipe left open and silent."""
    assert proto.HELLO_DEADLINE == 30.0
    read, write = os.pipe()
    back_read, back_write = os.pipe()
    with os.fdopen(read, "rb", buffering=0) as stdin, os.fdopen(back_write, "wb") as stdout:
        thread, codes = _serve_in_thread(tmp_path, stdin, stdout, hello_deadline=0.2)
        thread.join(timeout=20)
        assert not thread.is_alive() and codes == [2]
    os.close(write)
    os.close(back_read)


def test_half_a_frame_then_silence_is_dropped_at_the_deadline(tmp_path):
    read, write = os.pipe()
    back_read, back_write = os.pipe()
    os.write(write, struct.pack(">I", 100) + b'{"hello"')
    with os.fdopen(read, "rb", buffering=0) as stdin, os.fdopen(back_write, "wb") as stdout:
        thread, codes = _serve_in_thread(tmp_path, stdin, stdout, hello_deadline=0.2)
        thread.join(timeout=20)
        assert not thread.is_alive() and codes == [2]
    os.close(write)
    os.close(back_read)


class Wire:
    """A hand-made laptop: the protocol's frames straight to a real server at ``LATER``."""

    def __init__(self, root: Path) -> None:
        self.process = _server(root, faked=True)
        proto.send(self.process.stdin, proto.hello("cd" * 8, now=LATER))
        self.hello = proto.receive(self.process.stdout)
        assert not self.hello.get("error"), self.hello

    def call(self, op: str, **fields) -> dict:
        proto.send(self.process.stdin, {"op": op, **fields})
        return proto.receive(self.process.stdout)

    def close(self) -> int:
        self.process.stdin.close()
        return self.process.wait(timeout=30)


def test_a_push_of_too_many_parts_is_refused_whole_and_the_sync_goes_on(template, tmp_path):
    host = copy_clinic(template, tmp_path / "host")
    wire = Wire(host)
    changes = [{"part": f"att:c{i}", "was": None, "value": None} for i in range(proto.MAX_CHANGES + 1)]
    reply = wire.call("put_changes", path="records/2026/11/2026-11-24-0900-php-day.json", changes=changes)
    assert reply["ok"] is False and f"limit of {proto.MAX_CHANGES}" in reply["error"]
    assert not (host / "records/2026/11/2026-11-24-0900-php-day.json").exists()
    many = [{"uid": f"{i:032x}"} for i in range(proto.MAX_HOURS_CHANGES + 1)]
    reply = wire.call("put_hours", path="hours/2026-11.json", add=many, remove=[])
    assert reply["ok"] is False and f"limit of {proto.MAX_HOURS_CHANGES}" in reply["error"]
    assert wire.call("list", since=None, wanted=[])["ok"] is True
    assert wire.close() == 0


def test_an_oversized_request_after_the_hello_is_answered_once_and_the_server_ends(template, tmp_path):
    host = copy_clinic(template, tmp_path / "host")
    wire = Wire(host)
    wire.process.stdin.write(struct.pack(">I", proto.MAX_REQUEST + 1))
    wire.process.stdin.flush()
    reply = proto.receive(wire.process.stdout)
    assert reply["ok"] is False and "limit" in reply["error"]
    assert wire.process.wait(timeout=20) == 2


# --- issue #21 case 5: a pull is a disclosure ------------------------------------------------

def _audit(root: Path) -> list[dict]:
    import json
    return [json.loads(line) for path in sorted((root / "audit").glob("*.jsonl"))
            for line in path.read_text().splitlines()]


def _clients_and_bodies(host: Path, records: list[str]) -> tuple[set[str], list[str]]:
    """The client ids attending the records, and their notes' bodies."""
    import json
    tables = [json.loads((host / rel).read_bytes()) for rel in records]
    held = {d["client_id"] for t in tables for d in t.get("attendance", {}).values()}
    return held, [n["body"] for t in tables for n in t.get("notes", {}).values()]


def test_a_sync_get_is_audited_as_a_disclosure_by_ids_and_listed_for_each_client(template, tmp_path):
    import json
    host = copy_clinic(template, tmp_path / "host")
    wire = Wire(host)
    listing = wire.call("list", since="2026-11-01", wanted=[])
    records = sorted(p for p in listing["files"] if p.startswith("records/"))[-3:]
    plans = sorted(p for p in listing["files"] if p.startswith("recovery/"))[:1]
    assert records and plans
    reply = wire.call("get", paths=records + plans)
    assert reply["ok"] is True and all(reply["files"].values())
    assert wire.call("get", paths=["records/2020/01/2020-01-06-0900-no-such.json"])["ok"] is True
    assert wire.close() == 0
    pulls = [e for e in _audit(host) if e["action"] == "disclose.sync"]
    assert len(pulls) == 1                               # nothing sent, nothing disclosed
    detail = pulls[0]["detail"]
    sessions = [Path(p).stem for p in records]
    assert pulls[0]["record"] == "device:" + "cd" * 8 and detail["sessions"] == sessions
    assert detail["files"] == 4
    held, bodies = _clients_and_bodies(host, records)
    assert held <= set(detail["clients"]) and Path(plans[0]).stem in detail["clients"]
    assert bodies and not any(body in json.dumps(pulls) for body in bodies)
    client = sorted(held)[0]
    done = subprocess.run([str(program(tmp_path)), "audit", "--client", client, "--format", "json",
                           "--data", str(host)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "disclose.sync" in [e["action"] for e in json.loads(done.stdout)["entries"]]


# --- issue #21 case 4: a FIFO where the server reads never holds it (or its lock) -------------

def test_a_fifo_as_witnesses_json_is_named_to_the_laptop_and_the_server_ends(template, tmp_path):
    host = copy_clinic(template, tmp_path / "host")
    (host / "witnesses.json").unlink(missing_ok=True)
    os.mkfifo(host / "witnesses.json")
    wire = Wire(host)
    reply = wire.call("list", since="2026-11-01", wanted=[])     # before: blocked, holding the lock
    assert reply["ok"] is False and "witnesses.json is damaged" in reply["error"]
    assert "FIFO" in reply["error"]
    assert wire.close() == 0


def test_a_fifo_as_a_laptops_audit_copy_is_refused_by_name(template, tmp_path):
    host = copy_clinic(template, tmp_path / "host")
    folder = host / "audit" / "devices" / ("cd" * 8)
    folder.mkdir(parents=True)
    os.mkfifo(folder / "2026-11.jsonl")
    wire = Wire(host)
    line = b'{"seq": 1}\n'
    reply = wire.call("put_audit", name="2026-11.jsonl", data=proto.encode(line))
    assert reply["ok"] is False and "2026-11.jsonl cannot be read" in reply["error"], reply
    assert wire.call("list", since="2026-11-01", wanted=[])["ok"] is True
    assert wire.close() == 0
