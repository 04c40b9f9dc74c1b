"""The one name rule (core.names.check_name): fuzzed, and applied by every shape that
holds a name, so the CLI, the app's forms, CSV imports, file reads and sync all refuse
the same characters. Names here are invented."""

from __future__ import annotations

import unicodedata
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.core.clinic import ClinicSettings, Staff
from facilitator.core.errors import InputError
from facilitator.core.names import MAX_NAME, bad_character, check_name
from facilitator.core.roster import Client, Group
from facilitator.core.rules import Role

# The characters the review planted, and their relatives.
HOSTILE = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x9b", "\u202a", "\u202b", "\u202c",
           "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
           "\u061c", "\u2028", "\u2029", "\ufeff", "\u2060", "\ue000"]
ESCAPES = ["\x1b[31m", "\x1b]0;owned\x07", "\x1b[2J", "\x9b1m", "\x1bP", "\x1b]8;;http://x\x1b\\"]
# Safe text: letters, marks, digits, punctuation, symbols and plain spaces.
SAFE = st.characters(whitelist_categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd",
                                            "Pd", "Po", "Ps", "Pe", "Sm", "So", "Zs"))
REFUSED = st.characters(whitelist_categories=("Cc", "Cf", "Co", "Zl", "Zp")).filter(
    lambda c: c not in "\u200c\u200d")


@pytest.mark.parametrize("char", HOSTILE)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_each_hostile_character_is_refused_anywhere(char: str, where: str) -> None:
    name = {"start": char + "Quinnelle", "middle": "Quinn" + char + "elle", "end": "Quinnelle" + char}[where]
    with pytest.raises(InputError) as caught:
        check_name(name, field="first_name")
    message = str(caught.value)
    assert f"U+{ord(char):04X}" in message
    assert "Quinn" not in message and "elle" not in message    # never the name itself
    assert message.count("\n") == 0 and char not in message


@pytest.mark.parametrize("escape", ESCAPES)
def test_terminal_escape_sequences_are_refused(escape: str) -> None:
    with pytest.raises(InputError):
        check_name(f"Rowan{escape}Madeup", field="display_name")


@given(st.text(SAFE, min_size=0, max_size=40), REFUSED, st.text(SAFE, max_size=40))
def test_one_refused_character_anywhere_refuses_the_name(before: str, bad: str, after: str) -> None:
    name = before + bad + after
    with pytest.raises(InputError) as caught:
        check_name(name, field="last_name")
    assert bad_character(name) is not None
    message = str(caught.value)
    assert bad not in message
    if len(before) >= 6:
        assert before not in message


@given(st.text(SAFE, min_size=1, max_size=MAX_NAME).filter(lambda s: s.strip()))
def test_printable_names_in_any_script_are_kept(name: str) -> None:
    assert check_name(name, field="name") == name


@pytest.mark.parametrize("name", ["Zoë Ångström", "José-María O'Neil", "Nguyễn Thị", "李小龙",
                                  "محمد", "שרה", "Ngũgĩ", "fa\u200cti\u200dma"])
def test_real_world_spellings_are_kept(name: str) -> None:
    assert check_name(name, field="name") == name


@pytest.mark.parametrize("value", ["", "   ", "x" * (MAX_NAME + 1), 7, None, ["a"]])
def test_blank_too_long_or_not_text(value: object) -> None:
    with pytest.raises(InputError):
        check_name(value, field="name")


def test_unicode_categories_of_the_planted_characters() -> None:
    """The rule is by category; this pins the categories the review's characters are in."""
    assert {unicodedata.category(c) for c in HOSTILE} <= {"Cc", "Cf", "Co", "Zl", "Zp"}


@pytest.mark.parametrize("bad", ["\u202e", "\x1b[31m", "\n"])
def test_every_shape_holding_a_name_applies_the_rule(bad: str) -> None:
    with pytest.raises(InputError, match="first_name"):
        Client("Q001", f"Avery{bad}", "Inventedname", "IOP", 9, date(2026, 11, 1))
    with pytest.raises(InputError, match="last_name"):
        Client("Q001", "Avery", f"Invented{bad}name", "IOP", 9, date(2026, 11, 1))
    with pytest.raises(InputError, match="'name'"):
        Group(f"Evening{bad}A", (0,), time(18), 180)
    with pytest.raises(InputError, match="display_name"):
        Staff("counselor1", f"Test{bad}Counselor", Role.COUNSELOR)
    with pytest.raises(InputError, match="'name'"):
        ClinicSettings(name=f"Invented{bad}Clinic", timezone="America/Chicago")


@pytest.mark.parametrize("bad", ["\u202e", "\x1b[31m"])
def test_the_rule_applies_when_a_stored_name_is_read(bad: str) -> None:
    """from_dict is the strict reader: a planted name makes the document refused."""
    doc = Client("Q001", "Avery", "Inventedname", "IOP", 9, date(2026, 11, 1)).to_dict()
    doc["first_name"] = f"Avery{bad}"
    with pytest.raises(InputError, match="first_name"):
        Client.from_dict(doc)
    staff = Staff("counselor1", "Test Counselor", Role.COUNSELOR).to_dict()
    staff["display_name"] = f"Test{bad}"
    with pytest.raises(InputError, match="display_name"):
        Staff.from_dict(staff)


def test_the_printable_shortcut_agrees_with_the_rule_for_every_code_point() -> None:
    """``bad_character`` skips its walk for ``str.isprintable`` text; that must never let
    through a character the rule (the categories, less the two joiners) refuses."""
    refused = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
    for code in range(0x110000):
        char = chr(code)
        expected = char if unicodedata.category(char) in refused and char not in "\u200c\u200d" else None
        assert bad_character(char) == expected, f"U+{code:04X}"
        assert bad_character(f"Ann{char}Lee") == expected, f"U+{code:04X} inside a name"
