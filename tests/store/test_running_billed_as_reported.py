"""Issue #20 acceptance, case 3 of tests/core/test_one_count.py on a real data directory: while
a group is running, ``export billing`` and ``report week`` count its minutes up to now.

Monday 23 November 2026, Evening IOP (18:00-21:00). The group and its agenda start at 18:02;
Avery is present, Blake arrives 18:30. At 19:02 (the break is due at 19:07): Avery 60 minutes,
Blake 32. Billing used to count the scheduled end (178 and 150): a claim for time not yet held.
"""

from __future__ import annotations

from datetime import datetime

from facilitator.core.agenda import AgendaClock
from facilitator.core.rules import Status
from facilitator.core.weeks import week_containing
from facilitator.store.reports import billing_days, week_report
from facilitator.store.running import start_session
from tests.conftest import CHICAGO, FakeClock, make_test_clinic


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 23, hh, mm, tzinfo=CHICAGO)


def test_a_running_group_is_billed_as_the_report_counts_it(tmp_path) -> None:
    clock = FakeClock(at(17, 55))
    data = make_test_clinic(tmp_path / "clinic", clock=clock)
    running = start_session(data, "Evening IOP")
    clock.set(at(18, 2))
    running.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    running.mark("T001", Status.PRESENT)
    clock.set(at(18, 30))
    running.mark("T002", Status.LATE)
    clock.set(at(19, 2))
    day = at(0, 0).date()
    billed = {r.client_id: r.minutes for r in billing_days(data, day, day)[0]}
    report = {r.client_id: r.minutes_by_day[day] for r in week_report(data, week_containing(day)).rows}
    assert billed == {"T001": 60, "T002": 32}
    assert {cid: report[cid] for cid in billed} == billed
