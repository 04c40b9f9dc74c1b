"""Recovery-plan goals in the group room: the pane's goal lines and the `g` link dialog.

The participation pane shows the highlighted client's active goals, one line each, with a
✓ on those linked to what they did in the current block. ``g`` opens ``GoalLinkModal``:
the goal's number links (or unlinks) this block to it, stored on the client's attendance
entry (``RunningSession.link_goal``). A client with no plan is shown as such; the screen
never offers a goal the plan does not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from facilitator.core.recovery import NO_PLAN, Goal, RecoveryPlan
from facilitator.tui.session_modals import MODAL_CSS

UNREADABLE = "Recovery plan file unreadable (facilitator verify names it)."
Plan = RecoveryPlan | None | str   # str: the file could not be read


def read_recovery_plans(data, client_ids) -> dict[str, Plan]:
    """Each client's plan (None: none on file; a str: the file could not be read)."""
    from facilitator.store import recovery
    from facilitator.store.files import DamagedFile
    plans: dict[str, Plan] = {}
    for cid in client_ids:
        try:
            plans[cid] = recovery.read(data, cid)
        except (DamagedFile, OSError, ValueError):
            plans[cid] = UNREADABLE
    return plans


def goal_lines(plan: Plan, links: tuple[tuple[int, int | None], ...], block: int | None) -> list[str]:
    """One line per active goal ("2 ✓ Say no when coworkers offer"), or the no-plan line."""
    if isinstance(plan, str):
        return [UNREADABLE]
    if plan is None:
        return [NO_PLAN]
    if not plan.active_goals:
        return ["No active goals on the recovery plan."]
    linked = {g for g, b in links if b == block}
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

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            event.stop()
            number = int(event.character)
            if any(g.number == number for g in self.goals):
                if self.toggle(number):
                    self.dismiss(None)
            else:
                self.notify(f"There is no active goal {number}.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
