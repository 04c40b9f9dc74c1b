"""The one rule that names an attendance by its times: late, left early or present.

Hand-worked on the evening group, scheduled 18:00-21:00 (Chicago). Every case is the
issue's: T typed 19:38 as the departure left the client "present →19:38", while e at 19:40
gave "left early →19:40".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from facilitator.core.rules import Status
from facilitator.core.session import SessionHeader, SessionState, held_span, status_by_times

CHI = ZoneInfo("America/Chicago")


def at(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, 11, 23, hh, mm, ss, tzinfo=CHI)


def header(**changes) -> SessionHeader:
    base = SessionHeader(session_id="s", group="Evening IOP", day=date(2026, 11, 23),
                         scheduled_start=at(18), scheduled_end=at(21))
    return base.with_changes(**changes)


SPAN = held_span(header())


def rule(status: Status, arrived=None, left=None, span=SPAN) -> Status:
    return status_by_times(status, arrived, left, start=span[0], end=span[1])


def test_a_departure_before_the_end_is_left_early_whatever_the_key() -> None:
    assert rule(Status.PRESENT, left=at(19, 38)) is Status.LEFT_EARLY      # T typed 19:38
    assert rule(Status.LEFT_EARLY, left=at(19, 40)) is Status.LEFT_EARLY   # e at 19:40


def test_an_arrival_after_the_start_is_late_whatever_the_key() -> None:
    assert rule(Status.PRESENT, arrived=at(18, 12)) is Status.LATE
    assert rule(Status.LATE, arrived=at(18, 12)) is Status.LATE


def test_at_the_start_or_the_end_to_the_minute_is_present() -> None:
    assert rule(Status.LATE, arrived=at(18, 0)) is Status.PRESENT
    assert rule(Status.LEFT_EARLY, left=at(21, 0)) is Status.PRESENT
    assert rule(Status.PRESENT) is Status.PRESENT


def test_late_and_left_early_is_left_early_with_its_arrival_kept() -> None:
    assert rule(Status.LATE, arrived=at(18, 12), left=at(20, 0)) is Status.LEFT_EARLY
    # the departure corrected to the end: late again
    assert rule(Status.LEFT_EARLY, arrived=at(18, 12), left=at(21, 0)) is Status.LATE


def test_absent_excused_and_telehealth_are_not_renamed_by_times() -> None:
    for status in (Status.ABSENT, Status.EXCUSED):
        assert rule(status) is status
    assert rule(Status.TELEHEALTH, arrived=at(18, 30), left=at(20)) is Status.TELEHEALTH


def test_the_span_a_client_is_held_to_is_the_later_start_and_the_earlier_end() -> None:
    # started 10 minutes late, ended 15 minutes early
    span = held_span(header(actual_start=at(18, 10, 40), actual_end=at(20, 45, 30),
                            state=SessionState.ENDED))
    assert span == (at(18, 10), at(20, 45))          # to the minute, as times are kept
    assert rule(Status.LATE, arrived=at(18, 10), span=span) is Status.PRESENT
    assert rule(Status.LEFT_EARLY, left=at(20, 45), span=span) is Status.PRESENT
    assert rule(Status.PRESENT, left=at(20, 44), span=span) is Status.LEFT_EARLY
    # opened early at 17:50 and running over to 21:20: the scheduled times hold
    span = held_span(header(actual_start=at(17, 50), actual_end=at(21, 20), state=SessionState.ENDED))
    assert span == (at(18), at(21))
    assert rule(Status.LATE, arrived=at(17, 55), span=span) is Status.PRESENT
    assert rule(Status.LEFT_EARLY, left=at(21, 10), span=span) is Status.PRESENT
