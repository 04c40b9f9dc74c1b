"""Helpers for the app tests: build the app the way the CLI does, with no animation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from facilitator.tui.app import FacilitatorApp, make_app


def build_app(data, clock=None) -> FacilitatorApp:
    app = make_app(data, clock=clock)
    app.animation_level = "none"
    return app


async def wait_until(pilot, condition: Callable[[], bool], seconds: float = 2.5, step: float = 0.1) -> bool:
    """Pause the pilot until ``condition()`` holds or ``seconds`` of real time pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if condition():
            return True
        await pilot.pause(step)
    return condition()
