"""The host's authorization of pushed changes, in process (the OS-account tests are in
tests/e2e/test_sync_forgery.py): each rule refuses by id and reason, audits, and lets the
rest of the push land. Every name is invented."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from facilitator.core import notes as core_notes
from facilitator.core.rules import Status
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from facilitator.sync.apply import apply_hours_changes, apply_record_changes
from facilitator.sync.merge import record_parts, short_hash
from tests.store._sync_support import GROUP, copy_clinic, make_demo, open_as, record_of

C1, C2, SUP = "counselor1", "counselor2", "supervisor1"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("template") / "clinic")
    for user, role in ((C1, "counselor"), (C2, "counselor"), (SUP, "supervisor")):
        add_staff(open_as(root), user, "Invented Person", role)
    data = open_as(root, C1)
    running = start_session(data, GROUP)
    clients = running.record().roster
    for client in clients:
        running.mark(client, Status.PRESENT)
    book = NoteBook(data, running.file)
    for client in clients[:2]:
        book.save_draft(client, "Invented note text.")
    book.sign(clients[1])
    return root, running.session_id, clients


@pytest.fixture
def host(template, tmp_path):
    root, session_id, clients = template
    return copy_clinic(root, tmp_path / "host"), session_id, clients


def _rel(session_id: str) -> str:
    return f"records/{session_id[:4]}/{session_id[5:7]}/{session_id}.json"


def _push(root, user, session_id, changes: dict) -> dict:
    parts = record_parts(record_of(root, session_id))
    return apply_record_changes(open_as(root, user), _rel(session_id), [
        {"part": part, "was": short_hash(parts.get(part)), "value": value} for part, value in changes.items()])


def _refused(reply) -> dict[str, str]:
    return {r["part"]: r["reason"] for r in reply["refused"]}


def _audited(root) -> list[dict]:
    return [json.loads(line) for path in sorted((root / "audit").glob("*.jsonl"))
            for line in path.read_text().splitlines() if '"sync.refused"' in line]


def test_an_addendum_in_another_accounts_name_is_refused_and_ones_own_lands(host):
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    signed = core_notes.Note.from_dict(parts[f"note:{clients[1]}"])
    now = open_as(root).now() + timedelta(minutes=1)
    forged = core_notes.add_addendum(signed, "Invented addendum.", C2, now)
    reply = _push(root, C2, session_id, {f"note:{clients[1]}": forged.to_dict()})
    assert "in counselor2's name" not in _refused(reply)[f"note:{clients[1]}"]   # C2 is not its author
    assert "did not facilitate" in _refused(reply)[f"note:{clients[1]}"]
    own = core_notes.add_addendum(signed, "Invented addendum.", C1, now)
    reply = _push(root, C1, session_id, {f"note:{clients[1]}": own.to_dict()})
    assert reply["refused"] == []
    assert len(record_parts(record_of(root, session_id))[f"note:{clients[1]}"]["addenda"]) == 1
    assert [e["record"] for e in _audited(root)] == [session_id]


def test_a_draft_rewritten_by_another_counselor_and_a_signed_note_unsigned_are_refused(host):
    root, session_id, clients = host
    data = open_as(root, C1)
    with data.change("session.facilitators", session_id):
        data.session_file(session_id).update_header(lambda h: h.with_changes(facilitators=(C1, C2)))
    parts = record_parts(record_of(root, session_id))
    draft = dict(parts[f"note:{clients[0]}"], body="Invented other text.")
    unsigned = dict(parts[f"note:{clients[1]}"], signed_by=None, signed_at=None, content_hash=None)
    late = dict(parts[f"att:{clients[2]}"], status="late")
    reply = _push(root, C2, session_id, {f"note:{clients[0]}": draft, f"note:{clients[1]}": unsigned,
                                         f"att:{clients[2]}": late})
    reasons = _refused(reply)
    assert "is counselor1's; only its author writes it" in reasons[f"note:{clients[0]}"]
    assert "would go back to a draft" in reasons[f"note:{clients[1]}"]
    assert record_parts(record_of(root, session_id))[f"att:{clients[2]}"]["status"] == "late"
    assert len(_audited(root)) == 2 and "Invented" not in json.dumps(_audited(root))


def test_a_sessions_group_and_times_cannot_change_and_notes_are_never_removed(host):
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    moved = dict(parts["header"], source="import")
    reply = _push(root, C1, session_id, {"header": moved, f"note:{clients[0]}": None})
    reasons = _refused(reply)
    assert "cannot change" in reasons["header"] and "never removed" in reasons[f"note:{clients[0]}"]
    assert record_parts(record_of(root, session_id)) == parts


def test_a_change_made_on_the_host_since_the_laptop_looked_is_left_for_the_next_merge(host):
    root, session_id, clients = host
    part = f"att:{clients[2]}"
    stale = {"part": part, "was": "0" * 20, "value": dict(record_parts(record_of(root, session_id))[part],
                                                          status="absent")}
    reply = apply_record_changes(open_as(root, C1), _rel(session_id), [stale])
    assert reply["stale"] == [part] and reply["refused"] == []
    assert record_parts(record_of(root, session_id))[part]["status"] == "present"


def test_hours_entries_need_a_counselor_a_known_enrolled_client_and_the_files_month(host):
    root, session_id, clients = host
    day = session_id[:10]
    month = day[:7]
    entry = {"client_id": clients[0], "day": day, "minutes": 50, "kind": "individual"}
    adds = [dict(entry, uid="1" * 32), dict(entry, client_id="Z999", uid="2" * 32),
            dict(entry, day=f"{int(day[:4]) - 1}{day[4:]}", uid="3" * 32), dict(entry, uid="not-a-uid")]
    by_sup = apply_hours_changes(open_as(root, SUP), f"hours/{month}.json", "f" * 16, adds[:1], [])
    assert "supervisor" in by_sup["refused"][0]["reason"] and by_sup["uids"] == []
    reply = apply_hours_changes(open_as(root, C1), f"hours/{month}.json", "f" * 16, adds, [])
    reasons = {r["record"].rsplit(":", 1)[1]: r["reason"] for r in reply["refused"]}
    assert reply["uids"] == ["1" * 32]
    assert "no client 'Z999'" in reasons["2" * 32] and "outside" in reasons["3" * 32]
    assert "not an hours entry id" in reasons["not-a-uid"]
    removed = apply_hours_changes(open_as(root, C2), f"hours/{month}.json", "f" * 16, [], ["1" * 32])
    assert removed["uids"] == [] and removed["refused"] == []


def test_a_part_name_or_reason_never_carries_what_the_laptop_made_up(host):
    root, session_id, clients = host
    odd = [{"part": "att:Invented Name\n", "was": None, "value": {}}, {"part": ["note"], "was": None},
           {"part": "plan:x", "was": None, "value": {}}]
    reply = apply_record_changes(open_as(root, C1), _rel(session_id), odd)
    assert [r["part"] for r in reply["refused"]] == ["?", "?", "?"]
    assert "Invented" not in json.dumps(_audited(root)) and len(_audited(root)) == 3


def test_hours_minutes_must_be_a_whole_number(host):
    root, session_id, clients = host
    entry = {"client_id": clients[0], "day": session_id[:10], "minutes": "600", "kind": "individual",
             "uid": "4" * 32}
    reply = apply_hours_changes(open_as(root, C1), f"hours/{session_id[:7]}.json", "f" * 16, [entry], [])
    assert reply["uids"] == [] and "whole number" in reply["refused"][0]["reason"]


def test_a_session_or_hours_dated_after_tomorrow_on_the_hosts_clock_are_refused(host):
    from datetime import datetime

    from facilitator.core.session import session_id_for
    from tests.conftest import FakeClock
    root, session_id, clients = host
    data = open_as(root, C1)
    group = data.snapshot().groups[GROUP]
    day = data.now().date() + timedelta(days=7)
    while not group.meetings(day, day, data.settings().tz):
        day += timedelta(days=1)
    start = datetime.combine(day, group.start, data.settings().tz)
    ahead = session_id_for(GROUP, start)
    header = dict(record_parts(record_of(root, session_id))["header"], session_id=ahead, day=day.isoformat(),
                  scheduled_start=start.isoformat(), scheduled_end=group.end_of(start).isoformat())
    reply = apply_record_changes(data, _rel(ahead), [{"part": "header", "was": None, "value": header}])
    assert f"dated {day}, after today on the host" in reply["refused"][0]["reason"]
    entry = {"client_id": clients[0], "day": day.isoformat(), "minutes": 50, "kind": "individual",
             "uid": "5" * 32}
    hours = apply_hours_changes(data, f"hours/{day:%Y-%m}.json", "f" * 16, [entry], [])
    assert "after today on the host" in hours["refused"][0]["reason"]
    # the same session a week on, with the host's clock a week on, is taken
    later = open_as(root, C1, clock=FakeClock(start))
    assert apply_record_changes(later, _rel(ahead), [{"part": "header", "was": None, "value": header}])["refused"] == []


def test_history_takes_only_a_merges_losing_versions_and_attendance_no_future_change_time(host):
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    ahead = (open_as(root).now() + timedelta(days=30)).isoformat()
    reply = _push(root, C1, session_id, {f"att:{clients[2]}": dict(parts[f"att:{clients[2]}"], updated_at=ahead)})
    assert "after today on the host" in _refused(reply)[f"att:{clients[2]}"]
    junk = {"part": "history", "was": None, "value": [{"part": "note", "client_id": clients[0], "side": "laptop",
                                                       "entry": {}, "extra": "Invented"}]}
    losing = {"part": "history", "was": None, "value": [{"part": "attendance", "client_id": clients[0],
                                                         "side": "host", "entry": parts[f"att:{clients[0]}"]}]}
    data = open_as(root, C1)
    assert [r["part"] for r in apply_record_changes(data, _rel(session_id), [junk])["refused"]] == ["history"]
    assert apply_record_changes(data, _rel(session_id), [losing])["refused"] == []
    assert list(record_of(root, session_id)["history"].values()) == [losing["value"][0]]


def test_end_corrections_are_added_by_their_pusher_and_never_changed(host):
    # issue #20: `session end` keeps from, to, who, when and why in the header
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    header = parts["header"]
    start = header["scheduled_start"]
    mine = {"was": None, "end": header["scheduled_end"], "by": C1, "when": start, "reason": "forgot E"}
    theirs = dict(mine, by=C2)
    ended = dict(header, state="ended", actual_end=header["scheduled_end"])
    reply = _push(root, C2, session_id, {"header": dict(ended, end_corrections=[theirs])})
    assert "did not facilitate" in _refused(reply)["header"]          # C2 is not a facilitator
    reply = _push(root, C1, session_id, {"header": dict(ended, end_corrections=[theirs])})
    assert "another account's name" in _refused(reply)["header"]
    assert record_parts(record_of(root, session_id)) == parts
    reply = _push(root, C1, session_id, {"header": dict(ended, end_corrections=[mine])})
    assert _refused(reply) == {}
    landed = record_parts(record_of(root, session_id))["header"]
    assert landed["end_corrections"][0]["reason"] == "forgot E"
    reply = _push(root, C1, session_id, {"header": dict(ended, end_corrections=[])})
    assert "cannot be changed or removed" in _refused(reply)["header"]
    reply = _push(root, C1, session_id, {"header": dict(ended, end_corrections=[dict(mine, reason="x")])})
    assert "cannot be changed or removed" in _refused(reply)["header"]


def test_a_new_session_that_began_in_the_hosts_future_beyond_ten_minutes_is_refused(host):
    """Issue #20 case 4: a laptop whose clock ran ahead started a session the host has not
    reached yet. Ten minutes ahead (the clock tolerance) is taken; thirty are refused, by id."""
    from datetime import datetime

    from facilitator.core.session import session_id_for
    from tests.conftest import FakeClock
    root, session_id, clients = host
    data = open_as(root, C1)
    group = data.snapshot().groups[GROUP]
    day = data.now().date() + timedelta(days=1)
    while not group.meetings(day, day, data.settings().tz):
        day += timedelta(days=1)
    start = datetime.combine(day, group.start, data.settings().tz)
    ahead = session_id_for(GROUP, start)
    header = dict(record_parts(record_of(root, session_id))["header"], session_id=ahead, day=day.isoformat(),
                  scheduled_start=start.isoformat(), scheduled_end=group.end_of(start).isoformat(),
                  actual_start=start.isoformat(), actual_end=None, state="running")
    change = [{"part": "header", "was": None, "value": header}]
    early = apply_record_changes(open_as(root, C1, clock=FakeClock(start - timedelta(minutes=30))),
                                 _rel(ahead), change)
    assert early["refused"] == [{"record": ahead, "part": "header", "reason":
                                 f"the session {ahead} began 30 minutes after the host's clock; "
                                 f"check this laptop's clock"}]
    assert not (root / _rel(ahead)).exists()
    taken = apply_record_changes(open_as(root, C1, clock=FakeClock(start - timedelta(minutes=10))),
                                 _rel(ahead), change)
    assert taken["refused"] == [] and (root / _rel(ahead)).exists()


def test_an_attendance_change_stamped_beyond_ten_minutes_after_the_hosts_clock_is_refused(host):
    """Issue #20 case 4: a mark made while the laptop's clock ran two hours fast would win
    every later conflict. Thirty minutes after the host's clock is refused; five is taken."""
    root, session_id, clients = host
    parts = record_parts(record_of(root, session_id))
    now = open_as(root).now()
    late = dict(parts[f"att:{clients[2]}"], status="late", updated_at=(now + timedelta(minutes=30)).isoformat())
    reply = _push(root, C1, session_id, {f"att:{clients[2]}": late})
    assert _refused(reply) == {f"att:{clients[2]}": f"the attendance change for {clients[2]} is stamped 30 "
                                                    f"minutes after the host's clock; check this laptop's clock"}
    soon = dict(late, updated_at=(now + timedelta(minutes=5)).isoformat())
    assert _push(root, C1, session_id, {f"att:{clients[2]}": soon})["refused"] == []


def test_attendance_corrections_land_only_by_the_hosts_rules(host):
    """Issue #20: a correction made on a laptop (`attendance correct`) is taken by the host only
    from a facilitator or admin, in its own name, on a session ended on the host, by the one time
    rule, and never changed or removed later."""
    from facilitator.core.corrections import corrected_entry
    from facilitator.store.running import RunningSession
    from tests.store._sync_support import LATER
    root, session_id, clients = host
    client = clients[2]
    part = f"att:{client}"
    from tests.conftest import FakeClock
    ended = open_as(root, C1, clock=FakeClock(LATER + timedelta(hours=2)))
    running = RunningSession(ended, ended.session_file(session_id))
    late = LATER + timedelta(minutes=30)
    early = dict(record_parts(record_of(root, session_id))[part], status="late",
                 arrived=(late).isoformat(), updated_at=LATER.isoformat(),
                 corrections=[{"was": {"status": "present", "arrived": None, "left": None},
                               "now": {"status": "late", "arrived": (late).isoformat(),
                                       "left": None}, "by": C1, "when": LATER.isoformat(), "reason": "sheet"}])
    assert "has not ended on the host" in _refused(_push(root, C1, session_id, {part: early}))[part]
    from facilitator.core.agenda import AgendaClock
    starter = open_as(root, C1)
    RunningSession(starter, starter.session_file(session_id)).update_agenda(
        lambda b, now: AgendaClock(b).start(now))
    running.end(LATER + timedelta(hours=2))              # held 11:00-13:00 on the host
    record = ended.session_file(session_id).read()

    def made(by, **times):
        entry = corrected_entry(record, client, status=None, by=by, when=LATER, reason="the sheet says so",
                                **{"arrived": None, "left": None, **times})
        return entry.to_dict()

    good = made(C1, arrived=late)          # late, 11:30
    assert "did not facilitate" in _refused(_push(root, C2, session_id, {part: made(C2, arrived=late)}))[part]
    assert "in counselor2's name" in _refused(_push(root, C1, session_id, {part: made(C2, arrived=late)}))[part]
    outside = dict(good, arrived=(LATER - timedelta(minutes=30)).isoformat())
    outside["corrections"] = [dict(good["corrections"][0], now=dict(good["corrections"][0]["now"],
                                                                    arrived=outside["arrived"]))]
    assert "outside" in _refused(_push(root, C1, session_id, {part: outside}))[part]
    renamed = dict(good, status="present")
    renamed["corrections"] = [dict(good["corrections"][0], now=dict(good["corrections"][0]["now"], status="present"))]
    assert "one time rule" in _refused(_push(root, C1, session_id, {part: renamed}))[part]
    assert "not what its last correction says" in \
        _refused(_push(root, C1, session_id, {part: dict(good, arrived=(LATER + timedelta(minutes=40)).isoformat(),
                                                         status="late")}))[part]
    reasonless = dict(good, corrections=[dict(good["corrections"][0], reason="  ")])
    assert "gives no reason" in _refused(_push(root, C1, session_id, {part: reasonless}))[part]
    assert record_parts(record_of(root, session_id))[part].get("corrections") is None   # nothing landed
    assert _push(root, C1, session_id, {part: good})["refused"] == []
    landed = record_parts(record_of(root, session_id))[part]
    assert landed["corrections"][0]["reason"] == "the sheet says so" and landed["status"] == "late"
    removed = dict(landed, corrections=[])
    assert "cannot be changed or removed" in _refused(_push(root, C1, session_id, {part: removed}))[part]


def test_a_return_and_a_re_signature_land_only_by_their_own_accounts(host):
    """#20: only a supervisor (or admin) returns a note, in their own name; only the note's
    signer corrects and re-signs it; the history of signed texts only grows."""
    root, session_id, clients = host
    part = f"note:{clients[1]}"
    signed = core_notes.Note.from_dict(record_parts(record_of(root, session_id))[part])
    now = open_as(root).now() + timedelta(minutes=1)
    by_counselor = core_notes.return_note(signed, C2, now, "Invented reason.")
    assert "only admins and supervisors" in _refused(_push(root, C2, session_id, {part: by_counselor.to_dict()}))[part]
    by_sup = core_notes.return_note(signed, SUP, now, "Invented reason.")
    assert "in supervisor1's name" in _refused(_push(root, C2, session_id, {part: by_sup.to_dict()}))[part]
    assert _push(root, SUP, session_id, {part: by_sup.to_dict()})["refused"] == []
    held = core_notes.Note.from_dict(record_parts(record_of(root, session_id))[part])
    assert held.returned == by_sup.returned and held.body == signed.body

    later = now + timedelta(minutes=5)
    unreturned = core_notes.Note.from_dict(signed.to_dict())          # the return dropped
    assert "removed or changed" in _refused(_push(root, C1, session_id, {part: unreturned.to_dict()}))[part]
    corrected = core_notes.edit(by_sup, "Invented corrected text.")
    assert "only they correct it" in _refused(_push(root, C2, session_id, {part: corrected.to_dict()}))[part]
    again = core_notes.sign(corrected, C1, later)
    assert "only they re-sign it" in _refused(_push(root, C2, session_id, {part: again.to_dict()}))[part]
    assert "only they re-sign it" in _refused(_push(root, SUP, session_id, {part: again.to_dict()}))[part]
    rewritten = replace(again, earlier=(replace(again.earlier[0], body="Invented other text."),))
    assert _refused(_push(root, C1, session_id, {part: rewritten.to_dict()}))[part]

    assert _push(root, C1, session_id, {part: again.to_dict()})["refused"] == []
    held = core_notes.Note.from_dict(record_parts(record_of(root, session_id))[part])
    assert held.body == "Invented corrected text." and held.returned is None
    assert held.earlier[0].body == signed.body and held.earlier[0].signed_at == signed.signed_at
    assert core_notes.verify_note(held) == []
    # an unreturned note is not signed again, nor its history cut short
    resigned_twice = replace(core_notes.sign(core_notes.edit(core_notes.return_note(
        held, SUP, later, "Invented."), "Invented third."), C1, later), earlier=held.earlier)
    assert _refused(_push(root, C1, session_id, {part: resigned_twice.to_dict()}))[part]
    assert "Invented" not in " ".join(json.dumps(e) for e in _audited(root))
