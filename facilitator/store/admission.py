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
(benchmark figure 2). A process remembers the last bytes of each record it admitted itself
(``_ADMITTED``); when the file on disk still holds exactly those bytes, only the header and the
documents the write changed are read strictly: every check of a session record is per
document (the header against the file name, each block, roster line, attendance entry and
note on its own, each id against the clinic), so the rest was checked when those bytes were
admitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from facilitator.store.files import DamagedFile
from facilitator.store.storage import parse_file_bytes, read_bytes, tables_of

# The strict reader's version: raise it when the reader starts refusing what it passed before,
# so that ``verify`` reads again every file admitted by the older one.
STRICT_VERSION = 1

# Session records admitted by this process: path -> (the bytes, their tables). A few: one
# counselor runs one session at a time; a sync admits each file once.
ADMITTED_FILES = 8
_ADMITTED: dict[Path, tuple[bytes, dict[str, list[dict[str, Any]]]]] = {}


class Clinic(Protocol):
    """What admission needs of the clinic file (``datadir.ClinicSnapshot`` has it)."""

    clients: Mapping[str, Any]
    staff: Mapping[str, Any]


class Data(Protocol):
    """What admission needs of the data directory (``datadir.DataDir`` has it)."""

    def snapshot(self) -> Clinic: ...


def admit(data: Data, rel: str, path: Path, raw: bytes,
          clinic_of: Callable[[Path, bytes], Clinic]) -> None:
    """Refuse (``DamagedFile`` naming ``path``) new bytes for a bound data file unless the
    strict reader passes them; ``rel`` is the file's path in the clinic (``commit.BOUND_PATH``);
    ``clinic_of`` is the strict reader of ``clinic.json`` (``datadir.snapshot_of``)."""
    from facilitator.store.strict import read_month, read_plan_bytes
    if rel == "clinic.json":
        admit_clinic(data, path, clinic_of(path, raw))
    elif rel.startswith("records/"):
        admit_record(data, path, raw)
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


def admit_record(data: Data, path: Path, raw: bytes) -> None:
    """A session record's new bytes, read strictly as ``verify`` reads them; only the header
    and the changed documents when the file still holds the bytes this process admitted last."""
    from facilitator.store.records import KIND, SessionFile
    tables = tables_of(parse_file_bytes(path, raw, KIND))
    known = _ADMITTED.get(path)
    checked = tables
    if known is not None:
        try:
            current = read_bytes(path)
        except (FileNotFoundError, DamagedFile):
            current = None
        if current == known[0]:
            checked = changed_documents(tables, known[1])
    check_session_tables(data, SessionFile(path), checked)
    _ADMITTED.pop(path, None)
    while len(_ADMITTED) >= ADMITTED_FILES:
        _ADMITTED.pop(next(iter(_ADMITTED)))
    _ADMITTED[path] = (raw, tables)


def changed_documents(new: dict[str, list[dict[str, Any]]],
                      old: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The header, and every other document of ``new`` not in ``old`` as it is (same table,
    same id, equal content)."""
    subset: dict[str, list[dict[str, Any]]] = {}
    for name, docs in new.items():
        if name == "header":
            subset[name] = docs
            continue
        before = {doc["_id"]: doc for doc in old.get(name, ())}
        subset[name] = [doc for doc in docs if before.get(doc["_id"]) != doc]
    return subset


def check_session_tables(data: Data, file: Any, tables: dict[str, list[dict[str, Any]]]) -> None:
    """What ``verify`` checks of a session record (``checks.check_records``), as ``DamagedFile``."""
    from facilitator.core.notes import verify_note
    from facilitator.store.strict import check_client_refs, check_record_refs
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
