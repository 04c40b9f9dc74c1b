"""The rule that keeps the suite passing at any hour of any day: no test reads the wall clock.

A test that needs "now" injects it (``DataDir(clock=...)``, ``make_app(clock=...)``, the
``fake_clock`` fixture), names its day to a subprocess (``--date``/``--week``), or runs the
real program at a chosen instant (tests/faketime.py). This scans every test module for the
calls that read the wall clock. Measuring how long something takes (``time.monotonic``,
``time.perf_counter``) is not reading the date and stays allowed everywhere; the benchmarks
report real timings and are allowed below.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent

WALL_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|time\.(?:time|time_ns|localtime|gmtime|ctime|asctime))\b"
    r"|\bsystem_clock\b")

# path (relative to tests/) or folder ending in "/" -> why it may read the wall clock
ALLOWED = {
    "bench/": "benchmarks time real work and stamp their reports with the real date",
    "test_no_wall_clock.py": "this file names the calls it forbids",
}


def wall_clock_reads(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every wall-clock read in ``text``; comments don't count."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if WALL_CLOCK.search(code):
            found.append((number, line.strip()))
    return found


def allowed(relative: str) -> bool:
    return any(relative == key or (key.endswith("/") and relative.startswith(key)) for key in ALLOWED)


def test_no_test_reads_the_wall_clock() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(TESTS).as_posix()
        if allowed(relative):
            continue
        offenders += [f"tests/{relative}:{n}: {line}" for n, line in wall_clock_reads(path.read_text())]
    assert offenders == [], ("these read the wall clock; inject a clock, pass --date/--week, or run "
                             "the program at a chosen instant (tests/faketime.py):\n" + "\n".join(offenders))


def test_the_scan_finds_each_way_of_reading_the_clock() -> None:
    for call in ("datetime.now(timezone.utc)", "datetime.now()", "datetime.utcnow()", "date.today()",
                 "time.time()", "time.time_ns()", "time.localtime()", "clock=system_clock",
                 "clock=datetime.now", "datetime.datetime.now(tz)", "datetime.today()"):
        assert wall_clock_reads(f"x = 1\ny = {call}\n") == [(2, f"y = {call}")], call
    for fine in ("time.monotonic()", "time.perf_counter()", "time.timezone", "FakeClock(FAKE_NOW)",
                 "x = 1  # not datetime.now()", "data.now()", "date.fromisoformat('2026-11-24')"):
        assert wall_clock_reads(f"y = {fine}\n") == [], fine


def test_the_allow_list_names_only_what_exists() -> None:
    for key in ALLOWED:
        assert (TESTS / key).exists(), f"tests/{key} is allowed but does not exist"
