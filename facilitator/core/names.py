"""The one rule for every name a person gives: client, group, staff and clinic names.

A name is shown in tables, exports, the app's screens and other people's terminals, so it
may hold only characters that print as themselves. Refused, wherever the name comes from
(the command line, an app form, a CSV import, a file read back or received by sync):

- control characters (category Cc): line breaks, tabs, ESC and so every terminal escape
  sequence, the C1 controls (CSI U+009B ...);
- format characters (category Cf), which include the bidirectional overrides and
  isolates (U+202A-U+202E, U+2066-U+2069), the marks U+200E/U+200F and U+061C, and
  invisible ones (U+2060, U+FEFF ...). Only U+200C and U+200D (zero-width non-joiner and
  joiner) are kept: Persian, Hindi and other scripts spell names with them;
- line and paragraph separators (U+2028, U+2029), surrogates and private-use characters.

The message names the field and the code point, never the name itself (a name is a
client's identity: it must not reach an error, a log or a traceback).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from facilitator.core.errors import InputError

MAX_NAME = 100
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_JOINERS = frozenset({"\u200c", "\u200d"})


def bad_character(text: str) -> str | None:
    """The first character the name rule refuses, or None."""
    if text.isprintable():
        # str.isprintable is False for every category refused here (Cc, Cf, Cs, Co, Zl,
        # Zp: all "Other" or "Separator"), so a printable name needs no walk character
        # by character: most names, and each is checked at every read of clinic.json.
        return None
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in _JOINERS:
            return char
    return None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def check_new_name(value: str, *, field: str) -> str:
    """A client or group name as a person gives it (a CSV import, ``groups add``): the name
    rule, no ``=``, ``+``, ``-`` or ``@`` first, which spreadsheets run as a formula, and
    nothing that looks like another name (``check_look_alike``).
    (Names already stored are read under ``check_name`` alone: an old file stays readable.)"""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        raise InputError(f"starts with {value[0]!r}, which spreadsheets run as a formula", field=field)
    return check_look_alike(check_name(value, field=field), field=field)


# Letters of these alphabets look alike (Latin "A", Cyrillic "А", Greek "Α"), and none of them
# needs a zero-width joiner: a joiner next to one hides a second spelling of the same name.
_LOOK_ALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ", 1)[0]


def _misplaced_joiner(text: str) -> str | None:
    """A zero-width (non-)joiner that is not between two letters of a script that uses it
    (Arabic, Devanagari, ...): "Ana\u200d Garcia" looks like "Ana Garcia"."""
    for i, char in enumerate(text):
        if char not in _JOINERS:
            continue
        around = text[i - 1:i] + text[i + 1:i + 2]
        if len(around) < 2 or not all(unicodedata.category(c)[0] in "LM" and _script(c) not in _LOOK_ALIKE_SCRIPTS
                                      for c in around):       # a letter or a mark (a virama)
            return char
    return None


def _mixed_script_word(text: str) -> str | None:
    """The first letter of a word that mixes alphabets whose letters look alike ("Аna" with a
    Cyrillic А), by Unicode's confusables (UTS #39, the confusable-homoglyphs package)."""
    if text.isascii():              # one alphabet: nothing to mix, and no table to load
        return None
    from confusable_homoglyphs import confusables
    for word in text.split():
        word = "".join(c for c in word if c not in _JOINERS)    # placed right: _misplaced_joiner
        if not confusables.is_dangerous(word):
            continue
        letters = [c for c in word if c.isalpha()]
        usual = "LATIN" if any(_script(c) == "LATIN" for c in letters) else _script(letters[0])
        odd = next((c for c in letters if _script(c) != usual), None)
        if odd is not None:
            return odd
    return None


def check_look_alike(value: str, *, field: str) -> str:
    """Refuse a new name that would look like another: a misplaced zero-width joiner, or a
    word mixing look-alike alphabets. The message names the code point, never the name."""
    char = _misplaced_joiner(value)
    if char is not None:
        raise InputError(f"holds the invisible character U+{ord(char):04X} outside a word of a script "
                         f"that joins letters with it; it would look like another name", field=field)
    char = _mixed_script_word(value)
    if char is not None:
        raise InputError(f"mixes alphabets that look alike in one word (U+{ord(char):04X} "
                         f"{unicodedata.name(char, 'a letter')}); type the name in one alphabet",
                         field=field)
    return value


def check_name(value: Any, *, field: str, max_length: int = MAX_NAME) -> str:
    """``value`` if it is an acceptable name, else ``InputError`` naming ``field`` only."""
    if not isinstance(value, str):
        raise InputError("must be text", field=field)
    if not value.strip():
        raise InputError("is blank", field=field)
    if len(value) > max_length:
        raise InputError(f"is longer than {max_length} characters", field=field)
    char = bad_character(value)
    if char is not None:
        raise InputError(f"holds the invisible or control character U+{ord(char):04X}; names may "
                         f"not hold control characters, direction overrides or escape sequences",
                         field=field)
    return value
