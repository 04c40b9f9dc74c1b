"""Progress notes: drafting from what happened, redaction, signing, addenda, due dates.

The session: Thursday 2026-11-19, "Evening IOP", Chicago, 18:00-21:00 as run:
  check-in 18:00-18:20 (20), education 18:20-19:05 (45), break 19:05-19:15 (10),
  skill-building 19:15-20:00 with a 19:40-19:45 pause (40), family education skipped,
  relapse prevention 20:00-20:45 (45), wrap-up 20:45-21:00 (15).
Countable minutes of the whole session: 180 - 10 (break) - 5 (pause) = 165.
Every name is invented.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.core.errors import InputError
from facilitator.core.notes import (
    Addendum,
    Note,
    add_addendum,
    business_days_overdue,
    cosign,
    draft_note,
    due_date,
    edit,
    note_hash,
    redact_others,
    sign,
    verify_note,
)
from facilitator.core.roster import Client
from facilitator.core.rules import (
    NOTE_DUE_BUSINESS_DAYS,
    PARTICIPATION_PHRASES,
    PARTICIPATION_PICKS,
    BlockKind,
    Status,
)
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader, SessionRecord

CHI = ZoneInfo("America/Chicago")
DAY = date(2026, 11, 19)  # a Thursday


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 19, hour, minute, tzinfo=CHI)


def person(cid: str, first: str, last: str) -> Client:
    return Client(client_id=cid, first_name=first, last_name=last, level_of_care="IOP",
                  required_hours=9.0, admitted=date(2026, 9, 1), groups=("Evening IOP",))


AVERY = person("c1", "Avery", "Testperson")
JORDAN = person("c2", "Jordan", "Sampleton")
SAM = person("c3", "Sam", "Bellwether")
RILEY = person("c4", "Riley", "Madeup")
MORGAN = person("c5", "Morgan", "Inventa")
CLIENTS = {c.client_id: c for c in (AVERY, JORDAN, SAM, RILEY, MORGAN)}


def blocks() -> tuple[BlockRun, ...]:
    def b(pos, kind, title, planned, start, end, **kw):
        return BlockRun(position=pos, kind=kind, title=title, planned_minutes=planned,
                        countable=kind is not BlockKind.BREAK, started_at=start, ended_at=end, **kw)
    return (
        b(0, BlockKind.CHECK_IN, "Opening check-in", 20, at(18), at(18, 20)),
        b(1, BlockKind.EDUCATION, "How cravings build", 45, at(18, 20), at(19, 5)),
        b(2, BlockKind.BREAK, "Break", 10, at(19, 5), at(19, 15)),
        b(3, BlockKind.SKILL_BUILDING, "Urge surfing practice", 45, at(19, 15), at(20),
          pauses=((at(19, 40), at(19, 45)),)),
        b(4, BlockKind.FAMILY_EDUCATION, "Talking with family", 30, None, None, skipped=True),
        b(5, BlockKind.RELAPSE_PREVENTION, "Early warning signs", 45, at(20), at(20, 45)),
        b(6, BlockKind.WRAP_UP, "Wrap-up", 15, at(20, 45), at(21)),
    )


def record(**attendance_changes) -> SessionRecord:
    header = SessionHeader(session_id="2026-11-19-1800-evening-iop", group="Evening IOP", day=DAY,
                           scheduled_start=at(18), scheduled_end=at(21), facilitators=("counselor1",),
                           actual_start=at(18), actual_end=at(21))
    attendance = {
        "c1": AttendanceEntry("c1", Status.LATE, arrived=at(18, 20), picks=("engaged", "shared"),
                              text="Said Jordan's story about the weekend hit home; "
                                   "disagreed with sam bellwether about meetings."),
        "c2": AttendanceEntry("c2", Status.PRESENT, picks=("minimal", "distracted"),
                              text="Quiet; on phone during education, re-engaged for practice."),
        "c3": AttendanceEntry("c3", Status.TELEHEALTH, picks=("practised", "feedback")),
        "c4": AttendanceEntry("c4", Status.ABSENT),
        "c5": AttendanceEntry("c5", Status.LEFT_EARLY, left=at(20, 30), picks=("engaged",)),
    }
    attendance.update(attendance_changes)
    return SessionRecord(header=header, blocks=blocks(), attendance=attendance)


def draft(client: Client, rec: SessionRecord | None = None, **kw) -> str:
    args = dict(clients=CLIENTS, group_type="Intensive outpatient group therapy",
                topic="Cravings and urge surfing", facilitators=("Casey Counselor",), now_end=None)
    args.update(kw)
    return draft_note(rec or record(), client, **args)


# --- rules as data --------------------------------------------------------------------------

def test_every_pick_has_a_phrase_and_keys_are_unique() -> None:
    keys = [k for k, _ in PARTICIPATION_PICKS]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(PARTICIPATION_PHRASES)
    for key in ("engaged", "shared", "practised", "feedback", "minimal", "distracted",
                "disruptive", "left_early"):
        assert key in keys


# --- drafting -------------------------------------------------------------------------------

def test_hand_checked_note_for_a_late_arrival() -> None:
    note = draft(AVERY)
    assert "Group: Evening IOP (Intensive outpatient group therapy)" in note
    assert "Topic: Cravings and urge surfing" in note
    assert "Date: Thursday 2026-11-19" in note
    assert "Time: 18:00-21:00 (180 min)" in note
    assert "Facilitator(s): Casey Counselor" in note
    # present, late, telehealth, left early; the absent client is not a participant
    assert "Participants: 4" in note
    # interventions as run, with actual minutes; the break and the skipped block are not listed
    assert "- Opening check-in (check-in): 20 min (client not present)" in note   # arrived 18:20
    assert "- How cravings build (education): 45 min" in note
    assert "- Urge surfing practice (skill-building): 40 min" in note   # 45 minus a 5-min pause
    assert "- Early warning signs (relapse-prevention): 45 min" in note
    assert "- Wrap-up (wrap-up): 15 min" in note
    assert "Break" not in note and "Talking with family" not in note
    # 18:20-21:00 = 160, minus the 19:05-19:15 break and the 19:40-19:45 pause = 145 of 165
    assert "Attendance: late arrival (arrived 18:20); attended 145 of 165 treatment minutes." in note
    assert "Avery was engaged throughout the session." in note
    assert "Avery shared personal experience related to the topic." in note
    assert "Plan: continue current level of care; review progress toward goals at next session." in note
    assert "20 treatment minutes were missed (arrived late)" in note


def test_present_client_gets_full_minutes_and_no_shortfall_line() -> None:
    note = draft(JORDAN)
    assert "Attendance: present; attended 165 of 165 treatment minutes." in note
    assert "missed" not in note and "present for part" not in note and "not present" not in note
    assert "Jordan participated minimally and required prompting." in note
    assert "Jordan appeared distracted at times and was redirected." in note
    assert "Quiet; on phone during education, re-engaged for practice." in note


def test_left_early_and_telehealth() -> None:
    morgan = draft(MORGAN)
    # 18:00-20:30 = 150 minus the break 10 = 140
    assert "Attendance: left early (left 20:30); attended 135 of 165 treatment minutes." in morgan
    assert "30 treatment minutes were missed (left early)" in morgan
    assert "- Early warning signs (relapse-prevention): 45 min (client present for part)" in morgan
    assert "- Wrap-up (wrap-up): 15 min (client not present)" in morgan
    assert "- How cravings build (education): 45 min\n" in morgan
    sam = draft(SAM)
    assert "Attendance: attended by telehealth; attended 165 of 165 treatment minutes." in sam
    assert "Sam gave constructive feedback to peers." in sam


def test_absent_client_note_says_so_and_credits_nothing() -> None:
    note = draft(RILEY, record(c4=AttendanceEntry("c4", Status.ABSENT, picks=("engaged",))))
    assert "Attendance: absent; attended 0 of 165 treatment minutes." in note
    assert "was engaged" not in note            # picks mean nothing for someone not there
    assert "did not attend" in note.lower()


def test_client_without_attendance_is_refused() -> None:
    stranger = person("c9", "Quinn", "Nobody")
    with pytest.raises(InputError):
        draft(stranger)


def _without_names(text: str, client: Client) -> str:
    return text.replace(client.name, "NAME").replace(client.first_name, "NAME")


def test_two_clients_get_clearly_different_notes() -> None:
    a, j = draft(AVERY), draft(JORDAN)
    a_lines = set(_without_names(a, AVERY).splitlines())
    j_lines = set(_without_names(j, JORDAN).splitlines())
    assert a_lines != j_lines
    differing = a_lines ^ j_lines
    assert any("minimal" in line for line in differing)
    assert any("shared personal experience" in line for line in differing)


def test_same_attendance_different_picks_still_differs() -> None:
    rec = record(c2=AttendanceEntry("c2", Status.PRESENT, picks=("engaged",), text=""),
                 c3=AttendanceEntry("c3", Status.PRESENT, picks=("disruptive",), text=""))
    j, s = draft(JORDAN, rec), draft(SAM, rec)
    assert _without_names(j, JORDAN) != _without_names(s, SAM)


def test_no_other_client_full_name_anywhere() -> None:
    for client in CLIENTS.values():
        note = draft(client)
        for other in CLIENTS.values():
            if other is client:
                continue
            assert other.name.lower() not in note.lower()
            assert re.search(rf"\b{other.last_name}\b", note, re.I) is None


def test_others_in_free_text_appear_by_initials() -> None:
    note = draft(AVERY)
    assert "Said J.S.'s story about the weekend hit home; disagreed with S.B. about meetings." in note


def test_names_typed_in_topic_are_redacted_too() -> None:
    note = draft(AVERY, topic="Role play with Jordan Sampleton")
    assert "Jordan" not in note and "Topic: Role play with J.S." in note


def test_facilitators_default_to_header_ids_and_several_are_listed() -> None:
    assert "Facilitator(s): Casey Counselor, Pat Partner" in draft(
        AVERY, facilitators=("Casey Counselor", "Pat Partner"))
    assert "Facilitator(s): counselor1" in draft(AVERY, facilitators=())


def test_running_session_uses_now_end() -> None:
    rec = record()
    header = rec.header.with_changes(actual_end=None)
    last = replace(rec.blocks[-1], ended_at=None)
    rec = replace(rec, header=header, blocks=rec.blocks[:-1] + (last,))
    note = draft(JORDAN, rec, now_end=at(20, 50))
    assert "Time: 18:00-20:50 (170 min)" in note
    assert "- Wrap-up (wrap-up): 5 min" in note
    assert "attended 155 of 155 treatment minutes." in note   # 170 less break and pause


def test_imported_session_without_clock_lists_planned_blocks() -> None:
    rec = record()
    plain = tuple(replace(b, started_at=None, ended_at=None, pauses=(), skipped=False) for b in rec.blocks)
    rec = replace(rec, blocks=plain)
    note = draft(JORDAN, rec)
    assert "- Talking with family (family-education): 30 min planned" in note
    assert "Break" not in note


def test_unknown_pick_is_kept_not_lost() -> None:
    rec = record(c2=AttendanceEntry("c2", Status.PRESENT, picks=("Completed the exercise", "wrote a letter")))
    note = draft(JORDAN, rec)
    assert "Jordan completed the in-session exercise." in note     # matched by its label
    assert "wrote a letter" in note


# --- redaction ------------------------------------------------------------------------------

OTHERS = (SAM, JORDAN)


def test_redact_whole_words_only() -> None:
    text = "Sammy sat next to Sam; Samuel and Sampson too. Jordanian food with Jordan."
    assert redact_others(text, AVERY, OTHERS) == \
        "Sammy sat next to S.B.; Samuel and Sampson too. Jordanian food with J.S."


def test_redact_is_case_insensitive_and_handles_full_and_last_names() -> None:
    text = "SAM BELLWETHER, sam, Bellwether and bellwether, sampleton; Sampleton, Jordan"
    assert redact_others(text, AVERY, OTHERS) == "S.B., S.B., S.B. and S.B., J.S.; J.S."


def test_redact_full_name_across_spaces_and_possessive() -> None:
    assert redact_others("Sam   Bellwether's ride", AVERY, OTHERS) == "S.B.'s ride"


def test_own_first_name_stays() -> None:
    assert redact_others("Avery helped Sam.", AVERY, OTHERS) == "Avery helped S.B."


def test_shared_first_name_is_left_for_self_but_full_name_redacted() -> None:
    other_avery = person("c8", "Avery", "Otherly")
    text = "Avery spoke after Avery Otherly and Otherly."
    assert redact_others(text, AVERY, [other_avery]) == "Avery spoke after A.O. and A.O."


def test_ambiguous_first_name_of_two_others_is_not_guessed() -> None:
    sam2 = person("c8", "Sam", "Quillby")
    out = redact_others("Sam said so.", AVERY, [SAM, sam2])
    assert "Sam" not in out and out == "a peer said so."


def test_client_itself_in_others_is_ignored() -> None:
    assert redact_others("Avery Testperson spoke.", AVERY, [AVERY]) == "Avery Testperson spoke."


@given(st.text(alphabet="SsAaMmBb ,.'x", max_size=40))
def test_redaction_never_leaves_a_full_name(text: str) -> None:
    out = redact_others(text, AVERY, OTHERS)
    assert "sam bellwether" not in out.lower()
    assert re.search(r"(?<!\w)sam(?!\w)", out, re.I) is None


# --- signing, addenda, co-signing ------------------------------------------------------------

def fresh(body: str = "Client engaged; plan continues.") -> Note:
    return Note(session_id="2026-11-19-1800-evening-iop", client_id="c1", body=body,
                author="counselor1", drafted_at=at(21, 5))


def signed() -> Note:
    return sign(fresh(), "counselor1", at(21, 10))


def test_sign_sets_signer_time_and_hash() -> None:
    note = signed()
    assert note.signed_by == "counselor1" and note.signed_at == at(21, 10)
    assert note.content_hash == note_hash(note) and len(note.content_hash) == 64
    assert verify_note(note) == []


def test_sign_twice_is_refused() -> None:
    with pytest.raises(InputError, match="already signed; add an addendum instead"):
        sign(signed(), "counselor1", at(21, 20))


def test_empty_body_cannot_be_signed() -> None:
    with pytest.raises(InputError):
        sign(fresh("   \n"), "counselor1", at(21, 10))


def test_edit_before_signing_and_refused_after() -> None:
    note = edit(fresh(), "New body")
    assert note.body == "New body"
    with pytest.raises(InputError):
        edit(signed(), "Sneaky change")


def test_addenda_in_order_and_chained() -> None:
    note = signed()
    with pytest.raises(InputError):
        add_addendum(fresh(), "too early", "counselor1", at(21, 30))
    note = add_addendum(note, "Client called after group: doing well.", "counselor1", at(22))
    note = add_addendum(note, "Correction: arrival was 18:20.", "counselor2", at(22, 30))
    assert [a.body for a in note.addenda] == ["Client called after group: doing well.",
                                              "Correction: arrival was 18:20."]
    assert note.addenda[0].content_hash != note.addenda[1].content_hash
    assert verify_note(note) == []
    with pytest.raises(InputError):
        add_addendum(note, "Backdated", "counselor1", at(22, 10))   # before addendum 2
    with pytest.raises(InputError):
        add_addendum(note, "  ", "counselor1", at(23))


def test_same_addendum_on_different_notes_hashes_differently() -> None:
    a = add_addendum(signed(), "Same text.", "counselor1", at(22))
    other = sign(fresh("Other body"), "counselor1", at(21, 10))
    b = add_addendum(other, "Same text.", "counselor1", at(22))
    assert a.addenda[0].content_hash != b.addenda[0].content_hash


def with_two_addenda() -> Note:
    note = add_addendum(signed(), "First addendum.", "counselor1", at(22))
    return add_addendum(note, "Second addendum.", "counselor1", at(22, 30))


def test_tampered_body_is_detected() -> None:
    bad = replace(with_two_addenda(), body="Client was fine.")
    problems = verify_note(bad)
    assert len(problems) == 1 and "changed after signing" in problems[0]


def test_tampered_signer_and_time_are_detected() -> None:
    assert verify_note(replace(signed(), signed_by="someone_else"))
    assert verify_note(replace(signed(), signed_at=at(21, 11)))


def test_tampered_addendum_body_names_that_addendum() -> None:
    note = with_two_addenda()
    second = replace(note.addenda[1], body="Rewritten.")
    problems = verify_note(replace(note, addenda=(note.addenda[0], second)))
    assert problems == ["addendum 2 was changed or reordered"]


def test_reordered_addenda_are_detected() -> None:
    note = with_two_addenda()
    problems = verify_note(replace(note, addenda=note.addenda[::-1]))
    assert problems == ["addendum 1 was changed or reordered", "addendum 2 was changed or reordered"]


def test_addendum_author_tamper_detected() -> None:
    note = with_two_addenda()
    first = replace(note.addenda[0], author="mallory")
    assert verify_note(replace(note, addenda=(first, note.addenda[1]))) == \
        ["addendum 1 was changed or reordered"]


def test_rehashing_a_tampered_body_breaks_the_addendum_chain() -> None:
    note = with_two_addenda()
    bad = replace(note, body="Client was fine.")
    bad = replace(bad, content_hash=note_hash(bad))
    assert verify_note(bad) == ["addendum 1 was changed or reordered"]


def test_cosign_rules() -> None:
    with pytest.raises(InputError):
        cosign(fresh(), "supervisor1", at(23))           # not signed
    with pytest.raises(InputError):
        cosign(signed(), "counselor1", at(23))           # by its own signer
    note = cosign(signed(), "supervisor1", at(23))
    assert note.cosigned_by == "supervisor1" and note.cosigned_at == at(23)
    assert verify_note(note) == []
    with pytest.raises(InputError):
        cosign(note, "supervisor2", at(23, 5))           # once
    assert verify_note(replace(note, cosigned_by="supervisor2"))   # forged co-signer


def test_addendum_after_cosign_keeps_cosignature_valid() -> None:
    note = cosign(signed(), "supervisor1", at(23))
    note = add_addendum(note, "Late detail.", "counselor1", at(23, 30))
    assert verify_note(note) == []


def test_unsigned_note_has_nothing_to_verify_but_fake_signature_is_caught() -> None:
    assert verify_note(fresh()) == []
    assert verify_note(replace(fresh(), signed_by="counselor1", signed_at=at(21)))


def test_round_trip_dict() -> None:
    note = cosign(with_two_addenda(), "supervisor1", at(23))
    data = note.to_dict()
    import json
    again = Note.from_dict(json.loads(json.dumps(data)))
    assert again == note and verify_note(again) == []
    assert Addendum.from_dict(note.addenda[0].to_dict()) == note.addenda[0]
    assert Note.from_dict(fresh().to_dict()) == fresh()


def test_sign_needs_an_aware_time_and_a_user() -> None:
    with pytest.raises(InputError):
        sign(fresh(), "counselor1", datetime(2026, 11, 19, 21, 10))
    with pytest.raises(InputError):
        sign(fresh(), " ", at(21, 10))


# --- due dates ------------------------------------------------------------------------------

def test_due_three_business_days_skipping_the_weekend() -> None:
    assert NOTE_DUE_BUSINESS_DAYS == 3
    assert due_date(date(2026, 11, 19)) == date(2026, 11, 24)     # Thursday -> Tuesday
    assert due_date(date(2026, 11, 16)) == date(2026, 11, 19)     # Monday -> Thursday
    assert due_date(date(2026, 11, 20)) == date(2026, 11, 25)     # Friday -> Wednesday
    assert due_date(date(2026, 11, 21)) == date(2026, 11, 25)     # Saturday -> Wednesday
    assert due_date(date(2026, 11, 19), business_days=1) == date(2026, 11, 20)
    assert due_date(date(2026, 11, 19), business_days=0) == date(2026, 11, 19)


def test_overdue_counts_business_days_past_the_due_date() -> None:
    thursday = date(2026, 11, 19)          # due Tuesday 11-24
    assert business_days_overdue(thursday, date(2026, 11, 19)) == 0
    assert business_days_overdue(thursday, date(2026, 11, 24)) == 0
    assert business_days_overdue(thursday, date(2026, 11, 25)) == 1
    assert business_days_overdue(thursday, date(2026, 11, 27)) == 3    # Friday
    assert business_days_overdue(thursday, date(2026, 11, 29)) == 3    # Sunday
    assert business_days_overdue(thursday, date(2026, 11, 30)) == 4    # Monday


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 15))
def test_due_date_is_a_weekday_after_n_weekdays(day: date, n: int) -> None:
    due = due_date(day, business_days=n)
    between = [day + timedelta(days=i) for i in range(1, (due - day).days + 1)]
    assert sum(d.weekday() < 5 for d in between) == n
    if n:
        assert due.weekday() < 5
    assert business_days_overdue(day, due, business_days=n) == 0
    next_weekday = due + timedelta(days={4: 3, 5: 2}.get(due.weekday(), 1))
    assert business_days_overdue(day, next_weekday, business_days=n) == 1


def test_block_skipped_part_way_is_listed_as_cut_short_and_absent_gets_no_marks() -> None:
    rec = record()
    cut = replace(rec.blocks[5], ended_at=at(20, 30), skipped=True)        # 30 of 45 min, then skipped
    wrap = replace(rec.blocks[6], started_at=at(20, 30))
    rec = replace(rec, blocks=rec.blocks[:5] + (cut, wrap))
    note = draft(JORDAN, rec)
    assert "- Early warning signs (relapse-prevention): 30 min (cut short)" in note
    assert "- Wrap-up (wrap-up): 30 min" in note
    assert "not present" not in draft(RILEY, rec)


# --- group notes and named parts --------------------------------------------------------------

def test_each_blocks_group_note_goes_under_its_block_in_every_attendees_draft() -> None:
    rec = record()
    noted = list(rec.blocks)
    noted[1] = replace(noted[1], note="Mapped the craving curve; Jordan Sampleton led the example.")
    noted[2] = replace(noted[2], note="Short break; two members stepped out.")
    rec = replace(rec, blocks=tuple(noted))
    for client in (AVERY, SAM, MORGAN):
        lines = draft(client, rec).splitlines()
        at_block = lines.index("- How cravings build (education): 45 min")
        assert lines[at_block + 1].startswith("  Group note: Mapped the craving curve;")
        assert lines[lines.index("- Break (not treatment time)") + 1] == (
            "  Group note: Short break; two members stepped out.")
    assert "J.S. led the example." in draft(AVERY, rec)      # others by initials only
    assert "Jordan Sampleton led" in draft(JORDAN, rec)       # their own name stays


def test_a_draft_is_named_parts_and_a_new_part_is_one_function() -> None:
    from facilitator.core.drafting import DRAFT_PARTS, Part, draft_context, draft_parts
    ctx = draft_context(record(), AVERY, clients=CLIENTS, group_type="g", topic="t",
                        facilitators=("Casey",), extras={"goals": ("Sleep 7 h",)})
    names = [p.name for p in draft_parts(ctx)]
    assert names == ["header", "interventions", "attendance", "participation", "plan"]

    def goals(c):
        return Part("goals", tuple(f"Goal: {g}" for g in c.extras["goals"]), individual=True)
    parts = draft_parts(ctx, DRAFT_PARTS[:-1] + (goals, DRAFT_PARTS[-1]))
    assert [p.name for p in parts][-2:] == ["goals", "plan"]
    assert parts[-2].lines == ("Goal: Sleep 7 h",)


def test_text_without_picks_points_to_the_counselors_notes() -> None:
    rec = record(c2=AttendanceEntry("c2", Status.PRESENT, text="Spoke about a new job."))
    note = draft(JORDAN, rec)
    assert "Participation and response: see the counselor's notes below." in note
    assert "Counselor notes: Spoke about a new job." in note
    assert "No participation" not in note


def test_the_note_hash_canonical_form_is_the_json_modules_for_every_code_point():
    """notes._sha256 hashes orjson's sorted dump (verify re-hashes every signed note); it must be
    byte for byte the documented form, json.dumps(sort_keys, compact, ensure_ascii=False)."""
    import json

    import orjson

    canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    differ = []
    for cp in (*range(0xD800), *range(0xE000, 0x110000)):
        doc = {"session_id": "s", "client_id": "BC-1", "body": f"a{chr(cp)}\"\\b",
               "signed_by": None, "signed_at": chr(cp)}
        if orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) != canonical.encode(doc).encode("utf-8"):
            differ.append(cp)
    assert differ == []


def test_a_note_body_with_a_lone_surrogate_is_refused_as_before():
    from facilitator.core import notes as core_notes

    with pytest.raises(UnicodeEncodeError):
        core_notes._sha256({"body": "\ud800"})
