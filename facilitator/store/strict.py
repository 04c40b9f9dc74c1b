"""The strict reader's store side: field errors as one clause, and ids that must exist.

``core.fields`` checks each field of a document as it is read; here the store adds what
needs the rest of the clinic: every client id a session record or an hours file names is a
client in ``clinic.json``, every facilitator a staff account. A file that fails is refused
whole, as ``DamagedFile`` naming it, and costs only itself: reports go on without it and
say which file they skipped. ``verify`` runs this same code (``check_files``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from facilitator.core.errors import InputError
from facilitator.store.files import DamagedFile

if TYPE_CHECKING:
    from facilitator.core.hours import OtherHours
    from facilitator.core.recovery import RecoveryPlan
    from facilitator.core.session import SessionRecord

HOURS_KIND = "other-hours"
RECOVERY_KIND = "recovery-plan"


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

    @property
    def clients(self) -> Mapping[str, Any]: ...
    @property
    def staff(self) -> Mapping[str, Any]: ...


def damaged(path: Path, err: Exception, what: str = "") -> DamagedFile:
    return DamagedFile(path, f"{what}{field_problem(err)}")


def check_record_refs(path: Path, record: SessionRecord, snapshot: Snapshot) -> None:
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


# -- the files read whole here (``store.admission`` admits their bytes before every write) ----------
def read_month(path: Path, raw: bytes | None = None, *, clients: Collection[str] | None = None,
               ) -> list[tuple[int, OtherHours]]:
    """An hours month file's (id, entry) pairs, strictly (``raw``: its bytes, if already read
    or about to be written); with ``clients``, an entry naming any other client refuses the
    file. ``DamagedFile`` naming ``path`` otherwise."""
    from facilitator.core.hours import OtherHours
    from facilitator.store.storage import parse_file_bytes, read_bytes, tables_of
    raw = read_bytes(path) if raw is None else raw
    try:
        docs = tables_of(parse_file_bytes(path, raw, HOURS_KIND)).get("entries", [])
        entries = [(d["_id"], OtherHours.from_dict(d)) for d in docs]
    except (KeyError, ValueError, TypeError) as err:
        raise damaged(path, err, "an entry's ") from None
    if clients is not None:
        check_client_refs(path, [e.client_id for _, e in entries], clients)
    return entries


def read_plan_bytes(path: Path, raw: bytes) -> RecoveryPlan:
    """A recovery plan file's bytes (read here or received by sync), strictly."""
    from facilitator.store.storage import parse_file_bytes
    return plan_of(path, parse_file_bytes(path, raw, RECOVERY_KIND))


def plan_of(path: Path, data: dict) -> RecoveryPlan:
    """The plan in a parsed plan file; ``DamagedFile`` naming ``path`` unless it checks."""
    from facilitator.core.recovery import RecoveryPlan
    from facilitator.store.storage import tables_of
    docs = tables_of(data).get("plan", [])
    if len(docs) != 1:
        raise DamagedFile(path, "it does not hold exactly one plan")
    try:
        plan = RecoveryPlan.from_dict(docs[0])
    except InputError as err:
        raise DamagedFile(path, f"field '{err.field}': {err.message}") from None
    except (KeyError, ValueError, TypeError, AttributeError) as err:
        raise DamagedFile(path, f"a field is missing or wrong ({type(err).__name__})") from None
    if path.stem != plan.client_id:
        raise DamagedFile(path, "its client id does not match its file name")
    return plan
