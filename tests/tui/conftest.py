"""App-test fixtures.

The idle lock (facilitator/tui/lock.py) locks the app once the clinic's idle minutes pass
on the app's clock with no input. Tests of other screens jump a ``FakeClock`` by minutes or
hours to move a session along, which would lock them mid-test, so the lock is off in app
tests unless the test module sets ``IDLE_LOCK = True`` (tests/tui/test_idle_lock.py does).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _idle_lock_only_where_tested(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    from facilitator.tui.lock import IdleLock
    monkeypatch.setattr(IdleLock, "enabled", bool(getattr(request.module, "IDLE_LOCK", False)))
