"""The host's side of a sync (``facilitator sync --serve``): answers one laptop's requests.

The framing and message shapes are in ``facilitator.sync.protocol``; the file side (which
files take part, writing merged copies under their locks) in ``facilitator.sync.files``.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir

from facilitator.store.integrity import WitnessBroken
from facilitator.sync.protocol import (
    MAGIC,
    PROTOCOL,
    ProtocolError,
    check_hello,
    clock_offset,
    clock_refusal,
    decode,
    encode,
    hello,
    receive,
    send,
)

DEVICE = re.compile(r"[0-9a-f]{16,64}", re.ASCII)     # a device id as audit lines may carry it


class Server:
    """Answers one laptop's requests against the clinic in ``root``."""

    def __init__(self, root: Path, laptop_device: str, data: DataDir) -> None:
        from facilitator.sync.files import device_audit_dir, device_id
        self.root = Path(root)
        self.data = data            # opened as the ssh account: every change is authorized as it
        self.device = device_id(self.root)
        self.laptop = laptop_device
        self.audit_dir = device_audit_dir(self.root, laptop_device)
        self.received = {"records": 0, "hours": 0, "recovery": 0, "audit": 0, "refused": 0}

    def _count(self, reply: dict[str, Any], what: str) -> None:
        self.received[what] += 1
        self.received["refused"] += len(reply.get("refused", []))

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        from facilitator.sync import files as store
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
                raw = store.read_for_sync(path)
                files[rel] = encode(raw) if raw is not None else None
            return {"files": files}
        if op == "put_changes":
            from facilitator.sync.apply import apply_record_changes
            reply = apply_record_changes(self.data, str(request["path"]), request["changes"])
            self._count(reply, "records")
            return reply
        if op == "put_hours":
            from facilitator.sync.apply import apply_hours_changes
            reply = apply_hours_changes(self.data, str(request["path"]), self.device,
                                        request.get("add") or [], request.get("remove") or [])
            self._count(reply, "hours")
            return reply
        if op == "put_plan":
            from facilitator.sync.apply import apply_plan_change
            reply = apply_plan_change(self.data, str(request["path"]), request.get("was"), request.get("value"))
            self._count(reply, "recovery")
            return reply
        if op == "put_audit":
            added = store.put_device_audit(self.root, self.laptop, request["name"],
                                           decode(request["data"]), self.device)
            from facilitator.store.integrity import host_keeps_device_head
            host_keeps_device_head(self.root, self.audit_dir, self.laptop)
            self.received["audit"] += added
            return {"added": added}
        # Reserved: "heads", the audit chain-head witness exchange (store/audit.py), goes here.
        if op == "bye":
            from facilitator.store.audit import AuditLog
            from facilitator.store.integrity import host_answers_heads
            return {"head": host_answers_heads(self.root, AuditLog(self.root / "audit"), self.laptop, None)}
        raise ProtocolError(f"unknown request {op!r}")


def serve(root: Path, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """``facilitator sync --serve``: one laptop's session, until it says bye or hangs up."""
    from facilitator.errors import explain
    from facilitator.store.datadir import NotStaff
    from facilitator.store.files import DamagedFile, StoreBusy
    from facilitator.sync.files import SyncRefused, device_id
    try:
        first = receive(stdin)
    except (EOFError, ProtocolError):
        return 2
    data, error, deactivated = None, None, None
    try:
        from facilitator.store.clinic import open_clinic
        data = open_clinic(Path(root))
        device = device_id(Path(root))
    except Exception as err:  # noqa: BLE001 - told to the laptop as one sentence
        device, error = "0" * 16, explain(err)[1]
        if isinstance(err, NotStaff) and err.deactivated:
            deactivated = err.user
            _audit_refusal(Path(root), err.user, first)
    now = data.now() if data is not None else None
    offset = refusal = None
    if now is not None and first.get("hello") == MAGIC and first.get("protocol") == PROTOCOL:   # now: data opened
        try:    # the laptop's clock against this one's (a laptop of another protocol gets the version)
            offset = clock_offset(first, now)
        except ProtocolError as err:
            error = str(err)
        else:
            error = refusal = clock_refusal(offset)
    send(stdout, hello(device, error, now=now, offset=offset, deactivated=deactivated))
    try:
        check_hello(first)
    except ProtocolError:
        return 2
    if data is None:
        return 2
    if error:
        if refusal is not None and offset is not None:
            laptop = str(first.get("device", ""))
            laptop = laptop if DEVICE.fullmatch(laptop) else "?"
            data.record_audit("sync.refused", f"device:{laptop}",
                              {"clock_offset_seconds": round(offset.total_seconds())})
        return 2
    try:
        server = Server(Path(root), str(first.get("device", "")), data)
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
            except (SyncRefused, WitnessBroken, DamagedFile, StoreBusy, ProtocolError, NotStaff) as err:
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


def _audit_refusal(root: Path, user: str, first: Any) -> None:
    """The host's log keeps that a deactivated account's laptop tried to sync (ids only)."""
    from facilitator.store.datadir import DataDir
    laptop = str(first.get("device", ""))[:32] if isinstance(first, dict) else ""
    try:
        DataDir(root, user=user).record_audit("sync.refused", f"device:{laptop}", {"reason": "deactivated"})
    except Exception:  # noqa: BLE001 - the refusal itself must still reach the laptop
        pass


def serve_stdio(root: Path) -> int:
    """Run the server on this process's stdin/stdout; anything printed goes to stderr."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    return serve(root, stdin, stdout)
