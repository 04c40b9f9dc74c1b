"""A panel that says what is wrong with the data (a damaged file), instead of a crash."""

from __future__ import annotations

from textual.widgets import Static


class ProblemPanel(Static):
    DEFAULT_CSS = """
    ProblemPanel {
        display: none;
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $error;
        color: $text-error;
        background: $error-muted;
    }
    ProblemPanel.-shown {
        display: block;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def show_problem(self, message: str | None) -> None:
        self.set_class(bool(message), "-shown")
        self.update(message or "")


def problem_message(problem: Exception | None) -> str | None:
    """The one sentence a person sees for a read problem (``None`` when all is well)."""
    if isinstance(problem, FileNotFoundError):
        return f"{problem.filename} is missing. Restore it from a backup, then run `facilitator verify`."
    return str(problem) if problem else None


def announce_problem(app, message: str | None, previous: str | None) -> None:
    """Notify once per new problem; the panel keeps showing it after the toast goes."""
    if message and message != previous:
        app.notify(message, title="Cannot read the clinic's data", severity="error",
                   timeout=10, markup=False)
