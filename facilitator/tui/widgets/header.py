"""The one-line header: clinic name on the left; who is acting, and the date, on the right.

One widget drawing one line (every screen has it, and the home screen is drawn at every
start: benchmark figure 1). The right side is always shown whole; the clinic name gets
what is left and ends in "…" when it is cut.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


def header_line(clinic: str, who: str, width: int) -> Text:
    """`` clinic`` in bold, then ``who `` at the right edge: exactly ``width`` cells."""
    right = Text(f" {who} ")
    left = Text(f" {clinic}", style="bold", no_wrap=True, overflow="ellipsis")
    room = width - left.cell_len - right.cell_len
    if room < 1:          # too narrow for both: cut the name (at least " …"), keep who
        left.truncate(max(2, width - right.cell_len - 1), overflow="ellipsis")
        room = 1
    line = Text.assemble(left, " " * room, right, no_wrap=True, overflow="crop")
    line.truncate(width)            # narrower still: the right edge goes too
    return line


class ClinicHeader(Widget):
    DEFAULT_CSS = """
    ClinicHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    clinic: reactive[str] = reactive("facilitator", layout=False)
    who: reactive[str] = reactive("", layout=False)

    def show(self, clinic: str, who: str, day: str) -> None:
        self.clinic = clinic
        self.who = " · ".join(p for p in (who, day) if p)

    def render(self) -> Text:
        return header_line(self.clinic, self.who, self.size.width)
