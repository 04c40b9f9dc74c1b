"""Group confidentiality: does a client's note name another member of the group?

Group-note guidance (ICANotes and others): a client's record must not identify the other
members of the group; use their initials. Before a note is signed, its text is searched
for the names of the session's other members (everyone on the session's list, absent
ones included), and a key replaces each with the member's initials.

What counts as naming a member (``mentions``):

- the full name ("Maria Núñez"), the name last-name-first with a comma ("Núñez, Maria"),
  the first name alone and the last name alone;
- compared without regard to case or accents ("NUNEZ", "nunez" and "Núñez" are the same;
  an accent typed as a combining mark too; ø, ł, đ, æ, œ, ß fold to o, l, d, ae, oe, ss);
- whole words only: "Al" is not in "also", "Maria" not in "Mariana"; a possessive is
  the name ("Maria's" -> "M.N.'s");
- a hyphenated or multi-part name ("Hope-Garcia", "de la Cruz") as a whole, written
  with hyphens or spaces either way; its parts alone ("Garcia", "la") are not taken as
  the name: they are too often someone else or an everyday word;
- a one-letter first or last name only within the full name ("J Quill"), never alone;
- a name that is also an everyday word (``EVERYDAY_WORDS``: Will, Hope, May, Mark ...)
  only when written with a capital letter: "she will" is not Will; "Will said" is (and
  so is "Will continue" at the start of a sentence: flagging too much is the safe side).

Never flagged: the client's own names in their own note (a bare first or last name the
client shares with another member stays: it may be theirs; the other's full name does
not), and clients of the clinic who are not on this session's list.

The replacement is the member's initials, as drafted notes write them (``Client.initials``:
"Maria Núñez" -> "M.N."). A first name alone becomes the same full initials "M.N.", not
"M.": one spelling per member, and "M." alone would read as a truncated word. A bare
name two other members share becomes "a peer": which one is not guessed.

Pure: no I/O. The flag (``flag_text``) shows initials only, never a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from facilitator.core.roster import Client

FLAG = "names another group member"
PEER = "a peer"

# Names that are also everyday English words: matched only when written with a capital.
EVERYDAY_WORDS = frozenset("""
    will hope may june april august faith grace joy rose mark bill pat sue art rob chase
    grant young long black white brown green gray grey king hunter major rich frank earnest
    ernest dawn summer autumn winter sky star ray lane page hall wood stone bell cook
    miller mason carter baker chance story honor price love rich guy sandy penny holly
    ivy lily daisy iris jade ruby amber crystal pearl destiny harmony justice hardy trust
    """.split())

# Letters that have no Unicode decomposition but are read as an accented plain letter.
# Curly apostrophes are the straight one ("O’Brien" is "O'Brien").
_PLAIN = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae",
                        "œ": "oe", "þ": "th", "ŧ": "t", "’": "'", "‘": "'", "ʼ": "'"})
_SEPARATOR = r"[\s\-‐‑–]+"


def fold(text: str) -> str:
    """``text`` without case or accents, as names are compared."""
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).translate(_PLAIN)


def _folded_with_positions(text: str) -> tuple[str, list[int] | range]:
    """The folded text, and for each of its characters the index of the original one."""
    if text.isascii():
        return text.lower(), range(len(text))      # the common case, one to one
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        out.append(folded)
        where.extend([index] * len(folded))
    return "".join(out), where


def _pattern(name: str) -> str:
    """A regex for a folded name: its parts, separated by spaces or hyphens either way."""
    return _SEPARATOR.join(re.escape(part) for part in re.split(_SEPARATOR, name) if part)


@dataclass(frozen=True)
class Mention:
    """Where a note names another member: ``text[start:end]`` is the name as written."""

    start: int
    end: int
    initials: str                       # what replaces it ("M.N.", or "a peer")
    member_ids: tuple[str, ...]         # who it may be (two when a bare name is shared)
    member_initials: tuple[str, ...]


@lru_cache(maxsize=4096)
def _spellings(first_name: str, last_name: str) -> tuple[tuple[str, str, bool], ...]:
    """(spelling key, regex, is a bare single name) for each way of naming a member."""
    first, last = fold(first_name.strip()), fold(last_name.strip())
    found = []
    if first and last:
        found.append((f"{first} {last}", rf"{_pattern(first)}{_SEPARATOR}{_pattern(last)}", False))
        found.append((f"{last}, {first}", rf"{_pattern(last)}\s*,\s*{_pattern(first)}", False))
    for name in (first, last):
        if len(name) > 1:           # "A" or "J" alone is an article or an initial
            found.append((name, _pattern(name), True))
    return tuple((_key(spelling), regex, single) for spelling, regex, single in found)


@lru_cache(maxsize=4096)
def _own_key(name: str) -> str:
    return _key(fold(name.strip()))


def _key(spelling: str) -> str:
    """One spelling per name: its folded parts joined by single spaces, commas dropped."""
    return " ".join(part for part in re.split(r"[\s\-‐‑–,]+", spelling) if part)


_BEFORE = r"(?<![\w\-])"
_AFTER = r"(?![\w]|-\w)"


class NameFinder:
    """The names of ``members`` as ``client``'s note may hold them, compiled once for many
    texts (a drafted note redacts a dozen parts with one)."""

    def __init__(self, client: Client | None, members: Iterable[Client],
                 ignore: Iterable[str] = ()) -> None:
        own = set() if client is None else \
            {_own_key(n) for n in (client.first_name, client.last_name) if n.strip()}
        self.who: dict[str, list[Client]] = {}      # spelling key -> the members it names
        self.bare: dict[str, bool] = {}
        regexes: dict[str, str] = {}
        for member in members:
            if client is not None and member.client_id == client.client_id:
                continue
            for key, regex, single in _spellings(member.first_name, member.last_name):
                if single and key in own:
                    continue                        # may be the client's own name
                named = self.who.setdefault(key, [])
                if all(m.client_id != member.client_id for m in named):
                    named.append(member)
                regexes[key] = regex
                self.bare[key] = single
        # longest first, so a full name wins over the first name it starts with
        alternatives = "|".join(regexes[k] for k in sorted(regexes, key=len, reverse=True))
        self.regex = re.compile(rf"{_BEFORE}(?:{alternatives}){_AFTER}") if regexes else None
        spared = [_pattern(fold(name).strip()) for name in ignore if fold(name).strip()]
        self.spared = re.compile(rf"{_BEFORE}(?:{'|'.join(spared)}){_AFTER}") if spared else None

    def mentions(self, text: str) -> list[Mention]:
        if self.regex is None:
            return []
        folded, where = _folded_with_positions(text)
        spared = [range(m.start(), m.end()) for m in self.spared.finditer(folded)] \
            if self.spared is not None else []
        found = []
        for match in self.regex.finditer(folded):
            key = _key(match.group(0))
            named = self.who.get(key)
            if not named or any(match.start() in span for span in spared):
                continue
            start, end = where[match.start()], where[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1                            # a combining accent belongs to its letter
            if self.bare[key] and key in EVERYDAY_WORDS and not text[start].isupper():
                continue                            # "will", "hope": the word, not the member
            initials = named[0].initials if len(named) == 1 else PEER
            found.append(Mention(start, end, initials, tuple(m.client_id for m in named),
                                 tuple(m.initials for m in named)))
        return found

    def replacements(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, initials) for each mention, in order: what ``with_initials`` does."""
        found = []
        for mention in self.mentions(text):
            initials = mention.initials
            if initials.endswith(".") and text[mention.end:mention.end + 1] == ".":
                initials = initials[:-1]            # "... by M.N." not "... by M.N.."
            found.append((mention.start, mention.end, initials))
        return found

    def with_initials(self, text: str) -> str:
        """``text`` with every mention of another member replaced by their initials."""
        out = []
        cursor = 0
        for start, end, initials in self.replacements(text):
            out.append(text[cursor:start])
            out.append(initials)
            cursor = end
        out.append(text[cursor:])
        return "".join(out)


def mentions(text: str, client: Client | None, members: Iterable[Client],
             ignore: Iterable[str] = ()) -> list[Mention]:
    """Each place ``text`` (a note of ``client``) names another of ``members``, in order.

    ``client`` None: a text that goes into every attendee's note (a block's group note),
    where every member's name is flagged. ``ignore``: other people's full names (the
    staff's: "Facilitator: Casey Counselor" does not name the member Casey Placeholder),
    written out whole; a bare "Casey" is still flagged.
    """
    return NameFinder(client, members, ignore).mentions(text)


def replacements(text: str, client: Client | None, members: Iterable[Client],
                 ignore: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """(start, end, initials) for each mention of another member, in order."""
    return NameFinder(client, members, ignore).replacements(text)


def with_initials(text: str, client: Client | None, members: Iterable[Client],
                  ignore: Iterable[str] = ()) -> str:
    """``text`` with every mention of another member replaced by their initials."""
    return NameFinder(client, members, ignore).with_initials(text)


def flag_text(found: Iterable[Mention]) -> str:
    """"names another group member (M.N., J.S.)", or "" when ``found`` is empty."""
    initials: list[str] = []
    for mention in found:
        for each in mention.member_initials:
            if each not in initials:
                initials.append(each)
    return f"{FLAG} ({', '.join(initials)})" if initials else ""
