"""The sync protocol: length-prefixed JSON messages over the ssh child's stdin and stdout.

Each message is a 4-byte big-endian length and that many bytes of UTF-8 JSON (at most
``MAX_MESSAGE``). Each side's first message is its hello::

    {"hello": "facilitator-sync", "protocol": 4, "version": "0.1.0", "device": "<id>",
     "now": "<this side's clock, ISO-8601 with its offset>"}

A different ``protocol`` ends the exchange with one sentence naming both versions. The host
measures the laptop's clock against its own from the laptop's ``now`` (``clock_offset``):
over ``CLOCK_WARN`` its hello carries ``clock_offset_seconds`` and the laptop prints a
warning; over ``CLOCK_LIMIT`` its hello carries an ``error`` instead and nothing moves (the
laptop keeps its changes until its clock is set right). Every hello from the host carries
the offset it measured, which the laptop uses to put its own change times on the host's
clock when it merges (``merge.merge_record``). Then the
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
import os
import select
import struct
import time
from datetime import datetime, timedelta
from typing import IO, Any

import facilitator
from facilitator.core.errors import StoreProblem

PROTOCOL = 4      # 4: the laptop's clock in its hello (3: recovery plans)
CLOCK_WARN = timedelta(minutes=2)      # a laptop's clock further off than this is warned about
CLOCK_LIMIT = timedelta(minutes=10)    # and further than this, its sync is refused
MAGIC = "facilitator-sync"
MAX_MESSAGE = 32 * 1024 * 1024
MAX_FILE = 8 * 1024 * 1024
PIECE = 1024 * 1024           # a frame is read at most this much at a time
MAX_ITEMS = 1_000_000         # JSON values ([, { and , counted) in one message, checked before parsing
# What the host takes from a laptop: one request (a record's changes or an audit month, base64)
# is at most MAX_REQUEST bytes; the hello must come within HELLO_DEADLINE and each later request
# within IDLE_DEADLINE (the laptop merges between requests), or the server ends the sync.
MAX_REQUEST = MAX_FILE * 4 // 3 + 64 * 1024
MAX_CHANGES = 512             # parts of one record in one put_changes
MAX_HOURS_CHANGES = 5000      # hours entries added (or removed) in one put_hours
MAX_PART = 2 * 1024 * 1024    # one pushed part (or history entry) as compact JSON
HELLO_DEADLINE = 30.0
IDLE_DEADLINE = 300.0


class ProtocolError(StoreProblem):
    """The other side broke off or said something this side cannot read. One sentence."""


class SyncTimeout(ProtocolError):
    """The other side said nothing within the read deadline."""


class VersionMismatch(ProtocolError):
    """The two sides run sync protocols that do not match: upgrade the older one (exit 2)."""

    exit_code = 2

    def __init__(self, theirs: dict[str, Any]) -> None:
        super().__init__(
            f"the host runs facilitator {theirs.get('version', '?')} with sync protocol "
            f"{theirs.get('protocol', '?')}; this laptop has facilitator {facilitator.__version__} "
            f"with sync protocol {PROTOCOL} — upgrade the older one.")


def send(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(body) > MAX_MESSAGE:
        raise ProtocolError(f"a sync message would be {len(body)} bytes, over the {MAX_MESSAGE} limit")
    stream.write(struct.pack(">I", len(body)) + body)
    stream.flush()


def _wait(stream: IO[bytes], until: float | None) -> None:
    """Block until ``stream`` has bytes (or has closed); ``SyncTimeout`` once ``until`` passes."""
    if until is None:
        return
    left = until - time.monotonic()
    ready = select.select([stream], [], [], max(0.0, left))[0] if left > 0 else []
    if not ready:
        raise SyncTimeout("the other side sent nothing in time; the sync was ended")


def _read_exactly(stream: IO[bytes], size: int, until: float | None = None) -> bytes:
    """``size`` bytes read in pieces of at most ``PIECE`` (memory grows only as bytes arrive);
    with ``until`` (a ``time.monotonic()`` instant) each piece is waited for with ``select``
    on an unbuffered stream, never past it."""
    chunks, left = [], size
    while left:
        _wait(stream, until)
        chunk = stream.read(min(left, PIECE)) if until is None else os.read(stream.fileno(), min(left, PIECE))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream: IO[bytes], limit: int = MAX_MESSAGE, deadline: float | None = None) -> dict[str, Any]:
    """The next message; ``EOFError`` when the other side has gone.

    ``limit``: the largest body taken, checked on the 4-byte length before anything else is
    read; its JSON may hold at most ``MAX_ITEMS`` values (counted before parsing), so a frame
    of ``[[],[],…]`` costs its own bytes, not gigabytes. ``deadline``: seconds the whole message
    may take to arrive (``SyncTimeout``); the stream is then read through its file descriptor."""
    until = time.monotonic() + deadline if deadline is not None else None
    (size,) = struct.unpack(">I", _read_exactly(stream, 4, until))
    if size > limit:
        raise ProtocolError(f"the other side sent a {size}-byte message, over the {limit}-byte limit")
    body = _read_exactly(stream, size, until)
    if sum(body.count(c) for c in (b"[", b"{", b",")) > MAX_ITEMS:
        raise ProtocolError(f"the other side sent a message of more than {MAX_ITEMS} values")
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ProtocolError("the other side sent a message that is not JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("the other side sent a message that is not a JSON object")
    return message


def hello(device: str, error: str | None = None, now: datetime | None = None,
          offset: timedelta | None = None, *, deactivated: str | None = None) -> dict[str, Any]:
    """The first message each way: the sender's clock (``now``; the host also says the offset it
    measured); a host refusing the laptop says why in ``error``, and with ``deactivated`` names
    the ssh account it refused as deactivated (the laptop then locks)."""
    message: dict[str, Any] = {"hello": MAGIC, "protocol": PROTOCOL, "version": facilitator.__version__,
                               "device": device}
    if now is not None:
        message["now"] = now.isoformat()
    if offset is not None:
        message["clock_offset_seconds"] = round(offset.total_seconds())
    if error:
        message["error"] = error
    if deactivated:
        message["deactivated"] = deactivated
    return message


def clock_offset(message: dict[str, Any], mine: datetime) -> timedelta:
    """How far the other side's clock (its hello's ``now``) is ahead of ``mine`` (negative: behind)."""
    try:
        theirs = datetime.fromisoformat(str(message["now"]))
        if theirs.tzinfo is None:
            raise ValueError
        return theirs - mine
    except (KeyError, ValueError, OverflowError):
        raise ProtocolError("this laptop sent no reading of its clock; upgrade facilitator on it") from None


def clock_words(offset: timedelta) -> str:
    """``"3 minutes ahead of"`` / ``"11 minutes behind"`` (the host's): numbers only."""
    minutes = round(abs(offset.total_seconds()) / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'} {'ahead of' if offset > timedelta(0) else 'behind'}"


def clock_refusal(offset: timedelta) -> str | None:
    """The host's sentence refusing a laptop whose clock is off by more than ``CLOCK_LIMIT``."""
    if abs(offset) <= CLOCK_LIMIT:
        return None
    limit = round(CLOCK_LIMIT.total_seconds() / 60)
    return (f"this laptop's clock is {clock_words(offset)} the host's (more than {limit}); nothing was "
            f"pushed or pulled and this laptop keeps its changes: set its clock right and sync again")


def clock_warning(seconds: Any) -> str | None:
    """The laptop's warning for an offset the host measured, over ``CLOCK_WARN``."""
    if not isinstance(seconds, int) or isinstance(seconds, bool) or abs(seconds) <= CLOCK_WARN.total_seconds():
        return None
    limit = round(CLOCK_LIMIT.total_seconds() / 60)
    seconds = max(-10**9, min(10**9, seconds))      # a host's number, kept to what a timedelta holds
    return (f"this laptop's clock is {clock_words(timedelta(seconds=seconds))} the host's; set it right "
            f"(at more than {limit} minutes sync is refused)")


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
