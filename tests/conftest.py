"""Shared fixtures: an invented clinic and a settable clock.

Every name here is made up ("Avery Testperson"); no real client data is ever used in tests.

- ``FakeClock``: a callable returning a settable, aware datetime; ``advance(minutes=…)``.
- ``fake_clock``: a ``FakeClock`` at Monday 2026-11-23 17:55 America/Chicago.
- ``clinic``: a ``DataDir`` (plan library wired in, as the CLI opens it) for "Test Clinic",
  acting user ``counselor1`` (admin), with two groups and five clients. See ``make_test_clinic``;
  each test gets a copy of ``clinic_template``, built once per worker (#23).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHICAGO = ZoneInfo("America/Chicago")
FAKE_NOW = datetime(2026, 11, 23, 17, 55, tzinfo=CHICAGO)  # a Monday
TEST_USER = "counselor1"
TEST_USER_NAME = "Casey Counselor"


class FakeClock:
    """A clock for tests: ``clock()`` returns ``clock.now``; set it or ``advance`` it."""

    def __init__(self, now: datetime = FAKE_NOW) -> None:
        if now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = now

    def advance(self, *, minutes: float = 0, hours: float = 0, days: float = 0, seconds: float = 0) -> datetime:
        self.now = self.now + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        return self.now


def sample_groups():
    from facilitator.core.roster import Group
    return [
        Group(name="Evening IOP", days=(0, 2, 3), start=time(18, 0), minutes=180,
              plan="iop-evening-triggers", first_day=date(2026, 9, 1)),
        Group(name="Morning Relapse Prevention", days=(0, 3), start=time(10, 0), minutes=90,
              plan="rp-high-risk-situations", first_day=date(2026, 9, 1)),
    ]


def sample_clients():
    from facilitator.core.roster import Client
    return [
        Client("T001", "Avery", "Testperson", "IOP", 9.0, date(2026, 10, 1),
               groups=("Evening IOP", "Morning Relapse Prevention")),
        Client("T002", "Blake", "Sampleton", "IOP", 9.0, date(2026, 11, 2), groups=("Evening IOP",)),
        Client("T003", "Casey", "Placeholder", "PHP", 20.0, date(2026, 11, 16),
               groups=("Evening IOP", "Morning Relapse Prevention")),
        # Discharged before the fake "today": hidden from the roster by default.
        Client("T004", "Devon", "Fakename", "IOP", 9.0, date(2026, 9, 1), discharged=date(2026, 11, 13),
               groups=("Evening IOP",)),
        # Admitted after the fake "today": on the roster, not yet enrolled in a meeting.
        Client("T005", "Emery", "Notreal", "IOP-adolescent", 6.0, date(2026, 11, 30),
               groups=("Morning Relapse Prevention",)),
    ]


def make_test_clinic(root: Path, *, clock=None, user: str = TEST_USER, display_name: str = TEST_USER_NAME):
    """Create the invented clinic in ``root`` (which must not hold one) and open it."""
    from facilitator.core.clinic import ClinicSettings
    from facilitator.store.clinic import open_clinic
    from facilitator.store.datadir import DataDir

    clock = clock or FakeClock()
    settings = ClinicSettings(name="Test Clinic", timezone="America/Chicago")
    made = DataDir.init(root, settings, user=user, display_name=display_name, clock=clock)
    for group in sample_groups():
        made.add_group(group)
    made.import_roster(sample_clients())
    return open_clinic(root, user=user, clock=clock)


# How the README's test command runs the suite (#23), and why:
# - ``accounts`` tests run alone, after the rest, in one process (the second pytest run): they
#   make and use the shared fct_* OS accounts and write the machine's config (/etc), which
#   other tests read; in one run with the rest, even as one xdist group, the README
#   host-section tests raced on them (two of four runs failed).
# - ``e2e`` tests (a real terminal: tmux, a pty, SIGHUP) run in the parallel run as one xdist
#   group, ``terminal``, one at a time on one worker: they share this account's tmux server,
#   and the hang-up tests are the suite's most timing-sensitive. The other worker meanwhile
#   runs the rest: the terminal tests mostly wait, so they cost the run little wall time.
#   (Every sshd test is e2e today.)
# - The other ``slow`` tests (kill loops, concurrent syncs, the demo's acceptance) need
#   nothing shared (each its own tmp_path; their waits are deadlines, not figures) and run
#   on any worker.
ALONE_MARKERS = ("accounts",)
TERMINAL_MARKER = "e2e"
TERMINAL_GROUP = "terminal"

# The clock pass (README: faketime-command) reruns every test but those with ``any_hour``:
# tests/core (the domain is pure: no wall clock, by contract) and the loops that repeat one
# write path hundreds of times with injected clocks or instants they set themselves; the
# paths they repeat run at the hostile instant in the ordinary tests.
ANY_HOUR_MARKER = "any_hour"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the loopback sshd, so `-m "not sshd"` leaves them out (the
    faketime pass in .ci/run does: a faked clock inside the test's own sshd is not under test).

    Mark every test that runs processes as other OS accounts (``runuser``) ``accounts``
    (``-m accounts`` selects them; they share the fct_* accounts, so never two runs at once).
    The faketime pass runs them: ``tests/faketime.as_account`` keeps libfaketime's root-owned
    start-time semaphore away from the other account's processes.

    Mark every test under tests/core ``any_hour``. Put every ``e2e`` test that is not
    ``accounts`` in the xdist group ``terminal``: one worker runs them, one at a time."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        path = str(getattr(item, "path", ""))
        if "sshd" in fixtures:
            item.add_marker(pytest.mark.sshd)
        if "runtime" in fixtures or "/accounts/" in path:
            item.add_marker(pytest.mark.accounts)
        if "/tests/core/" in path:
            item.add_marker(pytest.mark.any_hour)
        alone = any(item.get_closest_marker(name) for name in ALONE_MARKERS)
        if item.get_closest_marker(TERMINAL_MARKER) and not alone:
            item.add_marker(pytest.mark.xdist_group(TERMINAL_GROUP))


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def clinic_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The invented clinic, built once per worker at ``FAKE_NOW`` (#23: its audited, fsynced
    writes cost ~0.2 s a test). The build is deterministic (tests/test_clinic_template.py
    proves a copy has a fresh build's bytes and modes); tests get copies, never this."""
    root = tmp_path_factory.mktemp("clinic-template") / "clinic"
    make_test_clinic(root, clock=FakeClock())
    return root


def copy_test_clinic(template: Path, root: Path, clock: FakeClock):
    """A copy of ``template`` in ``root`` (``copytree`` keeps modes), opened as ``counselor1``."""
    from facilitator.store.clinic import open_clinic

    shutil.copytree(template, root, symlinks=True)
    return open_clinic(root, user=TEST_USER, clock=clock)


@pytest.fixture
def clinic(tmp_path: Path, fake_clock: FakeClock, clinic_template: Path):
    """The invented "Test Clinic" in ``tmp_path / 'clinic'``, opened as ``counselor1``: a copy
    of the worker's template, or built afresh when the test moved the clock first."""
    if fake_clock.now != FAKE_NOW or fake_clock.now.tzinfo is not FAKE_NOW.tzinfo:
        return make_test_clinic(tmp_path / "clinic", clock=fake_clock)
    return copy_test_clinic(clinic_template, tmp_path / "clinic", fake_clock)
