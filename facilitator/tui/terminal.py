"""Every line the app draws, with nothing in it that could drive the terminal (#21).

Textual strips only BEL, BS, VT, FF and CR from the text it draws; an ESC in a name, a note
or a plan title would reach the terminal as the start of an escape sequence (a window title,
an OSC 52 clipboard write). ``TerminalSafe`` is a Textual line filter, the public hook every
widget's lines pass through (``App.get_line_filters``): it drops each control, direction
override and invisible format character from the text of each segment
(``core.display.removed``). All of them are zero cells wide, so the layout is unchanged.
Textual's own control segments (cursor moves) are not text and pass.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from facilitator.core.display import removed


class TerminalSafe(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments
        return [segment if segment.control or segment.text.isprintable()
                else Segment(removed(segment.text), segment.style) for segment in segments]
