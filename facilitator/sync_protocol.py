"""The sync protocol: length-prefixed JSON messages over the ssh child's stdin and stdout.

Each message is a 4-byte big-endian length and that many bytes of UTF-8 JSON (at most
``MAX_MESSAGE``). Each side's first message is its hello::

    {"hello": "facilitator-sync", "protocol": 1, "version": "0.1.0", "device": "<id>"}

A different ``protocol`` ends the exchange with one sentence naming both versions. Then the
laptop sends requests and the host (``facilitator sync --serve``) answers each one:

    list  {since, wanted}          -> {files: {path: hash}, audit: {month file: sha256}}
    get   {paths}                  -> {files: {path: base64}}
    put_record {path, data, expect} -> {hash, conflicts}
    put_hours  {path, data, base}   -> {origins}
    put_audit  {name, data}         -> {added}
    bye                            -> {}

An answer is ``{"ok": true, ...}`` or ``{"ok": false, "error": sentence}``. File bytes travel
base64-encoded. Nothing here logs or prints a record's content.
"""

from __future__ import annotations

import base64
import json
import struct
import sys
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import facilitator

PROTOCOL = 1
MAGIC = "facilitator-sync"
MAX_MESSAGE = 32 * 1024 * 1024
MAX_FILE = 8 * 1024 * 1024


class ProtocolError(Exception):
    """The other side broke off or said something this side cannot read. One sentence."""


class VersionMismatch(ProtocolError):
    def __init__(self, theirs: dict[str, Any]) -> None:
        super().__init__(
            f"the host runs facilitator {theirs.get('version', '?')} with sync protocol "
            f"{theirs.get('protocol', '?')}; this laptop has facilitator {facilitator.__version__} "
            f"with sync protocol {PROTOCOL} — upgrade the older one.")


def send(stream: BinaryIO, message: dict[str, Any]) -> None:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(body) > MAX_MESSAGE:
        raise ProtocolError(f"a sync message would be {len(body)} bytes, over the {MAX_MESSAGE} limit")
    stream.write(struct.pack(">I", len(body)) + body)
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream: BinaryIO) -> dict[str, Any]:
    """The next message; ``EOFError`` when the other side has gone."""
    (size,) = struct.unpack(">I", _read_exactly(stream, 4))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"the other side sent a {size}-byte message, over the {MAX_MESSAGE} limit")
    try:
        message = json.loads(_read_exactly(stream, size))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtocolError("the other side sent a message that is not JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("the other side sent a message that is not a JSON object")
    return message


def hello(device: str, error: str | None = None) -> dict[str, Any]:
    message = {"hello": MAGIC, "protocol": PROTOCOL, "version": facilitator.__version__, "device": device}
    if error:
        message["error"] = error
    return message


def check_hello(message: dict[str, Any]) -> None:
    if message.get("hello") != MAGIC:
        raise ProtocolError("the other side is not a facilitator sync server")
    if message.get("protocol") != PROTOCOL:
        raise VersionMismatch(message)


def encode(raw: bytes) -> str:
    if len(raw) > MAX_FILE:
        raise ProtocolError(f"a {len(raw)}-byte file is over sync's {MAX_FILE}-byte limit")
    return base64.b64encode(raw).decode("ascii")


def decode(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ProtocolError("a file in a sync message is not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


# --- the host side -------------------------------------------------------------------------

class Server:
    """Answers one laptop's requests against the clinic in ``root``."""

    def __init__(self, root: Path, laptop_device: str) -> None:
        from facilitator.store.sync import device_audit_dir, device_id
        self.root = Path(root)
        self.device = device_id(self.root)
        self.laptop = laptop_device
        self.audit_dir = device_audit_dir(self.root, laptop_device)
        self.received = {"records": 0, "hours": 0, "audit": 0}

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        from facilitator.store import sync as store
        from facilitator.store.sync_merge import merge_hours, merge_record, ordered_tables
        op = request.get("op")
        if op == "list":
            from facilitator.store.audit import AuditLog
            from facilitator.store.integrity import host_answers_heads
            head = host_answers_heads(self.root, AuditLog(self.root / "audit"), self.laptop,
                                      request.get("witnessed"))     # refuses a cut or rewritten log
            since = date.fromisoformat(request["since"]) if request.get("since") else None
            wanted = [str(w) for w in request.get("wanted", [])]
            return {"files": store.list_files(self.root, self.device, since, wanted),
                    "audit": store.audit_listing(self.audit_dir) if self.audit_dir.is_dir() else {},
                    "head": head}
        if op == "get":
            files = {}
            for rel in request.get("paths", [])[:256]:
                path = self.root / store.check_path(str(rel))
                files[rel] = encode(path.read_bytes()) if path.exists() else None
            return {"files": files}
        if op == "put_record":
            rel = store.check_path(str(request["path"]))
            incoming = store.check_record(rel, decode(request["data"]))
            conflicts: list[str] = []

            def remerge(current: dict[str, Any] | None) -> dict[str, Any]:
                if current is None:
                    return ordered_tables(incoming)
                tables, found = merge_record(rel, incoming, current, None)
                conflicts.extend(str(c) for c in found)
                return tables

            digest = store.write_record(self.root, rel, ordered_tables(incoming), request.get("expect"),
                                        remerge)
            self.received["records"] += 1
            return {"hash": digest, "conflicts": conflicts}
        if op == "put_hours":
            from facilitator.store.storage import parse_file_bytes
            rel = store.check_path(str(request["path"]))
            incoming = parse_file_bytes(Path(rel), decode(request["data"]), store.HOURS_KIND)
            base = [str(b) for b in request.get("base") or []]
            origins = store.write_hours(self.root, rel, lambda current: merge_hours(
                current, self.device, incoming, self.laptop, base))
            self.received["hours"] += 1
            return {"origins": origins}
        if op == "put_audit":
            added = store.put_device_audit(self.root, self.laptop, str(request["name"]),
                                           decode(request["data"]))
            from facilitator.store.integrity import host_keeps_device_head
            host_keeps_device_head(self.root, self.audit_dir, self.laptop)
            self.received["audit"] += added
            return {"added": added}
        if op == "bye":
            from facilitator.store.audit import AuditLog
            from facilitator.store.integrity import host_answers_heads
            return {"head": host_answers_heads(self.root, AuditLog(self.root / "audit"), self.laptop, None)}
        raise ProtocolError(f"unknown request {op!r}")


def serve(root: Path, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """``facilitator sync --serve``: one laptop's session, until it says bye or hangs up."""
    from facilitator.errors import explain
    from facilitator.store.files import DamagedFile, StoreBusy
    from facilitator.store.sync import SyncRefused, device_id
    try:
        first = receive(stdin)
    except (EOFError, ProtocolError):
        return 2
    data, error = None, None
    try:
        from facilitator.commands import open_clinic
        data = open_clinic(Path(root))
        device = device_id(Path(root))
    except Exception as err:  # noqa: BLE001 - told to the laptop as one sentence
        device, error = "0" * 16, explain(err)[1]
    send(stdout, hello(device, error))
    try:
        check_hello(first)
    except ProtocolError:
        return 2
    if data is None:
        return 2
    try:
        server = Server(Path(root), str(first.get("device", "")))
    except SyncRefused as err:
        send(stdout, {"ok": False, "error": str(err)})
        return 2
    try:
        while True:
            try:
                request = receive(stdin)
            except EOFError:
                return 0
            if request.get("op") == "bye" and any(server.received.values()):
                # Logged before the last answer, so the head it carries (the laptop keeps it) is final.
                data.record_audit("sync.receive", f"device:{server.laptop}", dict(server.received))
                server.received = dict.fromkeys(server.received, 0)
            try:
                # Each file a laptop's change lands in is audited here, write-ahead (store.commit).
                with data.change("sync.receive", None, {"device": server.laptop}, always=False):
                    reply = {"ok": True, **server.answer(request)}
            except (SyncRefused, DamagedFile, StoreBusy, ProtocolError) as err:
                reply = {"ok": False, "error": str(err)}
            except (KeyError, TypeError, ValueError) as err:
                reply = {"ok": False, "error": f"a malformed {request.get('op')!r} request "
                                               f"({type(err).__name__})"}
            send(stdout, reply)
            if request.get("op") == "bye":
                return 0
    except (BrokenPipeError, EOFError):
        return 0
    finally:
        if any(server.received.values()):
            data.record_audit("sync.receive", f"device:{server.laptop}", dict(server.received))


def serve_stdio(root: Path) -> int:
    """Run the server on this process's stdin/stdout; anything printed goes to stderr."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    return serve(root, stdin, stdout)
