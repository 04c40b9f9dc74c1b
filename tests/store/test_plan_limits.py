"""Limits on what a plan file can make the TOML parser do (issue 12): the shapes that
exploded are refused by line before tomllib runs; ordinary plans, with dots and brackets
inside their strings, are untouched; and no text makes loading raise anything but
InputError."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator.core.errors import InputError
from facilitator.store.plans import (
    MAX_PLAN_BYTES,
    MAX_TOML_DEPTH,
    MAX_TOML_KEY_PARTS,
    check_toml_shape,
    load_plan_file,
    plan_from_bytes,
    shipped_plans_dir,
)

PLAN = '''title = "Invented plan"
kind = "other"
description = "Dots... and [brackets] {braces} in text: a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s"

[[blocks]]
kind = "check-in"
title = "Check-in (v1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17)"
minutes = 15
prompts = ["[[[[[[[[[[[[[[[[[[[[", '{{{{{{{{{{{{{{{{{{{{{{', """multi
line [[[[[[[[[[[[[[[[[[[[[[[[[ text . . . . . . . . . . . . . . . . . . . ."""]  # a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q
'''


def test_every_shipped_plan_passes_the_shape_check() -> None:
    for path in sorted(shipped_plans_dir().glob("*.toml")):
        check_toml_shape(path.read_text(), str(path))
        load_plan_file(path)


def test_dots_and_brackets_inside_strings_and_comments_do_not_count() -> None:
    plan = plan_from_bytes(PLAN.encode(), "plans/invented.toml", "invented")
    assert plan.blocks[0].prompts[0] == "[" * 20


@pytest.mark.parametrize(("text", "words", "line"), [
    ("title = 1\n" + ".".join(["a"] * (MAX_TOML_KEY_PARTS + 1)) + " = 1\n", "dotted parts", 2),
    ("[" + ".".join(["t"] * 40) + "]\n", "dotted parts", 1),
    ("x = " + "[" * (MAX_TOML_DEPTH + 1) + "]" * (MAX_TOML_DEPTH + 1) + "\n", "nest more than", 1),
    ("x = " + "{a = " * 40 + "1" + "}" * 40 + "\n", "nest more than", 1),
    ("x = [\n" + "[\n" * 40 + "]\n" * 41, "nest more than", 17),   # the 17th "[" is on line 17
    ("title = \"" + "x" * 5000 + "\"\n", "longer than", 1),
], ids=["dotted-key", "dotted-table", "arrays", "inline-tables", "arrays-over-lines", "long-line"])
def test_explosive_shapes_are_refused_by_line(text: str, words: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        plan_from_bytes(text.encode(), "plans/bad.toml", "bad")
    assert words in caught.value.message and caught.value.line == line
    assert str(caught.value).startswith(f"plans/bad.toml, line {line}:")


def test_a_plan_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    with open(path, "wb") as handle:
        handle.truncate(MAX_PLAN_BYTES + 1)
    with pytest.raises(InputError, match="larger than 256 KB"):
        load_plan_file(path)


TOML_BITS = st.sampled_from(["a", ".", "[", "]", "{", "}", "=", '"', "'", '"""', "'''", "#", "\n",
                             " ", "1", ",", "\\", "x.y", "[[blocks]]", "title = \"t\"", "\u202e"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOML_BITS, max_size=300).map("".join))
def test_no_text_makes_loading_fail_otherwise_than_with_input_error(text: str) -> None:
    try:
        plan_from_bytes(text.encode(), "plans/fuzz.toml", "fuzz")
    except InputError as err:
        assert "\n" not in str(err)
