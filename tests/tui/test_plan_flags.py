"""Plans overdue for review are flagged in the weekly view, the review queue and the week
report (fake today: Mon 2026-11-23; interval 30 days). Every name and goal is invented."""

from __future__ import annotations

import json

from facilitator.cli import output
from facilitator.core.weeks import week_containing
from facilitator.store import recovery
from facilitator.store.reports import week_report
from facilitator.tui.review import ReviewScreen
from facilitator.tui.weekly import WeeklyScreen
from tests.tui.helpers import build_app
from tests.tui.weekly_support import wait_for_read

SIZE = (80, 24)


def plans(clinic, fake_clock) -> None:
    """Avery: started Mon 12 Oct, never reviewed -> due Wed 11 Nov, 12 days overdue.
    Blake: started today -> due Wed 23 Dec. Casey: no plan."""
    now = fake_clock.now
    fake_clock.advance(days=-42)
    recovery.add(clinic, "T001", "Get my license back")
    fake_clock.set(now)
    recovery.add(clinic, "T002", "Reconnect with my sister")


def test_report_week_json_carries_plan_review_due(clinic, fake_clock) -> None:
    plans(clinic, fake_clock)
    report = week_report(clinic, week_containing(fake_clock.now.date()))
    rows = {r["client_id"]: r for r in json.loads(output.week_report(report, "json"))["clients"]}
    assert rows["T001"]["plan_review_due"] == "2026-11-11" and rows["T001"]["plan_review_overdue"] is True
    assert rows["T002"]["plan_review_due"] == "2026-12-23" and rows["T002"]["plan_review_overdue"] is False
    assert rows["T003"]["plan_review_due"] is None and rows["T003"]["plan_review_overdue"] is False


async def test_weekly_view_and_review_queue_flag_overdue_plans(clinic, fake_clock) -> None:
    plans(clinic, fake_clock)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        weekly = WeeklyScreen()
        await pilot.app.push_screen(weekly)
        await wait_for_read(pilot, weekly)
        assert "1 plan review overdue" in str(weekly.query_one("#weekly-filters").render())
        while weekly.query_one("#weekly-table").current_id != "T001":
            await pilot.press("down")
        assert "plan review overdue 12 d" in str(weekly.query_one("#weekly-detail").render())
        await pilot.app.pop_screen()
        review = ReviewScreen()
        await pilot.app.push_screen(review)
        await wait_for_read(pilot, review)
        line = str(review.query_one("#review-plans").render())
        assert line == "Recovery plans overdue for review (1): Avery Testperson 12 d"


async def test_the_weekly_view_follows_a_plan_reviewed_elsewhere(clinic, fake_clock) -> None:
    """A recovery plan reviewed by another counselor (another process) clears the flag in an
    open weekly view within seconds, as attendance does: the view's change check looks at
    recovery/ and plans/ too, not only the clinic file, the week's sessions and hours."""
    from tests.tui.helpers import wait_until
    plans(clinic, fake_clock)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        weekly = WeeklyScreen()
        await pilot.app.push_screen(weekly)
        await wait_for_read(pilot, weekly)
        filters = weekly.query_one("#weekly-filters")
        assert "1 plan review overdue" in str(filters.render())
        recovery.review(clinic, "T001")
        assert await wait_until(pilot, lambda: "plan review" not in str(filters.render()), seconds=4)
