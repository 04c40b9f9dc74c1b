"""Who may make a pushed change: the host's own rules, applied as the ssh account.

A laptop pushes *changes*, one part of one record at a time (a session's header, its agenda,
its roster, one client's attendance, one client's note, history entries; an hours entry
added or removed). The host checks each one as if the OS account running
``facilitator sync --serve`` had made it through the store: its role and name come from the
host's clinic.json (the laptop's copy is never read), the permission table is
``core.permissions``, the note rules are ``core.notes``'.

Each kind of change is one function ``(Change context, key, old, new) -> None`` that raises
``Refused(reason)``; ``AUTHORIZE`` maps a part's kind to it. A client's recovery plan is one
more kind of change, a whole plan (``plan``). Reasons name accounts, record ids, client ids and
goal numbers only, never client names, note text or a goal's words: they go to the laptop and
the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from facilitator.core.clinic import Staff
from facilitator.core.errors import InputError, Refusal
from facilitator.core.notes import Addendum, Note, verify_note
from facilitator.core.permissions import PERMISSIONS, allowed
from facilitator.core.roster import Client, Group
from facilitator.core.rules import Role
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader, session_id_for
from facilitator.sync.protocol import CLOCK_LIMIT, MAX_PART

Doc = dict[str, Any]


class Refused(Refusal):
    """A change the host will not make; one sentence with ids only."""


@dataclass(frozen=True)
class Actor:
    """The ssh account as the host knows it, and the host's clinic at that moment."""

    staff: Staff
    clients: dict[str, Client]
    groups: dict[str, Group]
    today: date                  # the host's date in the clinic's zone
    now: datetime | None = None  # the host's clock (a new session may not begin after it)

    def not_ahead(self, day: date, what: str) -> None:
        """Nothing is dated after tomorrow on the host (a day's slack for a laptop's clock)."""
        if day > self.today + timedelta(days=1):
            raise Refused(f"{what} is dated {day}, after today on the host")

    @property
    def user(self) -> str:
        return self.staff.user

    def need(self, action: str, what: str) -> None:
        if not allowed(self.staff.role, action):
            roles = sorted(f"{r}s" for r in PERMISSIONS[action])
            who = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " and " + roles[-1]
            raise Refused(f"{self.user} is a {self.staff.role} on the host; only {who} change {what} "
                          f"({action})")

    def client(self, client_id: Any, day: date) -> Client:
        client = self.clients.get(client_id) if isinstance(client_id, str) else None
        if client is None:
            raise Refused(f"there is no client {client_id!r} on the host")
        if not client.enrolled_on(day):
            raise Refused(f"client {client_id} was not enrolled on {day}")
        return client


@dataclass(frozen=True)
class SessionContext:
    """The session a record change is about: its id and its header as the host holds it (or,
    for a record the host does not have yet, as pushed once that header was accepted)."""

    actor: Actor
    session_id: str
    day: date
    header: SessionHeader | None
    held: dict[str, Any] = field(default_factory=dict)   # the record's parts on the host before the push

    def facilitator(self, what: str) -> None:
        """Only the session's facilitators (or an admin) write its notes, as in ``store.notes``.
        (Attendance, agenda and roster need the role only, as in ``store.running``.)"""
        if self.actor.staff.role is Role.ADMIN:
            return
        if self.header is None or self.actor.user not in self.header.facilitators:
            raise Refused(f"{self.actor.user} did not facilitate {self.session_id}; only its facilitators "
                          f"change its {what}")


def _parse(kind: Callable[[Doc], Any], doc: Any, what: str) -> Any:
    if not isinstance(doc, dict):
        raise Refused(f"the pushed {what} is not a record entry")
    try:
        return kind(doc)
    except InputError as err:
        # The strict reader's sentences name the field and the kind of value, never the value.
        raise Refused(f"the pushed {what} is malformed: {err.field or 'a field'} {err.message}") from None
    except (KeyError, ValueError, TypeError, AttributeError) as err:
        raise Refused(f"the pushed {what} is malformed ({type(err).__name__})") from None


# --- session records ------------------------------------------------------------------------

def header(ctx: SessionContext, key: str | None, old: Doc | None, new: Doc | None) -> None:
    actor = ctx.actor
    actor.need("session.run", "a session")
    if new is None:
        raise Refused("a session's header is never removed by sync")
    pushed = _parse(SessionHeader.from_dict, new, "session header")
    if pushed.session_id != ctx.session_id:
        raise Refused(f"the pushed header names another session than {ctx.session_id}")
    group = actor.groups.get(pushed.group)
    if group is None:
        raise Refused(f"there is no group {pushed.group!r} on the host")
    if session_id_for(pushed.group, pushed.scheduled_start) != ctx.session_id or \
            pushed.day != ctx.day or pushed.scheduled_start.date() != ctx.day:
        raise Refused(f"{ctx.session_id} does not match its group, day and start time")
    if not pushed.scheduled_start < pushed.scheduled_end:
        raise Refused(f"{ctx.session_id} would end before it starts")
    if old is None:
        actor.not_ahead(pushed.day, f"the new session {ctx.session_id}")
        if actor.now is not None and pushed.start - actor.now > CLOCK_LIMIT:
            minutes = round((pushed.start - actor.now).total_seconds() / 60)
            raise Refused(f"the session {ctx.session_id} began {minutes} minutes after the host's clock; "
                          f"check this laptop's clock")
        if pushed.facilitators != (actor.user,):       # as store.running.start_session makes one
            raise Refused(f"the new session {ctx.session_id} names other facilitators than {actor.user}; a session "
                          f"is started by its one facilitator")
        return
    before = _parse(SessionHeader.from_dict, old, "session header")
    fixed = ("session_id", "group", "day", "scheduled_start", "scheduled_end", "source")
    if any(getattr(before, f) != getattr(pushed, f) for f in fixed):
        raise Refused(f"the group, day or scheduled times of {ctx.session_id} cannot change")
    if pushed.facilitators != before.facilitators:     # no local command adds or drops one either
        raise Refused(f"the facilitators of {ctx.session_id} cannot be changed by sync")
    # Corrections of the end (`session end`) are kept as made: added, never changed or removed;
    # each by its pusher, a facilitator or an admin, as in store.running.correct_end.
    kept = len(before.end_corrections)
    if pushed.end_corrections[:kept] != before.end_corrections:
        raise Refused(f"a correction of {ctx.session_id}'s end cannot be changed or removed by sync")
    if pushed.end_corrections[kept:]:
        ctx.facilitator("end")
        if any(c.by != actor.user for c in pushed.end_corrections[kept:]):
            raise Refused(f"a correction of {ctx.session_id}'s end is in another account's name")


def blocks(ctx: SessionContext, key: str | None, old: Any, new: Any) -> None:
    ctx.actor.need("session.run", "the agenda")
    for doc in new or []:
        _parse(BlockRun.from_dict, doc, "agenda block")


def roster(ctx: SessionContext, key: str | None, old: Any, new: Any) -> None:
    ctx.actor.need("attendance.change", "the roster")
    if not isinstance(new or [], list):
        raise Refused("the pushed roster is not a list")
    for client_id in set(new or []) - set(old or []):
        ctx.actor.client(client_id, ctx.day)


def attendance(ctx: SessionContext, client_id: str | None, old: Doc | None, new: Doc | None) -> None:
    ctx.actor.need("attendance.change", "attendance")
    ctx.actor.client(client_id, ctx.day)
    if new is None:
        return
    entry = _parse(AttendanceEntry.from_dict, new, "attendance entry")
    if entry.client_id != client_id:
        raise Refused(f"the attendance entry for {client_id} names another client")
    for when in (entry.arrived, entry.left):
        if when is not None and when.date() != ctx.day:
            raise Refused(f"an arrival or departure time of {client_id} is not on {ctx.day}")
    corrections(ctx, entry.client_id, old, entry)      # the client_id checked just above
    if entry.updated_at is not None:     # a change "made" in the future would win every merge
        ctx.actor.not_ahead(entry.updated_at.date(), f"the attendance change for {client_id}")
        if ctx.actor.now is not None and entry.updated_at - ctx.actor.now > CLOCK_LIMIT:
            minutes = round((entry.updated_at - ctx.actor.now).total_seconds() / 60)
            raise Refused(f"the attendance change for {client_id} is stamped {minutes} minutes after the "
                          f"host's clock; check this laptop's clock")


def corrections(ctx: SessionContext, client_id: str, old: Doc | None, entry: AttendanceEntry) -> None:
    """Attendance corrected after the session ended (`attendance correct`), as
    ``store.corrections``: kept as made (added, never changed or removed); each new one by its
    pusher, a facilitator or an admin, on a session ended on the host, its times inside the
    session as held there, and the entry as the last correction left it, named by the times."""
    from facilitator.core.corrections import check_reason
    from facilitator.core.session import SessionState, attendance_time_problem, held_span, status_by_times
    before = _parse(AttendanceEntry.from_dict, old, "attendance entry on the host") if old is not None else None
    kept = before.corrections if before is not None else ()
    if entry.corrections[:len(kept)] != kept:
        raise Refused(f"a correction of {client_id}'s attendance cannot be changed or removed by sync")
    added = entry.corrections[len(kept):]
    if not added:
        return
    ctx.facilitator("attendance")
    header = ctx.header
    if header is None or header.state is not SessionState.ENDED or header.actual_end is None:
        raise Refused(f"{ctx.session_id} has not ended on the host; its attendance is corrected after it ends")
    start, end = held_span(header)
    for correction in added:
        if correction.by != ctx.actor.user:
            raise Refused(f"a correction of {client_id}'s attendance is in {correction.by}'s name; it can be "
                          f"pushed only by the account it names")
        try:
            check_reason(correction.reason)
        except InputError:
            raise Refused(f"a correction of {client_id}'s attendance gives no reason") from None
        status, arrived, left = correction.now
        for which, when in (("arrived", arrived), ("left", left)):
            if when is not None and attendance_time_problem(which, when, start=header.start,
                                                            end=header.actual_end):
                raise Refused(f"a correction of {client_id}'s attendance puts a time outside "
                              f"{ctx.session_id} as held on the host")
        if (arrived and left and left <= arrived) or \
                status_by_times(status, arrived, left, start=start, end=end) is not status or \
                (not status.credits_time and (arrived or left)):
            raise Refused(f"a correction of {client_id}'s attendance does not follow the one time rule")
    if added[-1].now != (entry.status, entry.arrived, entry.left):
        raise Refused(f"the attendance of {client_id} is not what its last correction says")


def note(ctx: SessionContext, client_id: str | None, old: Doc | None, new: Doc | None) -> None:
    """Draft, sign, addenda, co-sign, return and re-sign: each only by the account it names,
    in this order only."""
    if new is None:
        raise Refused(f"the note for {client_id} would be removed; notes are never removed by sync")
    pushed: Note = _parse(Note.from_dict, new, "note")
    if pushed.session_id != ctx.session_id or pushed.client_id != client_id:
        raise Refused(f"the note for {client_id} names another session or client")
    ctx.actor.client(client_id, ctx.day)
    before: Note | None = _parse(Note.from_dict, old, "note on the host") if old is not None else None
    problems = verify_note(pushed)
    if problems:
        raise Refused(f"the note for {client_id} does not check: {problems[0]}")
    if before is not None and before.author != pushed.author:
        raise Refused(f"the note for {client_id} would change its author")
    if not pushed.signed:
        if before is not None and before.signed:
            raise Refused(f"the signed note for {client_id} would go back to a draft")
        _as_author(ctx, pushed, "note.write", "a note")
        return
    if before is None or not before.signed:
        _first_signature(ctx, pushed)
        kept: Note | None = None
    elif pushed.earlier != before.earlier:
        _re_signature(ctx, before, pushed)
        kept = None
    else:
        if pushed.content_hash != before.content_hash:
            raise Refused(f"the signed note for {client_id} was rewritten; a signed note is locked")
        _return_and_correction(ctx, before, pushed)
        kept = before
    _addenda(ctx, kept.addenda if kept else (), pushed)
    _cosignature(ctx, kept, pushed)


def _as_author(ctx: SessionContext, pushed: Note, action: str, what: str) -> None:
    ctx.actor.need(action, what)
    ctx.facilitator("notes")
    if pushed.author != ctx.actor.user:
        raise Refused(f"the note for {pushed.client_id} is {pushed.author}'s; only its author "
                      f"{'signs' if action == 'note.sign' else 'writes'} it")


def _first_signature(ctx: SessionContext, pushed: Note) -> None:
    if pushed.signed_by != ctx.actor.user:
        raise Refused(f"the note for {pushed.client_id} is signed in {pushed.signed_by}'s name; a signature "
                      f"can be pushed only by the account it names")
    if pushed.earlier or pushed.returned is not None:
        raise Refused(f"the note for {pushed.client_id} arrives with a history of returns the host never saw")
    _as_author(ctx, pushed, "note.sign", "a signature")


def _re_signature(ctx: SessionContext, before: Note, pushed: Note) -> None:
    """A returned note signed again: only by its signer, and the version the host holds
    (with its return) is the one that moves to the history, whole."""
    client_id = pushed.client_id
    if before.returned is None:
        raise Refused(f"the note for {client_id} was not returned for correction; it is not signed again")
    if pushed.earlier != before.earlier + (replace(before, correction=None, earlier=()),):
        raise Refused(f"the history of the note for {client_id} was changed; it only keeps what was signed")
    if pushed.signed_by != ctx.actor.user or pushed.signed_by != before.signed_by:
        raise Refused(f"the note for {client_id} was returned to {before.signed_by}; only they re-sign it, "
                      f"in their own name")
    ctx.actor.need("note.sign", "a signature")
    ctx.facilitator("notes")


def _return_and_correction(ctx: SessionContext, before: Note, pushed: Note) -> None:
    """The same signed text: a return added (by a supervisor, in their name), or the
    correction typed (by the signer); a return is removed only by re-signing."""
    client_id = pushed.client_id
    if before.returned is not None and pushed.returned != before.returned:
        raise Refused(f"the return of the note for {client_id} was removed or changed; it ends when "
                      f"the note is signed again")
    if before.returned is None and pushed.returned is not None:
        if pushed.returned.by != ctx.actor.user:
            raise Refused(f"the note for {client_id} is returned in {pushed.returned.by}'s name; a return "
                          f"can be pushed only by the account it names")
        ctx.actor.need("note.return", "a return for correction")
    if pushed.correction != before.correction:
        if pushed.signed_by != ctx.actor.user:
            raise Refused(f"the note for {client_id} was returned to {pushed.signed_by}; only they "
                          f"correct it")
        ctx.actor.need("note.write", "a correction")
        ctx.facilitator("notes")


def _addenda(ctx: SessionContext, old_addenda: tuple[Addendum, ...], pushed: Note) -> None:
    client_id = pushed.client_id
    if pushed.addenda[:len(old_addenda)] != old_addenda:
        raise Refused(f"an addendum to the note for {client_id} was removed or changed")
    for added in pushed.addenda[len(old_addenda):]:
        if added.author != ctx.actor.user:
            raise Refused(f"an addendum to the note for {client_id} is in {added.author}'s name; it can be "
                          f"pushed only by the account it names")
        ctx.actor.need("note.sign", "an addendum")
        ctx.facilitator("notes")
        _stamped(ctx, pushed, added.signed_at, f"an addendum to the note for {client_id}")


def _cosignature(ctx: SessionContext, kept: Note | None, pushed: Note) -> None:
    """A co-signature is added once, in the pushing supervisor's or admin's name, never the
    signer's, and never on a note returned for correction."""
    client_id = pushed.client_id
    old_cosign = (kept.cosigned_by, kept.cosigned_at, kept.cosign_hash) if kept else (None, None, None)
    new_cosign = (pushed.cosigned_by, pushed.cosigned_at, pushed.cosign_hash)
    if old_cosign[0] is not None:
        if new_cosign != old_cosign:
            raise Refused(f"the co-signature of the note for {client_id} was removed or changed")
    elif pushed.cosigned_by is not None:
        if pushed.cosigned_by != ctx.actor.user:
            raise Refused(f"the note for {client_id} is co-signed in {pushed.cosigned_by}'s name; a "
                          f"co-signature can be pushed only by the account it names")
        ctx.actor.need("note.cosign", "a co-signature")
        _stamped(ctx, pushed, pushed.cosigned_at, f"the co-signature of the note for {client_id}")
        if pushed.cosigned_by == pushed.signed_by:
            raise Refused(f"the note for {client_id} would be co-signed by its signer")
        if pushed.returned is not None:
            raise Refused(f"the note for {client_id} is returned for correction; it is co-signed once "
                          f"signed again")


# Which side's version a merge (``merge._resolve``, ``merge_note``) ever puts in history, per part.
LOSERS = {"header": ("host",), "blocks": ("host",), "attendance": ("host", "laptop"), "note": ("host", "laptop"),
          "addenda": ("laptop",), "cosign": ("laptop",)}
COSIGN_KEYS = {"cosigned_by", "cosigned_at", "cosign_hash"}


def _stamped(ctx: SessionContext, note: Note, when: datetime | None, what: str) -> None:
    """A time the store would stamp (an addendum's, a co-signature's): after the note was
    signed, and not beyond ``CLOCK_LIMIT`` after the host's clock (as an attendance change)."""
    if when is None:
        return
    if note.signed_at is not None and when < note.signed_at:
        raise Refused(f"{what} is dated before the note was signed")
    if ctx.actor.now is not None and when - ctx.actor.now > CLOCK_LIMIT:
        minutes = round((when - ctx.actor.now).total_seconds() / 60)
        raise Refused(f"{what} is stamped {minutes} minutes after the host's clock; check this laptop's clock")


def history(ctx: SessionContext, key: str | None, old: Any, new: Any) -> None:
    """A merge's losing versions, only ever added to, by any staff member taking part: each new
    entry is what the merge would put there (``history_entry``) and under ``MAX_PART``."""
    old_list, new_list = list(old or []), list(new or [])
    if new_list[:len(old_list)] != old_list:
        raise Refused(f"the history of {ctx.session_id} can only grow")
    for doc in new_list[len(old_list):]:
        if not isinstance(doc, dict) or set(doc) != {"part", "client_id", "side", "entry"} or \
                doc["part"] not in LOSERS or doc["side"] not in ("laptop", "host"):
            raise Refused(f"a history entry of {ctx.session_id} is not a merge's losing version")
        within_cap(doc, f"a history entry of {ctx.session_id}")
        history_entry(ctx, doc["part"], doc["client_id"], doc["side"], doc["entry"])


def history_added(ctx: SessionContext, new: Any, history: list[Doc]) -> Any:
    """The entries of a pushed history part that are new to the host, less any that keeps a
    part "as the host's" which is not what the host holds: after a race (the host's part
    changed between the laptop's look and its push) that version is one the host itself
    replaced, and a laptop keeps re-sending it at every sync; refusing it would refuse, with
    it, the true losing versions of every later sync. Nothing of it is stored. (A part that
    is not a list is left for ``history`` to refuse.)"""
    if not isinstance(new, list):
        return new
    return [d for d in new if isinstance(d, dict) and d not in history and not _not_held(ctx, d)]


def _not_held(ctx: SessionContext, doc: Doc) -> bool:
    part, client_id = doc.get("part"), doc.get("client_id")
    if doc.get("side") != "host" or part not in ("header", "blocks", "attendance", "note"):
        return False
    key = part if part in ("header", "blocks") else f"{'att' if part == 'attendance' else 'note'}:{client_id}"
    return ctx.held.get(key) != doc.get("entry")


def history_entry(ctx: SessionContext, part: str, client_id: Any, side: str, entry: Any) -> None:
    """The host's side: exactly the part as the host holds it (the push replaced it). The
    laptop's: a well-formed version of that part for a client on the host (the laptop's own
    change that lost). A header or agenda only ever loses on the host's side."""
    if side not in LOSERS[part]:
        raise Refused(f"a history entry of {ctx.session_id} keeps the {side}'s {part}; a merge only ever keeps "
                      f"the {LOSERS[part][0]}'s there")
    if part in ("header", "blocks"):
        if client_id is not None:
            raise Refused(f"a history entry of {ctx.session_id} names a client for the {part}")
    else:
        ctx.actor.client(client_id, ctx.day)
    if side == "host":
        held = part if part in ("header", "blocks") else f"{'att' if part == 'attendance' else 'note'}:{client_id}"
        if held not in ctx.held or ctx.held[held] != entry:
            raise Refused(f"a history entry of {ctx.session_id} keeps a {part} as the host's that is not what "
                          f"the host holds")
        return
    _laptop_loser(ctx, part, client_id, entry)


def _laptop_loser(ctx: SessionContext, part: str, client_id: str, entry: Any) -> None:
    from facilitator.core.notes import Addendum
    what = f"{part} in the history of {ctx.session_id}"
    if part == "attendance":
        if _parse(AttendanceEntry.from_dict, entry, what).client_id != client_id:
            raise Refused(f"the {what} names another client than {client_id}")
    elif part == "note":
        kept: Note = _parse(Note.from_dict, entry, what)
        if kept.session_id != ctx.session_id or kept.client_id != client_id:
            raise Refused(f"the {what} names another session or client")
    elif part == "addenda":
        _parse(Addendum.from_dict, entry, what)
    elif not isinstance(entry, dict) or set(entry) != COSIGN_KEYS or \
            not all(isinstance(v, str) and 0 < len(v) <= 200 for v in entry.values()):
        raise Refused(f"the {what} is not a co-signature")


def within_cap(value: Any, what: str) -> None:
    """A part (or history entry) is at most ``MAX_PART`` bytes of compact JSON."""
    import json
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_PART:
        raise Refused(f"{what} is {size} bytes, over sync's {MAX_PART}-byte limit for one part")


AUTHORIZE: dict[str, Callable[[SessionContext, str | None, Any, Any], None]] = {
    "header": header, "blocks": blocks, "roster": roster, "att": attendance, "note": note,
    "history": history,
}


def authorize_part(ctx: SessionContext, part: str, old: Any, new: Any) -> None:
    kind, _, key = part.partition(":")
    check = AUTHORIZE.get(kind)
    if check is None or (kind in ("att", "note")) != bool(key):
        raise Refused(f"{part!r} is not a part of a session record sync takes")
    if kind != "history":       # a history part is the whole list; each entry added is capped
        within_cap(new, f"the pushed {kind} part")
    check(ctx, key or None, old, new)


# --- hours entries ------------------------------------------------------------------------

def hours_entry(actor: Actor, month: str, uid: str, old: Doc | None, new: Doc | None) -> Any:
    """An individual or family session added or removed: counselors and admins only; the
    client must exist and be enrolled that day, the day in the month file's month."""
    from facilitator.core.hours import OtherHours
    actor.need("hours.change", "hours")
    if new is None:
        return None
    entry = _parse(OtherHours.from_dict, new, "hours entry")
    if not isinstance(new.get("minutes"), int) or isinstance(new.get("minutes"), bool):
        raise Refused(f"hours entry {uid} has minutes that are not a whole number")
    if f"{entry.day:%Y-%m}" != month:
        raise Refused(f"hours entry {uid} is dated outside {month}")
    actor.not_ahead(entry.day, f"hours entry {uid}")
    actor.client(entry.client_id, entry.day)
    return entry


# --- recovery plans -------------------------------------------------------------------------

def pushed_plan(client_id: str, doc: Any) -> Any:
    """The plan a laptop pushed, read as strictly as a plan file, for the client its path names."""
    from facilitator.core.recovery import RecoveryPlan
    plan = _parse(RecoveryPlan.from_dict, doc, f"recovery plan of {client_id}")
    if plan.client_id != client_id:
        raise Refused(f"the recovery plan pushed for {client_id} names another client")
    return plan


def plan(actor: Actor, client_id: str, old: Any, new: Any) -> None:
    """A recovery plan as it would be after the merge (``new``) against the host's (``old``):
    only counselors and admins change plans (``plan.change``, as ``store.recovery``); the
    client exists on the host; a status change or review added is in the pushing account's own
    name (like a signature); nothing added is dated after tomorrow on the host. (Nothing on
    the host is lost: ``core.recovery.merge_plans`` keeps every goal, status change and review
    of both copies, and raises ``PlanConflict`` rather than renumber a goal.)"""
    actor.need("plan.change", "recovery plans")
    if client_id not in actor.clients:
        raise Refused(f"there is no client {client_id!r} on the host")
    before = {g.number: g for g in old.goals} if old is not None else {}
    if old is None:
        actor.not_ahead(new.started, f"the recovery plan of {client_id}")
    for goal in new.goals:
        earlier = before.get(goal.number)
        if earlier is None:
            actor.not_ahead(goal.set_on, f"goal {goal.number} of {client_id}'s plan")
        for change in set(goal.changes) - set(earlier.changes if earlier else ()):
            if change.by != actor.user:
                raise Refused(f"a status change of goal {goal.number} of {client_id}'s plan is in "
                              f"{change.by}'s name; it can be pushed only by the account it names")
            actor.not_ahead(change.day, f"a status change of goal {goal.number} of {client_id}'s plan")
    for review in set(new.reviews) - set(old.reviews if old is not None else ()):
        if review.by != actor.user:
            raise Refused(f"a review of {client_id}'s plan is in {review.by}'s name; it can be pushed "
                          f"only by the account it names")
        actor.not_ahead(review.day, f"a review of {client_id}'s plan")
