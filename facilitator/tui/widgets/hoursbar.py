"""Hours as text: figures, small bars and the met / at-risk / below flag, in words and colour.

Colours come from the theme's ``text-*`` variables, which both built-in themes make
readable on their own background (and which stay distinct at 256 colours); the flag is
always written out too, so nothing depends on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.text import Text
from textual.color import Color, ColorParseError

from facilitator.core.hours import Flag, WeeklyRow, hours_down, hours_up  # noqa: F401 (re-exported)

FLAG_WORDS = {Flag.MET: "met", Flag.AT_RISK: "at-risk", Flag.BELOW: "below"}
FLAG_VARIABLE = {Flag.MET: "text-success", Flag.AT_RISK: "text-warning", Flag.BELOW: "text-error"}
FULL, EMPTY = "█", "░"


def theme_colours(variables: Mapping[str, str]) -> dict[str, str]:
    """The theme's variables as solid colours Rich can use: translucent ones (like
    ``foreground-muted``) are blended over the background."""
    background = Color.parse(variables.get("background", "#000000"))
    solid: dict[str, str] = {}
    for name in ("text-error", "text-warning", "text-success", "text-primary", "foreground",
                 "foreground-muted"):
        try:
            solid[name] = (background + Color.parse(variables[name])).hex
        except (KeyError, ColorParseError):
            continue
    return solid


def required_text(hours: float) -> str:
    """9 -> '9', 6.666 -> '6.7'."""
    text = f"{hours:.1f}"
    return text[:-2] if text.endswith(".0") else text


def flag_style(flag: Flag, colours: Mapping[str, str]) -> str:
    colour = colours.get(FLAG_VARIABLE[flag], "")
    return f"bold {colour}".strip()


def flag_text(flag: Flag, colours: Mapping[str, str]) -> Text:
    return Text(FLAG_WORDS[flag], style=flag_style(flag, colours), end="")


def bar(credited_minutes: float, required_minutes: float, width: int, style: str,
        empty_style: str = "", scale_minutes: float | None = None) -> Text:
    """``width`` cells: credited time filled, the rest of the requirement shaded.

    With ``scale_minutes`` (e.g. the largest week shown) the bar is drawn to that scale,
    so time over the requirement shows as a longer bar; without it, full = required.
    """
    scale = scale_minutes or required_minutes
    if scale <= 0:
        filled = width if credited_minutes > 0 else 0
        shaded = 0
    else:
        # rounded down, as the hours beside it are: 1 credited minute fills no cell
        filled = min(width, math.floor(width * credited_minutes / scale + 1e-9))
        upto = min(width, round(width * required_minutes / scale))
        shaded = max(0, upto - filled)
    text = Text(end="")
    text.append(FULL * filled, style=style)
    text.append(EMPTY * shaded, style=empty_style)
    text.append(" " * (width - filled - shaded))
    return text


def needs_phrase(row: WeeklyRow) -> str:
    """'needs 2.8 h in 1 session' (a week still open) or 'short 2.8 h' (a closed one),
    then the holiday closure when there was one."""
    holiday = ""
    if row.holiday_week:
        holiday = (f" · holiday week: {row.closed_meetings} of {row.usual_meetings} "
                   "meetings closed, requirement prorated")
    if row.flag is Flag.MET:
        over = row.credited_minutes - row.required_minutes
        return (f"{hours_down(over)} h over" if over >= 6 else "met") + holiday
    hours = hours_up(row.shortfall_minutes)
    left = row.sessions_left
    if left:
        return f"needs {hours} h in {left} session{'s' if left != 1 else ''}" + holiday
    return f"short {hours} h" + holiday


def needs_cell(row: WeeklyRow) -> str:
    """The compact form for the weekly table: '2.8 h in 1 session' or '2.8 h short';
    ', holiday week' (or 'holiday week' alone) when a holiday closure cut the requirement."""
    text = ""
    if row.flag is not Flag.MET:
        hours = hours_up(row.shortfall_minutes)
        left = row.sessions_left
        text = (f"{hours} h in {left} session{'s' if left != 1 else ''}" if left
                else f"{hours} h short")
    if row.holiday_week:
        text = f"{text}, holiday week" if text else "holiday week"
    return text
