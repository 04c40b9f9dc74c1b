"""A client's recovery plan: goals in the client's own words, reviewed at a clinic interval.

IOP promises "a unique recovery plan that focuses on your individual needs"; a group note
must say how this group served this client's plan. A plan holds a few goals, each with
measurable objectives, an optional target date and a status (active, met, revised), and
the history of its reviews. The review interval is a clinic setting in calendar days
(``ClinicSettings.plan_review_days``, default 30): "a month" is deliberately not a unit,
because Jan 31 + 1 month has no single answer and states write their rules in days.

Goals are numbered 1, 2, 3 … within a plan and never renumbered: "goal 2" in a session
record keeps meaning the same goal after goal 1 is met. A revised goal stays (status
``revised``) and its rewording is added as a new goal.

Pure: dates are parameters; the clinic's zone turns a timestamp into a review day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from facilitator.core.errors import InputError
from facilitator.core.permissions import allowed
from facilitator.core.roster import check_client_id
from facilitator.core.rules import DEFAULT_PLAN_REVIEW_DAYS

if TYPE_CHECKING:
    from facilitator.core.clinic import Staff

DEFAULT_REVIEW_DAYS = DEFAULT_PLAN_REVIEW_DAYS
MAX_REVIEW_DAYS = 365
MAX_GOAL_LENGTH = 300
MAX_OBJECTIVES = 10
MAX_GOALS = 20


class GoalStatus(StrEnum):
    ACTIVE = "active"
    MET = "met"
    REVISED = "revised"


def check_review_days(value: Any, *, field: str = "plan_review_days") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REVIEW_DAYS:
        raise InputError(f"the plan review interval must be a whole number of days from 1 to "
                         f"{MAX_REVIEW_DAYS}", field=field)
    return value


def check_words(text: Any, *, what: str, field: str) -> str:
    """A goal or objective as typed: single-spaced, printable, not empty, not too long.

    The error never repeats the text: it is the client's words.
    """
    if not isinstance(text, str):
        raise InputError(f"the {what} must be text", field=field)
    if any(not c.isprintable() for c in text):
        raise InputError(f"the {what} holds a control character (a line break, tab or escape)",
                         field=field)
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InputError(f"the {what} is empty", field=field)
    if len(cleaned) > MAX_GOAL_LENGTH:
        raise InputError(f"the {what} is longer than {MAX_GOAL_LENGTH} characters", field=field)
    return cleaned


def _day(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise InputError("a date is missing", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("a date is not YYYY-MM-DD", field=field) from None


def _user(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value or not value.isprintable() or len(value) > 64:
        raise InputError("a staff account name is missing or not printable", field=field)
    return value


@dataclass(frozen=True)
class StatusChange:
    """A goal's status set on a day by a staff member."""

    status: GoalStatus
    day: date
    by: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": str(self.status), "day": self.day.isoformat(), "by": self.by}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatusChange:
        return cls(status=GoalStatus(data["status"]), day=_day(data["day"], "day"),
                   by=_user(data["by"], "by"))


@dataclass(frozen=True)
class Goal:
    """One goal in the client's own words, with measurable objectives."""

    number: int
    text: str
    set_on: date
    objectives: tuple[str, ...] = ()
    target: date | None = None
    status: GoalStatus = GoalStatus.ACTIVE
    changes: tuple[StatusChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "text": self.text, "set_on": self.set_on.isoformat(),
            "objectives": list(self.objectives),
            "target": self.target.isoformat() if self.target else None,
            "status": str(self.status), "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Goal:
        number = data["number"]
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 10 * MAX_GOALS:
            raise InputError("a goal number is not a whole number", field="number")
        objectives = data.get("objectives", [])
        if not isinstance(objectives, list) or len(objectives) > MAX_OBJECTIVES:
            raise InputError("a goal's objectives are not a short list", field="objectives")
        changes = data.get("changes", [])
        if not isinstance(changes, list):
            raise InputError("a goal's status history is not a list", field="changes")
        return cls(
            number=number, text=check_words(data["text"], what="goal", field="text"),
            set_on=_day(data["set_on"], "set_on"),
            objectives=tuple(check_words(o, what="objective", field="objectives") for o in objectives),
            target=_day(data["target"], "target") if data.get("target") is not None else None,
            status=GoalStatus(data["status"]),
            changes=tuple(StatusChange.from_dict(c) for c in changes),
        )


@dataclass(frozen=True)
class Review:
    """A review of a recovery plan: the day, and who reviewed it."""

    day: date
    by: str

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "by": self.by}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Review:
        return cls(day=_day(data["day"], "day"), by=_user(data["by"], "by"))


@dataclass(frozen=True)
class RecoveryPlan:
    """A client's recovery plan: when it started, its goals and its reviews."""

    client_id: str
    started: date
    goals: tuple[Goal, ...] = ()
    reviews: tuple[Review, ...] = field(default=())

    # -- reading ---------------------------------------------------------------------
    @property
    def active_goals(self) -> tuple[Goal, ...]:
        return tuple(g for g in self.goals if g.status is GoalStatus.ACTIVE)

    def goal(self, number: int) -> Goal:
        for goal in self.goals:
            if goal.number == number:
                return goal
        raise InputError(f"the plan has no goal {number}", field="GOAL")

    @property
    def last_review(self) -> date | None:
        return max((r.day for r in self.reviews), default=None)

    def review_due(self, interval_days: int) -> date:
        """The day the next review is due: last review (or the plan's start) + the interval."""
        check_review_days(interval_days)
        return (self.last_review or self.started) + timedelta(days=interval_days)

    def days_overdue(self, today: date, interval_days: int) -> int:
        return max(0, (today - self.review_due(interval_days)).days)

    def review_overdue(self, today: date, interval_days: int) -> bool:
        return self.days_overdue(today, interval_days) > 0

    # -- the file --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "started": self.started.isoformat(),
                "goals": [g.to_dict() for g in self.goals],
                "reviews": [r.to_dict() for r in self.reviews]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecoveryPlan:
        """Strict: a wrong type, a control character or a repeated goal number raises."""
        goals, reviews = data.get("goals", []), data.get("reviews", [])
        if not isinstance(goals, list) or len(goals) > MAX_GOALS:
            raise InputError("the goals are not a list of at most 20", field="goals")
        if not isinstance(reviews, list):
            raise InputError("the reviews are not a list", field="reviews")
        plan = cls(client_id=check_client_id(data["client_id"]), started=_day(data["started"], "started"),
                   goals=tuple(Goal.from_dict(g) for g in goals),
                   reviews=tuple(Review.from_dict(r) for r in reviews))
        numbers = [g.number for g in plan.goals]
        if len(set(numbers)) != len(numbers):
            raise InputError("two goals have the same number", field="goals")
        return plan


# --- changes (each returns a new plan) ----------------------------------------------------

def add_goal(plan: RecoveryPlan, text: str, *, objectives: Sequence[str], target: date | None,
             day: date) -> RecoveryPlan:
    if len(plan.goals) >= MAX_GOALS:
        raise InputError(f"a plan holds at most {MAX_GOALS} goals; mark old ones met or revised",
                         field="--text")
    words = check_words(text, what="goal", field="--text")
    if len(objectives) > MAX_OBJECTIVES:
        raise InputError(f"a goal has at most {MAX_OBJECTIVES} objectives", field="--objective")
    checked = tuple(check_words(o, what="objective", field="--objective") for o in objectives)
    if target is not None and target <= day:
        raise InputError(f"the target date {target} is not after today ({day})", field="--target")
    number = max((g.number for g in plan.goals), default=0) + 1
    goal = Goal(number=number, text=words, set_on=day, objectives=checked, target=target)
    return replace(plan, goals=(*plan.goals, goal))


def set_status(plan: RecoveryPlan, number: int, status: GoalStatus, *, day: date, by: str) -> RecoveryPlan:
    goal = plan.goal(number)
    if goal.status is status:
        raise InputError(f"goal {number} is already {status}", field="STATUS")
    changed = replace(goal, status=status, changes=(*goal.changes, StatusChange(status, day, by)))
    return replace(plan, goals=tuple(changed if g.number == number else g for g in plan.goals))


def record_review(plan: RecoveryPlan, *, day: date, by: str) -> RecoveryPlan:
    if day < plan.started:
        raise InputError(f"a review on {day} is before the plan started ({plan.started})", field="date")
    return replace(plan, reviews=(*plan.reviews, Review(day=day, by=by)))


def review_day(at: datetime, tz: tzinfo) -> date:
    """The clinic-local calendar day of a moment (a review recorded at 23:30 is that day's)."""
    return at.astimezone(tz).date()


# --- naming goals -------------------------------------------------------------------------

_REF = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):([1-9][0-9]{0,2})$")


def goal_ref(client_id: str, number: int) -> str:
    """How the command line and the audit log name a goal: ``C-104:2``."""
    return f"{client_id}:{number}"


def parse_goal_ref(text: str, *, field: str = "GOAL") -> tuple[str, int]:
    match = _REF.match(text.strip())
    if not match:
        raise InputError(f"{text.strip()[:40]!r} is not a goal (CLIENT:NUMBER, e.g. C-104:2)", field=field)
    return match.group(1), int(match.group(2))


# --- authority ------------------------------------------------------------------------------

def may_change_plan(staff: Staff | None) -> bool:
    """Whether this staff member may change a recovery plan (the store and sync ask this)."""
    return staff is not None and staff.active and allowed(staff.role, "plan.change")


# --- the note's part ------------------------------------------------------------------------

NO_PLAN = "No recovery plan on file."
NOT_ADDRESSED = "not addressed in this group"
_GOAL_MENTION = r"(?<!\w)goal\s*#?\s*{n}(?!\w)"


def mentioned_goals(text: str, numbers: Iterable[int]) -> set[int]:
    """Goal numbers the counselor's text names ("goal 2", "Goal #2")."""
    return {n for n in numbers if re.search(_GOAL_MENTION.format(n=n), text, re.IGNORECASE)}


# --- sync: merging a laptop's copy with the host's ----------------------------------------

class PlanConflict(InputError):
    """Two copies of a plan that cannot be merged without a person (nothing is dropped)."""


def merge_plans(base: RecoveryPlan | None, ours: RecoveryPlan, theirs: RecoveryPlan) -> RecoveryPlan:
    """Three-way merge of one client's plan (``base``: the copy both sides last agreed on).

    A goal's words, objectives and target never change after it is added, so copies differ
    only by goals added, status changes and reviews: goals are matched by number; status
    histories and reviews are unions in date order, and a goal's status is its latest
    change's. The same new number holding different words on both sides (a goal added on
    the laptop and on the host while apart) raises ``PlanConflict``: renumbering would
    point the session records' goal links at the wrong goal.
    """
    if ours.client_id != theirs.client_id:
        raise PlanConflict("the two plans are for different clients", field="client_id")
    mine = {g.number: g for g in ours.goals}
    other = {g.number: g for g in theirs.goals}
    goals: list[Goal] = []
    for number in sorted(mine.keys() | other.keys()):
        a, b = mine.get(number), other.get(number)
        if a is None or b is None:
            goals.append(a if a is not None else other[number])
            continue
        if (a.text, a.set_on, a.objectives, a.target) != (b.text, b.set_on, b.objectives, b.target):
            raise PlanConflict(f"goal {number} was added differently on both copies; keep one and "
                               f"add the other again", field="goals")
        changes = tuple(sorted(set(a.changes) | set(b.changes), key=lambda c: (c.day, str(c.status), c.by)))
        status = changes[-1].status if changes else a.status if a.status == b.status else GoalStatus.ACTIVE
        goals.append(replace(a, changes=changes, status=status))
    reviews = tuple(sorted(set(ours.reviews) | set(theirs.reviews), key=lambda r: (r.day, r.by)))
    return RecoveryPlan(client_id=ours.client_id, started=min(ours.started, theirs.started),
                        goals=tuple(goals), reviews=reviews)
