"""The strict reader's core: every stored shape's from_dict checks each field.

Hand-worked cases from the security review (issue 12): a timezone-less `arrived`, a
client id written as a number, an unknown status; and the other ways a field can be
wrong. Each is refused with an InputError naming the field and never the value."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.clinic import ClinicSettings, Staff
from facilitator.core.errors import InputError
from facilitator.core.hours import OtherHours
from facilitator.core.notes import Note
from facilitator.core.roster import Client, Group
from facilitator.core.rules import BlockKind, Status
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO)

ATTENDANCE = AttendanceEntry("Q001", Status.PRESENT, arrived=START, left=START.replace(hour=21)).to_dict()
HEADER = SessionHeader("2026-11-23-1800-evening-a", "Evening A", date(2026, 11, 23), START,
                       START.replace(hour=21)).to_dict()
BLOCK = BlockRun(0, BlockKind.CHECK_IN, "Check-in", 20, True, started_at=START).to_dict()
CLIENT = Client("Q001", "Avery", "Inventedname", "IOP", 9.0, date(2026, 11, 1)).to_dict()
GROUP = Group("Evening A", (0, 2), time(18), 180).to_dict()
HOURS = OtherHours("Q001", date(2026, 11, 24), 60, "individual").to_dict()
NOTE = Note("2026-11-23-1800-evening-a", "Q001", "Invented note text.", "counselor1", START).to_dict()


def refused(shape, doc: dict, field: str) -> str:
    with pytest.raises(InputError) as caught:
        shape.from_dict(doc)
    assert caught.value.field == field, caught.value
    return str(caught.value)


def test_valid_documents_read_back() -> None:
    assert AttendanceEntry.from_dict(ATTENDANCE).arrived == START
    assert SessionHeader.from_dict(HEADER).scheduled_start == START
    assert BlockRun.from_dict(BLOCK).started_at == START
    assert Client.from_dict(CLIENT).client_id == "Q001"
    assert Group.from_dict(GROUP).minutes == 180
    assert OtherHours.from_dict(HOURS).minutes == 60
    assert Note.from_dict(NOTE).body == "Invented note text."


def test_a_time_without_a_time_zone_is_refused() -> None:
    message = refused(AttendanceEntry, dict(ATTENDANCE, arrived="2026-11-23T18:05:00"), "arrived")
    assert "without a time zone" in message and "18:05" not in message
    refused(SessionHeader, dict(HEADER, actual_start="2026-11-23T18:00:00"), "actual_start")
    refused(BlockRun, dict(BLOCK, ended_at="2026-11-23T18:20:00"), "ended_at")
    refused(BlockRun, dict(BLOCK, pauses=[["2026-11-23T18:05:00", None]]), "pauses")
    refused(Note, dict(NOTE, drafted_at="2026-11-23T19:00:00"), "drafted_at")


def test_a_naive_time_is_refused_before_it_is_written() -> None:
    with pytest.raises(InputError, match="arrived"):
        AttendanceEntry("Q001", Status.PRESENT, arrived=datetime(2026, 11, 23, 18, 5))
    with pytest.raises(InputError, match="scheduled_start"):
        SessionHeader("x", "Evening A", date(2026, 11, 23), datetime(2026, 11, 23, 18), START)


def test_a_client_id_written_as_a_number_is_refused() -> None:
    assert "1017" not in refused(AttendanceEntry, dict(ATTENDANCE, client_id=1017), "client_id")
    refused(OtherHours, dict(HOURS, client_id=1017), "client_id")
    refused(Client, dict(CLIENT, client_id=1017), "client_id")
    refused(Note, dict(NOTE, client_id=["Q001"]), "client_id")
    refused(AttendanceEntry, dict(ATTENDANCE, client_id="Q 001\n"), "client_id")


def test_unknown_statuses_kinds_and_roles_are_refused() -> None:
    assert "present" in refused(AttendanceEntry, dict(ATTENDANCE, status="asleep"), "status")
    refused(BlockRun, dict(BLOCK, kind="nap"), "kind")
    refused(SessionHeader, dict(HEADER, state="paused-forever"), "state")
    refused(Staff, {"user": "counselor1", "display_name": "Test", "role": "root"}, "role")


@pytest.mark.parametrize("field, value", [
    ("minutes", "sixty"), ("minutes", True), ("minutes", 0), ("minutes", 10_000), ("day", "2026-11"),
    ("day", "9999-12-27"), ("day", 20261124)])
def test_hours_entries_field_by_field(field: str, value: object) -> None:
    refused(OtherHours, dict(HOURS, **{field: value}), field)


@pytest.mark.parametrize("field, value", [
    ("required_hours", "9"), ("required_hours", 500), ("admitted", "1850-01-01"),
    ("admitted", None), ("groups", "Evening A"), ("groups", [1]), ("first_name", 5)])
def test_clients_field_by_field(field: str, value: object) -> None:
    refused(Client, dict(CLIENT, **{field: value}), field)


@pytest.mark.parametrize("field, value", [
    ("days", "mon"), ("days", [True]), ("start", 18), ("start", "6pm"), ("minutes", "180"),
    ("holidays", "2026-11-26"), ("holidays", ["someday"]), ("name", "")])
def test_groups_field_by_field(field: str, value: object) -> None:
    with pytest.raises(InputError) as caught:
        Group.from_dict(dict(GROUP, **{field: value}))
    assert caught.value.field == field


@pytest.mark.parametrize("field, value", [
    ("planned_minutes", "20"), ("countable", "yes"), ("position", -1), ("title", ["x"]),
    ("note", 5), ("pauses", "none"), ("pauses", [["2026-11-23T18:05:00-06:00"]])])
def test_blocks_field_by_field(field: str, value: object) -> None:
    refused(BlockRun, dict(BLOCK, **{field: value}), field)


def test_missing_fields_are_named() -> None:
    doc = dict(ATTENDANCE)
    del doc["status"]
    assert "is missing" in refused(AttendanceEntry, doc, "status")


def test_settings_field_by_field() -> None:
    good = ClinicSettings("Invented Clinic", "America/Chicago").to_dict()
    for field, value in (("group_cap", "12"), ("bell", "on"), ("levels_of_care", {"IOP": "nine"}),
                         ("idle_minutes", 0), ("timezone", 5), ("session_idle_minutes", 0),
                         ("session_idle_minutes", "15"), ("session_idle_minutes", 10_001)):
        with pytest.raises(InputError) as caught:
            ClinicSettings.from_dict(dict(good, **{field: value}))
        assert caught.value.field == field


def test_a_clinic_file_from_before_session_idle_minutes_reads_the_default() -> None:
    old = ClinicSettings("Invented Clinic", "America/Chicago").to_dict()
    del old["session_idle_minutes"]
    assert ClinicSettings.from_dict(old).session_idle_minutes == 15
