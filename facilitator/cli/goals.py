"""`facilitator goals …`: clients' recovery plans on the command line.

    goals add CLIENT --text "..." [--target DATE] [--objective "..."]...
    goals list CLIENT [--format table|csv|json]
    goals set-status CLIENT:N met|revised|active
    goals review CLIENT            (records a review today)
    goals due [--date DATE] [--format table|csv|json]

One module with its parser and its actions.
Errors are one sentence with exit 2 and never repeat a goal's words (they are the client's).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from facilitator.cli.output import _csv, _footer, _table
from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date
from facilitator.core.part2 import STATEMENT_1
from facilitator.store import recovery
from facilitator.store.clinic import open_clinic

FORMATS = ("table", "csv", "json")
STATUSES = ("active", "met", "revised")


def cmd_goals(args: argparse.Namespace) -> int:
    data = open_clinic(data_dir_of(args))
    _canonical_client(data, args)
    return {"add": _add, "list": _list, "set-status": _set_status, "review": _review, "due": _due}[
        args.action](data, args)


MAX_STDIN_TEXT = 64 * 1024


def goal_text(value: str) -> str:
    """``--text``, or for ``-`` the text on standard input: a goal is a client's own words, and
    words on a command line are seen by every account on the machine (/proc/*/cmdline)."""
    if value != "-":
        return value
    text = sys.stdin.read(MAX_STDIN_TEXT + 1)
    if len(text) > MAX_STDIN_TEXT:
        raise InputError(f"is longer than {MAX_STDIN_TEXT} characters", field="--text")
    return text.rstrip("\r\n")


def _add(data, args) -> int:
    target = parse_date(args.target, field="--target") if args.target else None
    goal = recovery.add(data, args.client.strip(), goal_text(args.text), objectives=args.objective, target=target)
    print(f"Added goal {recovery.ref_of(args.client.strip(), goal)} "
          f"({len(goal.objectives)} objective{'s' if len(goal.objectives) != 1 else ''}).")
    return 0


def _set_status(data, args) -> int:
    goal = recovery.set_goal_status(data, args.goal, args.status)
    print(f"Goal {args.goal.strip()} is now {goal.status}.")
    return 0


def _review(data, args) -> int:
    client_id = args.client.strip()
    plan = recovery.review(data, client_id)
    interval = data.settings().plan_review_days
    print(f"Recorded a review of {client_id}'s plan on {plan.last_review}; "
          f"the next is due {plan.review_due(interval)}.")
    return 0


def _canonical_client(data, args) -> None:
    """Client ids are typed without regard to case (``c0101`` is ``C0101``): the stored form
    replaces the typed one in ``CLIENT`` and ``CLIENT:N`` (an unknown id is left as typed,
    for the action's own sentence)."""
    from facilitator.core.roster import match_id
    clients = data.snapshot().clients
    if getattr(args, "client", None):
        args.client = match_id(args.client, clients) or args.client
    if getattr(args, "goal", None):
        client, sep, number = args.goal.strip().rpartition(":")
        if sep and (found := match_id(client, clients)):
            args.goal = f"{found}:{number}"


def _list(data, args) -> int:
    client, plan = recovery.view(data, args.client.strip(), {"format": args.format})
    interval = data.settings().plan_review_days
    goals: list[dict[str, Any]] = [] if plan is None else [{
        "goal": recovery.ref_of(client.client_id, g), "number": g.number, "status": str(g.status),
        "text": g.text, "objectives": list(g.objectives),
        "target": g.target.isoformat() if g.target else None, "set_on": g.set_on.isoformat(),
    } for g in plan.goals]
    if args.format == "json":
        body = {"notice": STATEMENT_1, "client_id": client.client_id, "has_plan": plan is not None,
                "goals": goals}
        if plan is not None:
            body.update(started=plan.started.isoformat(),
                        review_due=plan.review_due(interval).isoformat(),
                        reviews=[{"day": r.day.isoformat(), "by": r.by} for r in plan.reviews])
        sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        columns = ("goal", "status", "target", "set_on", "text", "objectives")
        sys.stdout.write(_csv(columns, [[g[c] if c != "objectives" else "; ".join(g[c]) for c in columns]
                                        for g in goals]))
    elif plan is None:
        print(f"{client.client_id} {client.name}: no recovery plan on file.")
    else:
        print(f"{client.client_id} {client.name}: plan started {plan.started}, "
              f"last reviewed {plan.last_review or 'never'}, next review due {plan.review_due(interval)}")
        rows = [("Goal", "Status", "Target", "Goal (client's words) / objectives")]
        for g in goals:
            rows.append((g["goal"], g["status"], g["target"] or "-", g["text"]))
            rows.extend(("", "", "", f"  - {o}") for o in g["objectives"])
        print(_table(rows))
        print(_footer())
    return 0


def _due(data, args) -> int:
    today = parse_date(args.date, field="--date") if args.date else data.now().date()
    rows, problems = recovery.due_list(data, today, {"format": args.format})
    dicts: list[dict[str, Any]] = [_due_row(r) for r in rows]
    if args.format == "json":
        sys.stdout.write(json.dumps({"date": today.isoformat(), "notice": STATEMENT_1,
                                     "clients": dicts}, indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        columns = ("client_id", "name", "has_plan", "active_goals", "last_review", "review_due", "days_overdue")
        sys.stdout.write(_csv(columns, [[d[c] for c in columns] for d in dicts]))
    else:
        _print_due(today, rows, dicts)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def _due_row(r: recovery.PlanDue) -> dict[str, object]:
    plan = r.plan
    return {
        "client_id": r.client.client_id, "name": r.client.name, "has_plan": plan is not None,
        "active_goals": len(plan.active_goals) if plan else 0,
        "last_review": plan.last_review.isoformat() if plan and plan.last_review else None,
        "review_due": r.due.isoformat() if r.due else None,
        "days_overdue": r.days_overdue,
    }


def _print_due(today: object, rows: list[recovery.PlanDue], dicts: list[dict[str, object]]) -> None:
    overdue = sum(1 for r in rows if r.overdue)
    print(f"Plan reviews as of {today}: {overdue} overdue, "
          f"{sum(1 for r in rows if r.plan is None)} without a plan")
    table: list[Sequence[str]] = [("ID", "Name", "Goals", "Last review", "Due", "Overdue")]
    for d in dicts:
        if not d["has_plan"]:
            table.append((str(d["client_id"]), str(d["name"]), "-", "-", "no plan", ""))
            continue
        late = f"{d['days_overdue']} d" if d["days_overdue"] else ""
        table.append((str(d["client_id"]), str(d["name"]), str(d["active_goals"]), str(d["last_review"] or "never"),
                      str(d["review_due"]), late))
    print(_table(table))
    print(_footer())


COMMANDS = {"goals": cmd_goals}
