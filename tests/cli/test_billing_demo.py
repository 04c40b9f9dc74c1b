"""Acceptance (#22): the demo clinic's November as billing rows, checked by hand.

The demo (``facilitator demo``, invented people) is built as of Tuesday 1 December 2026,
so its six weeks of history hold the whole of November. Each expected value below was
worked from the session file's own times (records/2026/11/<session>.json): the session's
actual start and end, less its break blocks, clipped to the client's arrival and leaving.
The demo has IOP, PHP and OP clients, and telehealth attendance, so no case is stood in.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from facilitator.core.part2 import STATEMENT_1
from facilitator.demo import ensure_demo_clinic
from facilitator.store.identity import os_user
from tests.cli.conftest import run_cli

TODAY = date(2026, 12, 1)
USER = os_user()
ADMIN_NAME = "Demo Admin"      # the name `make` gives the demo's admin (this OS account)


def clock() -> datetime:
    return datetime(2026, 12, 1, 16, 0, tzinfo=UTC)      # 10:00 in Chicago


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo-billing") / "clinic"
    assert ensure_demo_clinic(root, user=USER, display_name=ADMIN_NAME, today=TODAY, clock=clock) is True
    return root


@pytest.fixture
def november(demo_root: Path, capsys) -> dict[tuple[str, str], dict]:
    result = run_cli(capsys, "export", "billing", "--from", "2026-11-01", "--to", "2026-11-30",
                     "--format", "json", "--data", demo_root)
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert body["notice"] == STATEMENT_1
    return {(r["date"], r["client_id"]): r for r in body["rows"]}


def test_an_iop_day(november) -> None:
    # RB-1001 (IOP), Mon 2 Nov, Evening IOP A, present all session. The session ran
    # 17:58-21:16 = 198 min; its break 19:08-19:19 = 11 min: 198 - 11 = 187 countable
    # minutes >= 180: one unit of H0015, at the clinic (57), no modifier; note signed.
    assert november[("2026-11-02", "RB-1001")] == {
        "date": "2026-11-02", "client_id": "RB-1001", "level_of_care": "IOP", "service": "H0015",
        "modifier": "", "units": 1, "billable": True, "minutes": 187, "minimum_minutes": 180,
        "place_of_service": "57", "telehealth": False, "rendering_staff_id": USER,
        "rendering_staff_name": ADMIN_NAME, "note_signed": True, "groups": "Evening IOP A",
        "start": "17:58", "stop": "21:16"}


def test_a_php_day_and_one_below_the_minimum(november) -> None:
    # RB-1017 (PHP), Mon 2 Nov, PHP Day, present. 09:03-14:03 = 300 min; breaks
    # 10:19-10:36 (17), 11:27-11:58 (31), 12:47-12:58 (11) = 59: 300 - 59 = 241 >= 240:
    # one unit of S0201.
    assert november[("2026-11-02", "RB-1017")] == {
        "date": "2026-11-02", "client_id": "RB-1017", "level_of_care": "PHP", "service": "S0201",
        "modifier": "", "units": 1, "billable": True, "minutes": 241, "minimum_minutes": 240,
        "place_of_service": "57", "telehealth": False, "rendering_staff_id": USER,
        "rendering_staff_name": ADMIN_NAME, "note_signed": True, "groups": "PHP Day",
        "start": "09:03", "stop": "14:03"}
    # RB-1018 (PHP), Tue 3 Nov, left at 13:40. 09:01-13:40 = 279 min; breaks 10:18-10:34
    # (16), 11:24-11:54 (30), 12:46-12:58 (12) = 58: 279 - 58 = 221 < 240: listed with its
    # minutes, 0 units, not billable at S0201 (the biller bills the discrete services).
    short = november[("2026-11-03", "RB-1018")]
    assert (short["service"], short["units"], short["billable"], short["minutes"], short["stop"]) == (
        "S0201", 0, False, 221, "13:40")


def test_a_telehealth_day(november) -> None:
    # RB-1003 (IOP), Thu 5 Nov, Evening IOP A by telehealth from home. 18:01-21:16 = 195
    # min; break 19:13-19:23 = 10: 185 >= 180: one unit of H0015, place of service 10
    # (the member's home), modifier 95.
    assert november[("2026-11-05", "RB-1003")] == {
        "date": "2026-11-05", "client_id": "RB-1003", "level_of_care": "IOP", "service": "H0015",
        "modifier": "95", "units": 1, "billable": True, "minutes": 185, "minimum_minutes": 180,
        "place_of_service": "10", "telehealth": True, "rendering_staff_id": USER,
        "rendering_staff_name": ADMIN_NAME, "note_signed": True, "groups": "Evening IOP A",
        "start": "18:01", "stop": "21:16"}


def test_every_november_line_follows_the_rules(november) -> None:
    codes = {"IOP": "H0015", "IOP-adolescent": "H0015", "PHP": "S0201", "OP": "H0005"}
    assert november and all(day.startswith("2026-11-") for day, _ in november)
    for line in november.values():
        assert line["service"] == codes[line["level_of_care"]]
        assert (line["place_of_service"], line["modifier"]) == (("10", "95") if line["telehealth"] else ("57", ""))
        if line["level_of_care"] == "OP":       # timed: 15-minute units, the last from 8 minutes
            assert line["units"] == line["minutes"] // 15 + (line["minutes"] % 15 >= 8)
        else:
            assert line["units"] == (1 if line["minutes"] >= line["minimum_minutes"] else 0)
        assert line["billable"] == (line["units"] > 0)
    levels = {line["level_of_care"] for line in november.values()}
    assert levels == set(codes) and any(line["telehealth"] for line in november.values())
