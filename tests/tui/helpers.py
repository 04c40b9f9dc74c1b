"""Helpers for the app tests: build the app the way the CLI does, with no animation, and
wait for a picture that will not change by itself (``settle``) before a snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from facilitator.tui.app import FacilitatorApp, make_app


def build_app(data, clock=None) -> FacilitatorApp:
    app = make_app(data, clock=clock)
    app.animation_level = "none"
    return app


async def stored(pilot: Any) -> None:
    """Until every store write the keys asked for has run and the screen has shown its answer
    (the app's write queue, tui/writes.py), then one more idle pass of the app."""
    await pilot.app.writes.idle()
    await pilot.pause()


async def wait_until(pilot, condition: Callable[[], bool], seconds: float = 2.5, step: float = 0.1) -> bool:
    """Pause the pilot until ``condition()`` holds or ``seconds`` of real time pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if condition():
            return True
        await pilot.pause(step)
    return condition()


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[None]:
    """Wrap the method ``owner.name`` so each call that returns adds an item to the list
    returned. Wrap before the app is built: a timer holds the bound method it was given."""
    calls: list[None] = []
    original = getattr(owner, name)

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        calls.append(None)
        return result

    monkeypatch.setattr(owner, name, counted)
    return calls


async def calls_ran(pilot: Any, calls: list[None], times: int = 1, seconds: float = 5.0) -> bool:
    """Pause until ``times`` more calls counted by ``count_calls`` have returned: a timer's
    check has run (a condition, where a fixed pause hoped it had)."""
    wanted = len(calls) + times
    return await wait_until(pilot, lambda: len(calls) >= wanted, seconds=seconds, step=0.02)


async def palette_offers(pilot: Any, words: str, seconds: float = 5.0) -> bool:
    """Until the command palette on top highlights a command whose name has ``words`` (it
    searches in the background; Enter before then runs nothing or another command)."""
    from textual.command import CommandList

    def offered() -> bool:
        found = pilot.app.screen.query(CommandList)
        if not found or found.first().highlighted is None:
            return False
        commands = found.first()
        prompt = commands.get_option_at_index(commands.highlighted).prompt
        return words.lower() in str(prompt).lower()

    return await wait_until(pilot, offered, seconds=seconds, step=0.02)


async def settle(pilot, condition: Callable[[], bool] = lambda: True, *, seconds: float = 20.0,
                 still: int = 3, step: float = 0.05) -> None:
    """Until the screen shows what a snapshot should picture, and will not change by itself.

    The way Textual's own snapshot suite and Harlequin's make pictures that do not flake:
    - no blinking cursor (an Input's cursor blinks every half second: two pictures);
    - ``condition()`` holds: poll for the state the test expects, never sleep and hope;
    - every worker has finished (the screens read their data in a worker thread), and no
      animation is scheduled (the app's ``animation_level`` is "none" anyway);
    - the picture is the same ``still`` times in a row, ``step`` seconds apart. Textual
      measures a DataTable's columns, and then lays the screen out again, only when the
      table's message queue is idle after its rows are added; under load that came after
      the picture was taken (the staff screen's snapshot flaked so). Waiting for the
      picture itself to stop changing covers that and any other deferred layout.
    Fails, with the last picture's reason, if that does not happen in ``seconds``.
    """
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    previous, same = None, 0
    while loop.time() < deadline:
        for widget in app.screen.query("*"):
            if getattr(widget, "cursor_blink", False):
                widget.cursor_blink = False
        await app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(step)
        if not condition():
            previous, same = None, 0
            continue
        picture = app.export_screenshot()
        same = same + 1 if picture == previous else 0
        previous = picture
        if same >= still:
            return
    raise AssertionError("the screen did not settle: " +
                         ("the expected state never came" if previous is None else "it kept changing"))


def pressing(*keys: str, until: Callable[[FacilitatorApp], bool] = lambda app: True):
    """A snapshot's ``run_before``: press ``keys``, then ``settle`` until ``until(app)``."""
    async def run_before(pilot) -> None:
        await pilot.press(*keys)
        await settle(pilot, lambda: until(pilot.app))
    return run_before
