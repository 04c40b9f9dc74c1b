"""Roster and attendance CSV rows: parsed and validated, all-or-nothing.

Pure: takes the file's text (already decoded), returns validated rows or raises
the first ``InputError`` with file, line and field. Cross-checks that need the
clinic (known groups and clients) take them as arguments.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from facilitator.core.errors import InputError
from facilitator.core.names import check_new_name
from facilitator.core.parsing import check_digits, parse_date, parse_hhmm
from facilitator.core.roster import Client, Group, check_client_id, match_id
from facilitator.core.rules import Status
from facilitator.core.session import attendance_time_problem

ROSTER_COLUMNS = ("client_id", "first_name", "last_name", "level_of_care", "required_hours",
                  "admitted", "discharged", "groups")
ATTENDANCE_COLUMNS = ("date", "group", "client_id", "status", "arrived", "left")
MAX_FIELD = 200


def _rows(text: str, filename: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row, after checking the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("the file is empty; the first line must name the columns", file=filename, line=1)
        names = [h.strip().lower() for h in header]
        for column in columns:
            if column not in names:
                raise InputError(f"missing column '{column}' (expected: {','.join(columns)})",
                                 file=filename, line=1, field=column)
        for name in names:
            if name not in columns:
                raise InputError(f"unknown column '{name}' (expected: {','.join(columns)})",
                                 file=filename, line=1, field=name or "(blank)")
        if len(set(names)) != len(names):
            raise InputError("a column is named twice", file=filename, line=1)
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise InputError(f"has {len(row)} fields, the header has {len(names)}", file=filename, line=line)
            values = dict(zip(names, (cell.strip() for cell in row), strict=True))
            for name, value in values.items():
                if len(value) > MAX_FIELD:
                    raise InputError(f"is longer than {MAX_FIELD} characters", file=filename, line=line, field=name)
            yield line, values
    except csv.Error as err:
        raise InputError(f"is not valid CSV ({err})", file=filename, line=reader.line_num) from None


_T = TypeVar("_T")


def _located(filename: str, line: int, fn: Callable[[], _T]) -> _T:
    try:
        return fn()
    except InputError as err:
        raise err.located(file=filename, line=line) from None


def _name(value: str, field: str) -> str:
    """A client's name from the CSV, under the one name rule. Errors name the line and
    field, never the name (it is a client's identity)."""
    if not value:
        raise InputError("is blank", field=field)
    return check_new_name(value, field=field)


def parse_roster(text: str, filename: str, *, known_groups: set[str],
                 levels_of_care: Mapping[str, float], known_clients: Collection[str] = ()) -> list[Client]:
    """Roster rows, each checked. Client ids and levels of care are matched without regard to
    case (``c0101`` updates the stored ``C0101``; ``iop`` is ``IOP``) and stored as the clinic
    has them; two rows whose ids differ only in case name one client (refused as a repeat)."""
    clients: list[Client] = []
    seen: dict[str, tuple[str, int]] = {}
    for line, row in _rows(text, filename, ROSTER_COLUMNS):
        def build(row: dict[str, str] = row, line: int = line) -> Client:
            typed = check_client_id(row["client_id"])
            client_id = match_id(typed, known_clients) or typed
            if client_id.casefold() in seen:
                first, where = seen[client_id.casefold()]
                raise InputError(f"client id {typed!r} is already on line {where}"
                                 + (f" (as {first!r})" if first != typed else ""), field="client_id")
            level = match_id(row["level_of_care"], levels_of_care)
            if level is None:
                raise InputError(f"{row['level_of_care']!r} is not a level of care "
                                 f"({', '.join(levels_of_care)})", field="level_of_care")
            if row["required_hours"]:
                check_digits(row["required_hours"], field="required_hours")
                try:
                    required = float(row["required_hours"])
                except ValueError:
                    raise InputError(f"{row['required_hours']!r} is not a number of hours",
                                     field="required_hours") from None
                if not 0 <= required <= 168:
                    raise InputError("must be between 0 and 168 hours a week", field="required_hours")
            else:
                required = levels_of_care[level]
            groups = tuple(g.strip() for g in row["groups"].split(";") if g.strip())
            for group in groups:
                if group not in known_groups:
                    raise InputError(f"there is no group named {group!r}", field="groups")
            admitted = parse_date(row["admitted"], field="admitted")
            discharged = parse_date(row["discharged"], field="discharged") if row["discharged"] else None
            seen[client_id.casefold()] = (typed, line)
            return Client(client_id=client_id, first_name=_name(row["first_name"], "first_name"),
                          last_name=_name(row["last_name"], "last_name"), level_of_care=level,
                          required_hours=required, admitted=admitted, discharged=discharged,
                          groups=groups)
        clients.append(_located(filename, line, build))
    return clients


@dataclass(frozen=True)
class AttendanceRow:
    """One checked row of an attendance CSV, with its line number for error messages."""

    line: int
    day: date
    group: str
    client_id: str
    status: Status
    arrived: time | None
    left: time | None


def parse_attendance(text: str, filename: str, *, known_groups: set[str],
                     clients: Mapping[str, Client],
                     groups: Mapping[str, Group] | None = None) -> list[AttendanceRow]:
    """Rows of an attendance CSV, each checked; ``groups`` (by name), when given, also checks
    arrival and departure times against the meeting's hours (``core.session.TIME_RULE``)."""
    rows: list[AttendanceRow] = []
    seen: dict[tuple[date, str, str], int] = {}
    for line, row in _rows(text, filename, ATTENDANCE_COLUMNS):
        def build(row: dict[str, str] = row, line: int = line) -> AttendanceRow:
            day = parse_date(row["date"], field="date")
            group = row["group"]
            if group not in known_groups:
                raise InputError(f"there is no group named {group!r}", field="group")
            client_id = match_id(row["client_id"], clients) or row["client_id"]
            client = clients.get(client_id)
            if client is None:
                raise InputError(f"there is no client with id {client_id!r}", field="client_id")
            if not client.enrolled_on(day):
                raise InputError(f"client {client_id} was not enrolled on {day}", field="date")
            try:
                status = Status(row["status"].lower())
            except ValueError:
                raise InputError(f"{row['status']!r} is not a status ({', '.join(s.value for s in Status)})",
                                 field="status") from None
            arrived = parse_hhmm(row["arrived"], field="arrived") if row["arrived"] else None
            left = parse_hhmm(row["left"], field="left") if row["left"] else None
            if not status.credits_time and (arrived or left):
                raise InputError(f"a client who is {status} has no arrival or departure time",
                                 field="arrived" if arrived else "left")
            if arrived and left and left <= arrived:
                raise InputError(f"left at {left:%H:%M}, not after arriving at {arrived:%H:%M}", field="left")
            if groups is not None and group in groups:
                that_day = groups[group].on(day)        # the schedule in force that day
                begin = datetime.combine(day, that_day.start)
                finish = begin + timedelta(minutes=that_day.minutes)   # wall clock
                for which, value in (("arrived", arrived), ("left", left)):
                    problem = value and attendance_time_problem(
                        which, datetime.combine(day, value), start=begin, end=finish)
                    if problem:
                        raise InputError(problem, field=which)
            key = (day, group, client_id)
            if key in seen:
                raise InputError(f"{client_id} in {group} on {day} is already on line {seen[key]}",
                                 field="client_id")
            seen[key] = line
            return AttendanceRow(line, day, group, client_id, status, arrived, left)
        rows.append(_located(filename, line, build))
    return rows
