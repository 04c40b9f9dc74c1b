"""Progress notes: signing, addenda, co-signing, tamper evidence, due dates.

A signed note is locked; corrections are addenda, signed in order; a supervisor may
co-sign once (HIPAA 164.312(c): integrity, and a way to show records were not altered).

- ``content_hash`` = sha256 of canonical JSON of the note's session id, client id, body,
  signer and signing time. Author and draft time are not part of it.
- Each addendum's hash covers the previous hash (the note's for the first) and its own
  body, author and time, so changing, dropping from the middle or reordering addenda shows.
  (Dropping the *last* addendum leaves a valid chain: the audit log has to show that.)
- ``cosign_hash`` covers the note's hash and the co-signer and time, so a forged
  co-signature shows too. Addenda added after a co-signature do not disturb it.
- A supervisor may **return** a signed note for correction (``return_note``): the return
  (who, when, one line of why) is hashed with the note's hash, and the signed text stays as
  it is. Its signer then types the corrected text (``edit`` writes ``correction``, never the
  signed body) and signs again (``sign``): the version signed first, with its addenda,
  co-signature and return, moves whole to ``earlier`` and the new signature's hash covers the
  return's, so the history of signed texts is a chain too. Until re-signed the note's
  signature does not stand (``signature_stands``): billing says it is not signed.

Drafting lives in ``drafting.py``; ``draft_note`` and ``redact_others`` are re-exported here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import DAILY, FR, MO, TH, TU, WE, rrule

from facilitator.core import fields
from facilitator.core.drafting import draft_note, redact_others
from facilitator.core.errors import InputError
from facilitator.core.rules import NOTE_DUE_BUSINESS_DAYS

__all__ = [
    "Addendum", "Note", "NoteReturn", "add_addendum", "addendum_hash", "business_days_overdue", "cosign",
    "cosign_hash", "draft_note", "due_date", "edit", "note_hash", "redact_others", "return_hash",
    "return_note", "sign", "verify_note",
]

ALREADY_SIGNED = "this note is already signed; add an addendum instead"
BODY_CHANGED = "the note body or its signature was changed after signing"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None



try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; json gives the same bytes, slower
    _orjson = None  # type: ignore[assignment]  # typed as the module: it is a dependency

# The canonical form: json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# in UTF-8. One encoder for every hash (json.dumps with options builds one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(data: dict[str, Any]) -> str:
    """SHA-256 of ``data``'s canonical form. The hashed documents are flat, with fixed ASCII
    keys and text or null values, for which orjson's sorted dump is byte for byte the json
    module's (checked for every code point in tests/core/test_notes.py); verify hashes every
    signed note of a clinic's history, and orjson is ~5x faster. Text orjson refuses (a lone
    surrogate) goes to the json module, which refuses it too, as before."""
    if _orjson is not None:
        try:
            return hashlib.sha256(_orjson.dumps(data, option=_orjson.OPT_SORT_KEYS)).hexdigest()
        except TypeError:               # orjson.JSONEncodeError
            pass
    return hashlib.sha256(_CANONICAL.encode(data).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Addendum:
    """A signed correction to a signed note, chained by hash to what came before it."""

    body: str
    author: str
    signed_at: datetime
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"body": self.body, "author": self.author,
                "signed_at": self.signed_at.isoformat(), "content_hash": self.content_hash}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Addendum:
        return cls(body=fields.text(data, "body", max_length=fields.MAX_TEXT),
                   author=fields.text(data, "author"), signed_at=fields.aware(data, "signed_at"),
                   content_hash=fields.text(data, "content_hash", max_length=128))


MAX_RETURN_REASON = 500       # as an attendance correction's reason (core.session.MAX_REASON)


@dataclass(frozen=True)
class NoteReturn:
    """A supervisor's return of a signed note for correction: who, when, why, hashed with the
    note's own hash (``return_hash``)."""

    by: str
    at: datetime
    reason: str
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "at": self.at.isoformat(), "reason": self.reason,
                "content_hash": self.content_hash}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoteReturn:
        return cls(by=fields.text(data, "by"), at=fields.aware(data, "at"),
                   reason=fields.text(data, "reason", max_length=MAX_RETURN_REASON),
                   content_hash=fields.text(data, "content_hash", max_length=128))


@dataclass(frozen=True)
class Note:
    """One client's progress note for one session: drafted, signed, co-signed, and any addenda."""

    session_id: str
    client_id: str
    body: str
    author: str
    drafted_at: datetime
    signed_by: str | None = None
    signed_at: datetime | None = None
    content_hash: str | None = None
    cosigned_by: str | None = None
    cosigned_at: datetime | None = None
    addenda: tuple[Addendum, ...] = ()
    cosign_hash: str | None = None
    returned: NoteReturn | None = None   # returned for correction, not yet re-signed
    correction: str | None = None        # the corrected text its signer is typing
    earlier: tuple[Note, ...] = ()       # the versions signed before, each with its return

    @property
    def signed(self) -> bool:
        return self.signed_by is not None

    @property
    def signature_stands(self) -> bool:
        """Signed and not returned for correction: what billing calls signed."""
        return self.signed and self.returned is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id, "client_id": self.client_id, "body": self.body,
            "author": self.author, "drafted_at": self.drafted_at.isoformat(),
            "signed_by": self.signed_by, "signed_at": _iso(self.signed_at),
            "content_hash": self.content_hash,
            "cosigned_by": self.cosigned_by, "cosigned_at": _iso(self.cosigned_at),
            "cosign_hash": self.cosign_hash,
            "addenda": [a.to_dict() for a in self.addenda],
            **self._return_parts(),
        }

    def _return_parts(self) -> dict[str, Any]:
        """Written only when there is something to say: older notes keep their exact keys."""
        parts: dict[str, Any] = {}
        if self.returned is not None:
            parts["returned"] = self.returned.to_dict()
        if self.correction is not None:
            parts["correction"] = self.correction
        if self.earlier:
            parts["earlier"] = [version.to_dict() for version in self.earlier]
        return parts

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        addenda = data.get("addenda", []) if isinstance(data, dict) else None
        if not isinstance(addenda, list) or len(addenda) > 10_000:
            raise InputError("must be a list of addenda", field="addenda")
        return cls(
            session_id=fields.text(data, "session_id"), client_id=fields.client_id(data, "client_id"),
            body=fields.text(data, "body", max_length=fields.MAX_TEXT),
            author=fields.text(data, "author"), drafted_at=fields.aware(data, "drafted_at"),
            signed_by=fields.optional_text(data, "signed_by"),
            signed_at=fields.optional_aware(data, "signed_at"),
            content_hash=fields.optional_text(data, "content_hash", max_length=128),
            cosigned_by=fields.optional_text(data, "cosigned_by"),
            cosigned_at=fields.optional_aware(data, "cosigned_at"),
            cosign_hash=fields.optional_text(data, "cosign_hash", max_length=128),
            addenda=tuple(Addendum.from_dict(a) for a in addenda),
            returned=_optional_return(data),
            correction=fields.optional_text(data, "correction", max_length=fields.MAX_TEXT),
            earlier=_earlier(data),
        )


def _optional_return(data: dict[str, Any]) -> NoteReturn | None:
    doc = data.get("returned")
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise InputError("must be a return (by, at, reason)", field="returned")
    return NoteReturn.from_dict(doc)


def _earlier(data: dict[str, Any]) -> tuple[Note, ...]:
    """The versions signed before: each a whole note, returned, with no history of its own."""
    docs = data.get("earlier", [])
    if not isinstance(docs, list) or len(docs) > 1000:
        raise InputError("must be a list of earlier versions", field="earlier")
    versions = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("earlier") or doc.get("correction") is not None:
            raise InputError("an earlier version has no history or correction of its own", field="earlier")
        version = Note.from_dict(doc)
        if version.returned is None or not version.signed:
            raise InputError("an earlier version is a signed, returned note", field="earlier")
        versions.append(version)
    return tuple(versions)


# --- hashes ---------------------------------------------------------------------------------

def note_hash(note: Note) -> str:
    """The signature's hash; a re-signed note's also covers the return before it."""
    return _signature_hash(note, note.earlier[-1].returned.content_hash
                           if note.earlier and note.earlier[-1].returned else None)


def _signature_hash(note: Note, previous: str | None) -> str:
    signed = {"session_id": note.session_id, "client_id": note.client_id, "body": note.body,
              "signed_by": note.signed_by, "signed_at": _iso(note.signed_at)}
    if previous is not None:          # a first signature hashes as it always did
        signed["previous"] = previous
    return _sha256(signed)


def return_hash(content_hash: str | None, by: str, at: datetime, reason: str) -> str:
    return _sha256({"note": content_hash, "returned_by": by, "returned_at": at.isoformat(),
                    "reason": reason})


def addendum_hash(previous: str | None, body: str, author: str, signed_at: datetime) -> str:
    return _sha256({"previous": previous, "body": body, "author": author,
                    "signed_at": signed_at.isoformat()})


def cosign_hash(content_hash: str | None, cosigned_by: str | None, cosigned_at: datetime | None) -> str:
    return _sha256({"note": content_hash, "cosigned_by": cosigned_by,
                    "cosigned_at": _iso(cosigned_at)})


# --- operations -----------------------------------------------------------------------------

def _check_user(user: str, field: str) -> str:
    if not user or not user.strip():
        raise InputError("a user is needed", field=field)
    return user.strip()


def _check_time(at: datetime, field: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError("the time needs a time zone", field=field)
    return at


def _check_body(body: str, what: str) -> str:
    if not body.strip():
        raise InputError(f"an empty {what} cannot be signed", field="body")
    return body


def edit(note: Note, body: str) -> Note:
    """The draft with a new body; a signed note is locked. A returned note's edit is its
    correction: the signed body stays until it is signed again."""
    if note.returned is not None:
        return replace(note, correction=body)
    if note.signed:
        raise InputError("this note is signed and locked; add an addendum instead", field="body")
    return replace(note, body=body)


def sign(note: Note, user: str, at: datetime) -> Note:
    if note.returned is not None:
        return _resign(note, user, at)
    if note.signed:
        raise InputError(ALREADY_SIGNED)
    _check_body(note.body, "note")
    signed = replace(note, signed_by=_check_user(user, "signed_by"),
                     signed_at=_check_time(at, "signed_at"))
    return replace(signed, content_hash=note_hash(signed))


def _resign(note: Note, user: str, at: datetime) -> Note:
    """The corrected text (or the same words, if none was typed) signed again by the note's
    signer; the returned version moves whole to ``earlier``."""
    returned = note.returned
    assert returned is not None
    user, at = _check_user(user, "signed_by"), _check_time(at, "signed_at")
    if user != note.signed_by:
        raise InputError(f"only {note.signed_by}, who signed this note, re-signs it", field="signed_by")
    if at < returned.at:
        raise InputError("a note cannot be re-signed before it was returned", field="signed_at")
    body = _check_body(note.body if note.correction is None else note.correction, "note")
    version = replace(note, correction=None, earlier=())
    again = replace(note, body=body, signed_by=user, signed_at=at, cosigned_by=None, cosigned_at=None,
                    cosign_hash=None, addenda=(), returned=None, correction=None,
                    earlier=note.earlier + (version,))
    return replace(again, content_hash=note_hash(again))


def check_return_reason(reason: str, *, field: str = "--reason") -> str:
    """Why a note is returned: one line of words, required, at most ``MAX_RETURN_REASON``."""
    text = " ".join(str(reason).split())
    if not text:
        raise InputError("say why the note is returned (a reason is required)", field=field)
    if len(text) > MAX_RETURN_REASON:
        raise InputError(f"the reason is longer than {MAX_RETURN_REASON} characters", field=field)
    return text


def return_note(note: Note, user: str, at: datetime, reason: str) -> Note:
    """A supervisor's return of a signed note for correction, once until it is re-signed,
    never by its signer. Whether ``user`` may return notes (their role) is the caller's check."""
    if not note.signed:
        raise InputError("only a signed note can be returned for correction; a draft is still its author's")
    if note.returned is not None:
        raise InputError("this note is already returned for correction")
    user, at = _check_user(user, "returned_by"), _check_time(at, "returned_at")
    if user == note.signed_by:
        raise InputError("a note cannot be returned by the person who signed it", field="returned_by")
    last = _last_signature(note)
    if last is not None and at < last:
        raise InputError("a return cannot be dated before the signature", field="returned_at")
    reason = check_return_reason(reason)
    return replace(note, returned=NoteReturn(by=user, at=at, reason=reason,
                                             content_hash=return_hash(note.content_hash, user, at, reason)))


def _last_signature(note: Note) -> datetime | None:
    return note.addenda[-1].signed_at if note.addenda else note.signed_at


def add_addendum(note: Note, body: str, user: str, at: datetime) -> Note:
    """A signed addendum after the last one (or the note's signature)."""
    if not note.signed:
        raise InputError("only a signed note takes addenda; edit the draft instead")
    _check_body(body, "addendum")
    user, at = _check_user(user, "author"), _check_time(at, "signed_at")
    last = _last_signature(note)
    if last is not None and at < last:
        raise InputError("an addendum cannot be dated before the signature it follows",
                         field="signed_at")
    previous = note.addenda[-1].content_hash if note.addenda else note.content_hash
    added = Addendum(body=body, author=user, signed_at=at,
                     content_hash=addendum_hash(previous, body, user, at))
    return replace(note, addenda=note.addenda + (added,))


def cosign(note: Note, user: str, at: datetime) -> Note:
    """A supervisor's co-signature: once, on a signed note, never by its signer.

    Whether ``user`` may co-sign (their role) is the caller's check.
    """
    if not note.signed:
        raise InputError("only a signed note can be co-signed")
    if note.cosigned_by is not None:
        raise InputError("this note is already co-signed")
    if note.returned is not None:
        raise InputError("this note was returned for correction; co-sign it once it is re-signed")
    user, at = _check_user(user, "cosigned_by"), _check_time(at, "cosigned_at")
    if user == note.signed_by:
        raise InputError("a note cannot be co-signed by the person who signed it",
                         field="cosigned_by")
    if note.signed_at is not None and at < note.signed_at:
        raise InputError("a co-signature cannot be dated before the signature", field="cosigned_at")
    return replace(note, cosigned_by=user, cosigned_at=at,
                   cosign_hash=cosign_hash(note.content_hash, user, at))


def verify_note(note: Note) -> list[str]:
    """Every sign of tampering, one sentence each; [] when the note is intact."""
    if not note.signed:
        if note.signed_at or note.content_hash or note.cosigned_by or note.addenda or \
                note.returned or note.earlier or note.correction is not None:
            return ["an unsigned note carries signature data"]
        return []
    previous = None
    problems: list[str] = []
    for number, version in enumerate(note.earlier, start=1):
        found = _verify_version(version, previous)
        problems += [f"earlier version {number}: {problem}" for problem in found]
        previous = version.returned.content_hash if version.returned else None
    return problems + _verify_version(note, previous)


def _verify_version(note: Note, previous: str | None) -> list[str]:
    """One signed version: its signature (after ``previous``, the return before it),
    addenda, co-signature and return."""
    problems: list[str] = []
    if note.content_hash is None or note.signed_at is None:
        problems.append("the note is marked signed but has no hash")
    elif _signature_hash(note, previous) != note.content_hash:
        problems.append(BODY_CHANGED)
    returned = note.returned
    if returned is None and note.correction is not None:
        problems.append("a correction is kept on a note that was not returned")
    if returned is not None and \
            return_hash(note.content_hash, returned.by, returned.at, returned.reason) != returned.content_hash:
        problems.append("the return for correction was changed")
    previous = note.content_hash
    for number, added in enumerate(note.addenda, start=1):
        if addendum_hash(previous, added.body, added.author, added.signed_at) != added.content_hash:
            problems.append(f"addendum {number} was changed or reordered")
        previous = added.content_hash
    if note.cosigned_by is not None or note.cosign_hash is not None:
        if note.cosign_hash != cosign_hash(note.content_hash, note.cosigned_by, note.cosigned_at):
            problems.append("the co-signature was changed")
    return problems


# --- due dates ------------------------------------------------------------------------------

_WEEKDAYS = (MO, TU, WE, TH, FR)


def _business_days(after: date, until: date | None = None, count: int | None = None) -> rrule:
    start = datetime.combine(after + timedelta(days=1), time(0))
    end = datetime.combine(until, time(0)) if until else None
    return rrule(DAILY, byweekday=_WEEKDAYS, dtstart=start, until=end, count=count)


def due_date(session_day: date, business_days: int = NOTE_DUE_BUSINESS_DAYS) -> date:
    """The day a note is due: ``business_days`` weekdays after the session (weekends
    skipped; public holidays are not known here)."""
    if business_days <= 0:
        return session_day
    return list(_business_days(session_day, count=business_days))[-1].date()


def business_days_overdue(session_day: date, today: date,
                          business_days: int = NOTE_DUE_BUSINESS_DAYS) -> int:
    """Weekdays after the due date up to and including ``today``; 0 until then."""
    due = due_date(session_day, business_days)
    if today <= due:
        return 0
    return _business_days(due, until=today).count() or 0   # the stubs allow None; a bounded rule counts
