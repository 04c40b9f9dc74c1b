"""Escape's one rule: from any screen, back to the base screen in at most two presses.

The base is the running group's session screen when one is open (leaving it mid-group
would hide the clock and the list), else home. A dialog on top closes first (one press),
then its screen goes to the base (the second).
"""

from __future__ import annotations

from textual.app import App

BASE_SCREENS = ("HomeScreen", "SessionScreen")


def to_base(app: App) -> None:
    """Pop screens until a base screen is on top (never the last screen)."""
    if getattr(app.screen, "privacy", False):
        app.notify("Client names are hidden (F9). Show them first to leave this screen.",
                   title="Privacy", severity="warning", markup=False)
        return
    while len(app.screen_stack) > 1 and type(app.screen).__name__ not in BASE_SCREENS:
        app.pop_screen()
