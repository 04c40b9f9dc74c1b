"""Updating a label only when what it shows changes.

``Static.update`` lays the whole screen out again, even for the same text. The session
screen re-shows its clock, counts and panes every second; doing that unconditionally cost
an idle counselor's app about 4% of a core (benchmark figure 6: each idle app <= 1%).
"""

from __future__ import annotations

from textual import widgets
from textual.visual import VisualType


def put(widget: widgets.Static, content: VisualType) -> None:
    """Show ``content`` in ``widget``, unless it shows exactly that already."""
    try:
        same = widget.content == content
    except Exception:  # noqa: BLE001 - contents that cannot be compared: update
        same = False
    if not same:
        widget.update(content)
