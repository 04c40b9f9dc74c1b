"""Pilot tests (80x24, keys only) of issue #20's clinic changes in the app's admin screens:
rename and reactivate in the staff screen, a closure from the clinic settings screen.
Each asserts on the stored data and the audit log. ``counselor1`` is the only admin."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from facilitator.store.staff import add_staff, deactivate
from facilitator.tui.settings import SettingsScreen
from facilitator.tui.staff import StaffScreen
from facilitator.tui.staff_modals import ClosureModal, RenameModal
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import build_app, stored, wait_until
from tests.tui.test_admin import SIZE, as_counselor, audit, cursor_to, open_screen, text_of


async def test_an_admin_renames_and_reactivates_a_member(clinic, fake_clock):
    add_staff(clinic, "jdoe", "Jamie Doe", "counselor")
    deactivate(clinic, "jdoe")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "staff", StaffScreen)
        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("r")                          # a role change is refused while deactivated
        assert "reactivate them first" in text_of(screen, "#staff-message")
        await pilot.press("u")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await stored(pilot)
        assert await wait_until(pilot, lambda: clinic.snapshot().staff["jdoe"].active)
        assert text_of(screen, "#staff-message") == "jdoe can open the clinic again, as a counselor."

        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("n")
        modal = pilot.app.screen
        assert isinstance(modal, RenameModal)
        assert modal.query_one("#rename-name", Input).value == "Jamie Doe"
        modal.query_one("#rename-name", Input).value = "Jamie\x1b[31mDoe"
        await pilot.press("enter")                      # refused in the dialog, nothing saved
        assert pilot.app.screen is modal and "U+" in text_of(modal, "#rename-error")
        modal.query_one("#rename-name", Input).value = ""
        await pilot.press(*"Jamie Doe-Ríos, LCDC", "enter")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert clinic.snapshot().staff["jdoe"].display_name == "Jamie Doe-Ríos, LCDC"
        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("u")                          # already active: said, nothing written
        assert "only a deactivated member" in text_of(screen, "#staff-message")

    actions = [(e["action"], e["record"]) for e in audit(clinic)]
    assert actions[-2:] == [("staff.reactivate", "staff:jdoe"), ("staff.rename", "staff:jdoe")]


async def test_an_admin_adds_a_snow_day_for_one_group(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+o")
        modal = pilot.app.screen
        assert isinstance(modal, ClosureModal)
        date_input = modal.query_one("#closure-date", Input)
        date_input.value = ""
        # 2026-12-02 is a Wednesday: Evening IOP meets (Mon, Wed, Thu), Morning RP does not.
        await pilot.press(*"2026-12-02", "tab", "down", "tab", "enter")   # no reason yet: refused
        assert pilot.app.screen is modal and "reason" in text_of(modal, "#closure-error")
        await pilot.press(*"snow day", "enter")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert "Closed on 2026-12-02" in text_of(screen, "#settings-message")
    snapshot = clinic.snapshot()
    assert [(c.day, c.group, c.reason) for c in snapshot.closures] == [(date(2026, 12, 2), "Evening IOP", "snow day")]
    assert date(2026, 12, 2) in snapshot.groups["Evening IOP"].holidays
    assert date(2026, 12, 2) not in snapshot.groups["Morning Relapse Prevention"].holidays
    assert [(e["action"], e["record"]) for e in audit(clinic)][-1] == ("closure.add", "group:Evening IOP")


async def test_a_counselor_cannot_add_a_closure_and_the_attempt_is_audited(clinic, fake_clock):
    counselor = as_counselor(clinic, fake_clock)
    before = (clinic.root / "clinic.json").read_bytes()
    async with build_app(counselor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+o")
        assert pilot.app.screen is screen
        assert "only admins" in text_of(screen, "#settings-message")
    assert (clinic.root / "clinic.json").read_bytes() == before
    assert audit(clinic)[-1]["action"] == "denied"


async def test_the_palette_opens_the_closure_dialog_for_the_whole_clinic(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert "Add a closure (snow day)" in [c.name for c in pilot.app.palette_commands()]
        pilot.app.action_add_closure()
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClosureModal))
        modal = pilot.app.screen
        modal.query_one("#closure-date", Input).value = "2026-12-24"
        modal.query_one("#closure-reason", Input).value = "Christmas Eve"
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen))
    snapshot = clinic.snapshot()
    assert [(c.day, c.group) for c in snapshot.closures] == [(date(2026, 12, 24), None)]
    assert all(date(2026, 12, 24) in g.holidays for g in snapshot.groups.values())


async def test_the_closure_dialog_fits_80x24_with_many_groups_in_both_themes(clinic, fake_clock):
    from datetime import time

    from facilitator.core.roster import Group
    for number in range(12):
        clinic.add_group(Group(f"Invented Group {number:02d}", (0, 1, 2, 3, 4), time(9), 60))
    for theme in ("textual-dark", "textual-light"):
        async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
            pilot.app.theme = theme
            await open_screen(pilot, "settings", SettingsScreen)
            await pilot.press("ctrl+o")
            modal = pilot.app.screen
            assert isinstance(modal, ClosureModal)
            await pilot.pause()
            for selector in ("#closure-date", "#closure-group", "#closure-reason", ".modal-keys"):
                region = modal.query_one(selector).region
                assert region.height >= 1 and 0 <= region.y and region.bottom <= 24, (theme, selector, region)
            if theme == "textual-light":
                await pilot.press("escape")
                continue
            # The last group (by name) is reachable by keys alone.
            await pilot.press("tab", "end", "tab", *"ice", "ctrl+s")
            assert await wait_until(pilot, lambda: not isinstance(pilot.app.screen, ClosureModal))
    assert [c.group for c in clinic.snapshot().closures] == ["Morning Relapse Prevention"]


async def test_an_admin_changes_a_groups_schedule_from_a_date(clinic, fake_clock):
    from datetime import time

    from facilitator.tui.staff_modals import ScheduleModal
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+g")
        modal = pilot.app.screen
        assert isinstance(modal, ScheduleModal)
        assert modal.query_one("#schedule-days", Input).value == "mon,wed,thu"     # Evening IOP
        for selector in ("#schedule-group", "#schedule-plan", ".modal-keys"):
            assert modal.query_one(selector).region.bottom <= 24, selector
        modal.query_one("#schedule-from", Input).value = "2027-01-04"
        modal.query_one("#schedule-days", Input).value = "tue,funday"
        await pilot.press("tab", "enter")                   # refused in the dialog: nothing saved
        assert pilot.app.screen is modal and "weekday" in text_of(modal, "#schedule-error")
        modal.query_one("#schedule-days", Input).value = "tue,thu"
        modal.query_one("#schedule-start", Input).value = "18:30"
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert "earlier weeks keep the old one" in text_of(screen, "#settings-message")
    group = clinic.snapshot().groups["Evening IOP"]
    assert (group.day_names, group.start, group.minutes, group.plan) == ("tue,thu", time(18, 30), 180,
                                                                      "iop-evening-triggers")
    assert group.since == date(2027, 1, 4) and group.on(date(2027, 1, 3)).day_names == "mon,wed,thu"
    assert [(e["action"], e["record"]) for e in audit(clinic)][-1] == ("group.set", "group:Evening IOP")


async def _end_dialog(pilot, theme: str):
    from facilitator.tui.staff_modals import EndGroupModal
    pilot.app.theme = theme
    screen = await open_screen(pilot, "settings", SettingsScreen)
    await pilot.press("ctrl+t")
    modal = pilot.app.screen
    assert isinstance(modal, EndGroupModal)
    for selector in ("#endgroup-group", "#endgroup-date", ".modal-keys"):
        region = modal.query_one(selector).region
        assert region.height >= 1 and region.y >= 0 and region.bottom <= 24, (theme, selector)
    return screen, modal


async def test_the_end_group_dialog_fits_80x24_in_both_themes(clinic, fake_clock):
    for theme in ("textual-light", "textual-dark"):
        async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
            await _end_dialog(pilot, theme)
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen))
    assert all(g.last_day is None for g in clinic.snapshot().groups.values())


async def test_an_admin_ends_a_group_after_one_question_never_before_a_held_session(clinic, fake_clock):
    """#20: ctrl+t on the settings screen is `groups end` as a dialog. Evening IOP (Mon, Wed,
    Thu) held a session on Mon 23 Nov 2026, so a last day of Fri 20 Nov is refused; Wed 2 Dec
    is asked about once and, after y, stored as the group's last day."""
    from facilitator.store.running import start_session
    start_session(clinic, "Evening IOP").end()
    before = (clinic.root / "clinic.json").read_bytes()
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen, modal = await _end_dialog(pilot, "textual-dark")
        await pilot.press("enter", "ctrl+u", *"2026-11-20", "enter")   # Evening IOP, highlighted first
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        assert await wait_until(pilot, lambda: "already has a session on 2026-11-23" in
                                text_of(modal, "#endgroup-error"))
        assert pilot.app.screen is modal
        assert (clinic.root / "clinic.json").read_bytes() == before
        await pilot.press("ctrl+u", *"2026-12-32", "enter")            # not a date: said before asking
        assert pilot.app.screen is modal and "2026-12-32" in text_of(modal, "#endgroup-error")
        await pilot.press("ctrl+u", *"2026-12-02", "ctrl+s")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "End Evening IOP after Wed 2 Dec 2026?" in text_of(pilot.app.screen, "#confirm-question")
        await pilot.press("n")                                         # no: nothing written
        assert await wait_until(pilot, lambda: pilot.app.screen is modal)
        assert (clinic.root / "clinic.json").read_bytes() == before
        await pilot.press("ctrl+s", "y")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert "Ended Evening IOP" in text_of(screen, "#settings-message")
    group = clinic.snapshot().groups["Evening IOP"]
    assert group.last_day == date(2026, 12, 2)
    assert clinic.snapshot().groups["Morning Relapse Prevention"].last_day is None
    assert [(e["action"], e["record"], e["detail"]) for e in audit(clinic)][-1] == (
        "group.end", "group:Evening IOP", {"last_day": "2026-12-02"})


async def test_a_counselor_cannot_end_a_group_and_the_attempt_is_audited(clinic, fake_clock):
    counselor = as_counselor(clinic, fake_clock)
    before = (clinic.root / "clinic.json").read_bytes()
    async with build_app(counselor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+t")
        assert pilot.app.screen is screen
        assert "only admins" in text_of(screen, "#settings-message")
    assert (clinic.root / "clinic.json").read_bytes() == before
    assert audit(clinic)[-1]["action"] == "denied"
