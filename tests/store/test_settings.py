"""Changing the clinic's settings: admins only, validated as a whole, one write, audited."""

from __future__ import annotations

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.store.clinic import open_clinic
from facilitator.store.settings import (
    MAX_GROUP_CAP,
    MAX_IDLE_MINUTES,
    change_settings,
    parse_value,
    settings_lines,
)
from facilitator.store.staff import add_staff


def audit(clinic) -> list[dict]:
    return [entry for _, _, entry in clinic.audit.entries() if entry]


def clinic_bytes(clinic) -> bytes:
    return (clinic.root / "clinic.json").read_bytes()


def test_an_admin_changes_settings_in_one_audited_write(clinic):
    generation = clinic.clinic_file.generation()
    saved = change_settings(clinic, group_cap=10, bell=True, idle_minutes=15, week_start="sunday")
    assert (saved.group_cap, saved.bell, saved.idle_minutes, saved.week_start) == (10, True, 15, "sunday")
    assert clinic.settings() == saved
    assert clinic.clinic_file.generation() == generation + 1
    # The rest of the clinic file is untouched.
    snapshot = clinic.snapshot()
    assert len(snapshot.clients) == 5 and len(snapshot.groups) == 2
    assert snapshot.settings.name == "Test Clinic" and snapshot.settings.timezone == "America/Chicago"
    entry = audit(clinic)[-1]
    assert entry["action"] == "settings.change" and entry["user"] == "counselor1"
    assert entry["record"] == "settings"
    assert entry["detail"] == {"group_cap": "12 -> 10", "bell": "off -> on", "idle_minutes": "5 -> 15",
                               "week_start": "monday -> sunday"}
    assert clinic.audit.verify() == []


def test_changing_nothing_writes_nothing(clinic):
    before, entries = clinic_bytes(clinic), len(audit(clinic))
    assert change_settings(clinic, group_cap=12, bell=False).group_cap == 12
    assert change_settings(clinic).group_cap == 12
    assert clinic_bytes(clinic) == before
    assert len(audit(clinic)) == entries


def test_name_and_time_zone_change(clinic):
    saved = change_settings(clinic, name="  Test   Clinic East ", timezone="America/New_York")
    assert saved.name == "Test Clinic East" and saved.timezone == "America/New_York"
    # Line breaks and runs of spaces become one space: the name is always one line.
    assert change_settings(clinic, name="Test\nClinic\tWest").name == "Test Clinic West"


@pytest.mark.parametrize("role", ["counselor", "supervisor"])
def test_a_non_admin_is_refused_and_the_refusal_is_audited(clinic, fake_clock, role):
    add_staff(clinic, "staff2", "Sam Staffperson", role)
    before = clinic_bytes(clinic)
    other = open_clinic(clinic.root, user="staff2", clock=fake_clock)
    with pytest.raises(PermissionDenied) as refused:
        change_settings(other, group_cap=8)
    assert f"staff2 is a {role}; only admins may change the clinic's settings." == str(refused.value)
    assert clinic_bytes(clinic) == before
    entry = audit(clinic)[-1]
    assert (entry["user"], entry["action"], entry["record"]) == ("staff2", "denied", "settings.change")


@pytest.mark.parametrize(("changes", "field"), [
    ({"group_cap": 0}, "group-cap"),
    ({"group_cap": MAX_GROUP_CAP + 1}, "group-cap"),
    ({"group_cap": "10"}, "group-cap"),
    ({"group_cap": True}, "group-cap"),
    ({"group_cap": 9.5}, "group-cap"),
    ({"idle_minutes": 0}, "idle-minutes"),
    ({"idle_minutes": MAX_IDLE_MINUTES + 1}, "idle-minutes"),
    ({"idle_minutes": None}, "idle-minutes"),
    ({"session_idle_minutes": 0}, "session-idle-minutes"),
    ({"session_idle_minutes": MAX_IDLE_MINUTES + 1}, "session-idle-minutes"),
    ({"session_idle_minutes": "15"}, "session-idle-minutes"),
    ({"session_idle_minutes": True}, "session-idle-minutes"),
    ({"bell": "yes"}, "bell"),
    ({"bell": 1}, "bell"),
    ({"week_start": "tuesday"}, "week-start"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"name": "Clinic\x1b[31m"}, "name"),
    ({"levels_of_care": {}}, "KEY"),
    ({"colour": "red"}, "KEY"),
    # One bad value among good ones: nothing is written.
    ({"group_cap": 10, "bell": True, "idle_minutes": -1}, "idle-minutes"),
])
def test_bad_values_are_refused_and_the_file_is_unchanged(clinic, changes, field):
    before, entries = clinic_bytes(clinic), len(audit(clinic))
    with pytest.raises(InputError) as refused:
        change_settings(clinic, **changes)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"field '{field}': ")
    assert "\n" not in str(refused.value)
    assert clinic_bytes(clinic) == before
    assert len(audit(clinic)) == entries


@pytest.mark.parametrize(("key", "text", "value"), [
    ("group-cap", " 10 ", 10), ("idle-minutes", "60", 60), ("bell", "ON", True), ("bell", "no", False),
    ("bell", "true", True), ("bell", "off", False), ("week-start", "Sunday", "sunday"),
    ("timezone", "America/Denver", "America/Denver"), ("name", "New  Name", "New Name"),
])
def test_typed_values_parse(key, text, value):
    assert parse_value(key, text) == value


@pytest.mark.parametrize(("key", "text"), [
    ("group-cap", "ten"), ("group-cap", "0"), ("group-cap", "-3"), ("group-cap", "1e3"),
    ("group-cap", "１２"), ("group-cap", ""), ("group-cap", "9" * 5000), ("idle-minutes", "61"),
    ("bell", "maybe"), ("bell", ""), ("week-start", "=cmd|' /C calc'!A0"), ("timezone", "../../etc/passwd"),
    ("billing-code", "PHP"), ("billing-code", "PHP " + "9" * 5000), ("billing-code", "PHP =cmd|' /C calc'!A0"),
    ("place-of-service", "9" * 5000), ("place-of-service", "５７"), ("telehealth-place-of-service", "11"),
    ("telehealth-modifier", "\x1b[31m"), ("telehealth-modifier", "9" * 5000),
])
def test_bad_typed_values_name_the_setting_in_one_sentence(key, text):
    with pytest.raises(InputError) as refused:
        parse_value(key, text)
    message = str(refused.value)
    assert message.startswith(f"field '{key}': ") and message.endswith(".")
    assert "\n" not in message and len(message) < 200


def test_show_lines(clinic):
    lines = settings_lines(clinic.settings())
    assert lines[:13] == ["name: Test Clinic", "timezone: America/Chicago", "week-start: monday",
                          "group-cap: 12", "idle-minutes: 5", "bell: off", "plan-review-days: 30",
                          "billing-code: IOP H0015, IOP-adolescent H0015, OP H0005, PHP S0201",
                          "place-of-service: 57", "telehealth-place-of-service: 10", "telehealth-modifier: 95",
                          "end-grace-minutes: 15", "session-idle-minutes: 15"]
    assert lines[13].startswith("levels-of-care: ") and "IOP 9 h" in lines[13]
