"""``Label`` and ``Static`` that show their text as typed: markup is never read.

Textual reads a ``str`` given to a Label or a Static as markup by default. Everything this
app shows is either its own words or data people typed (client, group, staff and clinic
names, notes, goals), and its own words use no markup, so no widget of the app reads any:
"Jo [Jr] Lee" shows as typed, and a name holding "[/]" cannot stop the app (MarkupError).
Every screen imports these two from here; tests/tui/test_import_hygiene.py keeps it so.
Styling is done with CSS and ``rich.text.Text``, never with markup.
"""

from __future__ import annotations

from typing import Any

from textual import widgets
from textual.visual import VisualType


class Static(widgets.Static):
    def __init__(self, content: VisualType = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)


class Label(widgets.Label):
    def __init__(self, content: VisualType = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)
