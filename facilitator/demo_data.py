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
DEMO_PIN = "1234"      # the demo account's idle-lock PIN (printed by `facilitator demo`)

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


# --- recovery plans -------------------------------------------------------------------------
# Goals in the client's own words, each with measurable objectives. Dates are offsets from
# today. The review interval is the clinic's default (30 days): a plan whose last review (or
# start) is more than 30 days back is overdue. Newly admitted clients (RB-1009, RB-1019) and
# RB-1023 have no plan yet: the app shows "No recovery plan on file", never invented goals.

@dataclass(frozen=True)
class GoalSpec:
    text: str
    objectives: tuple[str, ...]
    target: int | None = None          # days from today
    status: str = "active"             # "met" / "revised": changed `changed` days from today
    changed: int = -7


@dataclass(frozen=True)
class PlanSpec:
    started: int                       # days from today (never before admission)
    reviews: tuple[int, ...]           # days from today
    goals: tuple[GoalSpec, ...]


PLANS: dict[str, PlanSpec] = {
    "RB-1001": PlanSpec(-70, (-40, -12), (
        GoalSpec("I want to get my license back", ("Pay the reinstatement fee by the target date",
                 "Complete the DUI education class (8 sessions)"), 60),
        GoalSpec("Stop drinking after work with the guys", ("Use a refusal line at least 3 times a week",
                 "Go straight home or to a meeting 4 of 5 workdays"), 45),
        GoalSpec("Sleep through the night without pills", ("Keep a sleep log every night",
                 "7 hours of sleep on 5 nights a week"), status="met", changed=-12),
    )),
    "RB-1002": PlanSpec(-55, (), (        # never reviewed: overdue
        GoalSpec("Be someone my kids can count on again", ("Be on time for every custody visit",
                 "Attend the parenting class once a week"), 90),
        GoalSpec("Stay clean for 90 days", ("Negative drug screens every week",
                 "Call my sponsor before using, every time I have a craving"), 50),
    )),
    "RB-1003": PlanSpec(-85, (-55, -25), (
        GoalSpec("Go back to my job at the bakery", ("Meet with HR to plan the return",
                 "Work 3 half-days a week without using"), 30),
        GoalSpec("Handle my anger without a drink", ("Use the 5-minute time-out when angry",
                 "Name the feeling out loud in group once a week"), 40),
    )),
    "RB-1004": PlanSpec(-95, (-62, -33), (   # last review 33 days ago: overdue by 3
        GoalSpec("Keep my apartment", ("Pay rent on time 3 months running",
                 "Meet with the housing case manager twice a month"), 75),
        GoalSpec("Find friends who don't use", ("Go to one sober social event a week",
                 "Add 3 sober contacts to my phone"), 60),
        GoalSpec("Quit drinking on weekends", ("Weekend plan written by every Friday",), status="revised",
                 changed=-33),
    )),
    "RB-1005": PlanSpec(-6, (), (
        GoalSpec("Figure out what sets me off", ("List 5 personal triggers",
                 "Write a coping plan for the top 2"), 21),
        GoalSpec("Get through the holidays sober", ("Plan for each family gathering with my counselor",), 35),
    )),
    "RB-1007": PlanSpec(-40, (), (        # never reviewed: overdue by 10
        GoalSpec("Stop lying to my mom about using", ("Tell her one true thing each week",
                 "Invite her to family education night"), 45),
        GoalSpec("Make it to group every time", ("Attend 3 of 3 groups a week",
                 "Call ahead when I can't come"), 30),
    )),
    "RB-1008": PlanSpec(-75, (-45, -16), (
        GoalSpec("Cut back to no drinking on work nights", ("Zero drinks Sunday to Thursday",
                 "Track drinks in the app daily"), 30),
        GoalSpec("Get my blood pressure down", ("See my doctor this month",
                 "Walk 20 minutes 4 days a week"), 60),
    )),
    "RB-1010": PlanSpec(-55, (-26,), (
        GoalSpec("Stop using when I'm lonely at night", ("Call someone on my list instead, 3 nights a week",
                 "Go to the Tuesday night meeting"), 40),
        GoalSpec("Pay off what I owe my brother", ("Set up a payment plan", "Pay $50 every two weeks"), 120),
    )),
    "RB-1011": PlanSpec(-50, (-20,), (
        GoalSpec("Pass my classes this semester", ("Turn in every homework assignment",
                 "Meet the school counselor every other week"), 40),
        GoalSpec("Stop vaping at school", ("Name one urge and what I did instead, in every group",), 30),
    )),
    "RB-1012": PlanSpec(-60, (), (        # never reviewed: overdue
        GoalSpec("Not get kicked off the soccer team", ("Clean tests for the coach every week",
                 "Go to every practice"), 45),
        GoalSpec("Stay away from the kids I used with", ("Block their numbers",
                 "Plan where I'll be after school every day"), 30),
        GoalSpec("Talk to my dad about what happened", ("Write him a letter with my counselor",), 60),
    )),
    "RB-1013": PlanSpec(-10, (), (
        GoalSpec("Get my phone back from my parents", ("Two weeks of clean screens",
                 "Check in with my mom after school every day"), 25),
        GoalSpec("Find something else to do on Friday nights", ("Try one new activity a week",), 40),
    )),
    "RB-1014": PlanSpec(-110, (-80, -50, -21), (
        GoalSpec("Keep my 6 months clean going", ("Meet my sponsor weekly",
                 "Lead one share in group a month"), 60),
        GoalSpec("Start the welding certificate", ("Apply by the deadline", "Visit the campus"),
                 status="met", changed=-21),
        GoalSpec("Be honest with my wife about money", ("Go over the budget with her every Sunday",), 45),
    )),
    "RB-1015": PlanSpec(-70, (-42, -14), (
        GoalSpec("Drink only water at family parties", ("Bring my own drinks to every party",
                 "Leave by 9 if I feel shaky"), 30),
        GoalSpec("Get back to painting", ("Paint for an hour twice a week",), 50),
    )),
    "RB-1017": PlanSpec(-45, (-15,), (
        GoalSpec("Get off the pills safely", ("Follow the taper with my doctor",
                 "Report withdrawal symptoms at every check-in"), 30),
        GoalSpec("Get my driving record cleared up", ("Go to the court date", "Pay the fines in installments"),
                 80),
    )),
    "RB-1018": PlanSpec(-58, (), (        # never reviewed: overdue
        GoalSpec("Stop ending up in the ER", ("No ER visits for drinking this month",
                 "Use the crisis line before it gets that bad"), 30),
        GoalSpec("Eat three meals a day", ("Log meals daily", "Eat breakfast at program every morning"), 21),
    )),
    "RB-1020": PlanSpec(-65, (-35, -6), (
        GoalSpec("Get ready to step down to IOP", ("Attend every PHP day for 2 weeks",
                 "Write a relapse-prevention plan"), 14),
        GoalSpec("Reconnect with my sister", ("Call her once a week",
                 "Invite her to family education"), 60),
    )),
    "RB-1021": PlanSpec(-32, (), (        # started 32 days ago, no review: overdue by 2
        GoalSpec("Handle cravings without a drink", ("Use urge surfing when a craving hits",
                 "Rate cravings 0-10 every day"), 30),
        GoalSpec("Get back on my anxiety medication", ("See the psychiatrist", "Take it every day"), 20),
    )),
    "RB-1024": PlanSpec(-24, (), (
        GoalSpec("Hold on to my job at the warehouse", ("No missed shifts", "Tell my supervisor about IOP"),
                 45),
        GoalSpec("Quit smoking weed every night", ("Cut down to weekends first", "Clean screen by the target"),
                 40),
    )),
    "RB-1025": PlanSpec(-40, (-11,), (
        GoalSpec("Move out of my cousin's place where everyone uses", ("Apply to 2 sober living houses",
                 "Save $300 for the deposit"), 45),
        GoalSpec("Go one month without a blackout", ("No drinks over 2 in a day",), 30),
    )),
}

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
