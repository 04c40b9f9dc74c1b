"""The client view shows the recovery plan with its history of reviews (fake today: Mon
2026-11-23; the interval defaults to 30 days). Every name and goal is invented."""

from __future__ import annotations

from facilitator.store import recovery
from facilitator.store.clinic import open_clinic
from facilitator.store.staff import add_staff
from facilitator.tui.goals import RecoveryPlanScreen
from tests.tui.helpers import build_app
from tests.tui.test_client_view import SIZE, open_client
from tests.tui.weekly_support import audit_actions


def info(screen) -> str:
    return str(screen.query_one("#client-info").render())


async def test_a_supervisor_reads_the_plan_and_its_reviews(clinic, fake_clock):
    fake_clock.advance(days=-40)                       # plan started Wed 14 Oct
    recovery.add(clinic, "T001", "Get my license back", objectives=("Pay the reinstatement fee",))
    fake_clock.advance(days=10)                        # reviewed Sat 24 Oct
    recovery.review(clinic, "T001")
    recovery.set_goal_status(clinic, "T001:1", "met")
    recovery.add(clinic, "T001", "Sleep through the night without pills")
    fake_clock.advance(days=30)                        # back to Mon 23 Nov: due 23 Nov, not overdue
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_client(pilot, "T001")
        assert "Recovery plan: 1 active goal · review due Mon 23 Nov 2026" in info(screen)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RecoveryPlanScreen)
        text = str(pilot.app.screen.query_one("#plan-text").render())
        assert 'Goal 1 [met] "Get my license back"' in text and "    - Pay the reinstatement fee" in text
        assert "24 Oct 2026: met (counselor1)" in text
        assert 'Goal 2 [active] "Sleep through the night without pills"' in text
        assert "Sat 24 Oct 2026 by counselor1" in text
        await pilot.press("escape")
        fake_clock.advance(days=3)
        await pilot.app.pop_screen()
        screen = await open_client(pilot, "T001")
        assert "review OVERDUE since Mon 23 Nov" in info(screen)
    assert ("sup1", "plan.view", "plan:T001") in audit_actions(clinic)


async def test_a_client_without_a_plan_is_shown_as_such(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_client(pilot, "T002")
        assert "Recovery plan: none on file" in info(screen)
        await pilot.press("p")
        await pilot.pause()
        assert "No recovery plan on file." in str(pilot.app.screen.query_one("#plan-text").render())
