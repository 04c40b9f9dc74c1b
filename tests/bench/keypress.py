"""Figure 5: a key press in the session screen to the stored record updated (Pilot).

The app runs headless (``run_test``, 120x40) on the 5-year clinic with today's session
of a group open in ``SessionScreen``. Each sample: note the highlighted client, take
the time, start ``pilot.press`` of the present (``p``) or late (``l``) key as a task,
and beside it poll the session file (a ``stat`` until the file is replaced, then
``RunningSession.record()``, a fresh read from disk) until that client's stored status
is the one pressed. The time includes the key's dispatch through the driver, app,
screen and table bindings, the store write (``RunningSession.mark``: role check,
fsync'd file replace, fsync'd audit append) and whatever the handler does before it.
``press-until-idle`` is the whole ``pilot.press`` (it also waits for the app to go
idle: at least two 20 ms sleeps), for information. The reference, in the same run: the
store path alone (``RunningSession.mark`` called directly, another client, same file).

If ``facilitator.tui.session`` does not exist, only the store path is measured and
the figure says so ("store path only").
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import time
from pathlib import Path

from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.running import start_session
from tests.bench.stats import summary
from tests.bench.store_figures import _today_group


def session_screen_exists() -> bool:
    return importlib.util.find_spec("facilitator.tui.session") is not None


async def _pilot_samples(root: Path, presses: int, log=print) -> tuple[list[float], ...]:
    from facilitator.tui.lock import IdleLock
    from facilitator.tui.session import SessionScreen
    from tests.tui.helpers import build_app
    # The session below is running, so the app would open behind the PIN (tui/lock.py).
    IdleLock.enabled = False

    data = open_clinic(root)
    running = start_session(data, _today_group(data))
    # A second handle on the same session for the in-process reference (same file).
    direct = start_session(open_clinic(root), running.record().header.group)
    app = build_app(data)
    keyed: list[float] = []
    store: list[float] = []
    idle: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = SessionScreen(running)
        await app.push_screen(screen)
        await pilot.pause()
        table = screen.table
        rows = len(table.shown)
        for i in range(-3, presses):
            if table.cursor_row >= rows - 1 or table.highlighted_id is None:
                table.move_cursor(row=0, animate=False)
                await pilot.pause()
            cid = table.highlighted_id
            old = running.record().attendance.get(cid)
            # present <-> telehealth: the same one write as late, with no time rule to meet
            # (late before the group's start is refused, and the bench runs at any hour)
            status = Status.TELEHEALTH if old is not None and old.status is Status.PRESENT else Status.PRESENT
            key = "h" if status is Status.TELEHEALTH else "p"
            inode = os.stat(running.file.path).st_ino
            start = time.perf_counter()
            press = asyncio.create_task(pilot.press(key))
            while True:
                # Cheap until the file is replaced (a new inode), then a full read.
                if os.stat(running.file.path).st_ino != inode:
                    entry = running.record().attendance.get(cid)
                    if entry is not None and entry.status is status:
                        break
                await asyncio.sleep(0)
                if time.perf_counter() - start > 5:
                    raise RuntimeError(f"pressing {key!r} did not store {status} for {cid}")
            elapsed = (time.perf_counter() - start) * 1000
            await press
            round_trip = (time.perf_counter() - start) * 1000
            # The reference: the store call alone, on another client, same file.
            other = table.shown[(table.cursor_row + rows // 2) % rows].client_id
            t0 = time.perf_counter()
            direct.mark(other, Status.TELEHEALTH if i % 2 else Status.EXCUSED)
            reference = (time.perf_counter() - t0) * 1000
            if i >= 0:
                keyed.append(elapsed)
                store.append(reference)
                idle.append(round_trip)
                if (i + 1) % 10 == 0:
                    log(f"  key presses {i + 1}/{presses}", end="\r")
    log(" " * 30, end="\r")
    return keyed, store, idle


def measure(root: Path, presses: int, log=print) -> dict[str, dict]:
    if not session_screen_exists():
        data = open_clinic(root)
        running = start_session(data, _today_group(data))
        roster = list(running.record().roster)
        times = []
        for i in range(presses):
            t0 = time.perf_counter()
            running.mark(roster[i % len(roster)], Status.PRESENT if (i // len(roster)) % 2 else Status.TELEHEALTH)
            times.append((time.perf_counter() - t0) * 1000)
        return {"store-mark": summary(times), "mode": "store path only"}
    keyed, store, idle = asyncio.run(_pilot_samples(root, presses, log=log))
    return {"key-to-stored": summary(keyed), "store-mark": summary(store),
            "press-until-idle": summary(idle), "mode": "pilot"}
