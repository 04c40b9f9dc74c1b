"""Recovery-plan goals in the group room (Pilot): shown for the highlighted client, linked
with g + number and stored in the record, and carried into that client's signed note only.

Avery (T001) and Blake (T002) have plans; Casey (T003) has none. Every name and goal is invented.
"""

from __future__ import annotations

from datetime import date

from facilitator.store import recovery
from facilitator.store.running import find_running
from facilitator.tui.goals import GoalLinkModal
from facilitator.tui.session import SessionScreen
from facilitator.tui.session_end import EndSessionScreen
from tests.tui.helpers import build_app, stored, wait_until
from tests.tui.session_helpers import cursor_to, screen_text

SIZE = (80, 24)
AVERY_GOALS = ("Get my license back", "Say no when coworkers offer a drink")
BLAKE_GOAL = "Reconnect with my sister"


def give_plans(clinic) -> None:
    recovery.add(clinic, "T001", AVERY_GOALS[0], objectives=("Pay the reinstatement fee",),
                 target=date(2027, 3, 1))
    recovery.add(clinic, "T001", AVERY_GOALS[1], objectives=("Use a refusal line 3 times a week",))
    recovery.add(clinic, "T002", BLAKE_GOAL, objectives=("Call her once a week",))


def goals_shown(screen) -> str:
    return str(screen.query_one("#participation-goals").render())


async def test_goals_show_a_link_is_stored_and_only_that_clients_goals_reach_the_signed_note(
        clinic, fake_clock):
    give_plans(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")                   # start today's Evening IOP
        screen = pilot.app.screen
        assert isinstance(screen, SessionScreen)
        await pilot.press("P")                       # everyone present
        await pilot.press("n")                       # the agenda starts: block 0
        await pilot.pause()

        await cursor_to(pilot, "T001")
        await pilot.pause()
        shown = goals_shown(screen)
        assert AVERY_GOALS[0] in shown and AVERY_GOALS[1] in shown and BLAKE_GOAL not in shown
        assert AVERY_GOALS[1] in screen_text(pilot.app)          # visible at 80x24
        await cursor_to(pilot, "T002")
        await pilot.pause()
        assert BLAKE_GOAL in goals_shown(screen) and AVERY_GOALS[0] not in goals_shown(screen)
        await cursor_to(pilot, "T003")
        await pilot.pause()
        assert goals_shown(screen) == "No recovery plan on file."
        await pilot.press("g")                       # no plan: nothing to link, nothing invented
        await pilot.pause()
        assert not isinstance(pilot.app.screen, GoalLinkModal)

        await cursor_to(pilot, "T001")
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(pilot.app.screen, GoalLinkModal)
        await pilot.press("2")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, GoalLinkModal))
        record = find_running(clinic).record()
        assert record.attendance["T001"].goal_links == ((2, 0),)
        assert record.attendance["T002"].goal_links == ()
        assert "2 ✓ " + AVERY_GOALS[1] in goals_shown(screen)
        entries = [e for _, _, e in clinic.audit.entries() if e]
        link = [e for e in entries if e["action"] == "participation.goal-link"]
        assert link and link[-1]["detail"] == {"goal": 2, "block": 0, "linked": True}
        assert "coworkers" not in "".join(str(e) for e in entries)

        await pilot.press("E", "y")                  # end the session; drafts are written
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
        running = pilot.app.screen.running
        await wait_until(pilot, lambda: "T001" in running.file.notes())
        while pilot.app.screen.current_client() != "T001":
            await pilot.press("down")
        await pilot.press("S", "y")
        await stored(pilot)
        await wait_until(pilot, lambda: running.file.notes()["T001"].signed)
        avery = running.file.notes()["T001"].body
        assert "Progress toward plan goals:" in avery
        assert f'Goal 2, "{AVERY_GOALS[1]}": addressed in ' in avery
        assert f'Goal 1, "{AVERY_GOALS[0]}" (target 2027-03-01): not addressed in this group.' in avery
        assert BLAKE_GOAL not in avery
        await pilot.app.writes.idle()
        blake = running.file.notes()["T002"].body
        assert BLAKE_GOAL in blake and AVERY_GOALS[0] not in blake and AVERY_GOALS[1] not in blake
        await pilot.app.writes.idle()
        casey = running.file.notes()["T003"].body
        assert "No recovery plan on file." in casey and "Goal 1" not in casey


async def test_privacy_hides_goals_and_g_does_nothing(clinic, fake_clock):
    give_plans(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await cursor_to(pilot, "T001")
        await pilot.press("f9")
        await pilot.pause()
        assert AVERY_GOALS[0] not in screen_text(pilot.app)
        await pilot.press("g")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, GoalLinkModal)


async def test_a_damaged_plan_is_said_and_costs_only_that_client(clinic, fake_clock):
    give_plans(clinic)
    (clinic.root / "recovery" / "T001.json").write_text('{"_meta": {"1": {"kind": "recovery-plan"')
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = pilot.app.screen
        await cursor_to(pilot, "T001")
        await pilot.pause()
        assert "unreadable" in goals_shown(screen)
        await cursor_to(pilot, "T002")
        await pilot.pause()
        assert BLAKE_GOAL in goals_shown(screen)


async def test_goal_numbers_past_nine_are_typed_in_full(clinic, fake_clock):
    for n in range(1, 13):
        recovery.add(clinic, "T001", f"Invented goal number {n}")
    for n in range(2, 12):
        recovery.set_goal_status(clinic, f"T001:{n}", "met")      # active: 1 and 12
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await cursor_to(pilot, "T001")
        await pilot.press("p")                                        # a link, like a pick, needs a mark
        await cursor_to(pilot, "T001")
        await pilot.press("g", "1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, GoalLinkModal)            # 1 or 12? it waits
        await pilot.press("2")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, GoalLinkModal))
        await pilot.press("g", "1", "enter")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, GoalLinkModal))
        links = find_running(clinic).record().attendance["T001"].goal_links
        assert links == ((12, None), (1, None))                      # the agenda has not started
        shown = goals_shown(pilot.app.screen)
        assert "1 ✓ Invented goal number 1" in shown and "12 ✓ Invented goal number 12" in shown
