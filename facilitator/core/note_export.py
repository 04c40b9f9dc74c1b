"""A progress note as it leaves the app: the text a clinic pastes into its EHR, and the FHIR R4
``DocumentReference`` resources (US Core clinical-notes pattern) an EHR imports.

Pure: the caller (the store) gathers what a note needs into a ``NoteSheet``; nothing here
reads a file or the clock. Every output ends with the 42 CFR 2.32 notice (``core.part2``).
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from facilitator.core.notes import Note
from facilitator.core.part2 import CITATION, STATEMENT_1

# The namespace the bundle's resource ids are made in (uuid5 of a note's identity), so the
# same note exported twice has the same id and an EHR can tell a re-send from a new note.
_NAMESPACE = uuid.UUID("6f2b1c3e-5d7a-4e09-9b1f-2a8c4d6e0f13")
CLIENT_ID_SYSTEM = "urn:facilitator:client-id"
STAFF_ID_SYSTEM = "urn:facilitator:staff-account"
LOINC = "http://loinc.org"
PROGRESS_NOTE = "11506-3"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


# C0 and C1 control characters but tab and newline, and DEL: never part of a note, and on a
# terminal (stdout, the clipboard) an escape sequence could act; shown as U+FFFD instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """``text`` with line ends made ``\n`` and every other control character made visible."""
    return _CONTROL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class NoteSheet:
    """One client's note of one session, with what a reader outside the app needs beside it."""

    clinic: str
    client_id: str
    client_name: str
    group: str
    day: date
    start: datetime
    end: datetime
    facilitators: tuple[str, ...]     # staff names, as shown on notes
    note: Note
    staff_names: dict[str, str]       # staff account -> name, for signatures

    def name_of(self, user: str | None) -> str:
        return plain(self.staff_names.get(user or "", user or ""))

    @property
    def body(self) -> str:
        return plain(self.note.body).strip()


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def signature_lines(sheet: NoteSheet) -> list[str]:
    """The signature, co-signature and addenda, in order, with staff names."""
    note = sheet.note
    lines = []
    if note.signed and note.signed_at is not None:
        lines.append(f"Signed by {sheet.name_of(note.signed_by)} on {_when(note.signed_at)}")
    else:
        lines.append("NOT SIGNED: this is a draft")
    if note.cosigned_by and note.cosigned_at is not None:
        lines.append(f"Co-signed by {sheet.name_of(note.cosigned_by)} on {_when(note.cosigned_at)}")
    return lines


def header_lines(sheet: NoteSheet) -> list[str]:
    return [plain(line) for line in (
        sheet.clinic,
        f"Client: {sheet.client_name} ({sheet.client_id})",
        f"Group: {sheet.group}",
        f"Date: {sheet.day.isoformat()}",
        f"Time: {sheet.start.strftime('%H:%M')}-{sheet.end.strftime('%H:%M')}",
        f"Facilitator(s): {', '.join(sheet.facilitators) or 'not recorded'}",
    )]


def addendum_blocks(sheet: NoteSheet) -> list[tuple[str, str]]:
    """(heading, body) of each addendum, in the order signed."""
    return [(f"Addendum {n}, signed by {sheet.name_of(a.author)} on {_when(a.signed_at)}:",
             plain(a.body).strip())
            for n, a in enumerate(sheet.note.addenda, start=1)]


def note_text(sheet: NoteSheet, *, notice: bool = True) -> str:
    """The note as a clinic would paste it into an EHR: header, body, signatures, addenda,
    and (unless several notes share one notice) Statement 1 at the end."""
    parts = ["\n".join(header_lines(sheet)), sheet.body, "\n".join(signature_lines(sheet))]
    parts += [f"{heading}\n{body}" for heading, body in addendum_blocks(sheet)]
    if notice:
        parts.append(notice_text())
    return "\n\n".join(parts) + "\n"


def notice_text() -> str:
    return f"{STATEMENT_1}\n({CITATION})"


def notes_text(sheets: list[NoteSheet]) -> str:
    """Several notes, one after another, each followed by the notice (a note pasted alone
    must still carry it)."""
    rule = "\n" + "=" * 72 + "\n\n"
    return rule.join(note_text(s) for s in sheets)


# -- FHIR R4 ---------------------------------------------------------------------------------
def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _staff_ref(sheet: NoteSheet, user: str) -> dict[str, Any]:
    return {"type": "Practitioner", "identifier": {"system": STAFF_ID_SYSTEM, "value": user},
            "display": sheet.name_of(user)}


def _document(sheet: NoteSheet, doc_id: str, body: str, author: str, when: datetime,
              final: bool, title: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": doc_id,
        # 42 CFR part 2 data: the HL7 security label travels with each document.
        "meta": {"security": [{"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"}]},
        "status": "current",
        "docStatus": "final" if final else "preliminary",
        "type": {"coding": [{"system": LOINC, "code": PROGRESS_NOTE, "display": "Progress note"}]},
        "category": [{"coding": [{"system": US_CORE_CATEGORY, "code": "clinical-note",
                                  "display": "Clinical Note"}]}],
        "subject": {"type": "Patient",
                    "identifier": {"system": CLIENT_ID_SYSTEM, "value": sheet.client_id}},
        "date": when.isoformat(),
        "author": [_staff_ref(sheet, author)],
        "description": title,
        "content": [{"attachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": _b64(f"{plain(body).strip()}\n\n{notice_text()}\n"),
            "title": title,
            "creation": when.isoformat(),
        }}],
        "context": {"period": {"start": sheet.start.isoformat(), "end": sheet.end.isoformat()}},
    }


def note_id(sheet: NoteSheet, part: str = "note") -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{sheet.note.session_id}|{sheet.client_id}|{part}"))


def document_references(sheet: NoteSheet) -> list[dict[str, Any]]:
    """The note's DocumentReference, then one per addendum (``relatesTo`` ``appends``)."""
    note = sheet.note
    main_id = note_id(sheet)
    title = f"Group progress note, {sheet.group}, {sheet.day.isoformat()}"
    when = note.signed_at or note.drafted_at
    main = _document(sheet, main_id, note.body, note.signed_by or note.author, when, note.signed, title)
    if note.cosigned_by:
        main["authenticator"] = _staff_ref(sheet, note.cosigned_by)
    docs = [main]
    for n, addendum in enumerate(note.addenda, start=1):
        doc = _document(sheet, note_id(sheet, f"addendum-{n}"), addendum.body, addendum.author,
                        addendum.signed_at, True, f"Addendum {n} to: {title}")
        doc["relatesTo"] = [{"code": "appends", "target": {"reference": f"urn:uuid:{main_id}"}}]
        docs.append(doc)
    return docs


def fhir_bundle(sheets: list[NoteSheet], at: datetime) -> dict[str, Any]:
    """A FHIR R4 Bundle of type ``collection`` holding every note's DocumentReferences."""
    entries = [{"fullUrl": f"urn:uuid:{doc['id']}", "resource": doc}
               for sheet in sheets for doc in document_references(sheet)]
    return {"resourceType": "Bundle", "type": "collection", "timestamp": at.isoformat(),
            "meta": {"security": [{"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"}]},
            "entry": entries}
