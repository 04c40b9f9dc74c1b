"""F1 help: the keys of the screen underneath (from its live bindings) and how to use it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen

from facilitator.tui.widgets.plain import Label, Static

GENERAL_HOW_TO = "Press ctrl+p for the command palette: every command, searchable by name."


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """(key, what it does) for every described binding active on ``screen``, shown ones first."""
    app = screen.app
    found: dict[str, tuple[bool, str, str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        description = binding.description
        if binding.tooltip:
            description = f"{description}: {binding.tooltip}"
        key = app.get_key_display(binding)
        # Several keys for one action (q, ctrl+q) are listed together.
        entry = found.get(binding.action)
        if entry:
            found[binding.action] = (entry[0] or binding.show, f"{entry[1]}, {key}", entry[2])
        else:
            found[binding.action] = (binding.show, key, description)
    shown = sorted(found.values(), key=lambda e: not e[0])
    return [(key, description) for _, key, description in shown]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        color: $foreground;
        padding: 0 1;
    }
    HelpScreen .help-title {
        text-style: bold;
        color: $text-primary;
        width: 1fr;
    }
    HelpScreen .help-how-to {
        margin-top: 1;
    }
    HelpScreen .help-keys {
        margin: 1 0;
    }
    """

    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close", id="help.close"),
    ]

    def __init__(self, title: str, keys: list[tuple[str, str]], how_to: str) -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys
        self.how_to = how_to

    @classmethod
    def for_screen(cls, screen: Screen) -> HelpScreen:
        how_to = getattr(screen, "HOW_TO", "")
        title = getattr(screen, "HELP_TITLE", None) or type(screen).__name__.removesuffix("Screen")
        text = "\n".join(p for p in (how_to, GENERAL_HOW_TO) if p)
        return cls(f"Help · {title}", screen_keys(screen), text)

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.keys), default=0)
        lines = "\n".join(f"{key:>{width}}  {what}" for key, what in self.keys)
        with VerticalScroll():
            yield Label(f"{self.help_title}   (Escape closes)", classes="help-title")
            yield Static(self.how_to, classes="help-how-to", markup=False)
            yield Static(lines, classes="help-keys", markup=False)

    def action_close(self) -> None:
        self.dismiss()
