"""Program rules as data, with their sources (see the product brief).

Nothing else in the code base should spell these figures as literals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# ASAM criteria: Level 2.1 IOP >= 9 h/week adults, >= 6 h/week adolescents;
# Level 2.5 PHP >= 20 h/week; Level 1 outpatient < 9 h (no weekly minimum).
LEVELS_OF_CARE: dict[str, float] = {
    "IOP": 9.0,
    "IOP-adolescent": 6.0,
    "PHP": 20.0,
    "OP": 0.0,
}

# HCPCS H0015: at least 3 hours/day and at least 3 days/week of countable time.
H0015_MIN_DAY_MINUTES = 180
H0015_MIN_DAYS_PER_WEEK = 3


@dataclass(frozen=True)
class BillingRule:
    """How a level of care's group days are claimed (the clinic may change the code).

    ``per_diem``: one unit for a day whose countable minutes reach ``min_day_minutes``; a
    day below it is not billable at that code. Otherwise the code is timed: one unit per
    ``BILLING_UNIT_MINUTES``, the last counted from 8 minutes (the CMS "8-minute rule").
    """

    code: str
    per_diem: bool
    min_day_minutes: int


# Timed codes (OP group, H0005) are claimed in 15-minute units: a unit from 8 minutes
# (CMS 8-minute rule: 8-22 minutes = 1 unit, 23-37 = 2, ...). Payers that pay H0005 per
# session or per hour differ; the biller converts.
BILLING_UNIT_MINUTES = 15
BILLING_UNIT_FROM_MINUTES = 8

# Defaults, by level of care:
# - IOP, ASAM 2.1: H0015 "alcohol and/or drug services; intensive outpatient (treatment
#   program that operates at least 3 hours/day and at least 3 days/week ...)", per diem.
# - IOP-adolescent: H0015 too, with the same 3-hour day. HCPCS has no adolescent IOP code,
#   and the 3 hours are the code's own descriptor, not ASAM's adult weekly figure; the
#   adolescents' lower weekly requirement (6 h, ASAM 2.1) changes how many days a week they
#   attend, not what a billable day is. A payer that pays adolescent IOP days of 2 hours
#   under another code gets that code set with `settings set billing-code`.
# - PHP, ASAM 2.5: S0201 "partial hospitalization services, less than 24 hours, per diem";
#   the 4-hour day is the 20-hour ASAM week over five days (many payers' PHP day minimum).
# - OP, ASAM 1: H0005 "alcohol and/or drug services; group counseling by a clinician", timed.
BILLING_RULES: dict[str, BillingRule] = {
    "IOP": BillingRule("H0015", True, H0015_MIN_DAY_MINUTES),
    "IOP-adolescent": BillingRule("H0015", True, H0015_MIN_DAY_MINUTES),
    "PHP": BillingRule("S0201", True, 240),
    "OP": BillingRule("H0005", False, BILLING_UNIT_FROM_MINUTES),
}
DEFAULT_BILLING_CODES: dict[str, str] = {level: rule.code for level, rule in BILLING_RULES.items()}

# CMS place-of-service codes. The clinic's own default, 57, is "Non-residential Substance
# Abuse Treatment Facility: a location which provides treatment for substance (alcohol and
# drug) abuse on an ambulatory basis", which is what an IOP/PHP program is; a clinic billed
# as an office (11) or a community mental health center (53) sets its own. A telehealth
# member at home is 10 ("Telehealth Provided in Patient's Home"); 02 ("Telehealth Provided
# Other than in Patient's Home") is the clinic's other choice.
DEFAULT_PLACE_OF_SERVICE = "57"
TELEHEALTH_PLACES_OF_SERVICE = ("10", "02")
DEFAULT_TELEHEALTH_PLACE_OF_SERVICE = "10"
# CPT modifier 95: "synchronous telemedicine service rendered via real-time interactive
# audio and video". Some payers still want GT; the clinic sets it.
DEFAULT_TELEHEALTH_MODIFIER = "95"


def billing_units(minutes: int, rule: BillingRule) -> int:
    """Units a day of ``minutes`` countable minutes claims under ``rule`` (0: not billable)."""
    if rule.per_diem:
        return 1 if minutes >= rule.min_day_minutes else 0
    whole, rest = divmod(max(0, minutes), BILLING_UNIT_MINUTES)
    return whole + (1 if rest >= BILLING_UNIT_FROM_MINUTES else 0)

# Many payers cap groups at 12-15; warn (never block) above the clinic's cap.
DEFAULT_GROUP_CAP = 12

# Notes are due within 3 business days of the session.
NOTE_DUE_BUSINESS_DAYS = 3

# Recovery plans are reviewed every so many calendar days; each clinic sets its state's rule.
DEFAULT_PLAN_REVIEW_DAYS = 30

# Automatic logoff (HIPAA 164.312(a)(2)(iii)): default idle minutes.
DEFAULT_IDLE_MINUTES = 5
# While a session runs the counselor is with the group, not at the keyboard: the clinic may
# let the lock wait longer then (issue #20: 11 unlocks in one evening at 5 minutes).
DEFAULT_SESSION_IDLE_MINUTES = 15
# Minutes past a session's scheduled end after which it is not continued on the clock: the
# app asks for the real end time instead, offering the scheduled end (issue #20).
DEFAULT_END_GRACE_MINUTES = 15

# Weekday names as typed on the command line, Monday = 0 (Python's weekday()).
WEEKDAYS: dict[str, int] = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class Status(StrEnum):
    """Attendance statuses seen in real systems (OpenEMR, Healthie)."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"
    EXCUSED = "excused"
    TELEHEALTH = "telehealth"

    @property
    def credits_time(self) -> bool:
        """Absent and excused credit nothing; telehealth credits like present."""
        return self not in (Status.ABSENT, Status.EXCUSED)


class BlockKind(StrEnum):
    CHECK_IN = "check-in"
    EDUCATION = "education"
    SKILL_BUILDING = "skill-building"
    RELAPSE_PREVENTION = "relapse-prevention"
    FAMILY_EDUCATION = "family-education"
    BREAK = "break"
    WRAP_UP = "wrap-up"

    @property
    def countable_by_default(self) -> bool:
        """H0015: breaks and recreation are not countable treatment time."""
        return self is not BlockKind.BREAK


class Role(StrEnum):
    COUNSELOR = "counselor"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

# Quick participation picks a counselor taps during group, in display order: (key, label).
# Stored on an attendance entry by key; drafted notes turn each into a sentence.
PARTICIPATION_PICKS: tuple[tuple[str, str], ...] = (
    ("engaged", "engaged"),
    ("shared", "shared personal experience"),
    ("practised", "practised the skill"),
    ("exercise", "completed the exercise"),
    ("feedback", "gave peer feedback"),
    ("supportive", "supportive of peers"),
    ("triggers", "identified triggers"),
    ("reframed", "challenged a thinking error"),
    ("quiet", "quiet but attentive"),
    ("minimal", "minimal participation"),
    ("distracted", "distracted"),
    ("disruptive", "disruptive"),
    ("left_early", "left early"),
)

# The clinical phrase each pick becomes in a drafted note ("<first name> <phrase>.").
PARTICIPATION_PHRASES: dict[str, str] = {
    "engaged": "was engaged throughout the session",
    "shared": "shared personal experience related to the topic",
    "practised": "practised the skill taught in session",
    "exercise": "completed the in-session exercise",
    "feedback": "gave constructive feedback to peers",
    "supportive": "was supportive of other group members",
    "triggers": "identified personal triggers for use",
    "reframed": "challenged a thinking error with staff support",
    "quiet": "was quiet but attentive",
    "minimal": "participated minimally and required prompting",
    "distracted": "appeared distracted at times and was redirected",
    "disruptive": "was disruptive at times and was redirected by staff",
    "left_early": "left the group before it ended",
}
