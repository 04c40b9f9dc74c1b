"""A new name that looks like another is refused at import (#21): "Ana Garcia" and
"Аna Garcia" (a Cyrillic А) or "Ana\u200d Garcia" (a zero-width joiner) would be two
clients a counselor cannot tell apart. Names in one alphabet, or in scripts that join
letters with U+200C/U+200D (Persian, Hindi), are accepted as typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.core.errors import InputError
from facilitator.core.names import check_look_alike, check_new_name
from tests.cli.conftest import ROSTER_HEADER, assert_rejected_whole, csv_text, run_cli, tree_bytes, write


@pytest.mark.parametrize("name, code_point", [
    ("\u0410na Garcia", "U+0410"),            # Cyrillic capital A in a Latin word
    ("Ana Garc\u0456a", "U+0456"),            # Cyrillic і
    ("\u0391lex Moreno", "U+0391"),           # Greek capital alpha
    ("Ana\u200d Garcia", "U+200D"),           # a joiner after a Latin letter
    ("Ana \u200cGarcia", "U+200C"),
])
def test_look_alike_names_are_refused_naming_the_code_point_not_the_name(name, code_point):
    with pytest.raises(InputError) as refused:
        check_new_name(name, field="first_name")
    message = str(refused.value)
    assert code_point in message and "first_name" in message
    assert "Garcia" not in message and "Moreno" not in message


@pytest.mark.parametrize("name", [
    "Ana Garcia", "José Hernández", "Zoë O'Brien-Smith", "李 小龙", "Ана Петрова", "Ἀλέξανδρος Smith",
    "\u0645\u200c\u0647\u0631\u0627\u0646 Ahmadi",          # Persian: a ZWNJ between Arabic letters
    "\u0915\u094d\u200d\u0937 Patel",                       # Devanagari with a ZWJ
])
def test_real_names_in_one_alphabet_or_a_joining_script_are_kept(name):
    assert check_look_alike(name, field="name") == name


def test_a_roster_import_with_a_look_alike_is_refused_whole(grouped_clinic: Path, tmp_path: Path, capsys):
    rows = [("Q001", "Ana", "Garcia", "IOP", "", "2026-11-01", "", "Evening A"),
            ("Q002", "\u0410na", "Garcia", "IOP", "", "2026-11-01", "", "Evening A")]
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    before = tree_bytes(grouped_clinic)
    result = run_cli(capsys, "roster", "import", path, "--data", grouped_clinic)
    assert_rejected_whole(result, path, 3, "first_name", ["U+0410"], grouped_clinic, before)
