"""The one rule that names an attendance by its times: late, left early or present.

Hand-worked on the evening group, scheduled 18:00-21:00 (Chicago). The issue's case: T
typed 19:38 as the departure left the client "present →19:38", while e at 19:40 gave
"left early →19:40".
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


RUNNING = held_span(header(actual_start=at(18, 0, 40)))
ENDED = held_span(header(actual_start=at(18, 0, 40), actual_end=at(21, 0, 30), state=SessionState.ENDED))


def rule(status: Status, arrived=None, left=None, span=RUNNING) -> Status:
    return status_by_times(status, arrived, left, start=span[0], end=span[1])


def test_the_span_is_the_session_as_held_to_the_minute_with_no_end_while_it_runs() -> None:
    assert RUNNING == (at(18), None)
    assert ENDED == (at(18), at(21))
    assert held_span(header()) == (at(18), None)            # not started: the scheduled start
    early = header(actual_start=at(17, 58, 10), actual_end=at(20, 45, 59), state=SessionState.ENDED)
    assert held_span(early) == (at(17, 58), at(20, 45))


def test_a_departure_before_the_end_is_left_early_whatever_the_key() -> None:
    assert rule(Status.PRESENT, left=at(19, 38)) is Status.LEFT_EARLY      # T typed 19:38
    assert rule(Status.LEFT_EARLY, left=at(19, 40)) is Status.LEFT_EARLY   # e at 19:40
    assert rule(Status.PRESENT, left=at(19, 38), span=ENDED) is Status.LEFT_EARLY


def test_while_it_runs_every_departure_is_before_the_end() -> None:
    # past the scheduled end, the group still under way: leaving at 21:05 is leaving early
    assert rule(Status.PRESENT, left=at(21, 5)) is Status.LEFT_EARLY


def test_an_arrival_after_the_start_is_late_whatever_the_key() -> None:
    assert rule(Status.PRESENT, arrived=at(18, 12)) is Status.LATE
    assert rule(Status.LATE, arrived=at(18, 12)) is Status.LATE


def test_in_the_start_or_end_minute_itself_the_mark_stands() -> None:
    assert rule(Status.LATE, arrived=at(18, 0)) is Status.LATE             # l at 18:00:50
    assert rule(Status.PRESENT, arrived=at(18, 0)) is Status.PRESENT       # typed 6:00p
    assert rule(Status.LEFT_EARLY, left=at(21, 0), span=ENDED) is Status.LEFT_EARLY
    assert rule(Status.PRESENT, left=at(21, 0), span=ENDED) is Status.PRESENT
    assert rule(Status.PRESENT) is Status.PRESENT


def test_late_and_left_early_is_left_early_with_its_arrival_kept() -> None:
    assert rule(Status.LATE, arrived=at(18, 12), left=at(20, 0)) is Status.LEFT_EARLY
    # once ended, the departure corrected to the end: late again
    assert rule(Status.LEFT_EARLY, arrived=at(18, 12), left=at(21, 0), span=ENDED) is Status.LEFT_EARLY
    assert rule(Status.PRESENT, arrived=at(18, 12), left=at(21, 0), span=ENDED) is Status.LATE


def test_an_arrival_after_an_early_start_is_late() -> None:
    """The session as held: started at 17:58, a client in at 17:59 came after the start."""
    span = held_span(header(actual_start=at(17, 58, 5)))
    assert rule(Status.PRESENT, arrived=at(17, 59), span=span) is Status.LATE


def test_absent_excused_and_telehealth_are_not_renamed_by_times() -> None:
    for status in (Status.ABSENT, Status.EXCUSED):
        assert rule(status) is status
    assert rule(Status.TELEHEALTH, arrived=at(18, 30), left=at(20)) is Status.TELEHEALTH
