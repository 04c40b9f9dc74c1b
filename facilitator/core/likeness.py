"""The individualization check: does a client's note say something of its own?

Auditors flag group notes that are "not individualized" (copy-and-swap notes are a known
cause of recoupment). Before a counselor signs, each note of a session is compared with the
other attendees' notes of the same session, on the part that is about the client alone.

- **The part compared** (``individual_part``): from the line starting
  "Participation and response:" up to the line starting "Plan:" (the picks as sentences,
  the counselor's own notes, and any other client-specific part drafted between them). The
  header, interventions, group notes and attendance line are shared by design and left out.
  A body edited so far that the heading is gone is compared whole. The client's own first
  and last names become one placeholder, so swapping the name alone changes nothing.
- **The measure**: ``difflib.SequenceMatcher(None, a, b).ratio()`` over the two parts'
  word lists (lower-cased, punctuation dropped): 2·M/T, where M is the number of words in
  matching runs and T the words in both. 1.0 is the same words in the same order.
- **The threshold**: ``READS_LIKE_AT`` = 0.9. Two drafts built from the same picks with no
  text score 1.0; one differing pick out of three, or a one-line counselor note on either,
  brings a typical pair well under 0.9 (hand-worked cases in tests/core/test_likeness.py).

Nothing here varies the wording to get under the threshold: the check compares what the
notes say, and the way to pass it is to say something about the client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from facilitator.core.drafting import PARTICIPATION_HEADING, PLAN_HEADING
from facilitator.core.plan_progress import HEADING as GOALS_HEADING
from facilitator.core.roster import Client

READS_LIKE_AT = 0.9
_NAME = "\x00name"


def _words(text: str) -> list[str]:
    return re.findall(r"[\w\x00]+(?:['’]\w+)?", text.casefold())


def individual_part(body: str, client: Client) -> list[str]:
    """The words of the part of ``body`` that is about ``client`` alone, names masked."""
    lines = body.splitlines()
    begin = next((i for i, line in enumerate(lines) if line.startswith(PARTICIPATION_HEADING)), None)
    if begin is None:
        part = [line for line in lines if not line.startswith("Client:")]
    else:
        # The goals part quotes the client's own plan, which differs between clients by
        # itself: it would hide a copied participation part, so the comparison stops there.
        stop = next((i for i in range(begin + 1, len(lines))
                     if lines[i].startswith((PLAN_HEADING, GOALS_HEADING))), len(lines))
        part = lines[begin:stop]
    text = "\n".join(part)
    for name in {client.name, client.first_name, client.last_name}:
        name = name.strip()
        if name:
            pattern = r"\s+".join(re.escape(p) for p in name.split())
            text = re.sub(rf"(?<!\w){pattern}(?!\w)", _NAME, text, flags=re.IGNORECASE)
    return _words(text)


def similarity(a: list[str], b: list[str]) -> float:
    """difflib's ratio over two word lists (1.0 when both are empty)."""
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Likeness:
    """A note whose individual part reads like another client's note, and how alike."""

    client_id: str
    other_id: str       # the attendee whose note it reads like
    ratio: float


def reads_like(notes: Mapping[str, tuple[Client, str]],
               threshold: float = READS_LIKE_AT) -> dict[str, Likeness]:
    """For each client (id -> (client, note body)) whose note's individual part is at least
    ``threshold`` alike to another's: the most alike one (the first in order on a tie)."""
    parts = {cid: individual_part(body, client) for cid, (client, body) in notes.items()}
    found: dict[str, Likeness] = {}
    ids = list(parts)
    for cid in ids:
        best: Likeness | None = None
        for other in ids:
            if other == cid:
                continue
            ratio = similarity(parts[cid], parts[other])
            if ratio >= threshold and (best is None or ratio > best.ratio):
                best = Likeness(cid, other, ratio)
        if best is not None:
            found[cid] = best
    return found


def session_likeness(attending: list[str], notes: Mapping[str, object],
                     clients: Mapping[str, Client],
                     threshold: float = READS_LIKE_AT) -> dict[str, Likeness]:
    """``reads_like`` over one session's notes (``core.notes.Note`` by client id), for the
    clients in ``attending`` that have a note and are on the roster of ``clients``."""
    bodies = {cid: (clients[cid], notes[cid].body) for cid in attending   # type: ignore[attr-defined]
              if cid in notes and cid in clients}
    return reads_like(bodies, threshold)
