"""core.note_export: a note's text and FHIR resources, worked by hand (invented people)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from zoneinfo import ZoneInfo

from facilitator.core.note_export import NoteSheet, fhir_bundle, note_text, plain
from facilitator.core.notes import Note, add_addendum, cosign, sign
from facilitator.core.part2 import CITATION, STATEMENT_1

TZ = ZoneInfo("America/Chicago")
AT = datetime(2026, 11, 23, 21, 5, tzinfo=TZ)


def sheet(note: Note) -> NoteSheet:
    return NoteSheet("Invented Clinic", "T001", "Avery Testperson", "Evening IOP", date(2026, 11, 23),
                     datetime(2026, 11, 23, 18, 0, tzinfo=TZ), datetime(2026, 11, 23, 21, 0, tzinfo=TZ),
                     ("Casey Counselor",), note, {"c1": "Casey Counselor", "s1": "Sam Supervisor"})


def signed_note() -> Note:
    note = sign(Note("2026-11-23-1800-evening-iop", "T001", "Named two triggers.", "c1", AT), "c1", AT)
    note = add_addendum(note, "Three, not two.", "c1", datetime(2026, 11, 23, 21, 30, tzinfo=TZ))
    return cosign(note, "s1", datetime(2026, 11, 24, 9, 0, tzinfo=TZ))


def test_text_by_hand():
    assert note_text(sheet(signed_note())) == (
        "Invented Clinic\nClient: Avery Testperson (T001)\nGroup: Evening IOP\nDate: 2026-11-23\n"
        "Time: 18:00-21:00\nFacilitator(s): Casey Counselor\n\n"
        "Named two triggers.\n\n"
        "Signed by Casey Counselor on 2026-11-23 21:05\nCo-signed by Sam Supervisor on 2026-11-24 09:00\n\n"
        "Addendum 1, signed by Casey Counselor on 2026-11-23 21:30:\nThree, not two.\n\n"
        f"{STATEMENT_1}\n({CITATION})\n")


def test_plain_keeps_text_and_shows_controls():
    assert plain("a\r\nb\rc\td\x1b[1m\x9b\x7f李") == "a\nb\nc\td\ufffd[1m\ufffd\ufffd李"


def test_fhir_ids_are_stable_and_the_addendum_points_at_its_note():
    one = fhir_bundle([sheet(signed_note())], AT)
    two = fhir_bundle([sheet(signed_note())], AT)
    assert [e["fullUrl"] for e in one["entry"]] == [e["fullUrl"] for e in two["entry"]]
    note, addendum = (e["resource"] for e in one["entry"])
    assert addendum["relatesTo"][0] == {"code": "appends", "target": {"reference": one["entry"][0]["fullUrl"]}}
    assert note["authenticator"]["display"] == "Sam Supervisor"
    assert base64.b64decode(addendum["content"][0]["attachment"]["data"]).decode().startswith("Three, not two.")
