"""The sync protocol: length-prefixed JSON messages over the ssh child's stdin and stdout.

Each message is a 4-byte big-endian length and that many bytes of UTF-8 JSON (at most
``MAX_MESSAGE``). Each side's first message is its hello::

    {"hello": "facilitator-sync", "protocol": 3, "version": "0.1.0", "device": "<id>"}

A different ``protocol`` ends the exchange with one sentence naming both versions. Then the
laptop sends requests and the host (``facilitator sync --serve``, ``facilitator.sync.server``)
answers each one:

    list  {since, wanted}           -> {files: {path: hash}, audit: {month file: sha256}}
    get   {paths}                   -> {files: {path: base64}}
    put_changes {path, changes}     -> {hash, base, refused, stale}
    put_hours   {path, add, remove} -> {uids, refused}
    put_plan    {path, was, value}  -> {hash, stale, conflict, refused}
    put_audit   {name, data}        -> {added}
    bye                             -> {}

The laptop only ever *pulls* clinic.json and plans. It pushes changes, not files: a session
record's changed parts (``put_changes``, see ``facilitator.sync.apply``) and hours entries
added or removed by uid (``put_hours``), and a client's recovery plan whole (``put_plan``, with
the plan hash it last saw on the host; the host merges it with its own). The host authorizes
each one as the ssh account (``facilitator.sync.authority``) and answers the refused ones as
``{record, part, reason}``. Recovery plans also come down, like records.
Protocol 1 (whole files) is gone; protocol 2 had no recovery plans (its laptops would refuse
a listing naming ``recovery/…``): either gets the version sentence.

Reserved for the audit chain-head witness exchange: a ``heads`` request (and a ``heads``
field in each hello), answered from ``facilitator.store.audit``; a server that does not know
an op answers ``{"ok": false}``, so adding it needs no new protocol number if the laptop
treats that answer as "no witness".

An answer is ``{"ok": true, ...}`` or ``{"ok": false, "error": sentence}``. File bytes travel
base64-encoded. Nothing here logs or prints a record's content.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any, BinaryIO

import facilitator

PROTOCOL = 3      # 3: recovery plans (a protocol-2 laptop could not read a host's listing)
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


def hello(device: str, error: str | None = None, *, deactivated: str | None = None) -> dict[str, Any]:
    """The first message each way; a host refusing the laptop says why in ``error``, and with
    ``deactivated`` names the ssh account it refused as deactivated (the laptop then locks)."""
    message = {"hello": MAGIC, "protocol": PROTOCOL, "version": facilitator.__version__, "device": device}
    if error:
        message["error"] = error
    if deactivated:
        message["deactivated"] = deactivated
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
