"""Individual and family session minutes: ``hours/YYYY-MM.json``, one small file a month.

Kept out of clinic.json so that a write's cost does not grow with years of history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.core.hours import OtherHours
from facilitator.store.files import DamagedFile, make_dirs
from facilitator.store.records import months_between
from facilitator.store.storage import DataFile
from facilitator.store.strict import HOURS_KIND as KIND, read_month

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir



def month_file(hours_dir: Path, day: date) -> DataFile:
    return DataFile(Path(hours_dir) / f"{day:%Y-%m}.json", KIND)


def add(hours_dir: Path, entry: OtherHours, on_id: "Callable[[int], None] | None" = None) -> int:
    """Store one entry; returns its id within its month file (``on_id`` hears it before the write).

    The entry also gets a random ``uid``: the doc id is reused by TinyDB after a removal,
    so sync matches entries across devices by uid (``facilitator.sync.merge``).
    """
    make_dirs(Path(hours_dir))
    with month_file(hours_dir, entry.day).transaction(create=True) as db:
        entry_id = db.table("entries").insert({**entry.to_dict(), "uid": uuid.uuid4().hex})
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
            ) -> tuple[list[tuple[int, OtherHours]], list[DamagedFile]]:
    """(id, entry) pairs dated first..last, and any damaged month file met.

    With ``clients`` (the clinic's client ids), a month file naming any other client is
    refused whole, like any damaged file."""
    found: list[tuple[int, OtherHours]] = []
    problems: list[DamagedFile] = []
    if Path(hours_dir).is_symlink():     # never followed; verify names it
        return found, [DamagedFile(Path(hours_dir), "it is a symbolic link, not a folder; it was not read")]
    for year, month in months_between(first, last):
        file = month_file(hours_dir, date(year, month, 1))
        if not file.exists():
            continue
        try:
            entries = read_month(file.path, clients=clients)
        except DamagedFile as err:
            problems.append(err)
            continue
        found.extend((i, e) for i, e in entries if first <= e.day <= last)
    return found, problems


def entry_ref(day: date, entry_id: int) -> str:
    """How people and the audit log name an entry: ``2026-11#3``."""
    return f"{day:%Y-%m}#{entry_id}"


def log(data: "DataDir", entry: OtherHours) -> str:
    """Log an individual or family session for an enrolled client; returns its ref."""
    from facilitator.core.errors import InputError
    data.require("hours.change")
    client = data.snapshot().clients.get(entry.client_id)
    if client is None:
        raise InputError(f"there is no client with id {entry.client_id!r}", field="client")
    if not client.enrolled_on(entry.day):
        raise InputError(f"client {client.client_id} was not enrolled on {entry.day}", field="date")
    with data.change("hours.add", None, {"client": entry.client_id, "minutes": entry.minutes}) as change:
        def named(entry_id: int) -> None:      # the entry's id is known only inside the lock
            change.record = f"hours:{entry_ref(entry.day, entry_id)}"
        entry_id = add(data.root / "hours", entry, named)
    return entry_ref(entry.day, entry_id)


def unlog(data: "DataDir", day: date, entry_id: int) -> OtherHours | None:
    data.require("hours.change")
    file = month_file(data.root / "hours", day)
    if not file.exists():
        return None
    with data.change("hours.remove", f"hours:{entry_ref(day, entry_id)}", always=False) as change, \
            file.transaction() as db:
        table = db.table("entries")
        doc = table.get(doc_id=entry_id)
        if doc is None:
            return None
        removed = OtherHours.from_dict(doc)
        change.detail.update(client=removed.client_id, minutes=removed.minutes)
        table.remove(doc_ids=[entry_id])
    return removed
