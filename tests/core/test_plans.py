"""Validation of session plans (pure: dictionaries in, plans or InputError out)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from facilitator.core.errors import InputError
from facilitator.core.plans import Block, SessionPlan, plan_from_dict, valid_plan_id
from facilitator.core.rules import BlockKind

SRC = "plans/demo.toml"


def good() -> dict[str, Any]:
    return {
        "title": "Demo evening",
        "kind": "iop-evening",
        "description": "A demo.",
        "blocks": [
            {"kind": "check-in", "title": "Check-in", "minutes": 20, "prompts": ["How are you?"]},
            {"kind": "education", "title": "Triggers", "minutes": 45, "exercise": "Map it."},
            {"kind": "break", "title": "Break", "minutes": 10},
            {"kind": "skill-building", "title": "Practice", "minutes": 45},
            {"kind": "relapse-prevention", "title": "Plan", "minutes": 45},
            {"kind": "wrap-up", "title": "Wrap-up", "minutes": 15},
        ],
    }


def error_for(data: dict[str, Any], plan_id: str | None = "demo") -> InputError:
    with pytest.raises(InputError) as caught:
        plan_from_dict(data, source=SRC, plan_id=plan_id)
    return caught.value


def test_good_plan_parses() -> None:
    plan = plan_from_dict(good(), source=SRC, plan_id="demo")
    assert isinstance(plan, SessionPlan)
    assert plan.plan_id == "demo" and plan.title == "Demo evening" and plan.kind == "iop-evening"
    assert plan.total_minutes == 180
    assert plan.countable_minutes == 170
    assert plan.blocks[0] == Block(BlockKind.CHECK_IN, "Check-in", 20, True, ("How are you?",), None)
    assert plan.blocks[1].exercise == "Map it."
    assert plan.blocks[2].countable is False


def test_block_runs() -> None:
    runs = plan_from_dict(good(), source=SRC, plan_id="demo").block_runs()
    assert [r.position for r in runs] == list(range(6))
    assert [r.planned_minutes for r in runs] == [20, 45, 10, 45, 45, 15]
    assert [r.countable for r in runs] == [True, True, False, True, True, True]
    assert all(r.started_at is None and r.ended_at is None and not r.skipped for r in runs)
    assert runs[1].kind is BlockKind.EDUCATION and runs[1].title == "Triggers"


def test_id_from_data_when_no_stem() -> None:
    data = good() | {"id": "from-data"}
    assert plan_from_dict(data, source=SRC).plan_id == "from-data"


def test_description_is_optional() -> None:
    data = good()
    del data["description"]
    assert plan_from_dict(data, source=SRC, plan_id="demo").description == ""


def test_countable_false_allowed_on_non_break() -> None:
    data = good()
    data["blocks"][1]["countable"] = False
    plan = plan_from_dict(data, source=SRC, plan_id="demo")
    assert plan.blocks[1].countable is False
    assert plan.countable_minutes == 125


def test_break_explicitly_not_countable_is_fine() -> None:
    data = good()
    data["blocks"][2]["countable"] = False
    assert plan_from_dict(data, source=SRC, plan_id="demo").countable_minutes == 170


def mutate(path: str, value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(good())
    target: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        target = target["blocks"][int(part[7:-1])] if part.startswith("blocks[") else target[part]
    if delete:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (mutate("blocks[3].minutes", 0), "blocks[3].minutes", ["'Practice'", "1 to 240"]),
        (mutate("blocks[3].minutes", 241), "blocks[3].minutes", ["241"]),
        (mutate("blocks[3].minutes", 12.5), "blocks[3].minutes", ["whole number"]),
        (mutate("blocks[3].minutes", True), "blocks[3].minutes", ["whole number"]),
        (mutate("blocks[3].minutes", "45"), "blocks[3].minutes", ["whole number"]),
        (mutate("blocks[1].kind", "lecture"), "blocks[1].kind",
         ["'Triggers'", "'lecture'", "'check-in'", "'wrap-up'", "'break'"]),
        (mutate("blocks[2].countable", True), "blocks[2].countable", ["'Break'", "never treatment time"]),
        (mutate("blocks[0].countable", "yes"), "blocks[0].countable", ["true or false"]),
        (mutate("blocks[0].title", "   "), "blocks[0].title", ["empty"]),
        (mutate("blocks[0].title", 3), "blocks[0].title", ["text"]),
        (mutate("blocks[4].minutes", delete=True), "blocks[4].minutes", ["'Plan'", "missing", "'minutes'"]),
        (mutate("blocks[4].kind", delete=True), "blocks[4].kind", ["missing"]),
        (mutate("blocks[4].minuets", 5), "blocks[4].minuets", ["unknown key", "did you mean 'minutes'"]),
        (mutate("blocks[0].prompts", "Hi"), "blocks[0].prompts", ["list"]),
        (mutate("blocks[0].prompts", ["ok", ""]), "blocks[0].prompts[1]", ["prompt 2", "empty"]),
        (mutate("blocks[1].exercise", ""), "blocks[1].exercise", ["empty"]),
        (mutate("title", ""), "title", ["title", "empty"]),
        (mutate("title", delete=True), "title", ["missing", "'title'"]),
        (mutate("kind", "evening"), "kind", ["'evening'", "'iop-evening'", "'early-recovery'"]),
        (mutate("blocks", []), "blocks", ["no blocks"]),
        (mutate("blocks", "x"), "blocks", ["list"]),
        (mutate("blocks", delete=True), "blocks", ["missing"]),
        (mutate("colour", "red"), "colour", ["unknown key 'colour'"]),
        (mutate("blocks", [{"kind": "break", "title": "B", "minutes": 5}, "oops"]), "blocks[1]", ["table"]),
    ],
)
def test_bad_plans_name_file_and_field(data: dict[str, Any], field: str, words: list[str]) -> None:
    err = error_for(data)
    assert err.file == SRC and err.field == field
    text = str(err)
    assert text.startswith(f"{SRC}, field '{field}': ")
    assert text.endswith(".")
    for word in words:
        assert word in text


def test_id_must_match_stem() -> None:
    err = error_for(good() | {"id": "other"}, plan_id="demo")
    assert err.field == "id" and "'other'" in str(err) and "'demo'" in str(err)


@pytest.mark.parametrize("bad_id", ["Demo", "demo_plan", "-demo", "demo--x", "démo", ""])
def test_bad_plan_ids(bad_id: str) -> None:
    err = error_for(good(), plan_id=bad_id)
    assert err.field == "id" and "lowercase" in str(err)


def test_missing_id_everywhere() -> None:
    assert error_for(good(), plan_id=None).field == "id"


def test_not_a_table() -> None:
    with pytest.raises(InputError, match="table"):
        plan_from_dict(["x"], source=SRC, plan_id="demo")  # type: ignore[arg-type]


@pytest.mark.parametrize("good_id", ["iop-evening-triggers", "a", "plan2", "2-b"])
def test_valid_ids(good_id: str) -> None:
    assert valid_plan_id(good_id)


def test_every_break_kind_is_the_only_uncountable_default() -> None:
    for kind in BlockKind:
        data = {"title": "T", "kind": "other",
                "blocks": [{"kind": kind.value, "title": "B", "minutes": 5}]}
        plan = plan_from_dict(data, source=SRC, plan_id="t")
        assert plan.blocks[0].countable is (kind is not BlockKind.BREAK)


@pytest.mark.parametrize("where", ["plan", "block"])
@pytest.mark.parametrize("evil, code_point", [("\x1b]0;PWNED\x07", "U+001B"), ("\u202eevil", "U+202E"),
                                              ("line\nbreak", "U+000A")])
def test_titles_follow_the_name_rule(where: str, evil: str, code_point: str) -> None:
    """A plan or block title is on every screen of a session: no escape sequence, direction
    override or line break (#21), named by file, field and code point."""
    data = good()
    if where == "plan":
        data["title"] = "Evening " + evil
        field = "title"
    else:
        data["blocks"][1]["title"] = "Triggers " + evil
        field = "blocks[1].title"
    message = str(error_for(data))
    assert message.startswith(f"{SRC}, field '{field}'") and code_point in message
    assert "\x1b" not in message and "\u202e" not in message
