"""Issue #20 acceptance: every view of the demo clinic agrees, to the minute.

The demo (``facilitator demo``, invented people) is built as of Tuesday 1 December 2026,
10:00 in Chicago: seven weeks (2026-W43 .. W49) of IOP, PHP and OP groups, with late
arrivals, early departures, absences, telehealth, breaks, and the Thanksgiving closure. Then
Tuesday evening's group is run through the store as the app runs it, stamped to the second,
with a late arrival and a pause, ended and drafted; and two corrections are made with the real
program: a late arrival whose note is signed (the note gets an addendum), and a session's end.
(Before the one computation, tonight's notes' blocks added up to 171 of their 172 minutes.)

For every client and every day the demo holds, these must give the same attended minutes:
- ``report week --format json`` (``minutes_by_day``, ``attended_minutes``), one per week;
- ``export billing`` as JSON and as CSV (``minutes``; ``billable`` by the level's rule);
- the notes: what each one states last (the draft's "attended N of M treatment minutes", or
  the newest automatic addendum's "now ... (N minutes credited)"), and for a client in the
  room for the whole session, its per-block figures adding up to N;
- the weekly view (the real app, driven by keys with Textual's pilot): each day's cell and
  the week's hours, read from its DataTable.

The program runs under libfaketime at the demo's "now" (tests/faketime.py); no wall clock.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.corrections import ADDENDUM_OPENING, END_ADDENDUM_OPENING
from facilitator.core.hours import hours_down
from facilitator.core.rules import BILLING_RULES, Status
from facilitator.core.session import BlockRun
from facilitator.core.weeks import Week, week_containing
from facilitator.demo import ensure_demo_clinic
from facilitator.demo_data import CLINIC_TIMEZONE
from facilitator.store.clinic import open_clinic
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook
from facilitator.store.plans import PlanLibrary, shipped_plans_dir
from facilitator.store.running import start_session
from facilitator.tui.end_summary import ensure_drafts
from facilitator.tui.weekly import WeeklyScreen
from facilitator.tui.widgets.weektable import WeekTable
from tests.conftest import FakeClock
from tests.faketime import program_at
from tests.tui.helpers import build_app, wait_until
from tests.tui.weekly_support import cells, column_keys, wait_for_read

pytestmark = [pytest.mark.slow]

TODAY = date(2026, 12, 1)
BUILT = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)      # 10:00 in Chicago: the demo is made
NOW = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)        # 21:30 in Chicago: tonight's group is over
USER = os_user()
FIRST_WEEK = week_containing(TODAY).first - timedelta(weeks=6)
WEEKS = [week_containing(FIRST_WEEK + timedelta(weeks=n)) for n in range(7)]

Key = tuple[date, str]           # (day, client id)


def run(program: Path, root: Path, *args: str) -> str:
    done = subprocess.run([str(program), *args, "--data", str(root)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def _late_signed(data: DataDir, week: Week) -> tuple[str, str, datetime]:
    """The first late arrival of ``week`` whose note is signed: (session id, client id, arrived)."""
    for record in sorted(data.sessions_between(week.first, week.last).records, key=lambda r: r.header.start):
        notes = data.session_file(record.header.session_id).notes()
        for cid, entry in sorted(record.attendance.items()):
            if entry.status is Status.LATE and entry.arrived and cid in notes and notes[cid].signed:
                return record.header.session_id, cid, entry.arrived
    raise AssertionError("the demo holds no signed late arrival that week")


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 12, 1, hh, mm, ss, tzinfo=ZoneInfo(CLINIC_TIMEZONE))


def agenda_step(name: str) -> Callable[[tuple[BlockRun, ...], datetime], tuple[BlockRun, ...]]:
    """The agenda key ``name`` ("start", "next", "pause", "resume") as an agenda change."""
    def step(blocks: tuple[BlockRun, ...], now: datetime) -> tuple[BlockRun, ...]:
        return tuple(getattr(AgendaClock(blocks), name)(now))
    return step


def tonight(root: Path) -> None:
    """Tuesday's Evening IOP B (17:30-20:45) as the app runs it, stamped to the second: opened
    17:31:07 (everyone present), the agenda only from 17:34:20, one client in at 17:52:30, a
    pause of 6:40 in the third block, the blocks moved on by hand, ended 20:45; then drafted."""
    clock = FakeClock(at(17, 31, 7))
    data = open_clinic(root, user=USER, clock=clock)        # with the plan library, as the app
    running = start_session(data, "Evening IOP B")
    members = list(running.record().roster)
    for cid in members:
        running.mark(cid, Status.PRESENT)
    steps = [(at(17, 34, 20), "start"), (at(17, 55, 41), "next"), (at(18, 41, 3), "next"),
             (at(18, 52, 29), "next"), (at(19, 5, 10), "pause"), (at(19, 11, 50), "resume"),
             (at(19, 38, 17), "next"), (at(20, 24, 58), "next")]
    for when, step in steps:
        clock.set(when)
        running.update_agenda(agenda_step(step))
        if when == at(17, 55, 41):
            running.mark(members[0], Status.LATE, at=at(17, 52, 30))
    clock.set(at(20, 45))
    running.end()
    record = running.record()
    snapshot = data.snapshot()
    plan = PlanLibrary.load(shipped_plans_dir(), data.plans_dir).plans.get(record.header.plan_id or "")
    assert ensure_drafts(NoteBook(data, running.file), record, snapshot, plan=plan, topic=None) == len(members)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """The demo clinic, corrected twice by the real program; (root, program, what was corrected)."""
    base = tmp_path_factory.mktemp("demo-agrees")
    root = base / "clinic"
    assert ensure_demo_clinic(root, user=USER, display_name="Demo Admin", today=TODAY, clock=lambda: BUILT)
    tonight(root)
    program = program_at(base, NOW)
    data = DataDir.open(root, user=USER, clock=lambda: NOW)
    session_id, client_id, arrived = _late_signed(data, WEEKS[5])
    run(program, root, "attendance", "correct", session_id, client_id,
        "--arrived", f"{arrived - timedelta(minutes=7):%H:%M}", "--reason", "sign-in sheet shows earlier")
    # The end of a Wednesday evening group three weeks ago, ten minutes early.
    ended = next(r for r in data.sessions_between(WEEKS[3].first, WEEKS[3].last).records
                 if r.header.group == "Evening IOP A" and r.header.day.weekday() == 2)
    end = ended.header.end.astimezone(ended.header.scheduled_end.tzinfo) - timedelta(minutes=10)
    run(program, root, "session", "end", ended.header.session_id, "--at", f"{end:%H:%M}",
        "--reason", "fire drill closed the building")
    return root, program, {"late": f"{session_id}/{client_id}", "ended": ended.header.session_id}


# --- what each view says -----------------------------------------------------------------------

def report_minutes(program: Path, root: Path) -> tuple[dict[Key, int], dict[tuple[str, str], int]]:
    """``report week --format json`` of every week: minutes by (day, client) and by (week, client)."""
    by_day: dict[Key, int] = {}
    by_week: dict[tuple[str, str], int] = {}
    for week in WEEKS:
        body = json.loads(run(program, root, "report", "week", "--week", week.label, "--format", "json"))
        assert body["week"] == week.label
        for row in body["clients"]:
            days = {date.fromisoformat(d): m for d, m in row["minutes_by_day"].items()}
            assert sum(days.values()) == row["attended_minutes"], row["client_id"]
            by_week[(week.label, row["client_id"])] = row["attended_minutes"]
            by_day.update({(d, row["client_id"]): m for d, m in days.items() if m})
    return by_day, by_week


def billing_rows(program: Path, root: Path) -> tuple[list[dict], list[dict]]:
    """``export billing`` over the demo's days, as JSON rows and as CSV rows."""
    span = ("--from", WEEKS[0].first.isoformat(), "--to", TODAY.isoformat())
    as_json = json.loads(run(program, root, "export", "billing", *span, "--format", "json"))["rows"]
    text = run(program, root, "export", "billing", *span, "--format", "csv").lstrip("\ufeff")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("date,client_id,"))
    return as_json, list(csv.DictReader(io.StringIO("\n".join(lines[header:]))))


STATED = re.compile(r"attended (\d+) of (\d+) treatment minutes")
ADDENDUM = re.compile(r"now [^()]*\((\d+) minutes credited\)")
# A block's line, or the treatment time outside every block (core.drafting.OUTSIDE_BLOCKS).
BLOCK = re.compile(r"^- (?:.+ \([a-z-]+\)|Outside the agenda's blocks): (\d+) min(?: \(cut short\))?"
                   r"(?P<mark> \(client (?:present for part|not present)\))?$", re.M)


def stated_minutes(body: str, addenda: list[str]) -> int:
    """What a note says last about the client's minutes: the newest automatic addendum's
    figure, or the draft's "attended N of M"."""
    for text in reversed(addenda):
        if text.startswith((ADDENDUM_OPENING, END_ADDENDUM_OPENING)):
            found = ADDENDUM.search(text)
            assert found, text
            return int(found.group(1))
    found = STATED.search(body)
    assert found, body
    return int(found.group(1))


def note_minutes(root: Path) -> tuple[dict[Key, int], list[str]]:
    """Minutes each note states, summed by (day, client); and every disagreement inside a note."""
    data = DataDir.open(root, user=USER, clock=lambda: NOW)
    stated: dict[Key, int] = defaultdict(int)
    inside: list[str] = []
    for record in data.sessions_between(WEEKS[0].first, TODAY).records:
        for cid, note in data.session_file(record.header.session_id).notes().items():
            minutes = stated_minutes(note.body, [a.body for a in note.addenda])
            stated[(record.header.day, cid)] += minutes
            entry = record.attendance[cid]
            blocks = list(BLOCK.finditer(note.body))
            whole = entry.arrived is None and entry.left is None and not note.addenda
            if whole and sum(int(b.group(1)) for b in blocks) != minutes:
                inside.append(f"{record.header.session_id}/{cid}: blocks add to "
                              f"{sum(int(b.group(1)) for b in blocks)}, the note says {minutes}")
            if not whole and entry.arrived is not None and not any(b.group("mark") for b in blocks):
                inside.append(f"{record.header.session_id}/{cid}: late, yet no block is marked as missed")
    return dict(stated), inside


# --- the tests ----------------------------------------------------------------------------------

def test_the_corrections_were_made(demo) -> None:
    root, _, corrected = demo
    data = DataDir.open(root, user=USER, clock=lambda: NOW)
    session_id, client_id = corrected["late"].split("/")
    record = data.session_file(session_id).read()
    note = data.session_file(session_id).notes()[client_id]
    assert record.attendance[client_id].corrections[-1].reason == "sign-in sheet shows earlier"
    assert note.signed and note.addenda[-1].body.startswith(ADDENDUM_OPENING)
    ended = data.session_file(corrected["ended"]).read()
    assert ended.header.end_corrections[-1].reason == "fire drill closed the building"


def test_report_billing_and_notes_agree_for_every_client_and_day(demo) -> None:
    root, program, _ = demo
    report, _ = report_minutes(program, root)
    as_json, as_csv = billing_rows(program, root)
    notes, inside = note_minutes(root)
    billed = {(date.fromisoformat(r["date"]), r["client_id"]): r for r in as_json}
    assert len(billed) == len(as_json), "two billing rows for one client and day"
    assert [(r["date"], r["client_id"], str(r["minutes"]), str(r["units"])) for r in as_json] == \
        [(r["date"], r["client_id"], r["minutes"], r["units"]) for r in as_csv]
    assert [r["billable"] for r in as_json] == [r["billable"] == "yes" for r in as_csv]
    for row in as_json:
        rule = BILLING_RULES[row["level_of_care"]]
        assert row["billable"] == (row["minutes"] >= rule.min_day_minutes), row
    days = set(report) | set(billed) | {k for k, m in notes.items() if m}
    assert len(days) > 300 and {d for d, _ in days} <= {d for w in WEEKS for d in w.days}
    disagreements = [
        f"{day} {cid}: report {report.get((day, cid), 0)}, billing "
        f"{billed[(day, cid)]['minutes'] if (day, cid) in billed else 0}, notes {notes.get((day, cid), '-')}"
        for day, cid in sorted(days)
        if len({report.get((day, cid), 0), billed[(day, cid)]["minutes"] if (day, cid) in billed else 0,
                notes.get((day, cid), report.get((day, cid), 0))}) > 1]
    assert disagreements == []
    assert inside == []


def test_the_weekly_view_agrees_with_the_report(demo) -> None:
    import asyncio
    root, program, _ = demo
    report, by_week = report_minutes(program, root)
    shown = asyncio.run(_weekly_cells(root))
    assert set(shown) == {w.label for w in WEEKS}
    problems = []
    for label, rows in shown.items():
        week = next(w for w in WEEKS if w.label == label)
        assert {cid for cid in rows} == {cid for (wl, cid) in by_week if wl == label}
        for cid, row in rows.items():
            if not row["hours"].split()[-1].startswith(hours_down(by_week[(label, cid)]) + "/"):
                problems.append(f"{label} {cid}: week {row['hours']!r}, report {by_week[(label, cid)]} min")
            for day in week.days:
                minutes = report.get((day, cid), 0)
                want = hours_down(minutes) if minutes else "·"
                if day.isoformat() in row and row[day.isoformat()] != want:
                    problems.append(f"{day} {cid}: view {row[day.isoformat()]!r}, report {minutes} min")
                elif day.isoformat() not in row and minutes:
                    problems.append(f"{day} {cid}: {minutes} min, but the view has no column for the day")
    assert problems == []


def _showing(screen: WeeklyScreen, week: Week) -> Callable[[], bool]:
    return lambda: screen.view is not None and screen.view.week == week


async def _weekly_cells(root: Path) -> dict[str, dict[str, dict[str, str]]]:
    """The weekly view of every demo week, from this week back ([): week label -> client id ->
    column key -> cell text."""
    clock = FakeClock(NOW)
    data = open_clinic(root, user=USER, clock=clock)
    out: dict[str, dict[str, dict[str, str]]] = {}
    async with build_app(data, clock).run_test(size=(160, 60)) as pilot:
        await pilot.press("w")
        screen = pilot.app.screen
        assert isinstance(screen, WeeklyScreen)
        for n in range(len(WEEKS)):
            week = WEEKS[-1 - n]
            if n:
                await pilot.press("left_square_bracket")
            assert await wait_until(pilot, _showing(screen, week), seconds=10)
            await wait_for_read(pilot, screen)
            table = screen.query_one(WeekTable)
            assert week.label in str(screen.query_one("#weekly-title").render())
            keys = column_keys(table)
            out[week.label] = {cid: dict(zip(keys, cells(table, i), strict=True))
                               for i, cid in enumerate(table.shown_ids)}
    return out
