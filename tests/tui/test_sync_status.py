"""The home screen on a laptop: last sync and records waiting to push; nothing on the host."""

from __future__ import annotations

import json

import pytest

from facilitator.core.rules import Status
from facilitator.store.running import start_session
from facilitator.tui.widgets.syncstatus import SyncStatus
from tests.tui.helpers import build_app, count_calls, wait_until


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


async def test_a_directory_that_never_synced_shows_nothing(clinic, fake_clock, monkeypatch: pytest.MonkeyPatch):
    checks = count_calls(monkeypatch, SyncStatus, "check")
    async with build_app(clinic, fake_clock).run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: len(checks) >= 1)   # home looked for sync.json
        await pilot.app.workers.wait_for_complete()
        status = pilot.app.screen.query_one("#sync-status")
        assert not status.has_class("-shown") and str(status.render()) == ""
