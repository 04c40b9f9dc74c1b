"""Issue #20's acceptance: a week worked by hand. Hours, billing rows and notes agree to the minute.

The clinic (every name invented): "Evening A" meets Mon, Wed and Thu at 18:00 for 180 minutes
with the shipped plan iop-evening-triggers (check-in 20, education 45, break 10, skill-building
45, relapse prevention 45, wrap-up 15: 170 countable minutes). Avery (Q001) and Blake (Q002)
are IOP (9 h a week). counselor1 runs the sessions in process on an injected clock; the
commands after the fact are the real program run under libfaketime as the OS account, the
clinic's admin. The week is Mon 23 - Sun 29 Nov 2026 (2026-W48).

Mon 23, the forgotten E. Started 18:00; Avery present; Blake marked late at 18:30; blocks
  moved on at 18:20, 19:05 (break), 19:15, 20:00, 20:45 (wrap-up); E never pressed. Tue 08:30
  the session is still "running" 11 h 30 min past its end: ending it "now" is refused, and
  `session end --at 21:00` ends it at the scheduled time (core.ending). By hand:
    Avery 18:00-21:00 = 180 - 10 (break 19:05-19:15) = 170 minutes.
    Blake 18:30-21:00 = 150 - 10 (break) = 140 minutes.
  Tue 09:00 counselor1 signs both drafted notes.
Tue 24, 12:00: `closures add 2026-11-26` (Thanksgiving) for the whole clinic, mid-week: the
  week has 2 of the usual 3 meetings, so each requires 9 x 2/3 = 6.0 hours.
Wed 25, a pause. Started 18:00, both present; blocks at 18:20, a pause 18:30-18:40 in
  education, then 19:05 (break), 19:15, 20:00, 20:45; E at 21:00. By hand:
    Avery 180 - 10 (break) - 10 (pause) = 160 minutes.
    Blake 160 minutes, as drafted and signed at 21:10.
Fri 27, 09:00, a late correction after signing: the sign-out sheet says Blake left at 20:30.
  `attendance correct ... Q002 --left 20:30`: 18:00-20:30 = 150 - 10 - 10 = 130 minutes.
  Blake's signed note is not edited; its automatic addendum says 160 -> 130.
Fri 27, 09:30, a returned note: the admin returns Avery's Wednesday note ("Plan part
  missing"); billing says that day's note is not signed. 11:00 counselor1 adds the plan and
  signs again; billing says signed, and the note keeps both signed texts.
The week: Avery 170 + 160 = 330 minutes = 5.5 h; Blake 140 + 130 = 270 minutes = 4.5 h; each
of 6.0 h required. Billing: four client-days, each under H0015's 180-minute day, so 0 units,
with the same minutes; every note signed in the end.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.errors import InputError
from facilitator.core.notes import Note, verify_note
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.corrections import draft_body
from facilitator.store.datadir import DataDir
from facilitator.store.notes import NoteBook
from facilitator.store.running import RunningSession, start_session
from tests.cli.conftest import ROSTER_HEADER, csv_text, run_cli, write
from tests.conftest import CHICAGO, FakeClock
from tests.faketime import program_at

MON, WED = "2026-11-23-1800-evening-a", "2026-11-25-1800-evening-a"
AVERY, BLAKE = "Q001", "Q002"
ATTENDED = re.compile(r"attended (\d+) of (\d+) treatment minutes")
NOW_CREDITED = re.compile(r"; now .*\((\d+) minutes credited\)")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


@pytest.fixture
def clinic(empty_clinic: Path, tmp_path: Path, capsys) -> Path:
    for args in (("groups", "add", "Evening A", "--days", "mon,wed,thu", "--start", "18:00", "--minutes", "180",
                  "--plan", "iop-evening-triggers"),
                 ("staff", "add", "counselor1", "--name", "Casey Counselor", "--role", "counselor"),
                 ("roster", "import", write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, [
                     (AVERY, "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),
                     (BLAKE, "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Evening A")])))):
        result = run_cli(capsys, *args, "--data", empty_clinic)
        assert result.code == 0, result.err
    return empty_clinic


def program(tmp_path: Path, root: Path, instant: datetime, *args: str) -> str:
    script = program_at(tmp_path / "bin", instant)
    done = subprocess.run([str(script), *args, "--data", str(root)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def cli_json(capsys, root: Path, *args: str) -> dict:
    result = run_cli(capsys, *args, "--format", "json", "--data", root)
    assert result.code == 0, result.err
    return json.loads(result.out)


def billing(capsys, root: Path) -> dict[tuple[str, str], tuple[int, int, bool]]:
    rows = cli_json(capsys, root, "export", "billing", "--from", "2026-11-23", "--to", "2026-11-29")["rows"]
    return {(r["date"], r["client_id"]): (r["minutes"], r["units"], r["note_signed"]) for r in rows}


def move(running: RunningSession, clock: FakeClock, moment: datetime, step) -> None:
    clock.set(moment)
    running.update_agenda(step)


def run_monday_and_forget_e(data: DataDir, clock: FakeClock) -> RunningSession:
    clock.set(at(23, 18))
    running = start_session(data, "Evening A")
    running.mark(AVERY, Status.PRESENT)
    running.update_agenda(lambda b, now: AgendaClock(b).start(now))
    move(running, clock, at(23, 18, 20), lambda b, now: AgendaClock(b).next(now))
    clock.set(at(23, 18, 30))
    running.mark(BLAKE, Status.LATE)
    for hh, mm in ((19, 5), (19, 15), (20, 0), (20, 45)):
        move(running, clock, at(23, hh, mm), lambda b, now: AgendaClock(b).next(now))
    return running                      # and the counselor closes the laptop without E


def run_wednesday_with_a_pause(data: DataDir, clock: FakeClock) -> RunningSession:
    clock.set(at(25, 18))
    running = start_session(data, "Evening A")
    running.mark(AVERY, Status.PRESENT)
    running.mark(BLAKE, Status.PRESENT)
    running.update_agenda(lambda b, now: AgendaClock(b).start(now))
    move(running, clock, at(25, 18, 20), lambda b, now: AgendaClock(b).next(now))
    move(running, clock, at(25, 18, 30), lambda b, now: AgendaClock(b).pause(now))
    move(running, clock, at(25, 18, 40), lambda b, now: AgendaClock(b).resume(now))
    for hh, mm in ((19, 5), (19, 15), (20, 0), (20, 45)):
        move(running, clock, at(25, hh, mm), lambda b, now: AgendaClock(b).next(now))
    clock.set(at(25, 21))
    running.end()
    return running


def sign_drafts(data: DataDir, session_id: str) -> None:
    file, snapshot = data.session_file(session_id), data.snapshot()
    book = NoteBook(data, file)
    for client_id in (AVERY, BLAKE):
        book.save_draft(client_id, draft_body(data, snapshot, file.read(), snapshot.clients[client_id]))
        book.sign(client_id)


def attended(note: Note) -> int:
    """The minutes a note states: its last addendum's "now" figure if corrected, else the body's."""
    for added in reversed(note.addenda):
        found = NOW_CREDITED.search(added.body)
        if found:
            return int(found.group(1))
    found = ATTENDED.search(note.body)
    assert found, note.body
    return int(found.group(1))


def test_a_week_worked_by_hand(clinic: Path, tmp_path: Path, capsys) -> None:
    clock = FakeClock(at(23, 17, 55))
    data = open_clinic(clinic, user="counselor1", clock=clock)

    # Monday, E forgotten; Tuesday morning it is ended at its scheduled time, never "now".
    monday = run_monday_and_forget_e(data, clock)
    clock.set(at(24, 8, 30))
    with pytest.raises(InputError, match="still running; give the time it really ended"):
        monday.end()
    out = program(tmp_path, clinic, at(24, 8, 30), "session", "end", MON, "--at", "21:00",
                  "--reason", "E was not pressed")
    assert "21:00" in out
    assert monday.record().header.actual_end == at(23, 21)
    clock.set(at(24, 9))
    sign_drafts(data, MON)
    assert billing(capsys, clinic) == {("2026-11-23", AVERY): (170, 0, True), ("2026-11-23", BLAKE): (140, 0, True)}

    # Tuesday noon: Thursday is closed for the whole clinic.
    program(tmp_path, clinic, at(24, 12), "closures", "add", "2026-11-26", "--reason", "Thanksgiving")

    # Wednesday, a ten-minute pause; notes signed at 21:10.
    run_wednesday_with_a_pause(data, clock)
    clock.set(at(25, 21, 10))
    sign_drafts(data, WED)
    assert billing(capsys, clinic)[("2026-11-25", BLAKE)] == (160, 0, True)

    # Friday 09:00: Blake left at 20:30 (the sign-out sheet), after his note was signed.
    signed_blake = data.session_file(WED).notes()[BLAKE]
    program(tmp_path, clinic, at(27, 9), "attendance", "correct", WED, BLAKE, "--left", "20:30",
            "--reason", "sign-out sheet: left 20:30")
    blake = data.session_file(WED).notes()[BLAKE]
    assert (blake.body, blake.content_hash) == (signed_blake.body, signed_blake.content_hash)
    assert "was present (160 minutes credited); now left early, left 20:30 (130 minutes credited)" in \
        blake.addenda[0].body

    # Friday 09:30: Avery's Wednesday note is returned; billing says not signed until re-signed.
    first_avery = data.session_file(WED).notes()[AVERY]
    program(tmp_path, clinic, at(27, 9, 30), "notes", "return", WED, AVERY, "--reason", "Plan part missing")
    assert billing(capsys, clinic)[("2026-11-25", AVERY)] == (160, 0, False)
    clock.set(at(27, 11))
    book = NoteBook(data, data.session_file(WED))
    book.save_draft(AVERY, first_avery.body.rstrip("\n") + "\nPlan: continue Monday; practise the warning-sign list.\n")
    book.sign(AVERY)
    avery = data.session_file(WED).notes()[AVERY]
    assert avery.earlier[0].body == first_avery.body and avery.earlier[0].signed_at == at(25, 21, 10)
    assert avery.signed_at == at(27, 11) and avery.body.endswith("warning-sign list.\n")
    assert verify_note(avery) == [] and verify_note(blake) == []

    # The week: hours, billing and the notes agree to the minute.
    bills = billing(capsys, clinic)
    assert bills == {("2026-11-23", AVERY): (170, 0, True), ("2026-11-23", BLAKE): (140, 0, True),
                     ("2026-11-25", AVERY): (160, 0, True), ("2026-11-25", BLAKE): (130, 0, True)}
    notes = {(day, cid): attended(data.session_file(sid).notes()[cid])
             for day, sid in (("2026-11-23", MON), ("2026-11-25", WED)) for cid in (AVERY, BLAKE)}
    assert notes == {key: minutes for key, (minutes, _, _) in bills.items()}
    week = {r["client_id"]: r for r in cli_json(capsys, clinic, "report", "week", "--week", "2026-W48")["clients"]}
    assert (week[AVERY]["attended_hours"], week[AVERY]["required_hours"]) == (5.5, 6.0)    # 330 min
    assert (week[BLAKE]["attended_hours"], week[BLAKE]["required_hours"]) == (4.5, 6.0)    # 270 min
    for client_id in (AVERY, BLAKE):
        assert week[client_id]["attended_hours"] * 60 == sum(m for (_, c), (m, _, _) in bills.items()
                                                             if c == client_id)
    assert program(tmp_path, clinic, at(27, 12), "verify", "--full") is not None
