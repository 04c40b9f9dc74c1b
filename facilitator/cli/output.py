"""Formatting reports for a terminal, a spreadsheet or a script (table, csv, json)."""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from facilitator.core.errors import printable
from facilitator.core.hours import hours_down, hours_up
from facilitator.store.reports import REDISCLOSURE_NOTICE, BillingDay, WeekReport

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOTICE_CELL = "42 CFR part 2 notice: " + REDISCLOSURE_NOTICE


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: list[Sequence[Any]]) -> str:
    """The notice in one quoted cell on the first line, then the header and the rows.

    Decided with a spreadsheet in mind: the notice is the first thing a person sees (42 CFR
    2.32 wants it to accompany the disclosure), it stays one cell however many commas it
    holds, and every column below it lines up. A script skips one line before the header.
    """
    buffer = io.StringIO()
    buffer.write('"' + NOTICE_CELL.replace('"', '""') + '"\n')
    # Lines end in "\n", but the writer is told "\r\n" so that it quotes a field holding a
    # bare "\r" too (Python 3.11 quotes only lineterminator characters): unquoted, a "\r"
    # in a name would start a new row in a spreadsheet, and a formula could follow it.
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\r\n")
    for row in [header, *[[safe_cell(v) for v in row] for row in rows]]:
        line.seek(0)
        line.truncate()
        writer.writerow(row)
        buffer.write(line.getvalue()[:-2] + "\n")
    return buffer.getvalue()


WEEK_COLUMNS = ("client_id", "name", "level_of_care", "required_hours", "credited_hours",
                "status", "hours_needed", "sessions_left", "absent", "excused")


def week_report(report: WeekReport, fmt: str) -> str:
    rows = report.as_dicts()
    if fmt == "json":
        return json.dumps({"week": report.week.label, "first_day": report.week.first.isoformat(),
                           "last_day": report.week.last.isoformat(),
                           "generated_at": report.generated_at.isoformat(timespec="seconds"),
                           "notice": REDISCLOSURE_NOTICE, "clients": rows}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(WEEK_COLUMNS, [[r[c] for c in WEEK_COLUMNS] for r in rows])
    title = (f"Week {report.week.label} ({report.week.first:%a %d %b} – {report.week.last:%a %d %b %Y}), "
             f"{len(rows)} clients")
    # The screen's rounding: credited hours down, hours needed up (core.hours).
    table = [("ID", "Name", "Level", "Req h", "Cred h", "Status", "Need h", "Left", "Abs", "Exc")]
    for row, r in zip(report.rows, rows):
        table.append((r["client_id"], r["name"], r["level_of_care"], f"{r['required_hours']:g}",
                      hours_down(row.credited_minutes), r["status"],
                      hours_up(row.shortfall_minutes), str(r["sessions_left"]), str(r["absent"]),
                      str(r["excused"])))
    return title + "\n" + _table(table) + "\n" + _footer() + "\n"


BILLING_COLUMNS = ("date", "client_id", "service", "groups", "start", "stop", "minutes", "meets_3h_day")


def billing(rows: list[BillingDay], fmt: str) -> str:
    dicts = [{"date": r.day.isoformat(), "client_id": r.client_id, "service": "H0015",
              "groups": ";".join(r.groups), "start": r.start.strftime("%H:%M"),
              "stop": r.stop.strftime("%H:%M"), "minutes": r.minutes,
              "meets_3h_day": r.meets_h0015_day} for r in rows]
    if fmt == "json":
        return json.dumps({"notice": REDISCLOSURE_NOTICE, "rows": dicts}, indent=2) + "\n"
    return _csv(BILLING_COLUMNS, [[d[c] for c in BILLING_COLUMNS] for d in dicts])


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide and fullwidth characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _table(rows: list[Sequence[str]]) -> str:
    """Columns padded by display width, so a name like 李 小龙 keeps the columns after it."""
    widths = [max(display_width(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(str(v), w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


HOURS_COLUMNS = ("id", "date", "client_id", "kind", "minutes")


def other_hours(entries: list[tuple[str, Any]], fmt: str) -> str:
    """``hours list``: (id, OtherHours) pairs as tab-separated lines, csv or json."""
    dicts = [{"id": f"{e.day:%Y-%m}#{entry_id}", "date": e.day.isoformat(), "client_id": e.client_id,
              "kind": e.kind, "minutes": e.minutes} for entry_id, e in entries]
    if fmt == "json":
        return json.dumps({"notice": REDISCLOSURE_NOTICE, "entries": dicts}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(HOURS_COLUMNS, [[d[c] for c in HOURS_COLUMNS] for d in dicts])
    return "".join("\t".join(str(d[c]) for c in HOURS_COLUMNS) + "\n" for d in dicts)


def _footer() -> str:
    return "Confidential: 42 CFR part 2 records; do not re-disclose (see --format csv/json for the notice)."


def report_problems(problems: Iterable[object]) -> None:
    """Problems a report or listing met (a damaged file, say): one warning line each, on stderr."""
    for problem in problems:
        print(f"warning (left out of this report): {problem}", file=sys.stderr)


STAFF_COLUMNS = ("user", "role", "state", "display_name")


def staff(members: list[Any], fmt: str) -> str:
    """``staff list``: tab-separated lines, csv or json (no client data: no notice)."""
    dicts = [{"user": m.user, "role": str(m.role), "state": "active" if m.active else "inactive",
              "display_name": m.display_name} for m in members]
    if fmt == "json":
        return json.dumps({"staff": dicts}, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(STAFF_COLUMNS)
        writer.writerows([safe_cell(d[c]) for c in STAFF_COLUMNS] for d in dicts)
        return buffer.getvalue()
    # Names are checked when stored and read (core.names); printed safely all the same.
    return "".join("\t".join(printable(d[c]) for c in STAFF_COLUMNS) + "\n" for d in dicts)


def _notice_json() -> str:
    from facilitator.core.part2 import STATEMENT_1
    return STATEMENT_1


def _notice_line() -> str:
    from facilitator.core.part2 import STATEMENT_2
    return STATEMENT_2


def _day_text(day: Any) -> str:
    return day.isoformat() if day else ""


def groups(items: list[Any], closed: list[tuple[Any, str | None, str]], fmt: str) -> str:
    """``groups list``: each group's schedule now, its earlier schedules, dates and closures."""
    def schedule(s: Any) -> dict[str, Any]:
        from facilitator.core.rules import WEEKDAYS
        names = {v: k for k, v in WEEKDAYS.items()}
        return {"from": _day_text(s.since) or None, "days": ",".join(names[d] for d in s.days),
                "start": f"{s.start:%H:%M}", "minutes": s.minutes, "plan": s.plan}
    dicts = []
    for g in items:
        mine = [(d, c, r) for d, c, r in closed if c is None or c == g.name]
        dicts.append({"name": g.name, **schedule(g.current()), "first_day": g.first_day.isoformat(),
                      "last_day": _day_text(g.last_day) or None,
                      "earlier": [schedule(s) for s in g.earlier],
                      "closures": [{"date": d.isoformat(), "clinic": c is None, "reason": r} for d, c, r in mine]})
    if fmt == "json":
        return json.dumps({"notice": _notice_json(), "groups": dicts}, indent=2) + "\n"
    if not dicts:
        return "No groups yet (add one with `facilitator groups add`).\n"
    rows = [["name", "days", "start", "minutes", "plan", "from", "last day", "closures"]]
    for d in dicts:
        rows.append([printable(d["name"]), d["days"], d["start"], str(d["minutes"]), printable(d["plan"] or "-"),
                     d["from"] or "-", d["last_day"] or "-", str(len(d["closures"]))])
        for e in d["earlier"]:
            rows.append(["  (before)", e["days"], e["start"], str(e["minutes"]), printable(e["plan"] or "-"),
                         e["from"] or "-", "", ""])
    return _table(rows) + "\n"


def closures(rows: list[tuple[Any, str | None, str]], fmt: str) -> str:
    """``closures list``: day, group (or the clinic) and why."""
    dicts = [{"date": d.isoformat(), "group": g, "reason": r} for d, g, r in rows]
    if fmt == "json":
        return json.dumps({"notice": _notice_json(), "closures": dicts}, indent=2) + "\n"
    if not dicts:
        return "No closures.\n"
    table = [["date", "group", "reason"]] + [
        [d["date"], printable(d["group"]) if d["group"] else "(whole clinic)", printable(d["reason"])]
        for d in dicts]
    return _table(table) + "\n"


def roster(clients: list[Any], fmt: str) -> str:
    """``roster list``: every client, names as typed (a control character is shown as its escape, never sent)."""
    dicts = [{"client_id": c.client_id, "first_name": c.first_name, "last_name": c.last_name,
              "level_of_care": c.level_of_care, "required_hours": c.required_hours,
              "admitted": c.admitted.isoformat(), "discharged": _day_text(c.discharged) or None,
              "groups": list(c.groups)} for c in clients]
    if fmt == "json":
        return json.dumps({"notice": _notice_json(), "clients": dicts}, indent=2) + "\n"
    if not dicts:
        return "No clients yet (add them with `facilitator roster import FILE.csv`).\n"
    table = [["id", "name", "level", "hours", "admitted", "discharged", "groups"]] + [
        [printable(d["client_id"]), printable(f"{d['first_name']} {d['last_name']}"),
         printable(d["level_of_care"]), f"{d['required_hours']:g}", d["admitted"], d["discharged"] or "-",
         printable(", ".join(d["groups"])) or "-"] for d in dicts]
    return _table(table) + "\n" + _notice_line() + "\n"
