"""What reaches a terminal (#21): every control, direction override and invisible format
character in text from a file or a push is escaped (the CLI) or dropped (the app)."""

from __future__ import annotations

import json

import pytest

from facilitator.core.display import removed, shown

OSC52 = "\x1b]52;c;cHduZWQ=\x07"            # a clipboard write
TITLE = "\x1b]0;PWNED\x07"                    # a window-title change
CSI_C1 = "\u009b2J"                           # the one-character CSI: clear the screen
RLO = "\u202e"                                # right-to-left override


@pytest.mark.parametrize("attack", [OSC52, TITLE, CSI_C1, RLO + "fdp.exe", "a\rb", "\x7f", "\u2028",
                                    "\u2066x\u2069", "\u200b", "\u061c"])
def test_shown_leaves_no_character_that_drives_a_terminal(attack):
    out = shown("note: " + attack)
    assert out.isprintable()
    assert json.loads(f'"{out}"') == "note: " + attack     # the escape says exactly what was stored


def test_shown_escapes_as_json_does():
    assert shown(TITLE) == "\\u001b]0;PWNED\\u0007"
    assert shown(RLO) == "\\u202e"


def test_lines_tabs_and_joiners_are_kept():
    text = "Line one\n\tLine two: \u0645\u200c\u0647\u0631\u0627\u0646, 👩\u200d👩\u200d👧, 李 小龙, José"
    assert shown(text) == text
    assert removed("\u0645\u200c\u0647") == "\u0645\u200c\u0647"


def test_shown_keeps_json_output_valid_and_meaning_the_same():
    data = {"author": "Sam" + OSC52, "title": RLO + "evil", "c1": CSI_C1, "ok": "李 小龙\nline"}
    printed = shown(json.dumps(data, ensure_ascii=False, indent=2))
    assert "\x1b" not in printed and "\u009b" not in printed and RLO not in printed
    assert json.loads(printed) == data


def test_removed_drops_them_and_nothing_else():
    assert removed("Check-in" + TITLE) == "Check-in]0;PWNED"
    assert removed(RLO + "abc\u2069") == "abc"
    assert removed("plain text") == "plain text"
