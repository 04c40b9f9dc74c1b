"""Can a schedule meet a level at all (issue #20, case 9)? Worked by hand:

The README's old example: three 180-minute meetings of a plan with a 10-minute break offer
3 x 170 = 510 countable minutes = 8.5 h: an IOP client (9 h) cannot meet it. At 195 minutes,
3 x 185 = 555 = 9.25 h: they can. Exactly 9 h (190 minutes: 3 x 180 = 540) is enough.
"""

from __future__ import annotations

from datetime import time

from facilitator.core.hours import plan_level, reach_problem, weekly_capacity
from facilitator.core.roster import Group


def group(minutes: int, days=(0, 2, 3), name="Evening IOP A") -> Group:
    return Group(name=name, days=days, start=time(18), minutes=minutes, plan="iop-evening-triggers")


def less_break(g: Group) -> int:
    return g.minutes - 10


def test_the_readme_example_cannot_meet_iop_and_says_why() -> None:
    assert weekly_capacity([group(180)], less_break) == 510
    assert reach_problem(9.0, [group(180)], less_break) == \
        "Evening IOP A offers at most 8.5 hours of treatment time in a usual week, 9 required"
    assert reach_problem(9.0, [group(190)], less_break) is None        # exactly 540
    assert reach_problem(9.0, [group(195)], less_break) is None
    assert reach_problem(9.0, [group(189)], less_break) is not None    # 537: 3 minutes short


def test_several_groups_add_up_and_other_levels() -> None:
    b = group(195, days=(1, 4), name="Evening IOP B")
    assert reach_problem(6.0, [b], less_break) is None                 # 370 >= 360
    assert reach_problem(12.0, [group(195), b], less_break) is None    # 925 >= 720
    assert reach_problem(20.0, [group(195), b], less_break) == \
        "their groups offer at most 15.4 hours of treatment time in a usual week, 20 required"
    assert reach_problem(0.0, [group(180)], less_break) is None
    assert reach_problem(9.0, [], less_break) is None
    assert reach_problem(9.0, [group(180)]) is None                     # no capacity: the whole length


def test_plan_level_from_the_plan_kind() -> None:
    levels = ("IOP", "IOP-adolescent", "PHP", "OP")
    assert plan_level("iop-evening", levels) == "IOP"
    assert plan_level("php-day", levels) == "PHP"
    assert plan_level("relapse-prevention", levels) is None
    assert plan_level(None, levels) is None
