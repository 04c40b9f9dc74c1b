"""`facilitator goals`: add, list, set-status, review, due; exit 2 with one sentence on bad input.

Dates the tests expect are derived from what the command printed or passed with --date,
never from the wall clock. Every name and goal is invented.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from facilitator.core.part2 import STATEMENT_1
from tests.cli.conftest import csv_body, open_data, run_cli, tree_bytes

GOAL = "I want to get my license back"


def goals(capsys, *args: object):
    return run_cli(capsys, "goals", *args)


def test_add_list_and_set_status(rostered_clinic: Path, capsys) -> None:
    added = goals(capsys, "add", "Q001", "--text", GOAL, "--target", "2099-01-31",
                  "--objective", "Pay the reinstatement fee", "--objective", "Pass the written test",
                  "--data", rostered_clinic)
    assert added.code == 0, added.err
    assert added.out == "Added goal Q001:1 (2 objectives).\n"
    assert goals(capsys, "add", "Q001", "--text", "=cmd|' /C calc'!A0", "--data", rostered_clinic).code == 0
    shown = goals(capsys, "list", "Q001", "--format", "json", "--data", rostered_clinic)
    body = json.loads(shown.out)
    assert body["has_plan"] and [g["goal"] for g in body["goals"]] == ["Q001:1", "Q001:2"]
    assert body["goals"][0]["objectives"] == ["Pay the reinstatement fee", "Pass the written test"]
    assert body["goals"][0]["target"] == "2099-01-31" and body["notice"]
    started = date.fromisoformat(body["started"])
    assert body["review_due"] == (started + timedelta(days=30)).isoformat()

    table = goals(capsys, "list", "Q001", "--data", rostered_clinic)
    assert GOAL in table.out and "  - Pass the written test" in table.out and "next review due" in table.out

    rows = list(csv.reader(io.StringIO(csv_body(goals(capsys, "list", "Q001", "--format", "csv",
                                                      "--data", rostered_clinic).out))))
    assert rows[0] == [STATEMENT_1] and rows[1][0] == "goal"
    assert rows[3][4].startswith("'=")                       # a formula is neutralised

    done = goals(capsys, "set-status", "Q001:1", "met", "--data", rostered_clinic)
    assert done.code == 0 and done.out == "Goal Q001:1 is now met.\n"
    body = json.loads(goals(capsys, "list", "Q001", "--format", "json", "--data", rostered_clinic).out)
    assert [g["status"] for g in body["goals"]] == ["met", "active"]


def test_list_for_a_client_without_a_plan_says_so(rostered_clinic: Path, capsys) -> None:
    shown = goals(capsys, "list", "Q002", "--data", rostered_clinic)
    assert shown.code == 0 and "no recovery plan on file" in shown.out
    body = json.loads(goals(capsys, "list", "Q002", "--format", "json", "--data", rostered_clinic).out)
    assert body["has_plan"] is False and body["goals"] == []


def test_review_then_due(rostered_clinic: Path, capsys) -> None:
    assert goals(capsys, "add", "Q001", "--text", GOAL, "--data", rostered_clinic).code == 0
    reviewed = goals(capsys, "review", "Q001", "--data", rostered_clinic)
    assert reviewed.code == 0, reviewed.err
    day, due = re.findall(r"\d{4}-\d{2}-\d{2}", reviewed.out)
    assert date.fromisoformat(due) - date.fromisoformat(day) == timedelta(days=30)

    later = (date.fromisoformat(due) + timedelta(days=5)).isoformat()
    listed = goals(capsys, "due", "--date", later, "--format", "json", "--data", rostered_clinic)
    assert listed.code == 0, listed.err
    rows = {r["client_id"]: r for r in json.loads(listed.out)["clients"]}
    assert rows["Q001"]["days_overdue"] == 5 and rows["Q001"]["last_review"] == day
    assert rows["Q002"]["has_plan"] is False and rows["Q002"]["review_due"] is None
    assert "Q004" not in rows                     # discharged
    table = goals(capsys, "due", "--date", later, "--data", rostered_clinic)
    assert "1 overdue" in table.out and "no plan" in table.out and "5 d" in table.out


@pytest.mark.parametrize(("args", "words"), [
    (("add", "Q001", "--text", "  "), "field '--text'"),
    (("add", "Q001", "--text", "secret words\x1b[2J"), "control character"),
    (("add", "Q001", "--text", "secret words", "--target", "2000-01-01"), "field '--target'"),
    (("add", "Q001", "--text", "secret words", "--target", "soon"), "field '--target'"),
    (("add", "Q001", "--text", "secret words", "--objective", "x" * 400), "field '--objective'"),
    (("add", "NOBODY", "--text", "secret words"), "field 'CLIENT'"),
    (("set-status", "Q001:1", "met"), "no recovery plan"),
    (("set-status", "Q001", "met"), "field 'GOAL'"),
    (("set-status", "Q001:1", "done"), "unknown"),
    (("review", "Q001"), "no recovery plan"),
    (("list", "NOBODY"), "field 'CLIENT'"),
    (("due", "--date", "2026-02-30"), "field '--date'"),
])
def test_bad_input_exits_2_with_one_sentence_no_client_words_nothing_written(
        rostered_clinic: Path, capsys, args, words) -> None:
    before = tree_bytes(rostered_clinic)
    result = goals(capsys, *args, "--data", rostered_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert words in line and "secret" not in line and "Avery" not in line
    assert result.out == ""
    after = tree_bytes(rostered_clinic)
    assert {k: v for k, v in after.items() if not k.startswith("audit")} == \
        {k: v for k, v in before.items() if not k.startswith("audit")}


def test_a_supervisor_is_refused_changes_but_may_list(rostered_clinic: Path, capsys, monkeypatch) -> None:
    assert goals(capsys, "add", "Q001", "--text", GOAL, "--data", rostered_clinic).code == 0
    assert run_cli(capsys, "staff", "add", "sup9", "--name", "Sue Pervisor", "--role", "supervisor",
                   "--data", rostered_clinic).code == 0
    monkeypatch.setattr("facilitator.store.clinic.acting_user", lambda: "sup9")
    refused = goals(capsys, "set-status", "Q001:1", "met", "--data", rostered_clinic)
    assert refused.code == 2 and "only admins and counselors" in refused.one_line_error()
    assert goals(capsys, "list", "Q001", "--data", rostered_clinic).code == 0
    entries = [e for _, _, e in open_data(rostered_clinic).audit.entries() if e]
    assert any(e["action"] == "denied" and e["user"] == "sup9" for e in entries)
    assert any(e["action"] == "plan.view" and e["user"] == "sup9" for e in entries)


def test_settings_set_plan_review_days_changes_due_dates(rostered_clinic: Path, capsys) -> None:
    assert goals(capsys, "add", "Q001", "--text", GOAL, "--data", rostered_clinic).code == 0
    started = date.fromisoformat(json.loads(goals(capsys, "list", "Q001", "--format", "json",
                                                  "--data", rostered_clinic).out)["started"])
    assert run_cli(capsys, "settings", "set", "plan-review-days", "14", "--data", rostered_clinic).code == 0
    body = json.loads(goals(capsys, "due", "--date", started.isoformat(), "--format", "json",
                            "--data", rostered_clinic).out)
    row = next(r for r in body["clients"] if r["client_id"] == "Q001")
    assert row["review_due"] == (started + timedelta(days=14)).isoformat()


def test_report_week_json_carries_plan_review_due(rostered_clinic: Path, capsys) -> None:
    assert goals(capsys, "add", "Q001", "--text", GOAL, "--data", rostered_clinic).code == 0
    started = date.fromisoformat(json.loads(goals(capsys, "list", "Q001", "--format", "json",
                                                  "--data", rostered_clinic).out)["started"])
    report = run_cli(capsys, "report", "week", "--date", started.isoformat(), "--format", "json",
                     "--data", rostered_clinic)
    assert report.code == 0, report.err
    rows = {r["client_id"]: r for r in json.loads(report.out)["clients"]}
    assert rows["Q001"]["plan_review_due"] == (started + timedelta(days=30)).isoformat()
    assert rows["Q002"]["plan_review_due"] is None
    assert all("plan_review_due" in r for r in rows.values())


def test_audit_for_a_client_lists_their_plan_changes(rostered_clinic: Path, capsys) -> None:
    assert goals(capsys, "add", "Q001", "--text", GOAL, "--data", rostered_clinic).code == 0
    assert goals(capsys, "add", "Q002", "--text", "Find a sponsor", "--data", rostered_clinic).code == 0
    listed = run_cli(capsys, "audit", "--client", "Q001", "--data", rostered_clinic)
    assert listed.code == 0, listed.err
    assert "plan.goal-add" in listed.out and "plan:Q001" in listed.out and "plan:Q002" not in listed.out
    assert "license" not in listed.out
