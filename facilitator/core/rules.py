"""Program rules as data, with their sources (see the product brief).

Nothing else in the code base should spell these figures as literals.
"""

from __future__ import annotations

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

# Many payers cap groups at 12-15; warn (never block) above the clinic's cap.
DEFAULT_GROUP_CAP = 12

# Notes are due within 3 business days of the session.
NOTE_DUE_BUSINESS_DAYS = 3

# Recovery plans are reviewed every so many calendar days; each clinic sets its state's rule.
DEFAULT_PLAN_REVIEW_DAYS = 30

# Automatic logoff (HIPAA 164.312(a)(2)(iii)): default idle minutes.
DEFAULT_IDLE_MINUTES = 5
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
