"""The strict reader's store side: field errors as one clause, and ids that must exist.

``core.fields`` checks each field of a document as it is read; here the store adds what
needs the rest of the clinic: every client id a session record or an hours file names is a
client in ``clinic.json``, every facilitator a staff account. A file that fails is refused
whole, as ``DamagedFile`` naming it, and costs only itself: reports go on without it and
say which file they skipped. ``verify`` runs this same code (``check_files``).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from facilitator.core.errors import InputError
from facilitator.store.files import DamagedFile

if TYPE_CHECKING:
    from facilitator.core.session import SessionRecord


def field_problem(err: Exception) -> str:
    """A from_dict failure as a clause naming the field, never the value."""
    if isinstance(err, InputError):
        where = f"field '{err.field}' " if err.field else ""
        return f"{where}{err.message}".rstrip(".")
    if isinstance(err, KeyError) and err.args:
        return f"field {str(err.args[0])[:40]!r} is missing"
    return f"a field has the wrong shape ({type(err).__name__})"


class Snapshot(Protocol):
    """What the reference checks need of a clinic snapshot (datadir.ClinicSnapshot has it)."""

    clients: Mapping[str, Any]
    staff: Mapping[str, Any]


def damaged(path: Path, err: Exception, what: str = "") -> DamagedFile:
    return DamagedFile(path, f"{what}{field_problem(err)}")


def check_record_refs(path: Path, record: "SessionRecord", snapshot: "Snapshot") -> None:
    """Refuse a session record naming a client or facilitator the clinic does not have."""
    for client_id in (*record.roster, *record.attendance):
        if client_id not in snapshot.clients:
            raise DamagedFile(path, f"it names client id {client_id!r}, which is not in clinic.json")
    for user in record.header.facilitators:
        if user not in snapshot.staff:
            raise DamagedFile(path, "it names a facilitator account that is not a staff member")


def check_client_refs(path: Path, client_ids: Collection[str], clients: Collection[str]) -> None:
    for client_id in client_ids:
        if client_id not in clients:
            raise DamagedFile(path, f"it names client id {client_id!r}, which is not in clinic.json")
