"""No file state reaches the audit log unless the strict reader passes it (issue 12).

Every write of a bound data file (``clinic.json``, a session record, an hours month, a recovery
plan), whoever makes it (the app, the CLI, an import, a sync pull on a laptop or a pushed change
applied on the host), goes through ``store.commit.write_data_file`` inside ``DataDir.change``,
which calls ``admit`` with the new bytes *before* anything is written. ``admit`` runs the same
strict code ``verify`` and every report run (``SessionFile.read``/``notes`` with the notes'
signature check and the client/staff references, ``snapshot_of``, ``strict.read_month``,
``strict.read_plan_bytes``) and raises ``DamagedFile`` naming the file if it fails. A write
reads the file leniently and writes every other document back as it found it, so a field
planted by hand makes the next write of that file fail here, naming it, instead of being bound.

So each entry written by a binding carries ``strict``: ``STRICT_VERSION``, and ``verify`` need
not re-read a file whose SHA-256 is still that entry's (``store.maintenance.verify``).

What a hash match does not prove, and how it is kept true:

- **References.** A record's client ids and facilitators were checked against ``clinic.json``
  as it was when the record was written. They stay true because no write ever removes a client
  or a staff account from ``clinic.json`` (``admit_clinic`` refuses one, a host's copy pulled
  by sync included), and ``verify`` takes records on trust only while ``clinic.json`` itself
  is what its own last entry says.
- **A stricter reader.** ``STRICT_VERSION`` goes up whenever the strict reader refuses
  something it used to pass; entries made under an older version are read again.

Cost: checking a whole 23 KB session record takes ≈ 0.5 ms, a sizeable part of a ``mark``
(benchmark figure 2). Every check of a session record is per document (the header against
the file name, each block, roster line, attendance entry and note on its own, each id against
the clinic, whose clients and staff only grow), so a process remembers the exact form of each
document it admitted in each of its last few files (``_ADMITTED``), and reads strictly only the
header and the documents it has not admitted as they are now: one, for a mark. Those are
parsed with the json module every reader uses: from the file's bytes, or, when orjson dumped
the data (``storage.dump_data_by``: then each document's bytes are its own orjson dump), from
their own bytes, so the whole file is not parsed again. The first write of a file in a process
reads all of it.

The memory holds forms, never a verdict about bytes on disk: a document is skipped only if this
process admitted exactly that JSON in that file before (its validity does not depend on the
other documents), so an edit by hand anywhere, or a co-leader's write, is read strictly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from facilitator.store.files import DamagedFile
from facilitator.store.records import KIND as RECORD_KIND
from facilitator.store.records import SessionFile
from facilitator.store.storage import META, parse_file_bytes
from facilitator.store.strict import check_client_refs, check_record_refs, read_month, read_plan_bytes

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; without it every document is read again
    _orjson = None  # type: ignore[assignment]  # typed as the module: it is a dependency

# The strict reader's version: raise it when the reader starts refusing what it passed before,
# so that ``verify`` reads again every file admitted by the older one.
STRICT_VERSION = 1

# The documents of session records this process admitted, by file, each in its exact form. A
# few files: one counselor runs one session at a time; a sync admits each file once.
ADMITTED_FILES = 8
# path -> table -> (the table's exact form, each document's by id)
_ADMITTED: dict[Path, dict[str, tuple[bytes | None, dict[str, bytes]]]] = {}


class Clinic(Protocol):
    """What admission needs of the clinic file (``datadir.ClinicSnapshot`` has it)."""

    @property
    def clients(self) -> Mapping[str, Any]: ...
    @property
    def staff(self) -> Mapping[str, Any]: ...


class Data(Protocol):
    """What admission needs of the data directory (``datadir.DataDir`` has it)."""

    def snapshot(self) -> Clinic: ...


def admit(data: Data, rel: str, path: Path, raw: bytes,
          clinic_of: Callable[[Path, bytes], Clinic], dumped: Any = None) -> None:
    """Refuse (``DamagedFile`` naming ``path``) new bytes for a bound data file unless the
    strict reader passes them; ``rel`` is the file's path in the clinic (``commit.BOUND_PATH``);
    ``clinic_of`` is the strict reader of ``clinic.json`` (``datadir.snapshot_of``); ``dumped``:
    the data ``raw`` is orjson's sorted dump of, if it is (``storage.dump_data_by``)."""
    if rel == "clinic.json":
        admit_clinic(data, path, clinic_of(path, raw))
    elif rel.startswith("records/"):
        admit_record(data, path, raw, dumped)
    elif rel.startswith("hours/"):
        read_month(path, raw, clients=data.snapshot().clients)
    elif rel.startswith("recovery/"):
        read_plan_bytes(path, raw)
    else:                                  # pragma: no cover - BOUND_PATH has only these
        raise DamagedFile(path, "it is not a data file facilitator writes")


def admit_clinic(data: Data, path: Path, new: Clinic) -> None:
    """No client or staff account ``clinic.json`` has now is dropped by the new version (session
    records name them: a record the log vouches for must keep reading)."""
    try:
        old = data.snapshot()
    except FileNotFoundError:
        return                             # the clinic is being made
    lost_clients = sorted(set(old.clients) - set(new.clients))
    lost_staff = sorted(set(old.staff) - set(new.staff))
    if lost_clients or lost_staff:
        what = (f"client id {lost_clients[0]!r}" if lost_clients
                else f"the staff account {lost_staff[0]!r}")
        more = len(lost_clients) + len(lost_staff) - 1
        raise DamagedFile(path, f"the new version would drop {what}{f' and {more} more' if more else ''}, "
                                f"which this clinic has; facilitator never removes a client or a staff "
                                f"account (session records name them), so it was not written")


def admit_record(data: Data, path: Path, raw: bytes, dumped: Any = None) -> None:
    """A session record's new bytes, read strictly as ``verify`` reads them: the header, and
    every other document this process has not already admitted in this file as it is now.

    ``dumped`` (the data orjson dumped as ``raw``): each document's bytes in ``raw`` are then
    its own orjson dump, so documents are compared without parsing ``raw``, and only those
    read strictly are parsed, from their own bytes, with the json module as every reader."""
    parsed = dumped if dumped is not None and _orjson is not None and _header_ok(dumped) else None
    exact = parsed is not None                           # documents to be parsed from their bytes
    if parsed is None:
        parsed = parse_file_bytes(path, raw, RECORD_KIND)   # the json module, as every reader
    known = _ADMITTED.get(path, {})
    seen: dict[str, tuple[bytes | None, dict[str, bytes]]] = {}
    checked: dict[str, list[dict[str, Any]]] = {}
    for name, table in parsed.items():
        if name == META:
            continue
        whole = canonical(table)
        before = known.get(name)
        if name != "header" and whole is not None and before is not None and before[0] == whole:
            seen[name] = before                        # the whole table admitted before, exactly so
            checked[name] = []
            continue
        forms: dict[str, bytes] = {}
        docs = checked[name] = []
        for key, doc in table.items():
            form = canonical(doc)
            if form is not None:
                forms[key] = form
                if name != "header" and before is not None and before[1].get(key) == form:
                    continue                           # this document admitted before, exactly so
            if exact:
                doc = json.loads(form) if form is not None else None
                if type(doc) is not dict:              # pragma: no cover - orjson dumped it whole
                    return admit_record(data, path, raw)
            docs.append(dict(doc, _id=int(key)))
        seen[name] = (whole, forms)
    check_session_tables(data, SessionFile(path), checked)
    _ADMITTED.pop(path, None)
    while len(_ADMITTED) >= ADMITTED_FILES:
        _ADMITTED.pop(next(iter(_ADMITTED)))
    _ADMITTED[path] = seen


def _header_ok(data: Any) -> bool:
    """What ``storage.parse_file_bytes`` checks of a file's shape, on data about to be dumped:
    a session record of this schema, tables of documents by number. (False: parse the bytes.)"""
    from facilitator.store.storage import SCHEMA
    if type(data) is not dict:
        return False
    meta = data.get(META)
    meta = meta.get("1") if type(meta) is dict else None
    if type(meta) is not dict or meta.get("kind") != RECORD_KIND or meta.get("schema") != SCHEMA \
            or type(meta.get("schema")) is not int:
        return False
    return all(type(name) is str and type(table) is dict
               and all(type(key) is str and key.isdigit() and type(doc) is dict for key, doc in table.items())
               for name, table in data.items())


def canonical(value: Any) -> bytes | None:
    """A JSON value's exact form (orjson's sorted dump: ``true``, ``1`` and ``1.0`` differ,
    which ``==`` on the parsed values would not tell); None if orjson will not dump it."""
    if _orjson is None:                                # pragma: no cover - a dependency
        return None
    try:
        return _orjson.dumps(value, option=_orjson.OPT_SORT_KEYS)
    except TypeError:
        return None


def check_session_tables(data: Data, file: Any, tables: dict[str, list[dict[str, Any]]]) -> None:
    """What ``verify`` checks of a session record (``checks.check_records``), as ``DamagedFile``."""
    from facilitator.core.notes import verify_note  # here: the app's start needs no note code
    record = file.read(tables)
    notes = file.notes(tables)
    snapshot = data.snapshot()
    check_record_refs(file.path, record, snapshot)
    check_client_refs(file.path, notes, snapshot.clients)
    for client_id, note in notes.items():
        problems = verify_note(note)
        if problems:
            raise DamagedFile(file.path, f"the note for {client_id}: {problems[0]}")


def forget() -> None:
    """Drop what this process remembers having admitted (tests: as a new process would)."""
    _ADMITTED.clear()
