"""Pilot tests of the app shell and the home screen, at 80×24."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable

from facilitator.core.roster import Client
from facilitator.store.datadir import DataDir
from facilitator.store.plans import PlanLibrary, shipped_plans_dir
from facilitator.tui.help import HelpScreen
from facilitator.tui.home import HomeScreen
from facilitator.tui.widgets.header import ClinicHeader, header_line
from facilitator.tui.widgets.problem import ProblemPanel
from facilitator.tui.widgets.roster import RosterTable
from tests.tui.helpers import build_app, palette_offers, wait_until

SIZE = (80, 24)


def expected_today(data: DataDir, clock) -> dict[str, tuple[str, str]]:
    """group name -> (plan title, enrolled count), worked out from the stored data."""
    snapshot = data.snapshot()
    tz = snapshot.settings.tz
    today = clock().astimezone(tz).date()
    plans = PlanLibrary.load(shipped_plans_dir(), data.plans_dir)
    expected = {}
    for group in snapshot.groups.values():
        if group.meetings(today, today, tz):
            title = plans.plans[group.plan].title if group.plan in plans.plans else "—"
            expected[group.name] = (title, str(len(snapshot.enrolled(group.name, today))))
    return expected


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_today_lists_the_groups_meeting_today_with_enrolled_counts(clinic, fake_clock):
    expected = expected_today(clinic, fake_clock)
    assert expected, "the fixture clinic should have groups on its fake Monday"
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        rows = table_rows(pilot.app.screen.query_one("#today-table", DataTable))
        shown = {row[1]: (row[4], row[3]) for row in rows}
        assert {row[2] for row in rows} == {"not started"}
        assert shown.keys() == expected.keys()
        for group, (plan, enrolled) in shown.items():
            full, count = expected[group]
            assert enrolled == count
            # the plan whole, or cut to fit 80 columns with "…" (never mid-word without it)
            assert plan == full or (plan.endswith("…") and full.startswith(plan[:-1]))
        # Sorted by start time: the 10:00 group before the 18:00 one.
        assert [row[0][:5] for row in rows] == sorted(row[0][:5] for row in rows)


async def test_today_says_so_when_no_group_meets(clinic, fake_clock):
    fake_clock.advance(days=1)  # Tuesday: the fixture's groups meet Mon/Wed/Thu
    assert expected_today(clinic, fake_clock) == {}
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert not screen.query_one("#today-table").display
        empty = screen.query_one("#today-empty")
        assert empty.display
        assert "No groups meet today (Tuesday 24 Nov)" in str(empty.render())


async def test_roster_rows_match_the_clients_discharged_hidden_until_asked(clinic, fake_clock):
    snapshot = clinic.snapshot()
    today = fake_clock().astimezone(snapshot.settings.tz).date()
    current = {c.client_id for c in snapshot.clients.values() if not c.discharged or c.discharged >= today}
    assert current != set(snapshot.clients), "the fixture should have a discharged client"
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        roster = pilot.app.screen.query_one(RosterTable)
        assert set(roster.shown_ids) == current
        for row in table_rows(roster):
            client = snapshot.clients[row[0]]
            assert row[1] == client.name
            assert row[2] == client.level_of_care
            assert float(row[3]) == client.required_hours
            assert row[4] == client.admitted.isoformat()
        await pilot.press("d")
        assert set(roster.shown_ids) == set(snapshot.clients)
        await pilot.press("d")
        assert set(roster.shown_ids) == current


async def test_header_names_the_clinic_the_user_and_the_day(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        assert app.title == "Test Clinic"
        assert isinstance(app.screen, HomeScreen)
        line = app.screen.query_one(ClinicHeader).render().plain
        assert line.startswith(" Test Clinic ")
        who = line.rstrip()
        assert who.endswith(f"{clinic.me().display_name} (admin) · Mon 23 Nov 2026")
        assert len(line) == SIZE[0]


@pytest.mark.parametrize(("width", "expected"), [
    (40, " Evening Clinic               ann · Mon "),
    (27, " Evening Clinic  ann · Mon "),
    (26, " Evening Clin…  ann · Mon "),
    (20, " Evenin…  ann · Mon "),
    (14, " …  ann · Mon "),
    (10, " …  ann · "),
])
def test_header_line_keeps_who_whole_and_cuts_the_clinic_name_first(width, expected):
    line = header_line("Evening Clinic", "ann · Mon", width)
    assert line.plain == expected
    assert line.cell_len == width


async def test_t_toggles_between_the_dark_and_light_themes(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert pilot.app.theme == "textual-dark"
        await pilot.press("t")
        assert pilot.app.theme == "textual-light"
        await pilot.press("t")
        assert pilot.app.theme == "textual-dark"


async def test_f1_opens_help_for_the_screen_and_escape_closes_it(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = dict(help_screen.keys)
        # Generated from the bindings: the home screen's own keys and the app's.
        assert listed["d"].startswith("Discharged") and listed["r"].startswith("Refresh")
        assert "t" in listed and "f1" in listed
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_palette_command_runs(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"toggle light")
        assert await palette_offers(pilot, "light")  # the palette searches in the background
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: pilot.app.theme == "textual-light")


async def test_roster_follows_an_import_made_by_another_process(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        roster = pilot.app.screen.query_one(RosterTable)
        assert "T099" not in roster.shown_ids
        other = DataDir.open(clinic.root, user="counselor1", clock=fake_clock)
        other.import_roster([Client("T099", "Rowan", "Madeupname", "IOP", 9.0, date(2026, 11, 20),
                                    groups=("Evening IOP",))])
        assert await wait_until(pilot, lambda: "T099" in roster.shown_ids, seconds=2.5)


async def test_an_empty_clinic_file_shows_a_message_not_a_crash(clinic, fake_clock):
    clinic.clinic_file.path.write_bytes(b"")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        panel = pilot.app.screen.query_one(ProblemPanel)
        assert panel.has_class("-shown")
        assert "empty (0 bytes)" in str(panel.render())
        await pilot.press("r", "d", "f1", "escape")
        assert pilot.app.is_running


async def test_damage_during_a_run_is_shown_and_clears_when_repaired(clinic, fake_clock):
    good = clinic.clinic_file.path.read_bytes()
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        panel = pilot.app.screen.query_one(ProblemPanel)
        assert not panel.has_class("-shown")
        clinic.clinic_file.path.write_bytes(b"{not json")
        assert await wait_until(pilot, lambda: panel.has_class("-shown"))
        assert "not valid JSON" in str(panel.render())
        clinic.clinic_file.path.write_bytes(good)
        assert await wait_until(pilot, lambda: not panel.has_class("-shown"))
