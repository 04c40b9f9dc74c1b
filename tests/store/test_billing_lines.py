"""Claim lines from parts of a day (store.reports._claim_line), for cases the CLI cannot make."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from facilitator.core.clinic import ClinicSettings, Staff
from facilitator.core.roster import Client
from facilitator.core.rules import Role
from facilitator.store.datadir import ClinicSnapshot
from facilitator.store.reports import _claim_line, _Part

CHI = ZoneInfo("America/Chicago")
DAY = date(2026, 11, 16)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 16, hour, minute, tzinfo=CHI)


def snapshot(level: str) -> ClinicSnapshot:
    levels = {"IOP": 9.0, "PHP": 20.0, "OP": 0.0, "IOP-adolescent": 6.0, "Detox": 0.0}
    settings = ClinicSettings(name="Invented Clinic", timezone="America/Chicago", levels_of_care=levels)
    client = Client("X1", "Invented", "Person", level, 0.0, date(2026, 11, 1))
    staff = {"c1": Staff("c1", "Casey Counselor", Role.COUNSELOR), "c2": Staff("c2", "Robin Other", Role.COUNSELOR)}
    return ClinicSnapshot(settings, staff, {"X1": client}, {})


def test_a_level_with_no_billing_code_is_listed_and_not_billable() -> None:
    line = _claim_line(DAY, "X1", [_Part("Evening A", at(18), at(21), 240, ("c1",), False, True)], snapshot("Detox"))
    assert (line.service, line.units, line.billable, line.minutes, line.minimum_minutes) == ("", 0, False, 240, 0)


def test_the_rendering_clinician_is_of_the_longest_session_and_the_earliest_on_a_tie() -> None:
    longer = [_Part("Day C", at(9), at(10), 60, ("c1",), False, True),
              _Part("Evening A", at(18), at(21), 170, ("c2", "c1"), False, True)]
    line = _claim_line(DAY, "X1", longer, snapshot("IOP"))
    assert (line.rendering_staff, line.rendering_name, line.minutes, line.units) == ("c2", "Robin Other", 230, 1)
    tie = [_Part("Evening A", at(18), at(19, 30), 90, ("c2",), False, True),
           _Part("Day C", at(9), at(10, 30), 90, ("c1",), False, True)]
    assert _claim_line(DAY, "X1", tie, snapshot("IOP")).rendering_staff == "c1"


def test_a_session_with_no_facilitator_or_an_unknown_one_leaves_the_name_empty() -> None:
    line = _claim_line(DAY, "X1", [_Part("A", at(18), at(21), 180, (), False, False)], snapshot("IOP"))
    assert (line.rendering_staff, line.rendering_name) == ("", "")
    gone = _claim_line(DAY, "X1", [_Part("A", at(18), at(21), 180, ("left1",), False, False)], snapshot("IOP"))
    assert (gone.rendering_staff, gone.rendering_name) == ("left1", "")


def test_a_day_partly_by_telehealth_is_at_the_clinic_and_one_unsigned_note_makes_it_unsigned() -> None:
    parts = [_Part("Day C", at(9), at(12), 180, ("c1",), True, True),
             _Part("Day C2", at(12), at(13), 60, ("c1",), False, False)]
    line = _claim_line(DAY, "X1", parts, snapshot("PHP"))
    assert (line.telehealth, line.place_of_service, line.modifier, line.note_signed, line.units) == (
        False, "57", "", False, 1)
