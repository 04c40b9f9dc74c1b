"""Correcting a client's attendance after the session ended (issue #20): one audited write.

Counselors for the sessions they facilitated, admins for any (as ``running.correct_end``).
The rule is ``core.corrections.corrected_entry``. In the same write, the client's note:
- signed: never edited; an automatic addendum, signed by the corrector, states the change,
  who, when and why, and the review queue flags it "attendance corrected after signing";
- a draft still as it was drafted: re-drafted from the corrected record;
- a draft edited by hand: kept (the caller warns: check its times before signing).
The audit entry carries ids and times only; the reason is kept on the entry (and in the
addendum), which the entry's hash binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tinydb import Query

from facilitator.core import corrections as core
from facilitator.core import notes as core_notes
from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.notes import Note
from facilitator.core.parsing import parse_typed_time
from facilitator.core.roster import Client, match_id
from facilitator.core.rules import Role, Status
from facilitator.core.session import (
    AttendanceEntry,
    SessionHeader,
    SessionRecord,
)
from facilitator.store.datadir import ClinicSnapshot, DataDir
from facilitator.store.records import put_note, record_in
from facilitator.store.running import held_session

ADDENDUM = "addendum"          # what happened to the client's note
REDRAFTED = "redrafted"
DRAFT_KEPT = "draft kept"


@dataclass(frozen=True)
class Corrected:
    entry: AttendanceEntry
    note: str | None           # ADDENDUM, REDRAFTED, DRAFT_KEPT, or None (no note yet)
    credited_was: int
    credited_now: int


def parse_status(typed: str | None) -> Status | None:
    if typed is None:
        return None
    value = typed.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Status(value)
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise InputError(f"{typed.strip()[:40]!r} is not a status (one of {names})", field="--status") from None


def session_time(header: SessionHeader, typed: str | None, field: str) -> datetime | None:
    """A time typed for this session ("9:15", "6:40p", "18:40") on its day, or None."""
    if typed is None:
        return None
    start = header.start
    clock_time = parse_typed_time(typed, near=start.timetz().replace(tzinfo=None), field=field)
    return datetime.combine(header.day, clock_time, start.tzinfo)


def may_correct(data: DataDir, header: SessionHeader) -> None:
    me = data.me()
    if me.role is not Role.ADMIN and data.user not in header.facilitators:
        data.record_audit("denied", "attendance.correct")
        raise PermissionDenied(f"{data.user} did not facilitate {header.session_id}; only its "
                               "facilitators and admins may correct its attendance.")


def correct_attendance(data: DataDir, session_id: str, client_id: str, *, status: str | None = None,
                       arrived: str | None = None, left: str | None = None, reason: str) -> Corrected:
    data.require("attendance.change")
    file, header = held_session(data, session_id)
    session_id = header.session_id
    may_correct(data, header)
    snapshot = data.snapshot()
    found = match_id(client_id, snapshot.clients)
    if found is None:
        raise InputError(f"there is no client with id {client_id.strip()[:40]!r}", field="CLIENT_ID")
    if status is None and arrived is None and left is None:
        raise InputError("give what is corrected: --status, --arrived or --left", field="--status")
    wanted = parse_status(status)
    arrived_at = session_time(header, arrived, "--arrived")
    left_at = session_time(header, left, "--left")
    reason = core.check_reason(reason)
    who = snapshot.staff[data.user].display_name if data.user in snapshot.staff else data.user
    now = data.now()
    with data.change("attendance.correct", session_id) as audited, file.transaction() as db:
        record = record_in(db)
        entry = core.corrected_entry(record, found, status=wanted, arrived=arrived_at, left=left_at,
                                     by=data.user, when=now, reason=reason)
        correction = entry.corrections[-1]
        fixed = SessionRecord(header=record.header, blocks=record.blocks,
                              attendance={**record.attendance, found: entry}, roster=record.roster)
        doc = db.table("notes").get(Query().client_id == found)
        note = Note.from_dict(doc) if doc else None
        outcome = None
        if note is not None and note.signed:
            note = core_notes.add_addendum(note, core.addendum_text(fixed, correction, who=who),
                                           data.user, now)
            outcome = ADDENDUM
        elif note is not None:
            client = snapshot.clients[found]
            if note.body == draft_body(data, snapshot, record, client):
                note = core_notes.edit(note, draft_body(data, snapshot, fixed, client))
                outcome = REDRAFTED
            else:
                outcome = DRAFT_KEPT
        audited.detail.update({"client": found, "status": str(correction.now[0]),
                               "arrived": _hm(correction.now[1]), "left": _hm(correction.now[2]),
                               "was": {"status": str(correction.was[0]), "arrived": _hm(correction.was[1]),
                                       "left": _hm(correction.was[2])},
                               **({"note": outcome} if outcome else {})})
        db.table("attendance").upsert(entry.to_dict(), Query().client_id == found)
        if note is not None and outcome != DRAFT_KEPT:
            put_note(db.table("notes"), note)
    return Corrected(entry, outcome, core.credited(fixed, correction.was), core.credited(fixed, correction.now))


def draft_body(data: DataDir, snapshot: ClinicSnapshot, record: SessionRecord, client: Client) -> str:
    """The note ``record`` drafts for ``client``, as the end screen drafts it."""
    from facilitator.core.drafting import NO_TOPIC, NOT_GIVEN, draft_note, group_type_of
    from facilitator.store import recovery
    from facilitator.store.files import DamagedFile
    from facilitator.store.plans import load_one_plan, shipped_plans_dir
    plan = load_one_plan(record.header.plan_id or "", shipped_plans_dir(), data.plans_dir)
    on_file: object       # the client's recovery plan or None; NOT_GIVEN: unreadable, no plan part
    try:
        on_file = recovery.read(data, client.client_id)
    except DamagedFile:
        on_file = NOT_GIVEN
    names = [snapshot.staff[u].display_name if u in snapshot.staff else u
             for u in record.header.facilitators]
    return draft_note(record, client, clients=snapshot.clients, group_type=group_type_of(plan),
                      topic=plan.title if plan else NO_TOPIC, facilitators=names, plan=on_file)


def _hm(value: datetime | None) -> str | None:
    return f"{value:%H:%M}" if value else None

