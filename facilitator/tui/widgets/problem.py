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
