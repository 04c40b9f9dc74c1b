"""The one-line header: clinic name on the left; who is acting, and the date, on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from facilitator.tui.widgets.plain import Label


class ClinicHeader(Horizontal):
    DEFAULT_CSS = """
    ClinicHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    ClinicHeader #header-clinic {
        width: 1fr;
        padding: 0 1;
        text-style: bold;
    }
    ClinicHeader #header-who {
        width: auto;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Label("facilitator", id="header-clinic")
        yield Label("", id="header-who")

    def show(self, clinic: str, who: str, day: str) -> None:
        self.query_one("#header-clinic", Label).update(clinic)
        self.query_one("#header-who", Label).update(" · ".join(p for p in (who, day) if p))
