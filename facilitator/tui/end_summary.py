"""What the end-of-session screen shows and drafts: pure functions over one session.

- ``ensure_drafts`` writes a drafted note for every attending client who has none (never
  touching an existing draft or a signed note);
- ``summary_lines`` and ``client_rows`` are the screen's text, worked out from the stored
  record, the clinic snapshot and the notes.

Nothing here logs: client names and note text only go to the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from facilitator.core.agenda import AgendaClock
from facilitator.core.confidentiality import FLAG, flag_text, mentions
from facilitator.core.drafting import draft_note
from facilitator.core.hours import attended_minutes
from facilitator.core.likeness import session_likeness
from facilitator.core.notes import Note, due_date
from facilitator.core.permissions import allowed
from facilitator.core.rules import Role, Status
from facilitator.core.session import SessionRecord, SessionState
from facilitator.store.files import DamagedFile
from facilitator.tui.widgets.problem import refusal_sentence

if TYPE_CHECKING:
    from facilitator.core.clinic import Staff
    from facilitator.core.plans import SessionPlan
    from facilitator.store.datadir import ClinicSnapshot
    from facilitator.store.notes import NoteBook

from facilitator.core.drafting import DEFAULT_GROUP_TYPE, GROUP_TYPES, NO_TOPIC, group_type_of  # noqa: E402,F401

STATUS_TEXT: dict[Status, str] = {
    Status.PRESENT: "present",
    Status.LATE: "late",
    Status.LEFT_EARLY: "left early",
    Status.ABSENT: "absent",
    Status.EXCUSED: "excused",
    Status.TELEHEALTH: "telehealth",
}
MAX_NAMES_LISTED = 3


def may_write(me: Staff | None, record: SessionRecord) -> bool:
    """Whether ``me`` drafts and signs this session's notes (as the store decides it)."""
    if me is None or not me.active or not allowed(me.role, "note.write"):
        return False
    return me.role is Role.ADMIN or me.user in record.header.facilitators


def attending(record: SessionRecord) -> list[str]:
    """Client ids who were in the room (present, late, left early, telehealth), list order."""
    return [c for c in record.participants
            if (e := record.attendance.get(c)) is not None and e.status.credits_time]


def credited(record: SessionRecord, client_id: str) -> int:
    return attended_minutes(record, client_id)


def staff_names(snapshot: ClinicSnapshot, users: tuple[str, ...]) -> list[str]:
    return [snapshot.staff[u].display_name if u in snapshot.staff else u for u in users]


def ensure_drafts(book: NoteBook, record: SessionRecord, snapshot: ClinicSnapshot, *,
                  plan: SessionPlan | None, topic: str | None) -> int:
    """Draft a note for each attending client without one; returns how many were written."""
    if record.header.state is not SessionState.ENDED:
        return 0
    notes = book.all()
    written = 0
    for client_id in attending(record):
        client = snapshot.clients.get(client_id)
        if client is None or client_id in notes:
            continue
        recovery_plan, unreadable = _recovery_plan(book, client_id)
        body = draft_note(record, client, clients=snapshot.clients, group_type=group_type_of(plan),
                          topic=topic or NO_TOPIC,
                          facilitators=staff_names(snapshot, record.header.facilitators),
                          **({} if unreadable else {"plan": recovery_plan}))
        if unreadable:
            body += UNREADABLE_PLAN
        book.save_draft(client_id, body)
        written += 1
    return written


UNREADABLE_PLAN = ("Progress toward plan goals: the client's recovery plan file could not be read "
                   "(facilitator verify names it); complete this part by hand.\n")


def _recovery_plan(book: NoteBook, client_id: str):
    """(the client's recovery plan or None, whether its file was unreadable)."""
    from facilitator.store import recovery
    try:
        return recovery.read(book.data, client_id), False
    except DamagedFile:
        return None, True


# A store refusal as the one sentence a person reads.
sentence = refusal_sentence


# --- what the screen shows -------------------------------------------------------------------

def note_state(note: Note | None) -> str:
    """none / draft / signed / signed + N addenda / co-signed (+ N addenda)."""
    if note is None:
        return "none"
    if not note.signed:
        return "draft"
    state = "co-signed" if note.cosigned_by else "signed"
    count = len(note.addenda)
    if count:
        state += f" + {count} addend{'um' if count == 1 else 'a'}"
    return state


def status_text(record: SessionRecord, client_id: str) -> str:
    """"present", "late 18:25", "left early 20:10", "late 18:25, left 20:10", ..."""
    entry = record.attendance.get(client_id)
    if entry is None:
        return "not marked"
    tz = record.header.start.tzinfo
    late = (f"late {entry.arrived.astimezone(tz):%H:%M}"
            if entry.arrived and entry.arrived > record.header.start else None)
    if entry.status is Status.LEFT_EARLY and entry.left:
        left = f"{entry.left.astimezone(tz):%H:%M}"
        return f"{late}, left {left}" if late else f"left early {left}"
    if entry.status is Status.LATE and late:
        return late
    return STATUS_TEXT[entry.status]


@dataclass(frozen=True)
class ClientRow:
    client_id: str
    name: str
    status: str
    credited: int
    note: str
    signed: bool
    reads_like: str = ""    # the initials of the attendee whose note this one nearly repeats
    names_member: str = ""  # "names another group member (M.N.)" for an unsigned note, or ""


def reads_like_text(initials: str) -> str:
    return f"same words as {initials}'s note" if initials else ""


def members(record: SessionRecord, snapshot: ClinicSnapshot) -> list:
    """The session's members as ``Client``s: everyone on its list (absent ones included)."""
    return [snapshot.clients[c] for c in record.participants if c in snapshot.clients]


def staff_full_names(snapshot: ClinicSnapshot) -> list[str]:
    """Staff names, written out whole in a note, are nobody's mention of a member."""
    return [s.display_name for s in snapshot.staff.values()]


def names_member(note: Note | None, client, group: list, staff: list[str]) -> str:
    """The flag for an unsigned note naming another member (initials only), or ""."""
    if note is None or note.signed or client is None:
        return ""
    return flag_text(mentions(note.body, client, group, staff))


def client_rows(record: SessionRecord, snapshot: ClinicSnapshot,
                notes: dict[str, Note]) -> list[ClientRow]:
    rows = []
    ids = attending(record)
    alike = session_likeness(ids, notes, snapshot.clients)
    group = members(record, snapshot)
    staff = staff_full_names(snapshot)
    for client_id in ids:
        client = snapshot.clients.get(client_id)
        note = notes.get(client_id)
        like = alike.get(client_id)
        other = snapshot.clients.get(like.other_id) if like else None
        # marked before signing: once signed, the supervisor's queue still shows it
        initials = other.initials if other and note and not note.signed else ""
        state = note_state(note)
        named = names_member(note, client, group, staff)
        if named:           # the initials are in the hint line: the column stays whole at 80
            state += f", {FLAG}"
        if initials:
            state += f", {reads_like_text(initials)}"
        rows.append(ClientRow(client_id, client.name if client else client_id,
                              status_text(record, client_id), credited(record, client_id),
                              state, bool(note and note.signed), initials, named))
    return rows


def _block_text(clock: AgendaClock, index: int, end: datetime) -> str:
    block = clock.blocks[index]
    label = block.title + ("" if block.countable else " (not treatment time)")
    if block.started_at is None:
        return f"{label} —/{block.planned_minutes}" + (" skipped" if block.skipped else " not started")
    minutes = int(clock.elapsed(index, end).total_seconds() // 60)
    if block.skipped:
        return f"{label} {minutes}/{block.planned_minutes} cut short" if minutes else f"{label} skipped"
    return f"{label} {minutes}/{block.planned_minutes}"


def wrap_items(label: str, items: list[str], width: int, sep: str = " · ",
               indent: str = "  ") -> list[str]:
    """``label`` then ``items`` joined by ``sep``, broken only between items to fit ``width``."""
    lines = [label]
    for item in items:
        joined = f"{lines[-1]}{'' if lines[-1] == label else sep}{item}"
        if len(joined) <= width or lines[-1] == label:
            lines[-1] = joined
        else:
            lines.append(indent + item)
    return lines


def _end_of(record: SessionRecord, now: datetime) -> datetime:
    """The session's end: its actual end once ended, else ``now``."""
    end = record.header.actual_end
    return end if record.header.state is SessionState.ENDED and end is not None else now


def summary_lines(record: SessionRecord, snapshot: ClinicSnapshot, notes: dict[str, Note], *,
                  topic: str | None, now: datetime, width: int = 78) -> list[str]:
    """The summary at the top of the screen: lines of at most ``width`` where it can."""
    header = record.header
    tz = header.start.tzinfo
    day = header.day
    ended = header.state is SessionState.ENDED
    start, end = header.start, _end_of(record, now)
    minutes = max(0, int((end - start).total_seconds() // 60))
    when = f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M} ({minutes} min)"
    if not ended:
        when = f"started {start.astimezone(tz):%H:%M}, still running ({minutes} min so far)"
    staff = ", ".join(staff_names(snapshot, header.facilitators)) or "no facilitator recorded"
    lines = [f"{header.group} · {day:%A} {day.day} {day:%b %Y} · {when}"]
    lines += wrap_items("", [f"Facilitator: {staff}", f"Topic: {topic or NO_TOPIC}"], width,
                        indent="")
    clock = AgendaClock(record.blocks)
    if clock.started:
        blocks = [_block_text(clock, i, end) for i in range(len(record.blocks))]
        lines += wrap_items("Blocks (actual/planned min): ", blocks, width, sep=" · ")
    elif record.blocks:
        lines.append("Blocks: the agenda clock was not used; notes list the blocks as planned.")
    away = []
    for client_id in record.participants:
        entry = record.attendance.get(client_id)
        if entry is None or not entry.status.credits_time:
            client = snapshot.clients.get(client_id)
            name = client.name if client else client_id
            away.append(f"{name} ({STATUS_TEXT[entry.status] if entry else 'not marked'})")
    if away:
        lines.append("Not attending: " + ", ".join(away))
    rows = client_rows(record, snapshot, notes)
    unsigned = [r.name for r in rows if not r.signed]
    signed = len(rows) - len(unsigned)
    due = due_date(day)
    if not ended:
        lines.append("Notes are drafted when the session ends.")
    elif not rows:
        lines.append("Notes: nobody attended, so no notes are needed.")
    elif not unsigned:
        lines.append(f"Notes: {len(rows)} of {len(rows)} signed · none left to sign")
    else:
        line = f"Notes: {signed} of {len(rows)} signed, due {due:%a} {due.day} {due:%b} · to sign: "
        names = ", ".join(unsigned)
        fits = len(unsigned) <= MAX_NAMES_LISTED and len(line + names) <= width
        lines.append(line + (names if fits else f"{len(unsigned)} (see below)"))
    return lines


def styled(lines: list[str]) -> Text:
    """The summary lines with the first in bold and each later line's label in bold."""
    text = Text()
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        label, colon, rest = line.partition(": ")
        if number == 0:
            text.append(line, style="bold")
        elif colon and len(label) < 32 and not line.startswith(" "):
            text.append(label + ":", style="bold")
            text.append(" " + rest)
        else:
            text.append(line)
    return text
