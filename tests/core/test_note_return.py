"""A supervisor returns a signed note for correction; its signer corrects and re-signs (#20).

Worked by hand (every name and word invented):
  Thu 19 Nov 2026, 21:10  counselor1 signs "Avery took part. Plan: continue."  (hash H1)
  Fri 20 Nov, 09:00       supervisor1 returns it: "Goals part is missing"       (return R1 binds H1)
  Fri 20 Nov, 09:30       counselor1 types the corrected text (a draft of the correction)
  Fri 20 Nov, 10:00       counselor1 re-signs it                                   (hash H2 binds R1)
Afterwards the note reads the corrected text signed at 10:00, is not returned, has no
co-signature, and ``earlier`` keeps the first text with its 21:10 signature and the return.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.errors import InputError
from facilitator.core.notes import (
    Note,
    NoteReturn,
    add_addendum,
    cosign,
    edit,
    note_hash,
    return_note,
    sign,
    verify_note,
)

CHI = ZoneInfo("America/Chicago")
FIRST = "Avery took part. Plan: continue."
FIXED = "Avery took part. Goals: goal 1 addressed. Plan: continue."
REASON = "Goals part is missing"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHI)


def signed() -> Note:
    draft = Note(session_id="2026-11-19-1800-evening-iop", client_id="c1", body=FIRST,
                 author="counselor1", drafted_at=at(19, 21))
    return sign(draft, "counselor1", at(19, 21, 10))


def returned() -> Note:
    return return_note(signed(), "supervisor1", at(20, 9), REASON)


def resigned() -> Note:
    return sign(edit(returned(), FIXED), "counselor1", at(20, 10))


def test_a_return_is_kept_with_who_when_and_why_and_the_signed_text_untouched() -> None:
    note = returned()
    assert note.returned is not None
    assert note.returned == NoteReturn(by="supervisor1", at=at(20, 9), reason=REASON,
                                       content_hash=note.returned.content_hash)
    assert note.body == FIRST and note.signed_at == at(19, 21, 10)
    assert note.content_hash == signed().content_hash
    assert note.signed and not note.signature_stands
    assert signed().signature_stands
    assert verify_note(note) == []


def test_editing_a_returned_note_writes_the_correction_never_the_signed_text() -> None:
    note = edit(returned(), FIXED)
    assert note.body == FIRST and note.correction == FIXED
    assert verify_note(note) == []
    with pytest.raises(InputError, match="signed and locked"):
        edit(signed(), FIXED)


def test_re_signing_keeps_both_texts_and_both_signatures() -> None:
    note = resigned()
    assert note.body == FIXED and note.signed_by == "counselor1" and note.signed_at == at(20, 10)
    assert note.returned is None and note.correction is None and note.signature_stands
    assert note.cosigned_by is None and note.addenda == ()
    (first,) = note.earlier
    assert first.body == FIRST and first.signed_at == at(19, 21, 10)
    assert first.content_hash == signed().content_hash
    assert first.returned is not None and first.returned.reason == REASON
    assert note.content_hash == note_hash(note) != first.content_hash
    assert verify_note(note) == []


def test_re_signing_without_typing_signs_the_same_words_again() -> None:
    note = sign(returned(), "counselor1", at(20, 10))
    assert note.body == FIRST and len(note.earlier) == 1 and verify_note(note) == []


def test_only_the_signer_re_signs_and_not_before_the_return() -> None:
    with pytest.raises(InputError, match="counselor1"):
        sign(edit(returned(), FIXED), "counselor2", at(20, 10))
    with pytest.raises(InputError, match="before"):
        sign(returned(), "counselor1", at(20, 8))


def test_what_cannot_be_returned() -> None:
    draft = replace(signed(), signed_by=None, signed_at=None, content_hash=None)
    with pytest.raises(InputError, match="signed"):
        return_note(draft, "supervisor1", at(20, 9), REASON)
    with pytest.raises(InputError, match="already returned"):
        return_note(returned(), "supervisor1", at(20, 9, 5), REASON)
    with pytest.raises(InputError, match="signed it"):
        return_note(signed(), "counselor1", at(20, 9), REASON)
    with pytest.raises(InputError, match="reason"):
        return_note(signed(), "supervisor1", at(20, 9), "   ")
    with pytest.raises(InputError, match="before"):
        return_note(signed(), "supervisor1", at(19, 21), REASON)
    with pytest.raises(InputError, match="500"):
        return_note(signed(), "supervisor1", at(20, 9), "x" * 501)


def test_a_reason_is_one_line() -> None:
    note = return_note(signed(), "supervisor1", at(20, 9), "Goals part\nis   missing\r\n")
    assert note.returned is not None and note.returned.reason == "Goals part is missing"


def test_a_returned_note_is_not_co_signed_until_re_signed() -> None:
    with pytest.raises(InputError, match="returned"):
        cosign(returned(), "supervisor1", at(20, 9, 30))
    again = cosign(resigned(), "supervisor1", at(20, 11))
    assert verify_note(again) == []


def test_an_addendum_to_a_returned_note_stays_with_the_text_it_corrects() -> None:
    note = add_addendum(returned(), "Attendance corrected.", "counselor1", at(20, 9, 10))
    note = sign(edit(note, FIXED), "counselor1", at(20, 10))
    assert note.addenda == () and note.earlier[0].addenda[0].body == "Attendance corrected."
    assert verify_note(note) == []


def test_returned_twice_keeps_every_version_in_order() -> None:
    second = return_note(resigned(), "supervisor1", at(20, 11), "Plan part too short")
    third = sign(edit(second, FIXED + " Next session Tuesday."), "counselor1", at(20, 12))
    assert [v.body for v in third.earlier] == [FIRST, FIXED]
    assert [v.returned.reason for v in third.earlier if v.returned] == [REASON, "Plan part too short"]
    assert verify_note(third) == []


@pytest.mark.parametrize("tamper, problem", [
    (lambda n: replace(n, earlier=(replace(n.earlier[0], body="Something else."),)), "earlier"),
    (lambda n: replace(n, earlier=(replace(n.earlier[0], returned=replace(
        n.earlier[0].returned, reason="Nothing")),),), "return"),
    (lambda n: replace(n, earlier=()), "changed"),
    (lambda n: replace(n, earlier=(replace(n.earlier[0], signed_by="counselor2"),)), "earlier"),
])
def test_a_changed_history_shows(tamper, problem: str) -> None:
    problems = verify_note(tamper(resigned()))
    assert problems and problem in " ".join(problems)


def test_a_correction_without_a_return_shows() -> None:
    assert verify_note(replace(signed(), correction="Typed in by hand.")) == [
        "a correction is kept on a note that was not returned"]


def test_a_changed_return_shows() -> None:
    note = returned()
    assert note.returned is not None
    forged = replace(note, returned=replace(note.returned, by="supervisor2"))
    assert "return" in " ".join(verify_note(forged))
    assert verify_note(replace(note, signed_by=None, signed_at=None, content_hash=None))


def test_stored_form_round_trips_and_an_old_note_keeps_its_keys() -> None:
    for note in (returned(), edit(returned(), FIXED), resigned()):
        assert Note.from_dict(note.to_dict()) == note
    assert set(signed().to_dict()) == {"session_id", "client_id", "body", "author", "drafted_at",
                                       "signed_by", "signed_at", "content_hash", "cosigned_by",
                                       "cosigned_at", "cosign_hash", "addenda"}


def test_a_stored_history_may_not_nest() -> None:
    doc = resigned().to_dict()
    doc["earlier"][0]["earlier"] = [dict(doc["earlier"][0])]
    with pytest.raises(InputError):
        Note.from_dict(doc)


def test_date_is_a_thursday() -> None:
    assert date(2026, 11, 19).weekday() == 3
