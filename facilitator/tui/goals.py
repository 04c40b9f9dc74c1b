"""Recovery-plan goals in the group room: the pane's goal lines and the `g` link dialog.

The participation pane shows the highlighted client's active goals, one line each, with a
✓ on those linked to what they did in the current block. ``g`` opens ``GoalLinkModal``:
the goal's number links (or unlinks) this block to it, stored on the client's attendance
entry (``RunningSession.link_goal``). A client with no plan is shown as such; the screen
never offers a goal the plan does not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from facilitator.core.recovery import NO_PLAN, Goal, RecoveryPlan
from facilitator.tui.failures import FAILURE
from facilitator.tui.session_modals import MODAL_CSS
from facilitator.tui.widgets.plain import Label, Static

UNREADABLE = "Recovery plan file unreadable (facilitator verify names it)."
Plan = RecoveryPlan | None | str   # str: the file could not be read


_PARSED: dict[str, tuple[bytes, Plan]] = {}   # path -> (bytes read, plan): parse only on change


def read_recovery_plans(data, client_ids) -> dict[str, Plan]:
    """Each client's plan (None: none on file; a str: the file could not be read).

    The session screen asks on every reload (each mark); a plan file is re-parsed only
    when its bytes differ from the last read (as ``DataDir.snapshot`` does).
    """
    from facilitator.store import recovery
    from facilitator.store.storage import read_bytes
    plans: dict[str, Plan] = {}
    for cid in client_ids:
        try:
            path = recovery.plan_path(data.root, cid)
            raw = read_bytes(path)
        except FileNotFoundError:
            plans[cid] = None
            continue
        except FAILURE:
            plans[cid] = UNREADABLE
            continue
        key = str(path)
        cached = _PARSED.get(key)
        if cached is not None and cached[0] == raw:
            plans[cid] = cached[1]
            continue
        try:
            plan: Plan = recovery.read_path(path)
        except FAILURE:                   # read_path says anything wrong as DamagedFile
            plan = UNREADABLE
        _PARSED[key] = (raw, plan)
        plans[cid] = plan
    return plans


def goal_lines(plan: Plan, links: tuple[tuple[int, int | None], ...], block: int | None) -> list[str]:
    """One line per active goal ("2 ✓ Say no when coworkers offer"), or the no-plan line."""
    if isinstance(plan, str):
        return [UNREADABLE]
    if plan is None:
        return [NO_PLAN]
    if not plan.active_goals:
        return ["No active goals on the recovery plan."]
    linked = {g for g, b in links if b == block or b is None}   # None: the session as a whole
    return [f"{g.number} {'✓' if g.number in linked else '·'} {g.text}" for g in plan.active_goals]


class GoalLinkModal(ModalScreen[None]):
    """Press a goal's number to link what the client did in this block to it (again: unlink)."""

    DEFAULT_CSS = MODAL_CSS.format(cls="GoalLinkModal") + """
    GoalLinkModal #goal-list { margin: 1 0; width: 1fr; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel", id="goals.cancel")]

    def __init__(self, who: str, block_title: str, goals: tuple[Goal, ...],
                 linked: set[int], toggle: Callable[[int], bool]) -> None:
        super().__init__()
        self.who = who
        self.block_title = block_title
        self.goals = goals
        self.linked = linked
        self.toggle = toggle

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Link {self.who}'s work in {self.block_title or 'this session'} to a goal",
                        classes="modal-title", markup=False)
            lines = [f"{g.number} {'✓' if g.number in self.linked else ' '} {g.text}" for g in self.goals]
            yield Static("\n".join(lines), id="goal-list", markup=False)
            yield Label("goal number links (✓ again unlinks) · escape cancels", classes="modal-keys")

    typed = ""

    def on_key(self, event: events.Key) -> None:
        """Digits name a goal; it is linked as soon as no other goal's number starts with
        them (goals 1 and 12: "1" waits for "2" or enter)."""
        numbers = {str(g.number) for g in self.goals}
        if event.key == "enter" and self.typed:
            event.stop()
            self._choose(self.typed)
        elif event.character and event.character.isascii() and event.character.isdigit():
            event.stop()
            typed = self.typed + event.character
            longer = [n for n in numbers if n.startswith(typed) and n != typed]
            if typed in numbers and not longer:
                self._choose(typed)
            elif longer:
                self.typed = typed
            else:
                self.typed = ""
                self.notify(f"There is no active goal {typed}.", severity="warning")

    def _choose(self, typed: str) -> None:
        self.typed = ""
        if typed not in {str(g.number) for g in self.goals}:
            self.notify(f"There is no active goal {typed}.", severity="warning")
            return
        if self.toggle(int(typed)):
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def plan_text(plan: RecoveryPlan | None, review_days: int, today: date | None) -> str:
    """The whole plan as the supervisor reads it: goals, objectives, changes, reviews."""
    if plan is None:
        return NO_PLAN + "\nCounselors add goals with: facilitator goals add CLIENT --text \"...\""
    due = plan.review_due(review_days)
    late = plan.days_overdue(today, review_days) if today else 0
    lines = [f"Plan started {plan.started:%a %d %b %Y} · reviewed every {review_days} days · "
             f"next review due {due:%a %d %b %Y}" + (f" · OVERDUE {late} days" if late else ""), ""]
    for goal in plan.goals:
        target = f" · target {goal.target:%d %b %Y}" if goal.target else ""
        lines.append(f"Goal {goal.number} [{goal.status}] \"{goal.text}\"{target}")
        lines.extend(f"    - {o}" for o in goal.objectives)
        lines.extend(f"    {c.day:%d %b %Y}: {c.status} ({c.by})" for c in goal.changes)
    lines += ["", "Reviews:"]
    lines.extend(f"  {r.day:%a %d %b %Y} by {r.by}" for r in sorted(plan.reviews, key=lambda r: r.day,
                                                                       reverse=True))
    if not plan.reviews:
        lines.append("  none yet")
    return "\n".join(lines)


class RecoveryPlanScreen(ModalScreen[None]):
    """The client's recovery plan, read-only, with its history of reviews."""

    DEFAULT_CSS = MODAL_CSS.format(cls="RecoveryPlanScreen") + """
    RecoveryPlanScreen > Vertical { width: 100%; height: 100%; }
    RecoveryPlanScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS: ClassVar = [Binding("escape,q", "close", "Back", id="plan.back")]

    def __init__(self, name: str, plan: RecoveryPlan | None, review_days: int, today: date | None) -> None:
        super().__init__()
        self.client_name = name
        self.plan = plan
        self.review_days = review_days
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Recovery plan · {self.client_name}", classes="modal-title", markup=False)
            with VerticalScroll():
                yield Static(plan_text(self.plan, self.review_days, self.today), id="plan-text", markup=False)
            yield Label("↑↓ scroll · escape back", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
