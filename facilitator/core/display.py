"""Text that came from a file or a push, made safe to reach a terminal (#21).

A name, a note, an addendum's author, a correction's reason, a plan or block title or a
file's name may hold characters that drive a terminal instead of printing: ESC and the
other C0 controls (an OSC 52 clipboard write, a window-title change), DEL and the C1
controls (CSI U+009B), the bidirectional overrides and isolates that show text in another
order than it is stored, and the other invisible format characters. Two ways out:

- ``shown(text)`` escapes each one as JSON does (``\\u001b``, ``\\u202e``): the CLI
  writes everything through it (``cli.terminal``), so a table shows the escape and JSON
  stays valid JSON meaning the same text;
- ``removed(text)`` drops them: the app's screens (``tui.terminal``) lay text out in cells,
  and every one of these characters is zero cells wide, so dropping them keeps the layout.

Kept: line feed and tab where the caller keeps lines (``shown``), the zero-width
non-joiner and joiner (U+200C, U+200D), which Persian and Indic names and emoji need, and
the byte-order mark (U+FEFF) a CSV starts with.
"""

from __future__ import annotations

import json
import unicodedata

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# The joiners, and the byte-order mark every CSV starts with (zero width, drives nothing).
_KEPT = frozenset({"\u200c", "\u200d", "\ufeff"})
LINES = "\n\t"


def unsafe(char: str, keep: str = "") -> bool:
    """Whether ``char`` can drive a terminal or hide itself when printed."""
    return (char not in keep and char not in _KEPT
            and unicodedata.category(char) in _UNSAFE_CATEGORIES)


def _escape(char: str) -> str:
    return json.dumps(char, ensure_ascii=True)[1:-1]


def shown(text: str, keep: str = LINES) -> str:
    """``text`` with every unsafe character written as its JSON escape."""
    if text.isprintable():          # the usual case, in C: nothing to look at
        return text
    return "".join(_escape(c) if unsafe(c, keep) else c for c in text)


def removed(text: str) -> str:
    """``text`` without its unsafe characters (each is zero cells wide)."""
    if text.isprintable():
        return text
    return "".join(c for c in text if not unsafe(c))
