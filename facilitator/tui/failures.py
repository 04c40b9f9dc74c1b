"""What a screen does when a change fails: it catches the one root, shows one sentence, keeps
what was typed.

Every error the store raises on purpose is a ``FacilitatorError`` (``core.errors``): a
``Refusal`` the user can act on (bad input, a role, a rule) or a ``StoreProblem`` (a damaged
file, a busy lock, a full or read-only disk: ``NotSaved``). A screen writes so::

    try:
        change()
    except FAILURE as problem:
        report_failure(self, problem)          # or label=the modal's error line
        return                                 # the form stays open, as typed

and never keeps its own list of types. ``FAILURE`` adds ``OSError`` to the root for a read
outside a change (an unreadable file) that the store passes on as the operating system said it;
every write's ``OSError`` arrives wrapped, as ``NotSaved``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from facilitator.core.errors import FacilitatorError, Refusal
from facilitator.tui.widgets.problem import refusal_sentence

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

    from facilitator.tui.widgets.plain import Static


class Notifies(Protocol):
    """Anything that shows a toast: an app, a widget, or a part a screen holds (SessionActions)."""

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...


# What a store call may raise, caught in one clause by every screen (module docstring).
FAILURE: tuple[type[Exception], ...] = (FacilitatorError, OSError)
NOT_SAVED_TITLE = "Not saved"


def is_refusal(problem: Exception) -> bool:
    """A refusal the user can act on (a warning), not a store problem (an error)."""
    return isinstance(problem, Refusal)


def report_failure(where: App[Any] | Widget | Notifies, problem: Exception, *, label: Static | None = None,
                   title: str | None = None, prefix: str = "", suffix: str = "") -> str:
    """Show why a change failed, in ``label`` (a modal's or a form's error line, given the
    ``-shown`` class) or else as a notification: a refusal as a warning, a store problem as an
    error titled "Not saved". ``prefix`` names the field (an input's label). Returns the
    sentence shown."""
    sentence = prefix + refusal_sentence(problem) + suffix
    if label is not None:
        label.update(sentence)
        label.add_class("-shown")
        return sentence
    refusal = is_refusal(problem)
    where.notify(sentence, title=title if title is not None else ("" if refusal else NOT_SAVED_TITLE),
                 severity="warning" if refusal else "error", markup=False)
    return sentence
