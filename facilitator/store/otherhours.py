"""Individual and family session minutes: ``hours/YYYY-MM.json``, one small file a month.

Kept out of clinic.json so that a write's cost does not grow with years of history.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core.hours import OtherHours
from facilitator.store.files import DamagedFile, make_dirs
from facilitator.store.records import months_between
from facilitator.store.storage import DataFile
from facilitator.store.strict import HOURS_KIND as KIND
from facilitator.store.strict import read_month

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir



def month_file(hours_dir: Path, day: date) -> DataFile:
    return DataFile(Path(hours_dir) / f"{day:%Y-%m}.json", KIND)


def add(hours_dir: Path, entry: OtherHours, on_id: Callable[[int], None] | None = None,
        uid: str | None = None) -> int:
    """Store one entry; returns its id within its month file (``on_id`` hears it before the write).

    The entry also gets a random ``uid`` (or the one given): the doc id is reused by TinyDB
    after a removal, so sync matches entries across devices by uid (``facilitator.sync.merge``),
    and people name an entry by it too (``entry_refs``).
    """
    make_dirs(Path(hours_dir))
    with month_file(hours_dir, entry.day).transaction(create=True) as db:
        entry_id = db.table("entries").insert({**entry.to_dict(), "uid": uid or uuid.uuid4().hex})
        if on_id is not None:
            on_id(entry_id)
        return entry_id


def remove(hours_dir: Path, day: date, entry_id: int) -> OtherHours | None:
    file = month_file(hours_dir, day)
    if not file.exists():
        return None
    with file.transaction() as db:
        table = db.table("entries")
        doc = table.get(doc_id=entry_id)
        if doc is None:
            return None
        table.remove(doc_ids=[entry_id])
        return OtherHours.from_dict(doc)


def between(hours_dir: Path, first: date, last: date, *, clients: Collection[str] | None = None,
            named: bool = False) -> tuple[list[tuple[int, OtherHours]], list[DamagedFile]]:
    """(id, entry) pairs dated first..last, and any damaged month file met; the id is the
    entry's number in its month file, or with ``named`` the id people see (``listed``).

    With ``clients`` (the clinic's client ids), a month file naming any other client is
    refused whole, like any damaged file."""
    from facilitator.store.storage import parse_file_bytes, read_bytes, tables_of
    found: list[tuple[Any, OtherHours]] = []
    problems: list[DamagedFile] = []
    if Path(hours_dir).is_symlink():     # never followed; verify names it
        return found, [DamagedFile(Path(hours_dir), "it is a symbolic link, not a folder; it was not read")]
    for year, month in months_between(first, last):
        file = month_file(hours_dir, date(year, month, 1))
        if not file.exists():
            continue
        try:
            raw = read_bytes(file.path)        # read once: the entries and their ids agree
            entries = read_month(file.path, raw, clients=clients)
            docs = tables_of(parse_file_bytes(file.path, raw, KIND)).get("entries", []) if named else []
            refs = entry_refs(date(year, month, 1), docs)
        except DamagedFile as err:
            problems.append(err)
            continue
        found.extend((refs.get(i, entry_ref(e.day, i)) if named else i, e)
                     for i, e in entries if first <= e.day <= last)
    return found, problems


def entry_ref(day: date, entry_id: int) -> str:
    """The older, per-device name of an entry: ``2026-11#3`` (its number in this device's
    month file; the same number names another entry on another device)."""
    return f"{day:%Y-%m}#{entry_id}"


# --- the ids people see and type ---------------------------------------------------------------
#
# ``hours list`` names an entry ``2026-11:3f9c2e1a``: its month, then the first 8 hex digits
# of its uid (the key sync matches entries by, the same on every device), lengthened while
# another entry of the month shares them. A uid that is not 32 hex digits (an entry given
# ``<device>:<doc id>`` or an ``origin`` by an earlier sync) is hashed first. An entry with
# no uid at all (logged before uids and never synced) exists on one device only and keeps
# its ``2026-11#3`` name until its first sync gives it a uid.

SHORT_ID = 8
_HEX_UID = re.compile(r"[0-9a-f]{32}", re.ASCII)
REF = re.compile(r"(?P<month>[0-9]{4}-[0-9]{2})(?:(?::(?P<short>[0-9a-f]{8,64}))|(?:#(?P<number>[0-9]{1,9})))",
                 re.ASCII | re.IGNORECASE)


def uid_of(doc: dict) -> str | None:
    """The uid sync knows an entry by (``origin``: an earlier sync's name), or None."""
    uid = doc.get("uid") or doc.get("origin")
    return uid if isinstance(uid, str) and uid else None


def _digits(uid: str) -> str:
    return uid if _HEX_UID.fullmatch(uid) else hashlib.sha256(uid.encode()).hexdigest()


def entry_refs(month: date, docs: Iterable[dict]) -> dict[int, str]:
    """Each entry's id (by doc id) in one month file: unique across devices."""
    ordered = sorted((_digits(uid), doc["_id"]) for doc in docs if (uid := uid_of(doc)) is not None)
    refs: dict[int, str] = {}
    for index, (mine, doc_id) in enumerate(ordered):
        # Sorted, the entries sharing most of my first digits are my neighbours.
        shared = max((_common(mine, ordered[j][0]) for j in (index - 1, index + 1) if 0 <= j < len(ordered)),
                     default=0)
        refs[doc_id] = f"{month:%Y-%m}:{mine[:max(SHORT_ID, shared + 1)]}"
    return refs


def _common(one: str, other: str) -> int:
    """How many first characters two strings share."""
    count = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        count += 1
    return count


def parse_ref(text: str) -> tuple[date, str | None, int | None]:
    """``2026-11:3f9c2e1a`` -> (the month's first day, the hex digits, None); the older
    ``2026-11#3`` -> (first day, None, 3). InputError naming ``ID`` otherwise."""
    from facilitator.core.errors import InputError
    from facilitator.core.parsing import check_digits, parse_date
    match = REF.fullmatch(check_digits(text, field="ID").strip())
    if match is None:
        raise InputError(f"{text.strip()[:40]!r} is not an id like 2026-11:3f9c2e1a (see `hours list`)",
                         field="ID")
    day = parse_date(match["month"] + "-01", field="ID")
    if match["short"]:
        return day, match["short"].lower(), None
    return day, None, int(match["number"])


def _find(docs: list[dict], month: date, short: str | None, number: int | None) -> dict | None:
    """The one doc an id names (InputError if a short id names more than one)."""
    if number is not None:
        return next((d for d in docs if d["_id"] == number), None)
    assert short is not None            # an id gives its number or its short id
    found = [d for d in docs if (uid := uid_of(d)) is not None and _digits(uid).startswith(short)]
    if len(found) > 1:
        from facilitator.core.errors import InputError
        raise InputError(f"{month:%Y-%m}:{short} names more than one entry; give more of its digits "
                         f"(see `hours list`)", field="ID")
    return found[0] if found else None


def listed(hours_dir: Path, first: date, last: date, *, clients: Collection[str] | None = None,
           ) -> tuple[list[tuple[str, OtherHours]], list[DamagedFile]]:
    """(id, entry) pairs dated first..last, named as people see them (``entry_refs``)."""
    return between(hours_dir, first, last, clients=clients, named=True)  # type: ignore[return-value]


def may_change(data: DataDir) -> None:
    """Refuse (``PermissionDenied``, audited "denied"; ``NotStaff`` for an account off the staff)
    unless the acting user may log or remove individual and family hours: a screen asks before
    its form opens; ``log`` and ``unlog`` ask again."""
    data.require("hours.change")


def log(data: DataDir, entry: OtherHours) -> str:
    """Log an individual or family session for an enrolled client; returns its ref."""
    from facilitator.core.errors import InputError
    may_change(data)
    client = data.snapshot().clients.get(entry.client_id)
    if client is None:
        raise InputError(f"there is no client with id {entry.client_id!r}", field="client")
    if not client.enrolled_on(entry.day):
        raise InputError(f"client {client.client_id} was not enrolled on {entry.day}", field="date")
    uid = uuid.uuid4().hex
    # Audited by uid, as sync audits the entries it applies (``hours:2026-11:<uid>``).
    with data.change("hours.add", f"hours:{entry.day:%Y-%m}:{uid}",
                     {"client": entry.client_id, "minutes": entry.minutes}):
        add(data.root / "hours", entry, uid=uid)
    month = entry.day.replace(day=1)
    return ref_of(data, month, uid)


def ref_of(data: DataDir, month: date, uid: str) -> str:
    """The id ``hours list`` shows for the entry with ``uid`` (read back: it may need more
    digits than usual if another entry of the month shares its first ones)."""
    docs = month_file(data.root / "hours", month).tables().get("entries", [])
    refs = entry_refs(month, docs)
    return next((refs[d["_id"]] for d in docs if uid_of(d) == uid),
                f"{month:%Y-%m}:{_digits(uid)[:SHORT_ID]}")


def unlog(data: DataDir, day: date, entry_id: int | None = None, *, short: str | None = None,
          ) -> OtherHours | None:
    """Remove the entry numbered ``entry_id`` in this device's month file, or the one whose
    id is ``short`` (``2026-11:<short>``); None if there is none."""
    may_change(data)
    file = month_file(data.root / "hours", day)
    if not file.exists():
        return None
    month = day.replace(day=1)
    if short is not None:
        name = f"{month:%Y-%m}:{short}"
    else:
        assert entry_id is not None, "unlog needs the entry's number or its short id"
        name = entry_ref(day, entry_id)
    with data.change("hours.remove", f"hours:{name}", always=False) as change, \
            file.transaction() as db:
        table = db.table("entries")
        docs = [dict(doc, _id=doc.doc_id) for doc in table.all()]
        doc = _find(docs, month, short, entry_id)
        if doc is None:
            return None
        removed = OtherHours.from_dict(doc)
        uid = uid_of(doc)
        if uid is not None:
            change.record = f"hours:{month:%Y-%m}:{uid}"
        change.detail.update(client=removed.client_id, minutes=removed.minutes)
        table.remove(doc_ids=[doc["_id"]])
    return removed
