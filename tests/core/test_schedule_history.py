"""A group's schedule changed from a date, ended, or closed a day: worked by hand.

Evening A met Mon, Wed, Thu at 18:00 for 180 minutes from Mon 2 Nov 2026. From Wed 18 Nov
it meets Tue and Thu at 18:30 for 240 minutes. A client needs 9 hours a week.

- week of 9 Nov (before the change): Mon, Wed, Thu under the old schedule: 3 of 3 -> 9.0 h.
- week of 16 Nov (the change mid-week): Mon 16 under the old schedule (Tue 17 was not an
  old meeting day); Wed 18 is not a new meeting day, Thu 19 is: 2 usual, 2 held -> 9.0 h;
  Monday starts at 18:00 and ends 21:00, Thursday starts 18:30 and ends 22:30.
- week of 23 Nov: Tue, Thu under the new one -> 9.0 h.
- week of 30 Nov with a snow day on Tue 1 Dec: 1 of 2 meetings -> 4.5 h.
- ended on Wed 2 Dec: Tue 1 Dec only of 2 -> 4.5 h; the week of 7 Dec requires nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.errors import InputError
from facilitator.core.hours import required_for_week
from facilitator.core.roster import Client, Group, Schedule
from facilitator.core.weeks import week_containing

TZ = ZoneInfo("America/Chicago")
OLD = Group("Evening A", days=(0, 2, 3), start=time(18, 0), minutes=180, first_day=date(2026, 11, 2))
NEW = Schedule(since=date(2026, 11, 18), days=(1, 3), start=time(18, 30), minutes=240)
CLIENT = Client("Z001", "Ada", "Invented", "IOP", 9, date(2026, 11, 1), groups=("Evening A",))


def required(group: Group, monday: date) -> float | None:
    return required_for_week(CLIENT, [group], week_containing(monday), TZ)


def test_a_week_before_and_after_a_change_uses_the_schedule_in_force_each_day() -> None:
    group = OLD.changed(NEW)
    assert required(group, date(2026, 11, 9)) == 9.0
    assert [m.strftime("%a %H:%M") for m in group.meetings(date(2026, 11, 9), date(2026, 11, 15), TZ)] \
        == ["Mon 18:00", "Wed 18:00", "Thu 18:00"]
    week = group.meetings(date(2026, 11, 16), date(2026, 11, 22), TZ)
    assert [m.strftime("%a %H:%M") for m in week] == ["Mon 18:00", "Thu 18:30"]
    assert [group.end_of(m).strftime("%H:%M") for m in week] == ["21:00", "22:30"]
    assert required(group, date(2026, 11, 16)) == 9.0
    assert required(group, date(2026, 11, 23)) == 9.0
    assert group.on(date(2026, 11, 17)).days == (0, 2, 3)
    assert group.on(date(2026, 11, 18)).minutes == 240


def test_a_change_survives_a_round_trip_and_old_files_read_as_one_schedule() -> None:
    group = OLD.changed(NEW)
    assert Group.from_dict(group.to_dict()) == group
    assert "earlier" not in OLD.to_dict()        # a group never changed is stored as before
    assert Group.from_dict(OLD.to_dict()) == OLD


def test_a_second_change_the_same_day_replaces_it_and_an_earlier_one_is_refused() -> None:
    group = OLD.changed(NEW)
    again = group.changed(Schedule(date(2026, 11, 18), (1, 3), time(17, 0), 200))
    assert len(again.earlier) == 1 and again.start == time(17, 0)
    with pytest.raises(InputError, match="later schedule change"):
        group.changed(Schedule(date(2026, 11, 10), (4,), time(9, 0), 60))


def test_a_closure_mid_week_prorates_like_a_holiday() -> None:
    group = OLD.changed(NEW)
    closed = Group(**{**group.__dict__, "holidays": (date(2026, 12, 1),)})
    assert required(closed, date(2026, 11, 30)) == 4.5
    assert [m.date() for m in closed.meetings(date(2026, 11, 30), date(2026, 12, 6), TZ)] \
        == [date(2026, 12, 3)]


def test_an_ended_group_meets_no_more() -> None:
    ended = Group(**{**OLD.changed(NEW).__dict__, "last_day": date(2026, 12, 2)})
    assert ended.meetings(date(2026, 11, 30), date(2026, 12, 31), TZ) \
        == [datetime(2026, 12, 1, 18, 30, tzinfo=TZ)]
    assert required(ended, date(2026, 11, 30)) == 4.5
    assert required(ended, date(2026, 12, 7)) is None
    assert Group.from_dict(ended.to_dict()) == ended


def test_a_stored_history_out_of_order_is_refused() -> None:
    data = OLD.changed(NEW).to_dict()
    data["earlier"][0]["since"] = "2026-12-01"
    with pytest.raises(InputError):
        Group.from_dict(data)
