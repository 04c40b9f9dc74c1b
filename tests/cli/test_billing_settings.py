"""The billing settings: a level's service code, the clinic's place of service, and a
telehealth day's place of service and modifier. Admins only, audited, nothing written on
a bad value (exit 2, one sentence naming the setting)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facilitator.core.clinic import ClinicSettings
from facilitator.store.staff import add_staff
from tests.cli.conftest import open_data, run_cli, tree_bytes


def test_the_defaults(empty_clinic: Path) -> None:
    settings = open_data(empty_clinic).settings()
    assert settings.billing_codes == {"IOP": "H0015", "IOP-adolescent": "H0015", "PHP": "S0201", "OP": "H0005"}
    assert (settings.place_of_service, settings.telehealth_place_of_service,
            settings.telehealth_modifier) == ("57", "10", "95")


def test_billing_code_changes_one_level_and_is_audited(empty_clinic: Path, capsys) -> None:
    result = run_cli(capsys, "settings", "set", "billing-code", "PHP", "H0035", "--data", empty_clinic)
    assert result.code == 0, result.err
    assert result.out == "billing-code PHP is now H0035 (was S0201).\n"
    codes = open_data(empty_clinic).settings().billing_codes
    assert codes == {"IOP": "H0015", "IOP-adolescent": "H0015", "PHP": "H0035", "OP": "H0005"}
    entry = [e for _, _, e in open_data(empty_clinic).audit.entries() if e][-1]
    assert entry["action"] == "settings.change"
    assert entry["detail"]["billing_codes"].endswith("PHP H0035") and "S0201" in entry["detail"]["billing_codes"]
    # the level and the code are matched without regard to case; the clinic's spelling is kept
    again = run_cli(capsys, "settings", "set", "billing-code", "iop-ADOLESCENT", "h2036", "--data", empty_clinic)
    assert again.out == "billing-code IOP-adolescent is now H2036 (was H0015).\n"
    assert "iop-ADOLESCENT" not in open_data(empty_clinic).settings().billing_codes
    # as one quoted word too
    quoted = run_cli(capsys, "settings", "set", "billing-code", "OP H0005", "--data", empty_clinic)
    assert quoted.out == "billing-code OP is now H0005 (unchanged).\n"


@pytest.mark.parametrize(("key", "typed", "attr", "value"), [
    ("place-of-service", ["11"], "place_of_service", "11"),
    ("telehealth-place-of-service", ["02"], "telehealth_place_of_service", "02"),
    ("telehealth-modifier", ["gt"], "telehealth_modifier", "GT"),
])
def test_the_places_and_the_modifier(empty_clinic: Path, capsys, key, typed, attr, value) -> None:
    result = run_cli(capsys, "settings", "set", key, *typed, "--data", empty_clinic)
    assert result.code == 0, result.err
    assert getattr(open_data(empty_clinic).settings(), attr) == value
    assert f"{key}: {value}" in run_cli(capsys, "settings", "show", "--data", empty_clinic).out.splitlines()


@pytest.mark.parametrize(("args", "words"), [
    (["billing-code", "PHP"], "a level of care and a service code"),
    (["billing-code", "PHP", "H0035", "extra"], "a level of care and a service code"),
    (["billing-code", "Detox", "H0012"], "not a level of care"),
    (["billing-code", "PHP", "=1+1"], "not a HCPCS or CPT code"),
    (["billing-code", "PHP", "H00355"], "not a HCPCS or CPT code"),
    (["billing-code", "PHP", "H００35"], "not a HCPCS or CPT code"),     # full-width digits
    (["billing-code", "PHP", "h 0035"], "a level of care and a service code"),
    (["place-of-service", "5"], "place-of-service code"),
    (["place-of-service", "00"], "place-of-service code"),
    (["place-of-service", "５７"], "place-of-service code"),
    (["place-of-service", "57 11"], "place-of-service code"),
    (["telehealth-place-of-service", "57"], "10 (the member's home) or 02"),
    (["telehealth-modifier", "959"], "not a modifier"),
    (["telehealth-modifier", "@9"], "not a modifier"),
    (["telehealth-modifier", ""], "not a modifier"),
])
def test_bad_billing_values_exit_2_and_write_nothing(empty_clinic: Path, capsys, args, words) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "settings", "set", *args, "--data", empty_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert f"field '{args[0]}'" in line and words in line, line
    assert result.out == "" and tree_bytes(empty_clinic) == before


def test_other_settings_still_take_one_value(empty_clinic: Path, capsys) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "settings", "set", "group-cap", "10", "12", "--data", empty_clinic)
    assert result.code == 2 and "takes one value" in result.one_line_error()
    assert tree_bytes(empty_clinic) == before


def test_a_counselor_cannot_change_a_billing_code(empty_clinic: Path, capsys, monkeypatch) -> None:
    add_staff(open_data(empty_clinic), "counselor2", "Sam Counselor", "counselor")
    monkeypatch.setattr("facilitator.store.clinic.acting_user", lambda: "counselor2")
    before = (empty_clinic / "clinic.json").read_bytes()
    result = run_cli(capsys, "settings", "set", "billing-code", "PHP", "H0035", "--data", empty_clinic)
    assert result.code == 2 and "only admins" in result.one_line_error()
    assert (empty_clinic / "clinic.json").read_bytes() == before


def test_a_clinic_file_from_before_billing_settings_reads_with_the_defaults() -> None:
    old = {"name": "Invented Recovery Center", "timezone": "America/Chicago"}
    settings = ClinicSettings.from_dict(old)
    assert settings.billing_codes["PHP"] == "S0201" and settings.place_of_service == "57"


@pytest.mark.parametrize("bad", [
    {"billing_codes": {"PHP": "=cmd|"}},
    {"billing_codes": ["H0015"]},
    {"billing_codes": {"PHP": 15}},
    {"place_of_service": "5 7"},
    {"telehealth_place_of_service": "57"},
    {"telehealth_modifier": "9"},
])
def test_a_hand_edited_clinic_file_with_bad_billing_settings_is_damaged(empty_clinic: Path, capsys, bad) -> None:
    path = empty_clinic / "clinic.json"
    doc = json.loads(path.read_text())
    doc["settings"]["1"].update(bad)
    path.write_text(json.dumps(doc))
    result = run_cli(capsys, "settings", "show", "--data", empty_clinic)
    assert result.code != 0 and "Traceback" not in result.err
