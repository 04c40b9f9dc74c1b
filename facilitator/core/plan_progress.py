"""The note's "Progress toward plan goals" part: how this group served this client's plan.

Payers and auditors look for the link between a group note and the client's treatment
plan. For each of the client's *active* goals the part says where the group addressed it
(the blocks the counselor linked to it with ``g`` in the group room, or the counselor's
text naming "goal N") and what the client did (their participation words), or that it was
"not addressed in this group". A word belongs to the block it was made in (issue #20): a
goal linked to Check-in is credited only the words made in Check-in (and the session's own
words, made before the agenda ran or in records older than this rule), each naming its
block; a goal linked to the whole session, or named in the text, takes every word. A client
with no plan gets "No recovery plan on file." and no goal is ever invented. Goal words are
the client's own and are quoted as written (other clients' names in them are redacted like
any other text).

Pure; one function, ``plan_progress_part``, hooked into ``drafting.draft_note``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from facilitator.core.recovery import NO_PLAN, NOT_ADDRESSED, RecoveryPlan, mentioned_goals
from facilitator.core.rules import PARTICIPATION_PHRASES
from facilitator.core.session import AttendanceEntry, SessionRecord

HEADING = "Progress toward plan goals:"
# Picks that describe work toward a goal (the rest describe behaviour, said elsewhere).
PROGRESS_PICKS = ("practised", "exercise", "triggers", "reframed", "shared", "engaged", "feedback",
                  "supportive")


def plan_progress_part(plan: RecoveryPlan | None, entry: AttendanceEntry, record: SessionRecord,
                       first_name: str, redact: Callable[[str], str]) -> list[str]:
    """The part's lines: the heading, then one line per active goal (or the no-plan line)."""
    if plan is None:
        return [HEADING, f"- {NO_PLAN}"]
    goals = plan.active_goals
    if not goals:
        return [HEADING, "- The recovery plan has no active goals (all met or revised); "
                         "review the plan."]
    attended = entry.status.credits_time
    titles = {b.position: b.title for b in record.blocks}
    mentioned = mentioned_goals(entry.text, [g.number for g in goals]) if attended else set()
    lines = [HEADING]
    for goal in goals:
        target = f" (target {goal.target.isoformat()})" if goal.target else ""
        head = f"- Goal {goal.number}, \"{redact(goal.text)}\"{target}: "
        if not attended:
            lines.append(head + f"{NOT_ADDRESSED} (did not attend).")
            continue
        linked = [b for g, b in entry.goal_links if g == goal.number]
        blocks = list(dict.fromkeys(redact(titles[b]) if b in titles else "the session" for b in linked))
        work = _work(entry, _within(linked), titles, redact)
        if not blocks and goal.number not in mentioned:
            lines.append(head + NOT_ADDRESSED + ".")
            continue
        where = f"addressed in {_joined(blocks)}" if blocks else "addressed (see counselor notes)"
        did = f"; {first_name} {_joined(work)}" if work else ""
        lines.append(head + where + did + ".")
    return lines


def _within(linked: list[int | None]) -> set[int] | None:
    """The blocks a goal's links name; None: the whole session (a link to it, or none)."""
    if None in linked or not linked:
        return None
    return {b for b in linked if b is not None}


def _work(entry: AttendanceEntry, linked: set[int] | None, titles: Mapping[int, str],
          redact: Callable[[str], str]) -> list[str]:
    """The progress words that count for a goal linked to the blocks ``linked`` (None: the
    whole session), each with the blocks it was made in; the session's own words count always."""
    work = []
    for pick in PROGRESS_PICKS:
        if pick not in entry.all_picks:
            continue
        made_in = entry.blocks_of(pick)
        if made_in and linked is not None:
            made_in = tuple(b for b in made_in if b in linked)
            if not made_in:
                continue             # made in another block than the goal's
        work.append(PARTICIPATION_PHRASES[pick] + in_blocks(made_in, titles, redact))
    return work


def in_blocks(blocks: Sequence[int], titles: Mapping[int, str], redact: Callable[[str], str]) -> str:
    """' (in Check-in and Process group)' for the blocks a participation word was made in;
    '' for the session's own words (made before the agenda ran, or in an older record)."""
    if not blocks:
        return ""
    names = list(dict.fromkeys(redact(titles[b]) if b in titles else f"block {b + 1}" for b in blocks))
    return f" (in {_joined(names)})"


def _joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
