"""The home screen on a laptop: last sync and records waiting to push; nothing on the host."""

from __future__ import annotations

import json

from facilitator.core.rules import Status
from facilitator.store.running import start_session
from tests.tui.helpers import build_app, wait_until


async def test_a_laptop_shows_its_last_sync_and_what_waits(clinic, fake_clock):
    running = start_session(clinic, "Evening IOP")
    running.mark("T001", Status.PRESENT)
    running.end()   # ended here, not yet on the host
    (clinic.root / "sync.json").write_text(json.dumps(
        {"last_sync": "2026-11-23T09:15:00-06:00", "host": "clinic-host", "records": {}}))
    async with build_app(clinic, fake_clock).run_test(size=(80, 24)) as pilot:
        status = pilot.app.screen.query_one("#sync-status")
        assert await wait_until(pilot, lambda: "waiting" in str(status.render()))
        text = str(status.render())
        assert "Last synced with clinic-host Mon 23 Nov 09:15" in text
        assert "1 record waiting to push" in text


async def test_a_directory_that_never_synced_shows_nothing(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        status = pilot.app.screen.query_one("#sync-status")
        assert not status.has_class("-shown") and str(status.render()) == ""
