"""The app draws no escape sequence from the clinic's data (#21): a plan title, a note or a
name holding ESC, a C1 control or a direction override reaches the screen without them.

Textual itself strips only BEL, BS, VT, FF and CR; the app adds a line filter
(``tui.terminal.TerminalSafe``) through Textual's public ``App.get_line_filters``. The
first test fails if a Textual upgrade stops asking the app for its filters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.geometry import Region

from facilitator.tui.clinic_app import ClinicApp
from facilitator.tui.terminal import TerminalSafe
from facilitator.tui.widgets.plain import Static
from tests.conftest import FakeClock

EVIL = "Check-in \x1b]0;PWNED\x07 \u009b2J \u202eevil"


def drawn_line(widget: Static):
    """The widget's first line as the compositor gets it: after every line filter."""
    return widget.render_lines(Region(0, 0, widget.size.width, 1))[0]


class OneLine(ClinicApp):
    def compose(self) -> ComposeResult:
        yield Static(EVIL, id="evil")
        yield Static("Check-in ]0;PWNED 2J evil", id="plain")


async def test_a_line_holding_escapes_is_drawn_without_them_and_keeps_its_width(tmp_path):
    app = OneLine(None, clock=FakeClock(), user="counselor1")    # type: ignore[arg-type]
    async with app.run_test(size=(60, 4)) as pilot:
        await pilot.pause()
        evil = drawn_line(app.query_one("#evil", Static))
        plain = drawn_line(app.query_one("#plain", Static))
        drawn = "".join(segment.text for segment in evil)
        assert "\x1b" not in drawn and "\u009b" not in drawn and "\u202e" not in drawn
        assert drawn == "".join(segment.text for segment in plain)
        assert evil.cell_length == plain.cell_length == 60


def test_the_filter_leaves_printable_lines_alone():
    from rich.segment import Segment
    from textual.color import Color
    line = [Segment("李 小龙 José "), Segment("\u0645\u200c\u0647")]
    assert TerminalSafe().apply(line, Color(0, 0, 0)) == line


async def test_the_real_app_asks_for_the_filter(tmp_path):
    from facilitator.tui.app import make_app
    from tests.conftest import make_test_clinic
    clock = FakeClock()
    data = make_test_clinic(tmp_path / "clinic", clock=clock, user="counselor1")
    app = make_app(data, clock=clock, user="counselor1")
    assert any(isinstance(f, TerminalSafe) for f in app.get_line_filters())
