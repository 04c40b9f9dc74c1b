"""Billing rules as data: the code, per diem or timed, and the day's minimum, by level."""

from __future__ import annotations

import pytest

from facilitator.core.rules import BILLING_RULES, LEVELS_OF_CARE, billing_units


def test_every_level_of_care_has_a_rule() -> None:
    assert set(BILLING_RULES) == set(LEVELS_OF_CARE)
    assert {level: (r.code, r.per_diem, r.min_day_minutes) for level, r in BILLING_RULES.items()} == {
        "IOP": ("H0015", True, 180), "IOP-adolescent": ("H0015", True, 180),
        "PHP": ("S0201", True, 240), "OP": ("H0005", False, 8)}


@pytest.mark.parametrize(("level", "minutes", "units"), [
    ("IOP", 179, 0), ("IOP", 180, 1), ("IOP", 300, 1),           # one unit a day, from 3 hours
    ("PHP", 239, 0), ("PHP", 240, 1), ("PHP", 245, 1),           # from 4 hours
    # OP is timed: 15-minute units, the last from 8 minutes (185 = 12 x 15 + 5: 12 units;
    # 188 = 12 x 15 + 8: 13 units)
    ("OP", 0, 0), ("OP", 7, 0), ("OP", 8, 1), ("OP", 22, 1), ("OP", 23, 2), ("OP", 185, 12), ("OP", 188, 13),
])
def test_units(level: str, minutes: int, units: int) -> None:
    assert billing_units(minutes, BILLING_RULES[level]) == units
