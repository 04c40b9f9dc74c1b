"""The note's "Progress toward plan goals" part: how this group served this client's plan.

Payers and auditors look for the link between a group note and the client's treatment
plan. For each of the client's *active* goals the part says where the group addressed it
(the blocks the counselor linked to it with ``g`` in the group room, or the counselor's
text naming "goal N") and what the client did (their picks), or that it was "not
addressed in this group". A client with no plan gets "No recovery plan on file." and no
goal is ever invented. Goal words are the client's own and are quoted as written
(other clients' names in them are redacted like any other text).

Pure; one function, ``plan_progress_part``, hooked into ``drafting.draft_note``.
"""

from __future__ import annotations

from collections.abc import Callable

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
    work = [PARTICIPATION_PHRASES[p] for p in PROGRESS_PICKS if p in entry.picks]
    lines = [HEADING]
    for goal in goals:
        target = f" (target {goal.target.isoformat()})" if goal.target else ""
        head = f"- Goal {goal.number}, \"{redact(goal.text)}\"{target}: "
        if not attended:
            lines.append(head + f"{NOT_ADDRESSED} (did not attend).")
            continue
        blocks = [redact(titles[b]) if b in titles else "the session"
                  for g, b in entry.goal_links if g == goal.number]
        blocks = list(dict.fromkeys(blocks))
        if not blocks and goal.number not in mentioned:
            lines.append(head + NOT_ADDRESSED + ".")
            continue
        where = f"addressed in {_joined(blocks)}" if blocks else "addressed (see counselor notes)"
        did = f"; {first_name} {_joined(work)}" if work else ""
        lines.append(head + where + did + ".")
    return lines


def _joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
