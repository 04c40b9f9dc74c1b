"""Bad input everywhere, fuzzed: plan TOML files, typed times and dates, clinic settings, and
exports of names that carry spreadsheet formulas. Each gives a correct result or an
``InputError`` (one sentence), never another exception.

(CSV imports are fuzzed through the CLI in tests/cli/test_fuzz.py.)
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from facilitator.cli import output
from facilitator.core.clinic import WEEK_STARTS, ClinicSettings
from facilitator.core.errors import InputError
from facilitator.core.hours import weekly_hours
from facilitator.core.parsing import parse_date, parse_hhmm, parse_typed_time
from facilitator.core.plans import BLOCK_KEYS, PLAN_KEYS, PLAN_KINDS, SessionPlan
from facilitator.core.roster import Client, Group
from facilitator.core.rules import BlockKind
from facilitator.core.weeks import week_containing
from facilitator.store.plans import load_plan_file
from facilitator.store.reports import BillingDay, WeekReport

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
CHI = ZoneInfo("America/Chicago")


def one_sentence(err: InputError) -> str:
    text = str(err)
    assert text.strip() and "Traceback" not in text
    assert "\n" not in text and "\r" not in text, f"more than one line: {text!r}"
    return text


# -- plan TOML files ------------------------------------------------------------------------
def toml_value(value) -> str:
    """A TOML literal for ``value`` (inline tables and arrays; JSON string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_document(data: dict) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in data.items())


huge_text = st.builds(lambda c, n: c * n, st.characters(), st.integers(1000, 200_000))
texts = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "\n", "=cmd|' /C calc'!A0"]), huge_text)
scalars = st.one_of(texts, st.integers(), st.integers(-10, 300), st.floats(), st.booleans())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)

block_dicts = st.dictionaries(
    st.one_of(st.sampled_from(BLOCK_KEYS), st.text(max_size=8)),
    st.one_of(values, st.sampled_from([k.value for k in BlockKind]), st.integers(0, 300),
              st.lists(texts, max_size=3)),
    max_size=7)
plan_dicts = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(texts, values),
        "kind": st.one_of(st.sampled_from(PLAN_KINDS), values),
        "description": st.one_of(texts, values),
        "id": st.one_of(st.just("fuzz-plan"), texts),
        "blocks": st.one_of(st.lists(st.one_of(block_dicts, values), max_size=4), values),
    },
).flatmap(lambda d: st.dictionaries(st.one_of(st.sampled_from(PLAN_KEYS), st.text(max_size=8)),
                                    values, max_size=2).map(lambda extra: {**extra, **d}))


def load_bytes(raw: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz-plan.toml"
        path.write_bytes(raw)
        try:
            plan = load_plan_file(path)
        except InputError as err:
            assert "fuzz-plan.toml" in one_sentence(err)
            return None
    assert isinstance(plan, SessionPlan) and plan.plan_id == "fuzz-plan"
    assert plan.blocks and all(1 <= b.minutes <= 240 for b in plan.blocks)
    return plan


@FUZZ
@given(st.binary(max_size=4000))
def test_plan_file_of_random_bytes(raw: bytes) -> None:
    load_bytes(raw)


@FUZZ
@given(st.text(max_size=2000), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
def test_plan_file_of_random_text_in_any_encoding(text: str, encoding: str) -> None:
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode(encoding, errors="replace")
    load_bytes(raw)


@FUZZ
@given(plan_dicts)
def test_plan_file_with_wrong_structure(data: dict) -> None:
    try:
        document = toml_document(data)
    except (TypeError, ValueError):
        assume(False)
    load_bytes(document.encode("utf-8"))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from([k.value for k in BlockKind]), st.text(min_size=1, max_size=30),
                          st.integers(1, 240)), min_size=1, max_size=6))
def test_a_well_formed_plan_loads(blocks) -> None:
    data = {"title": "Fuzzed plan", "kind": "other",
            "blocks": [{"kind": k, "title": t if t.strip() else f"Block {t}", "minutes": m}
                       for k, t, m in blocks]}
    plan = load_bytes(toml_document(data).encode("utf-8"))
    if plan is not None:  # a title of only control characters may still be refused
        assert [b.minutes for b in plan.blocks] == [m for *_, m in blocks]


# -- typed times and dates -------------------------------------------------------------------
time_like = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\A\s*\d{1,4}(:\d{1,3})?\s*([aApP]\.?[mM]?\.?)?\s*\Z"),
    st.text(alphabet="0123456789:apmAPM. \t", max_size=12),
)


@FUZZ
@given(time_like, st.one_of(st.none(), st.times()))
def test_typed_times(text: str, near) -> None:
    try:
        value = parse_typed_time(text, near=near, field="arrived")
    except InputError as err:
        assert "arrived" in one_sentence(err)
        return
    assert isinstance(value, time)


@FUZZ
@given(time_like)
def test_hhmm_times(text: str) -> None:
    try:
        value = parse_hhmm(text, field="--start")
    except InputError as err:
        one_sentence(err)
        return
    hours, minutes = text.strip().split(":")
    assert value == time(int(hours), int(minutes))


date_like = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\A\s*\d{1,5}-\d{1,3}-\d{1,3}\s*\Z"),
    st.dates().map(date.isoformat),
    st.text(alphabet="0123456789-/. ", max_size=12),
)


@FUZZ
@given(date_like)
def test_dates(text: str) -> None:
    try:
        value = parse_date(text, field="--date")
    except InputError as err:
        assert "--date" in one_sentence(err)
        return
    assert isinstance(value, date) and value.isoformat() == text.strip()


# -- clinic settings -------------------------------------------------------------------------
ZONES = sorted(available_timezones())[:40] + ["America/Chicago", "UTC"]
zone_text = st.one_of(st.sampled_from(ZONES), st.text(max_size=30),
                      st.sampled_from(["", "../../etc/passwd", "/etc/localtime", "America/../Europe/Paris",
                                       "UTC\0", "Nowhere/City", "america/chicago", " UTC"]))


@FUZZ
@given(name=st.one_of(st.text(max_size=60), huge_text), timezone=zone_text,
       week_start=st.one_of(st.sampled_from(WEEK_STARTS), st.text(max_size=10)),
       group_cap=st.one_of(st.integers(), st.booleans(), st.floats(), st.none(), st.text(max_size=4)),
       idle_minutes=st.one_of(st.integers(), st.booleans(), st.floats(), st.none()))
def test_clinic_settings(name, timezone, week_start, group_cap, idle_minutes) -> None:
    try:
        made = ClinicSettings(name=name, timezone=timezone, week_start=week_start, group_cap=group_cap,
                              idle_minutes=idle_minutes)
    except InputError as err:
        one_sentence(err)
        return
    assert made.name.strip()
    assert made.tz is not None and made.week_start in WEEK_STARTS
    assert type(made.group_cap) is int and made.group_cap >= 1
    assert type(made.idle_minutes) is int and made.idle_minutes >= 1
    assert ClinicSettings.from_dict(json.loads(json.dumps(made.to_dict()))) == made


# -- exports of names that carry formulas ----------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
formula = st.tuples(st.sampled_from(FORMULA_STARTS), st.text(max_size=20)).map("".join) | st.sampled_from([
    "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://example.invalid\",\"x\")", "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1\n=2+2", "=",
])
maybe_formula = st.one_of(formula, st.text(max_size=10))


def csv_cells(text: str) -> list[list[str]]:
    from facilitator.cli.output import NOTICE_CELL
    assert text.startswith("\ufeff")                     # the byte-order mark for spreadsheets
    notice, _, body = text[1:].partition("\n")
    assert next(csv.reader([notice])) == [NOTICE_CELL]   # the re-disclosure notice, one cell
    return list(csv.reader(io.StringIO(body, newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"cell {cell!r} would run as a formula"


@FUZZ
@given(client_id=maybe_formula, first=maybe_formula, last=maybe_formula, level=maybe_formula,
       group=maybe_formula)
def test_exports_neutralise_formulas_in_names(client_id, first, last, level, group) -> None:
    group = group if group.strip() else f"G{group}"  # a group needs a name
    monday = date(2026, 11, 23)
    try:
        client = Client(client_id, first, last, level, 9.0, date(2026, 11, 1), groups=(group,))
        groups = {group: Group(name=group, days=(0, 2), start=time(18, 0), minutes=180,
                               first_day=date(2026, 9, 1))}
    except InputError:
        # The name rule (core.names) refuses blank names and control characters
        # ("\t=1+1") before any export sees them; the export must neutralise the rest.
        assume(False)
    week = week_containing(monday)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=CHI)
    rows = weekly_hours([client], groups, [], [], week, CHI, now)
    report = WeekReport(week, now, rows, {client.client_id: client})
    assert_no_formula(csv_cells(output.week_report(report, "csv")))
    start = datetime(2026, 11, 23, 18, 0, tzinfo=CHI)
    billing = [claim_line(monday, client.client_id, (group,), start, start + timedelta(hours=3), 180,
                          staff_name=first)]
    cells = csv_cells(output.billing(billing, "csv"))
    assert_no_formula(cells)
    # Neutralised, not dropped: the id is still there after its leading quote.
    assert cells[1][1].lstrip("'") == client_id


def claim_line(day, client_id, groups, start, stop, minutes, *, staff_name="Invented Counselor"):
    return BillingDay(day=day, client_id=client_id, level_of_care="IOP", service="H0015", units=1,
                      billable=True, minutes=minutes, minimum_minutes=180, place_of_service="57",
                      modifier="", telehealth=False, rendering_staff="counselor1",
                      rendering_name=staff_name, note_signed=True, groups=groups, start=start, stop=stop)


def test_a_carriage_return_in_a_name_cannot_start_a_row_with_a_formula() -> None:
    # Found by the fuzz test above: unquoted, "\r" ended the row in a spreadsheet and the
    # rest of the name ("=cmd...") began the next one, past the leading-character check.
    monday = date(2026, 11, 23)
    start = datetime(2026, 11, 23, 18, 0, tzinfo=CHI)
    sneaky = "T001\r=cmd|' /C calc'!A0"
    text = output.billing([claim_line(monday, sneaky, ("Evening\r@SUM(1)",), start,
                                      start + timedelta(hours=3), 180)], "csv")
    cells = csv_cells(text)
    assert len(cells) == 2 and cells[1][1] == sneaky
    assert_no_formula(cells)
    assert '"T001\r=cmd' in text  # quoted: one cell, as a spreadsheet reads it
