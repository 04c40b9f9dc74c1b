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
from facilitator.core.part2 import STATEMENT_1, STATEMENT_2
from facilitator.store.reports import BillingDay, WeekReport

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every CSV starts with the UTF-8 byte-order mark: without it a spreadsheet's default import
# (LibreOffice, Excel) reads the bytes as Latin-1 and shows "JosÃ© HernÃ¡ndez". A script
# reads it with encoding="utf-8-sig"; the clinic's own imports (store.csvfile) accept it.
BOM = "\ufeff"
# 42 CFR 2.32 Statement 1, verbatim and alone in the first cell (core.part2); JSON carries it
# as "notice", and a terminal table, where only a line fits, ends with Statement 2.
NOTICE_CELL = STATEMENT_1


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: list[Sequence[Any]]) -> str:
    """The notice in one quoted cell on the first line, then the header and the rows.

    Decided with a spreadsheet in mind: the notice is the first thing a person sees (42 CFR
    2.32 wants it to accompany the disclosure), it stays one cell however many commas it
    holds, and every column below it lines up. A script reads it as "utf-8-sig" (the BOM)
    and skips one line before the header.
    """
    buffer = io.StringIO()
    buffer.write(BOM + '"' + NOTICE_CELL.replace('"', '""') + '"\n')
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


WEEK_COLUMNS = ("client_id", "name", "level_of_care", "required_hours", "attended_hours",
                "status", "hours_needed", "sessions_left", "absent", "excused")


def week_report(report: WeekReport, fmt: str) -> str:
    rows = report.as_dicts()
    if fmt == "json":
        return json.dumps({"week": report.week.label, "first_day": report.week.first.isoformat(),
                           "last_day": report.week.last.isoformat(),
                           "generated_at": report.generated_at.isoformat(timespec="seconds"),
                           "notice": STATEMENT_1, "clients": rows}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(WEEK_COLUMNS, [[r[c] for c in WEEK_COLUMNS] for r in rows])
    title = (f"Week {report.week.label} ({report.week.first:%a %d %b} – {report.week.last:%a %d %b %Y}), "
             f"{len(rows)} clients")
    # The screen's rounding: hours attended down, hours still needed up (core.hours).
    table = [("ID", "Name", "Level", "Required", "Attended", "Status", "Still needed",
              "Sessions left", "Absent", "Excused")]
    for row, r in zip(report.rows, rows, strict=True):     # rows: report.as_dicts(), one a row
        table.append((r["client_id"], r["name"], r["level_of_care"], f"{r['required_hours']:g}",
                      hours_down(row.credited_minutes), r["status"],
                      hours_up(row.shortfall_minutes), str(r["sessions_left"]), str(r["absent"]),
                      str(r["excused"])))
    why = [f"note: {cid} cannot reach {report.clients[cid].required_hours:g} h: {text}."
           for cid, text in report.cannot_meet.items() if cid in {r.client_id for r in report.rows}]
    notes = "".join(line + "\n" for line in why)
    return title + "\n" + _table(table) + "\n" + notes + _footer() + "\n"


# One claim line per client per day; README.md ("Billing export") says what each column is.
BILLING_COLUMNS = ("date", "client_id", "level_of_care", "service", "modifier", "units", "billable",
                   "minutes", "minimum_minutes", "place_of_service", "telehealth",
                   "rendering_staff_id", "rendering_staff_name", "note_signed", "groups", "start", "stop")


def billing(rows: list[BillingDay], fmt: str) -> str:
    dicts = [{"date": r.day.isoformat(), "client_id": r.client_id, "level_of_care": r.level_of_care,
              "service": r.service, "modifier": r.modifier, "units": r.units, "billable": r.billable,
              "minutes": r.minutes, "minimum_minutes": r.minimum_minutes,
              "place_of_service": r.place_of_service, "telehealth": r.telehealth,
              "rendering_staff_id": r.rendering_staff, "rendering_staff_name": r.rendering_name,
              "note_signed": r.note_signed, "groups": ";".join(r.groups),
              "start": r.start.strftime("%H:%M"), "stop": r.stop.strftime("%H:%M")} for r in rows]
    if fmt == "json":
        return json.dumps({"notice": STATEMENT_1, "rows": dicts}, indent=2, ensure_ascii=False) + "\n"
    # a spreadsheet reads yes/no as words, where True/False would become 1/0 or TRUE/FALSE
    return _csv(BILLING_COLUMNS, [[_yes_no(d[c]) for c in BILLING_COLUMNS] for d in dicts])


def _yes_no(value: Any) -> Any:
    return ("yes" if value else "no") if isinstance(value, bool) else value


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide and fullwidth characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded by display width, so a name like 李 小龙 keeps the columns after it."""
    widths = [max(display_width(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    # strict=False: a row shorter than the header prints what it has
    lines = ["  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=False)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


HOURS_COLUMNS = ("id", "date", "client_id", "kind", "minutes")


def other_hours(entries: list[tuple[str, Any]], fmt: str) -> str:
    """``hours list``: (id, OtherHours) pairs as a table (like ``report week``'s), csv or json."""
    dicts = [{"id": ref, "date": e.day.isoformat(), "client_id": e.client_id,
              "kind": e.kind, "minutes": e.minutes} for ref, e in entries]
    if fmt == "json":
        return json.dumps({"notice": STATEMENT_1, "entries": dicts}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(HOURS_COLUMNS, [[d[c] for c in HOURS_COLUMNS] for d in dicts])
    table = [("ID", "Date", "Client", "Kind", "Minutes")]
    table += [(d["id"], d["date"], printable(d["client_id"]), d["kind"], str(d["minutes"])) for d in dicts]
    count = f"{len(dicts)} logged session" + ("" if len(dicts) == 1 else "s")
    return count + "\n" + _table(table) + "\n" + _footer() + "\n"


def _footer() -> str:
    """The terminal tables' one line: 42 CFR 2.32 Statement 2 (csv and json carry Statement 1)."""
    return STATEMENT_2


def report_problems(problems: Iterable[object]) -> None:
    """Problems a report or listing met (a damaged file, say): one warning line each, on stderr."""
    for problem in problems:
        print(f"warning (left out of this report): {problem}", file=sys.stderr)


STAFF_COLUMNS = ("user", "role", "state", "keys", "display_name")


def staff(members: list[Any], fmt: str) -> str:
    """``staff list``: a table (like ``report week``'s), csv or json (no client data: no notice)."""
    dicts = [{"user": m.user, "role": str(m.role), "state": "active" if m.active else "inactive",
              "keys": len(m.keys), "display_name": m.display_name} for m in members]
    if fmt == "json":
        return json.dumps({"staff": dicts}, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO(BOM)
        buffer.seek(len(BOM))
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(STAFF_COLUMNS)
        writer.writerows([safe_cell(d[c]) for c in STAFF_COLUMNS] for d in dicts)
        return buffer.getvalue()
    # Names are checked when stored and read (core.names); printed safely all the same.
    table: list[tuple[str, ...]] = [("User", "Role", "State", "Keys", "Name")]
    table += [tuple(printable(str(d[c])) for c in STAFF_COLUMNS) for d in dicts]
    return _table(table) + "\n"


def staff_keys(rows: list[tuple[str, str, str]]) -> str:
    """``staff key list``: user, key type and SHA256 fingerprint (as ``ssh-keygen -l`` shows it)."""
    return _table([("User", "Type", "Fingerprint"), *[tuple(printable(c) for c in row) for row in rows]]) + "\n"


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
        return json.dumps({"notice": STATEMENT_1, "groups": dicts}, indent=2) + "\n"
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
        return json.dumps({"notice": STATEMENT_1, "closures": dicts}, indent=2) + "\n"
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
        return json.dumps({"notice": STATEMENT_1, "clients": dicts}, indent=2) + "\n"
    if not dicts:
        return "No clients yet (add them with `facilitator roster import FILE.csv`).\n"
    table = [["id", "name", "level", "hours", "admitted", "discharged", "groups"]] + [
        [printable(d["client_id"]), printable(f"{d['first_name']} {d['last_name']}"),
         printable(d["level_of_care"]), f"{d['required_hours']:g}", d["admitted"], d["discharged"] or "-",
         printable(", ".join(d["groups"])) or "-"] for d in dicts]
    return _table(table) + "\n" + STATEMENT_2 + "\n"


# Columns padded by display width, for listings outside this module (`session list`).
plain_table = _table
