"""The invented people, groups and phrases of the demo clinic (see ``facilitator.demo``).

Every name here is made up and meant to look it: whimsical surnames that belong to no
one. Dates are offsets so the demo is always "current": ``("start", -30)`` is 30 days
before the first day of history, ``("today", -8)`` is 8 days before today.
"""

from __future__ import annotations

from dataclasses import dataclass

CLINIC_NAME = "Riverbend Recovery Center (demo)"
CLINIC_TIMEZONE = "America/Chicago"
WEEK_START = "monday"

# Weeks of history written before today (plus this week's days before today).
HISTORY_WEEKS = 6

# One seed: the same `today` always gives the same demo.
SEED = 20261126

GROUP_A = "Evening IOP A"
GROUP_B = "Evening IOP B"
GROUP_PHP = "PHP Day"


@dataclass(frozen=True)
class GroupSpec:
    name: str
    days: str          # as typed on the command line
    start: str         # HH:MM
    minutes: int
    plan: str


# The evening plans run 180 minutes with a 10-minute break; the groups are booked for
# 195 so a full evening credits about 185 countable minutes and three of them clear
# the 9-hour IOP week (ASAM 2.1) even when a session starts a few minutes late.
# The PHP day runs the shipped 5-hour day plan (300 minutes, 55 of them breaks and lunch):
# 245 countable minutes a day, five days a week, clears the 20-hour PHP week (ASAM 2.5).
GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec(GROUP_A, "mon,wed,thu", "18:00", 195, "iop-evening-triggers"),
    GroupSpec(GROUP_B, "tue,fri", "17:30", 195, "iop-evening-cravings-and-coping"),
    GroupSpec(GROUP_PHP, "mon,tue,wed,thu,fri", "09:00", 300, "php-day-recovery-skills"),
)

Offset = tuple[str, int]   # ("start" | "today", days)


@dataclass(frozen=True)
class ClientSpec:
    client_id: str
    first_name: str
    last_name: str
    level: str
    groups: tuple[str, ...]
    admitted: Offset
    discharged: Offset | None = None
    hours: float | None = None       # None: the level's default; else a custom figure
    pattern: str = "steady"          # a key of PATTERNS


CLIENTS: tuple[ClientSpec, ...] = (
    # Evening IOP A: adults at IOP, one stepped down, one at OP, one also in B.
    ClientSpec("RB-1001", "Marigold", "Thistlecrumb", "IOP", (GROUP_A,), ("start", -30)),
    ClientSpec("RB-1002", "Barnaby", "Quillfeather", "IOP", (GROUP_A,), ("start", -10), pattern="struggling"),
    ClientSpec("RB-1003", "Odessa", "Bramblepatch", "IOP", (GROUP_A,), ("start", -50)),
    ClientSpec("RB-1004", "Fennimore", "Copperkettle", "IOP", (GROUP_A,), ("start", -60), hours=6.0),
    ClientSpec("RB-1005", "Wren", "Applewhistle", "IOP", (GROUP_A,), ("today", -8)),
    ClientSpec("RB-1006", "Cosmo", "Puddingstone", "IOP", (GROUP_A,), ("start", -20), ("today", -10)),
    ClientSpec("RB-1007", "Tansy", "Larkspurrow", "IOP", (GROUP_A,), ("start", -5), pattern="struggling"),
    ClientSpec("RB-1008", "Ignatius", "Fogbottom", "OP", (GROUP_A,), ("start", -40), pattern="mostly"),
    ClientSpec("RB-1009", "Pippa", "Moonwhisker", "IOP", (GROUP_A,), ("today", -3)),
    ClientSpec("RB-1010", "Horatio", "Buttonwillow", "IOP", (GROUP_A, GROUP_B), ("start", -15), hours=12.0),
    ClientSpec("RB-1024", "Griselda", "Tumbleweed", "IOP", (GROUP_A,), ("start", 12), pattern="mostly"),
    ClientSpec("RB-1025", "Quentin", "Honeysuckle", "IOP", (GROUP_A,), ("start", -5)),
    # Evening IOP B: adolescents after school, stepped-down adults, one at OP.
    ClientSpec("RB-1011", "Juniper", "Mossbottle", "IOP-adolescent", (GROUP_B,), ("start", -15)),
    ClientSpec("RB-1012", "Felix", "Dandelionne", "IOP-adolescent", (GROUP_B,), ("start", -25), pattern="struggling"),
    ClientSpec("RB-1013", "Clementine", "Hollyhock", "IOP-adolescent", (GROUP_B,), ("today", -12)),
    ClientSpec("RB-1014", "Rufus", "Periwinkleton", "IOP", (GROUP_B,), ("start", -70), hours=6.0),
    ClientSpec("RB-1015", "Saffron", "Wobblepot", "OP", (GROUP_B,), ("start", -35), hours=3.0, pattern="mostly"),
    ClientSpec("RB-1016", "Bartholomew", "Inkwhistle", "IOP-adolescent", (GROUP_B,), ("start", -8), ("today", -4)),
    # PHP Day: partial hospitalization, five mornings a week.
    ClientSpec("RB-1017", "Lavender", "Cobblestitch", "PHP", (GROUP_PHP,), ("start", -3)),
    ClientSpec("RB-1018", "Mortimer", "Gingersnap", "PHP", (GROUP_PHP,), ("start", -20), pattern="struggling"),
    ClientSpec("RB-1019", "Posy", "Kettlebrook", "PHP", (GROUP_PHP,), ("today", -6)),
    ClientSpec("RB-1020", "Ezekiel", "Plumpudding", "PHP", (GROUP_PHP,), ("start", -30), hours=16.0),
    ClientSpec("RB-1021", "Dorothea", "Snapdragon", "PHP", (GROUP_PHP,), ("start", 5), pattern="mostly"),
    ClientSpec("RB-1022", "Alfonso", "Wigglebottom", "PHP", (GROUP_PHP,), ("start", -2), ("today", -17)),
    ClientSpec("RB-1023", "Hazel", "Nettlebury", "PHP", (GROUP_PHP,), ("start", 10)),
)

# Attendance status weights per pattern (present, late, left_early, absent, excused,
# telehealth). "struggling" clients miss often enough to fall below their hours.
PATTERNS: dict[str, dict[str, float]] = {
    "steady": {"present": 90, "late": 2.5, "left_early": 1.5, "absent": 0.5, "excused": 1.5, "telehealth": 4},
    "mostly": {"present": 78, "late": 7, "left_early": 5, "absent": 3, "excused": 3, "telehealth": 4},
    "struggling": {"present": 55, "late": 14, "left_early": 10, "absent": 13, "excused": 5, "telehealth": 3},
}

# Besides the draws above, a client of these patterns misses every n-th of their
# meetings (absent or excused), so they fall below their hours whatever the dates.
MISS_EVERY: dict[str, int] = {"struggling": 3}

# Minutes late / minutes before the end, as (low, high).
LATE_MINUTES = (10, 40)
EARLY_MINUTES = (20, 60)

# Quick per-client participation picks, as a counselor taps them during group: keys of
# ``facilitator.core.rules.PARTICIPATION_PICKS`` (a drafted note turns each into a sentence).
PICKS_ENGAGED = ("engaged", "shared", "practised", "exercise", "feedback", "supportive", "triggers", "reframed")
PICKS_LOW = ("quiet", "minimal", "distracted")

# Short invented lines of free text; no names, no identifying detail.
LINES_ENGAGED = (
    "Named two triggers from the weekend and a plan for each.",
    "Described a craving at work and how the urge passed in about 20 minutes.",
    "Practised the refusal script with a peer; steadier on the second try.",
    "Shared a win: made it through a family dinner without using.",
    "Mapped a high-risk evening and chose who to call instead.",
    "Linked poor sleep to stronger cravings; will try the wind-down routine.",
    "Offered encouragement to a newer member; good insight into own progress.",
    "Reported attending two support meetings this week.",
)
LINES_LOW = (
    "Quiet today; said the week had been hard. Agreed to check in tomorrow.",
    "Distracted by phone early on; re-engaged during the skill practice.",
    "Declined to share; listened and completed the worksheet.",
)
LINES_LATE = (
    "Arrived late (bus); joined check-in partway.",
    "Came in late from work; caught up during the break.",
)
LINES_EARLY = (
    "Left early for a childcare pickup; reviewed the handout first.",
    "Left before wrap-up for a medical appointment.",
)
LINES_EXCUSED = (
    "Called ahead: work shift.",
    "Gave notice: medical appointment.",
    "Gave notice: court date.",
)
LINES_TELEHEALTH = (
    "Joined by video from home; connection held.",
    "Joined by video; camera on throughout.",
)

# The demo's supervisor, who co-signs the history's notes (an invented account name).
SUPERVISOR_USER = "demo-supervisor"
SUPERVISOR_NAME = "Rosalind Ledgerwood (demo)"

# The history's notes, as a well-run clinic keeps them: most signed the same evening, a
# few the next working day; co-signed by the supervisor one or two working days later.
# Share of sessions whose block notes are typed, of notes signed late, of notes never
# signed (left for the review queue), and of signed notes not yet co-signed.
BLOCK_NOTE_SHARE = 0.7
SIGN_NEXT_DAY_SHARE = 0.1
UNSIGNED_SHARE = 0.03
UNCOSIGNED_SHARE = 0.04

# Group notes a counselor types for a block, by block kind (no names, nothing identifying).
GROUP_NOTES: dict[str, tuple[str, ...]] = {
    "check-in": (
        "Each member rated cravings 0-10 and named one goal for the week.",
        "Check-in on sleep, meetings attended and use since last group.",
        "Members reported the week's high-risk moments; two asked for time later.",
    ),
    "education": (
        "Walked through the handout; the group built a shared list of warning signs.",
        "Short talk with questions; members linked the material to recent weekends.",
        "Reviewed the stages of a lapse with the whiteboard diagram.",
    ),
    "skill-building": (
        "Paired role plays of the refusal script; pairs swapped roles twice.",
        "Practised urge surfing for ten minutes, then debriefed what each noticed.",
        "Worked the coping-card exercise; each member left with three cards.",
    ),
    "relapse-prevention": (
        "Mapped one high-risk evening per member and a plan to get through it.",
        "Group reviewed each member's emergency contact list and updated it.",
    ),
    "family-education": (
        "Discussed how to talk with family about boundaries at home.",
    ),
    "wrap-up": (
        "Each member named one thing to practise before the next group.",
        "Closed with a round of commitments for the days until next group.",
    ),
}
