"""A client's weeks as a bar chart, one line each: credited hours against the requirement.

``█`` is credited time and ``░`` what was missing up to the requirement; the scale is the
largest week shown, so a week over the requirement draws longer. The flag is in words.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from facilitator.core.hours import WeeklyRow
from facilitator.core.weeks import Week
from facilitator.tui.widgets.hoursbar import FLAG_WORDS, bar, flag_style, hours_down, required_text
from facilitator.tui.widgets.plain import Static

LABEL_WIDTH = 10       # "W48 23 Nov"
FIGURE_WIDTH = 9       # " 12.5/20 "


def week_label(week: Week) -> str:
    return f"{week.label[-3:]} {week.first.day:>2} {week.first:%b}"


def chart_text(weeks: list[tuple[Week, WeeklyRow | None]], this_week: Week,
               colours: Mapping[str, str], width: int) -> Text:
    # label, space, bar, figure, two spaces, "at-risk (this week)"
    bar_width = max(8, min(40, width - LABEL_WIDTH - 1 - FIGURE_WIDTH - 2 - 19))
    scale = max([max(r.required_minutes, r.credited_minutes) for _, r in weeks if r] + [1.0])
    muted = colours.get("foreground-muted", "")
    text = Text(end="")
    for index, (week, row) in enumerate(weeks):
        if index:
            text.append("\n")
        label_style = "bold underline" if week == this_week else ""
        text.append(week_label(week), style=label_style)
        text.append(" ")
        if row is None:
            text.append(" " * bar_width)
            text.append(f" {'—':>{FIGURE_WIDTH - 1}}")
            text.append("  not enrolled", style=muted)
            continue
        style = flag_style(row.flag, colours)
        text.append_text(bar(row.credited_minutes, row.required_minutes, bar_width, style, muted,
                             scale_minutes=scale))
        figure = f"{hours_down(row.credited_minutes)}/{required_text(row.required_hours)}"
        text.append(f" {figure:>{FIGURE_WIDTH - 1}}")
        text.append("  ")
        text.append(FLAG_WORDS[row.flag], style=style)
        if week == this_week:
            text.append(" (this week)", style=muted)
    return text


class WeekChart(Static):
    DEFAULT_CSS = """
    WeekChart {
        height: auto;
        padding: 0 1;
    }
    """
