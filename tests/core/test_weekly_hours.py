"""Weekly hours against hand-worked weeks (ARCHITECTURE.md, "Hours rules").

The clinic is in America/Chicago. Its main group, "Evening", meets Mon/Wed/Thu
18:00-21:15 (195 minutes) with a plan of check-in 90, break 15, education 90:
the break runs 19:30-19:45, so a full attendance credits 195 - 15 = 180 minutes
and three meetings make exactly 9 hours (540 minutes).

Calendar: 2026-W47 is Mon 2026-11-16 .. Sun 2026-11-22 (Monday start).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.errors import InputError
from facilitator.core.hours import (
    Flag,
    OtherHours,
    WeeklyRow,
    required_for_week,
    row_sort_key,
    weekly_hours,
)
from facilitator.core.roster import Client, Group
from facilitator.core.rules import BlockKind, Status
from facilitator.core.session import (
    AttendanceEntry,
    BlockRun,
    SessionHeader,
    SessionRecord,
    SessionState,
    session_id_for,
)
from facilitator.core.weeks import MONDAY, SUNDAY, parse_week_label, week_containing

CHI = ZoneInfo("America/Chicago")
NYC = ZoneInfo("America/New_York")

EVENING = Group("Evening", days=(0, 2, 3), start=time(18), minutes=195, plan="standard")
SATURDAY = Group("Saturday", days=(5,), start=time(9), minutes=120)
SUNDAY_GROUP = Group("Sunday", days=(6,), start=time(10), minutes=180)
GROUPS = [EVENING, SATURDAY, SUNDAY_GROUP]
COUNTABLE = {"Evening": 180, "Saturday": 120, "Sunday": 180}

W47 = parse_week_label("2026-W47", MONDAY)
MON, TUE, WED, THU, FRI, SAT, SUN = W47.days


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = CHI, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz, fold=fold)


def client(cid: str, required: float = 9.0, admitted: date = date(2026, 9, 1),
           discharged: date | None = None, groups: tuple[str, ...] = ("Evening",)) -> Client:
    return Client(cid, cid.title(), "Test", "IOP", required, admitted, discharged, groups)


def entry(cid: str, status: Status = Status.PRESENT, arrived: datetime | None = None,
          left: datetime | None = None) -> AttendanceEntry:
    return AttendanceEntry(cid, status, arrived, left)


def held(group: Group, day: date, *entries: AttendanceEntry, tz: ZoneInfo = CHI,
         actual_start: datetime | None = None, actual_end: datetime | None = None,
         state: SessionState = SessionState.ENDED) -> SessionRecord:
    """A session of ``group`` on ``day``; the Evening plan has its break 90 minutes in."""
    start = datetime.combine(day, group.start, tz)
    if group.name == "Evening":
        blocks = (BlockRun(1, BlockKind.CHECK_IN, "Check-in", 90, True),
                  BlockRun(2, BlockKind.BREAK, "Break", 15, False),
                  BlockRun(3, BlockKind.EDUCATION, "Education", 90, True))
    else:
        blocks = (BlockRun(1, BlockKind.EDUCATION, "Education", group.minutes, True),)
    header = SessionHeader(session_id_for(group.name, start), group.name, day, start,
                           group.end_of(start), actual_start=actual_start,
                           actual_end=actual_end, state=state)
    return SessionRecord(header, blocks, {e.client_id: e for e in entries})


def rows_by_id(rows: list[WeeklyRow]) -> dict[str, WeeklyRow]:
    return {row.client_id: row for row in rows}


AFTER_W47 = at(date(2026, 11, 23), 9)        # Monday morning after: W47 is past


# --- required hours and proration -------------------------------------------------

def test_required_whole_week_is_the_clients_own_figure() -> None:
    assert required_for_week(client("ann", 9.0), GROUPS, W47, CHI) == 9.0
    assert required_for_week(client("bea", 12.5), GROUPS, W47, CHI) == 12.5


def test_admitted_on_wednesday_prorates_by_meetings() -> None:
    # Evening meets Mon 16, Wed 18, Thu 19 = 3 meetings; enrolled Wed..Sun holds Wed, Thu = 2.
    # 9 x 2/3 = 6.0 hours
    assert required_for_week(client("cal", admitted=WED), GROUPS, W47, CHI) == pytest.approx(6.0)


def test_discharged_mid_week_prorates_by_meetings() -> None:
    # Discharged Mon 16 (the discharge day is still enrolled): Mon = 1 of 3 -> 9 x 1/3 = 3.0
    assert required_for_week(client("dee", discharged=MON), GROUPS, W47, CHI) == pytest.approx(3.0)
    # Discharged Wed 18: Mon, Wed = 2 of 3 -> 6.0
    assert required_for_week(client("eve", discharged=WED), GROUPS, W47, CHI) == pytest.approx(6.0)


def test_two_groups_prorate_over_both_schedules() -> None:
    # Evening Mon/Wed/Thu + Saturday Sat: 4 meetings; admitted Thu 19 -> Thu, Sat = 2.
    # 12 x 2/4 = 6.0
    two = client("fay", 12.0, admitted=THU, groups=("Evening", "Saturday"))
    assert required_for_week(two, GROUPS, W47, CHI) == pytest.approx(6.0)


def test_a_holiday_prorates_by_the_share_of_the_clients_meetings_it_cancelled() -> None:
    # 2026-W48 = Mon 23 .. Sun 29 Nov; Thanksgiving Thu 26 closes the clinic.
    w48 = W47.next()
    thanksgiving = Group("Evening", (0, 2, 3), time(18), 195, holidays=(date(2026, 11, 26),))
    # Enrolled all week: a usual week has Mon, Wed, Thu = 3; the holiday leaves Mon, Wed = 2
    # -> 9 x 2/3 = 6.0 (not 9: the clinic, not the client, took the Thursday away)
    assert required_for_week(client("abe"), [thanksgiving], w48, CHI) == pytest.approx(6.0)
    admitted_wed = client("gus", admitted=date(2026, 11, 25))
    # Without the holiday: enrolled Wed, Thu = 2 of 3 -> 9 x 2/3 = 6.0
    assert required_for_week(admitted_wed, [EVENING], w48, CHI) == pytest.approx(6.0)
    # With it: Wed only = 1 of the usual 3 -> 9 x 1/3 = 3.0
    assert required_for_week(admitted_wed, [thanksgiving], w48, CHI) == pytest.approx(3.0)


def test_thanksgiving_week_2026_for_a_9_hour_iop_client_on_a_mon_wed_thu_group() -> None:
    """The hand-worked case: required 9 x 2/3 = 6.0 h; Mon and Wed attended in full
    (180 countable minutes each = 360 = 6.0 h) -> met, and the row says holiday week.
    Before the week starts (Sun 22 Nov) the same client is at risk, not below."""
    w48 = W47.next()
    mon, wed = date(2026, 11, 23), date(2026, 11, 25)
    thanksgiving = Group("Evening", (0, 2, 3), time(18), 195, plan="standard",
                         holidays=(date(2026, 11, 26),))
    sessions = [held(thanksgiving, mon, entry("iop")), held(thanksgiving, wed, entry("iop"))]
    after = at(date(2026, 11, 30), 9)
    row = weekly_hours([client("iop")], [thanksgiving], sessions, [], w48, CHI, after)[0]
    assert row.required_hours == pytest.approx(6.0)
    assert row.credited_minutes == 360 and row.flag == Flag.MET
    assert row.holiday_week and (row.closed_meetings, row.usual_meetings) == (1, 3)
    before = at(date(2026, 11, 22), 12)
    row = weekly_hours([client("iop")], [thanksgiving], [], [], w48, CHI, before, COUNTABLE)[0]
    assert row.flag == Flag.AT_RISK and row.sessions_left == 2
    # A usual week (W47) is no holiday week.
    row = weekly_hours([client("iop")], [EVENING], [], [], W47, CHI, AFTER_W47)[0]
    assert not row.holiday_week and row.required_hours == 9.0


def test_no_requirement_before_the_groups_first_meeting() -> None:
    # A client admitted in September to a group that first meets Wed 18 Nov (W47):
    # W46 has no meeting of it at all -> no requirement, no row, no flag.
    new_group = Group("Evening", (0, 2, 3), time(18), 195, first_day=WED)
    early = client("new", admitted=date(2026, 9, 1))
    assert required_for_week(early, [new_group], W47.previous(), CHI) is None
    assert weekly_hours([early], [new_group], [], [], W47.previous(), CHI, AFTER_W47) == []
    # W47: Wed, Thu of the usual Mon, Wed, Thu -> 9 x 2/3 = 6.0
    assert required_for_week(early, [new_group], W47, CHI) == pytest.approx(6.0)


def test_no_schedule_prorates_by_enrolled_days() -> None:
    # No groups at all; admitted Fri 20: Fri, Sat, Sun = 3 of 7 days -> 7 x 3/7 = 3.0
    solo = client("hal", 7.0, admitted=FRI, groups=())
    assert required_for_week(solo, GROUPS, W47, CHI) == pytest.approx(3.0)
    # A group whose only meeting that week falls on a holiday, the client discharged Tue 17:
    # no meeting was offered on an enrolled day -> 7 x 0/1 = 0 (nothing they could attend).
    off = Group("Saturday", (5,), time(9), 120, holidays=(SAT,))
    gone = client("ida", 7.0, discharged=TUE, groups=("Saturday",))
    assert required_for_week(gone, [off], W47, CHI) == pytest.approx(0.0)


def test_unknown_group_names_count_as_no_schedule() -> None:
    # Admitted Sun 22: 1 of 7 days -> 7 x 1/7 = 1.0
    lost = client("jay", 7.0, admitted=SUN, groups=("Renamed",))
    assert required_for_week(lost, GROUPS, W47, CHI) == pytest.approx(1.0)


def test_not_enrolled_that_week_is_none() -> None:
    assert required_for_week(client("kim", discharged=date(2026, 11, 15)), GROUPS, W47, CHI) is None
    assert required_for_week(client("lee", admitted=date(2026, 11, 23)), GROUPS, W47, CHI) is None


def test_clients_not_enrolled_are_left_out_of_the_view() -> None:
    clients = [client("ann"), client("kim", discharged=date(2026, 11, 15)),
               client("lee", admitted=date(2026, 11, 23))]
    rows = weekly_hours(clients, GROUPS, [], [], W47, CHI, AFTER_W47, COUNTABLE)
    assert [r.client_id for r in rows] == ["ann"]


# --- a past week: credited minutes, met or below -----------------------------------

def test_past_week_late_left_early_telehealth_excused() -> None:
    sessions = [
        # Mon: ann present 180; bob late 18:40 -> 18:40-21:15 = 155 - break 15 = 140
        held(EVENING, MON, entry("ann"), entry("bob", Status.LATE, at(MON, 18, 40))),
        # Wed: ann present 180; bob left early 20:00 -> 18:00-20:00 = 120 - break 15 = 105
        held(EVENING, WED, entry("ann"), entry("bob", Status.LEFT_EARLY, left=at(WED, 20))),
        # Thu: ann telehealth 180; bob excused 0; cat absent 0
        held(EVENING, THU, entry("ann", Status.TELEHEALTH), entry("bob", Status.EXCUSED),
             entry("cat", Status.ABSENT)),
    ]
    rows = rows_by_id(weekly_hours([client("ann"), client("bob"), client("cat")], GROUPS,
                                   sessions, [], W47, CHI, AFTER_W47, COUNTABLE))
    ann, bob, cat = rows["ann"], rows["bob"], rows["cat"]
    # ann: 180 + 180 + 180 = 540 >= 540 -> met
    assert ann.credited_minutes == 540 and ann.flag == Flag.MET and ann.hours_needed == 0
    assert ann.sessions_attended == 3 and (ann.absent, ann.excused) == (0, 0)
    assert ann.minutes_by_day == {MON: 180, TUE: 0, WED: 180, THU: 180, FRI: 0, SAT: 0, SUN: 0}
    # bob: 140 + 105 + 0 = 245; needs (540 - 245) / 60 = 295/60 h; past week -> below
    assert bob.credited_minutes == 245 and bob.flag == Flag.BELOW
    assert bob.hours_needed == pytest.approx(295 / 60)
    assert bob.sessions_attended == 2 and (bob.absent, bob.excused) == (0, 1)
    assert bob.minutes_by_day[MON] == 140 and bob.minutes_by_day[WED] == 105
    # cat: no credit at all, one absence, and no record at the other sessions
    assert cat.credited_minutes == 0 and cat.flag == Flag.BELOW
    assert (cat.absent, cat.excused, cat.sessions_attended) == (1, 0, 0)
    # nothing is left in a past week
    assert all(r.sessions_left == 0 and r.potential_minutes == 0 for r in rows.values())


def test_break_that_ran_late_on_the_clock() -> None:
    # The agenda ran on the clock: the break really ran 19:40-20:05 (25 minutes).
    # ann in the room 18:00-21:15 = 195 - 25 = 170.
    record = held(EVENING, MON, entry("ann"))
    blocks = (BlockRun(1, BlockKind.CHECK_IN, "Check-in", 90, True, at(MON, 18), at(MON, 19, 40)),
              BlockRun(2, BlockKind.BREAK, "Break", 15, False, at(MON, 19, 40), at(MON, 20, 5)),
              BlockRun(3, BlockKind.EDUCATION, "Education", 90, True, at(MON, 20, 5), at(MON, 21, 15)))
    record = SessionRecord(record.header, blocks, record.attendance)
    [row] = weekly_hours([client("ann")], GROUPS, [record], [], W47, CHI, AFTER_W47, COUNTABLE)
    assert row.credited_minutes == 170


def test_other_hours_count_toward_the_week() -> None:
    # Mon + Wed sessions = 360; individual Tue 60; family Fri 45 -> 465.
    # Other hours outside the week (Sun 15th) or for someone else do not count.
    sessions = [held(EVENING, MON, entry("ann")), held(EVENING, WED, entry("ann"))]
    other = [OtherHours("ann", TUE, 60, "individual"), OtherHours("ann", FRI, 45, "family"),
             OtherHours("ann", date(2026, 11, 15), 90, "individual"),
             OtherHours("bob", TUE, 60, "individual")]
    [row] = weekly_hours([client("ann")], GROUPS, sessions, other, W47, CHI, AFTER_W47, COUNTABLE)
    assert row.credited_minutes == 465 and row.other_minutes == 105
    assert row.minutes_by_day[TUE] == 60 and row.minutes_by_day[FRI] == 45
    # 465 < 540 -> below by 75 minutes = 1.25 h
    assert row.flag == Flag.BELOW and row.hours_needed == pytest.approx(1.25)
    # plus a 75-minute individual session on Sat reaches 540 exactly -> met
    other.append(OtherHours("ann", SAT, 75, "individual"))
    [row] = weekly_hours([client("ann")], GROUPS, sessions, other, W47, CHI, AFTER_W47, COUNTABLE)
    assert row.credited_minutes == 540 and row.flag == Flag.MET


@pytest.mark.parametrize("kwargs", [dict(kind="group"), dict(minutes=0), dict(minutes=-5),
                                    dict(minutes=24 * 60 + 1), dict(client_id="")])
def test_other_hours_are_checked(kwargs: dict) -> None:
    fields = dict(client_id="ann", day=TUE, minutes=60, kind="individual") | kwargs
    with pytest.raises(InputError):
        OtherHours(**fields)


def test_admitted_wednesday_meets_the_prorated_figure() -> None:
    # required 6.0 h = 360 (see above); Wed 180 + Thu 180 = 360 -> met
    sessions = [held(EVENING, WED, entry("cal")), held(EVENING, THU, entry("cal"))]
    [row] = weekly_hours([client("cal", admitted=WED)], GROUPS, sessions, [], W47, CHI,
                         AFTER_W47, COUNTABLE)
    assert row.required_hours == pytest.approx(6.0)
    assert row.credited_minutes == 360 and row.flag == Flag.MET


def test_discharged_mid_week_meets_with_one_session() -> None:
    # discharged Mon: required 3.0 h = 180; Mon 180 -> met
    [row] = weekly_hours([client("dee", discharged=MON)], GROUPS,
                         [held(EVENING, MON, entry("dee"))], [], W47, CHI, AFTER_W47, COUNTABLE)
    assert row.required_hours == pytest.approx(3.0) and row.flag == Flag.MET


def test_client_in_two_groups_and_a_visit_to_a_third() -> None:
    # fay: Evening + Saturday, 12 h = 720. Mon 180 + Wed 180 + Thu 180 + Sat 120 = 660,
    # plus she sat in on the Sunday group 10:00-13:00 (no break) = 180 -> 840 >= 720 met.
    fay = client("fay", 12.0, groups=("Evening", "Saturday"))
    sessions = [held(EVENING, d, entry("fay")) for d in (MON, WED, THU)]
    sessions += [held(SATURDAY, SAT, entry("fay")), held(SUNDAY_GROUP, SUN, entry("fay"))]
    [row] = weekly_hours([fay], GROUPS, sessions, [], W47, CHI, AFTER_W47, COUNTABLE)
    assert row.credited_minutes == 840 and row.sessions_attended == 5 and row.flag == Flag.MET
    assert row.minutes_by_day[SAT] == 120 and row.minutes_by_day[SUN] == 180


def test_sunday_session_in_monday_and_sunday_start_weeks() -> None:
    # Sunday group on Sun 2026-11-22, 10:00-13:00, ann present = 180.
    record = held(SUNDAY_GROUP, SUN, entry("ann"))
    ann = client("ann", 3.0, groups=("Sunday",))
    after = at(date(2026, 12, 1), 9)
    # Monday start: Sun 22 closes Mon 16 .. Sun 22 (2026-W47) -> counted.
    [row] = weekly_hours([ann], GROUPS, [record], [], W47, CHI, after, COUNTABLE)
    assert row.credited_minutes == 180 and row.minutes_by_day[SUN] == 180
    # Sunday start: Sun 22 opens Sun 22 .. Sat 28 (labelled 2026-W48) -> counted there ...
    opens = week_containing(SUN, SUNDAY)
    assert (opens.first, opens.label) == (SUN, "2026-W48")
    [row] = weekly_hours([ann], GROUPS, [record], [], opens, CHI, after, COUNTABLE)
    assert row.credited_minutes == 180 and list(row.minutes_by_day)[0] == SUN
    # ... and not in Sun 15 .. Sat 21 (2026-W47 for a Sunday-start clinic).
    before = parse_week_label("2026-W47", SUNDAY)
    [row] = weekly_hours([ann], GROUPS, [record], [], before, CHI, after, COUNTABLE)
    assert row.credited_minutes == 0


def test_week_crossing_a_month() -> None:
    # 2026-W49 = Mon 30 Nov .. Sun 6 Dec. ann discharged Tue 1 Dec:
    # meetings Mon 30, Wed 2, Thu 3 = 3; enrolled Mon 30 = 1 -> 9 x 1/3 = 3.0 h = 180.
    w49 = parse_week_label("2026-W49", MONDAY)
    mon30, dec3 = date(2026, 11, 30), date(2026, 12, 3)
    # ann present Mon 30 = 180 -> met; bob Mon 30 (late 19:00: 135 - 15 = 120) + Thu 3 Dec 180 = 300
    sessions = [held(EVENING, mon30, entry("ann"), entry("bob", Status.LATE, at(mon30, 19))),
                held(EVENING, dec3, entry("bob"))]
    rows = rows_by_id(weekly_hours([client("ann", discharged=date(2026, 12, 1)), client("bob")],
                                   GROUPS, sessions, [], w49, CHI, at(date(2026, 12, 7), 9), COUNTABLE))
    assert rows["ann"].required_hours == pytest.approx(3.0) and rows["ann"].flag == Flag.MET
    assert rows["bob"].credited_minutes == 300
    assert rows["bob"].minutes_by_day[mon30] == 120 and rows["bob"].minutes_by_day[dec3] == 180


def test_fall_back_week_counts_real_minutes() -> None:
    # 2026-11-01 (Sunday): Chicago clocks go from 02:00 CDT back to 01:00 CST.
    # A "Night" group meets Sundays 00:30 for 180 minutes: 00:30 CDT = 05:30 UTC,
    # so it ends 08:30 UTC = 02:30 CST (wall clock shows only 2 hours, 180 really pass).
    night = Group("Night", (6,), time(0, 30), 180)
    w44 = week_containing(date(2026, 11, 1), MONDAY)            # Mon 26 Oct .. Sun 1 Nov
    assert w44.label == "2026-W44"
    [meeting] = night.meetings(w44.first, w44.last, CHI)
    assert night.end_of(meeting) == at(date(2026, 11, 1), 2, 30, fold=1)
    sun1 = date(2026, 11, 1)
    # ann in the room throughout = 180; bob arrived at the second 01:30 (CST = 07:30 UTC)
    # -> 07:30 .. 08:30 UTC = 60; cat (telehealth) left at the first 01:30 (CDT = 06:30 UTC)
    # -> 05:30 .. 06:30 UTC = 60.
    record = held(night, sun1, entry("ann"), entry("bob", Status.LATE, at(sun1, 1, 30, fold=1)),
                  entry("cat", Status.TELEHEALTH, left=at(sun1, 1, 30, fold=0)))
    people = [client(c, 3.0, groups=("Night",)) for c in ("ann", "bob", "cat")]
    rows = rows_by_id(weekly_hours(people, [night], [record], [], w44, CHI,
                                   at(date(2026, 11, 2), 9), {"Night": 180}))
    assert rows["ann"].credited_minutes == 180 and rows["ann"].flag == Flag.MET
    assert rows["bob"].credited_minutes == 60 and rows["cat"].credited_minutes == 60
    # the same session run from 00:30 CDT to 03:30 CST on the clock is 240 real minutes
    long = held(night, sun1, entry("ann"), actual_start=at(sun1, 0, 30),
                actual_end=at(sun1, 3, 30, fold=1))
    [row] = weekly_hours(people[:1], [night], [long], [], w44, CHI, at(date(2026, 11, 2), 9))
    assert row.credited_minutes == 240


def test_evening_group_across_the_fall_back_is_still_three_meetings() -> None:
    # New York clinic, week Mon 26 Oct .. Sun 1 Nov and the next: 18:00 stays 18:00 local.
    w44 = week_containing(date(2026, 10, 28), MONDAY)
    assert [m.hour for m in EVENING.meetings(w44.first, w44.next().last, NYC)] == [18] * 6
    # Mon 2 Nov 18:00 EST is 23:00 UTC (it was 22:00 UTC the week before)
    sessions = [held(EVENING, d, entry("ann"), tz=NYC) for d in w44.next().days if d.weekday() in (0, 2, 3)]
    [row] = weekly_hours([client("ann")], GROUPS, sessions, [], w44.next(), NYC,
                         at(date(2026, 11, 9), 9, tz=NYC), COUNTABLE)
    assert row.credited_minutes == 540 and row.flag == Flag.MET


# --- the current week: met, at-risk, below ----------------------------------------

WED_NOON = at(WED, 12)        # Mon's session is over; Wed and Thu are still to come


def test_current_week_flags() -> None:
    # Remaining: Wed and Thu, 180 countable each -> potential 360.
    mon = held(EVENING, MON, entry("ann"), entry("bob", Status.LATE, at(MON, 18, 40)),
               entry("cy"), entry("dot"), entry("eli", Status.ABSENT))
    clients = [client("ann"), client("bob"), client("cy"), client("dot", 3.0), client("eli")]
    other = [OtherHours("cy", TUE, 60, "individual")]
    rows = rows_by_id(weekly_hours(clients, GROUPS, [mon], other, W47, CHI, WED_NOON, COUNTABLE))
    # ann: 180 now; 180 + 360 = 540 >= 540 -> at-risk, needs 6 h, 2 sessions left
    assert rows["ann"].flag == Flag.AT_RISK and rows["ann"].hours_needed == pytest.approx(6.0)
    assert (rows["ann"].sessions_left, rows["ann"].potential_minutes) == (2, 360)
    # bob: late Monday 140; 140 + 360 = 500 < 540 -> below already
    assert rows["bob"].flag == Flag.BELOW
    # cy: 180 + individual 60 = 240; 240 + 360 = 600 -> at-risk, needs 5 h
    assert rows["cy"].flag == Flag.AT_RISK and rows["cy"].hours_needed == pytest.approx(5.0)
    # dot: stepped down to 3 h; 180 >= 180 -> met
    assert rows["dot"].flag == Flag.MET
    # eli: absent Monday; 0 + 360 < 540 -> below
    assert rows["eli"].flag == Flag.BELOW and rows["eli"].absent == 1
    # sorted for the weekly view: below (largest shortfall first), at-risk, met
    order = [r.client_id for r in sorted(rows.values(), key=row_sort_key)]
    assert order == ["eli", "bob", "ann", "cy", "dot"]


def test_same_week_once_past_is_only_met_or_below() -> None:
    mon = held(EVENING, MON, entry("ann"))
    [row] = weekly_hours([client("ann")], GROUPS, [mon], [], W47, CHI, AFTER_W47, COUNTABLE)
    assert row.flag == Flag.BELOW and row.sessions_left == 0


def test_excused_in_advance_removes_a_remaining_session() -> None:
    # ann gave notice for Thursday: that record exists before it starts, excused.
    # Potential is Wed only: 180 + 180 = 360 < 540 -> below.
    records = [held(EVENING, MON, entry("ann")),
               held(EVENING, THU, entry("ann", Status.EXCUSED), state=SessionState.RUNNING)]
    [row] = weekly_hours([client("ann")], GROUPS, records, [], W47, CHI, WED_NOON, COUNTABLE)
    assert (row.sessions_left, row.potential_minutes, row.excused) == (1, 180, 1)
    assert row.flag == Flag.BELOW


def test_a_running_session_credits_up_to_now() -> None:
    # Wed 19:00; Wed's session started 18:05 and is running, ann present.
    # Blocks laid from 18:05: break 19:35-19:50. Credited so far 18:05-19:00 = 55.
    # The rest of Wed: 19:00-21:15 = 135 - 15 = 120; Thu 180 -> potential 300.
    # 180 (Mon) + 55 = 235; 235 + 300 = 535 < 540 -> below (the late start cost 5 minutes).
    records = [held(EVENING, MON, entry("ann"), entry("bo")),
               held(EVENING, WED, entry("ann"), actual_start=at(WED, 18, 5),
                    state=SessionState.RUNNING)]
    clients = [client("ann"), client("bo", 8.0)]
    rows = rows_by_id(weekly_hours(clients, GROUPS, records, [], W47, CHI, at(WED, 19), COUNTABLE))
    ann = rows["ann"]
    assert ann.credited_minutes == 235 and ann.minutes_by_day[WED] == 55
    assert (ann.potential_minutes, ann.sessions_left) == (300, 1)
    assert ann.flag == Flag.BELOW
    # bo is not on Wednesday's list yet (may still walk in): same potential 300 from 19:00;
    # 8 h = 480: 180 + 300 = 480 -> at-risk
    assert rows["bo"].potential_minutes == 300 and rows["bo"].flag == Flag.AT_RISK


def test_future_week_is_like_current_with_nothing_credited() -> None:
    # Looking at 2026-W48 on Fri 13 Nov: Evening Mon/Wed/Thu, Thanksgiving Thu 26 removed.
    w48 = W47.next()
    thanksgiving = Group("Evening", (0, 2, 3), time(18), 195, holidays=(date(2026, 11, 26),))
    now = at(date(2026, 11, 13), 12)
    rows = rows_by_id(weekly_hours([client("ann", 6.0), client("bob")], [thanksgiving], [], [],
                                   w48, CHI, now, COUNTABLE))
    # ann 6 h: 2 meetings x 180 = 360 >= 360 -> at-risk (reachable)
    assert rows["ann"].flag == Flag.AT_RISK and rows["ann"].sessions_left == 2
    # bob 9 h, prorated by the holiday to 9 x 2/3 = 6 h: 360 >= 360 -> at risk, not below
    # before the week begins (the issue: every IOP client was flagged below on Thanksgiving)
    assert rows["bob"].flag == Flag.AT_RISK and rows["bob"].hours_needed == pytest.approx(6.0)
    assert rows["bob"].holiday_week


def test_remaining_meetings_respect_enrollment() -> None:
    # Discharged Wed 18: Thursday is not hers. Required 6 h = 360 (Mon, Wed of 3).
    # Mon 180 + remaining Wed 180 = 360 -> at-risk; 1 session left.
    [row] = weekly_hours([client("eve", discharged=WED)], GROUPS,
                         [held(EVENING, MON, entry("eve"))], [], W47, CHI, WED_NOON, COUNTABLE)
    assert (row.sessions_left, row.potential_minutes, row.flag) == (1, 180, Flag.AT_RISK)


def test_capacity_as_a_callable_and_by_default() -> None:
    mon = held(EVENING, MON, entry("ann"))
    # callable: meeting length minus the plan's 15-minute break = 180 -> at-risk
    [row] = weekly_hours([client("ann")], GROUPS, [mon], [], W47, CHI, WED_NOON,
                         lambda group: group.minutes - 15)
    assert row.potential_minutes == 360 and row.flag == Flag.AT_RISK
    # no capacity given: the whole meeting length, 195 each
    [row] = weekly_hours([client("ann")], GROUPS, [mon], [], W47, CHI, WED_NOON)
    assert row.potential_minutes == 390
    # a plan with more breaks: 150 countable each -> 180 + 300 = 480 < 540 -> below
    [row] = weekly_hours([client("ann")], GROUPS, [mon], [], W47, CHI, WED_NOON, {"Evening": 150})
    assert row.flag == Flag.BELOW


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        weekly_hours([client("ann")], GROUPS, [], [], W47, CHI, datetime(2026, 11, 18, 12))


def test_rows_carry_the_week_and_hours() -> None:
    [row] = weekly_hours([client("ann")], GROUPS, [held(EVENING, MON, entry("ann"))], [], W47,
                         CHI, WED_NOON - timedelta(days=1), COUNTABLE)
    assert row.credited_hours == pytest.approx(3.0)
    assert row.shortfall_minutes == pytest.approx(360)


def test_planned_break_across_the_fall_back_is_laid_out_in_real_minutes() -> None:
    # Never-run agenda from 00:30 CDT (05:30 UTC): 120 countable, break 15, 45 countable.
    # The break starts 120 real minutes in: 07:30 UTC = the second 01:30 (CST), not 02:30.
    sun1 = date(2026, 11, 1)
    night = Group("Night", (6,), time(0, 30), 180)
    start = at(sun1, 0, 30)
    header = SessionHeader("n", "Night", sun1, start, night.end_of(start), state=SessionState.ENDED)
    blocks = (BlockRun(1, BlockKind.CHECK_IN, "Check-in", 120, True),
              BlockRun(2, BlockKind.BREAK, "Break", 15, False),
              BlockRun(3, BlockKind.WRAP_UP, "Wrap-up", 45, True))
    record = SessionRecord(header, blocks, {"ann": entry("ann")})
    [(a, b)] = record.noncountable_spans()
    utc = ZoneInfo("UTC")
    assert (a.astimezone(utc).hour, a.astimezone(utc).minute) == (7, 30)
    assert b.astimezone(utc) - a.astimezone(utc) == timedelta(minutes=15)
    # ann present throughout: 180 - 15 = 165
    [row] = weekly_hours([client("ann", 3.0, groups=("Night",))], [night], [record], [],
                         week_containing(sun1, MONDAY), CHI, at(date(2026, 11, 2), 9))
    assert row.credited_minutes == 165
