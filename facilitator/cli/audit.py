"""The audit and verify family: `audit`, `verify`, `backup` and `restore`.

``audit`` lists the audit log: who did what to which record, when (an accounting of
disclosures, 45 CFR 164.528 / 42 CFR 2.24). Supervisors and admins only ("audit.read");
reading it is itself audited.

Which entries ``--client ID`` lists: see ``store.accounting`` (reading the log is checked and
audited there).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date
from facilitator.store.accounting import entry_time
from facilitator.store.clinic import open_clinic

AUDIT_COLUMNS = ("seq", "at", "user", "action", "record", "detail")


# -- audit ----------------------------------------------------------------------------------
def _detail_text(detail: Any) -> str:
    if not isinstance(detail, dict) or not detail:
        return ""
    return ", ".join(f"{k}={v}" for k, v in sorted(detail.items()))


def format_entries(rows: list[dict[str, Any]], fmt: str, tz: Any) -> str:
    from facilitator.cli import output
    from facilitator.core.part2 import STATEMENT_1
    if fmt == "json":
        return json.dumps({"notice": STATEMENT_1, "entries": rows},
                          indent=2, ensure_ascii=False) + "\n"

    def local(entry: dict[str, Any]) -> str:
        at = entry_time(entry, tz)
        return at.isoformat(timespec="seconds") if at else str(entry.get("at", ""))

    if fmt == "csv":
        return output._csv(AUDIT_COLUMNS, [
            [e.get("seq"), local(e), e.get("user"), e.get("action"), e.get("record"),
             json.dumps(e.get("detail") or {}, sort_keys=True)] for e in rows])
    table = [("Seq", "When", "Who", "Action", "Record", "Detail")]
    for e in rows:
        at = entry_time(e, tz)
        table.append((str(e.get("seq", "")), at.strftime("%Y-%m-%d %H:%M") if at else str(e.get("at", "")),
                      str(e.get("user", "")), str(e.get("action", "")), str(e.get("record", "")),
                      _detail_text(e.get("detail"))))
    return f"{len(rows)} audit entries\n" + output._table(table) + "\n"


def cmd_audit(args: argparse.Namespace) -> int:
    from facilitator.store.accounting import read_log
    data = open_clinic(data_dir_of(args))
    if getattr(args, "what", None):
        return _audit_head_or_baseline(data, args.what)
    first = parse_date(args.first, field="--from") if args.first else None
    last = parse_date(args.last, field="--to") if args.last else None
    reading = read_log(data, client=args.client, first=first, last=last, detail={"format": args.format})
    rows, bad, unreadable, breaks = reading.rows, reading.bad, reading.unreadable, reading.breaks
    sys.stdout.write(format_entries(rows, args.format, data.settings().tz))
    for session_id in sorted(unreadable):
        print(f"warning: session {session_id} could not be read, so its entries were not matched "
              f"to the client; run `facilitator verify`.", file=sys.stderr)
    if breaks or bad:
        print(f"warning: the audit log has {len(breaks)} break(s) in its hash chain; "
              f"run `facilitator verify` to see where.", file=sys.stderr)
        return 1
    return 1 if unreadable else 0


def _audit_head_or_baseline(data: Any, what: str) -> int:
    from facilitator.store.integrity import baseline, head_line
    if what == "head":
        # Not audited: an entry would move the head it prints. It names no record.
        print(head_line(data))
        return 0
    count = baseline(data)                    # admins only: checked by the store
    print(f"Recorded the current state of {count} data file(s) as baseline audit entries; "
          f"`facilitator verify` now checks them.")
    return 0


# -- restore --------------------------------------------------------------------------------
def cmd_restore(args: argparse.Namespace) -> int:
    from facilitator.store.datadir import DataDir
    from facilitator.store.identity import acting_user
    from facilitator.store.maintenance import may_restore, restore, verify

    src = Path(args.src).expanduser()
    dest = data_dir_of(args)
    if not (src / "clinic.json").is_file():
        raise InputError(f"{src} is not a facilitator backup (it has no clinic.json)", field="SRC")
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} is a file, not a directory", field="--data")
    if dest.exists() and any(dest.iterdir()):
        raise InputError(f"{dest} is not empty; restore into a new or empty directory "
                         f"(nothing was changed)", field="--data")
    source, target = src.resolve(), dest.resolve()
    if source == target or target.is_relative_to(source) or source.is_relative_to(target):
        raise InputError(f"{dest} and {src} overlap; restore somewhere else", field="--data")
    user = acting_user()
    may_restore(src, user)
    count = restore(src, dest)
    data = DataDir(dest, user=user)
    problems = verify(data, full=True)       # a copy from elsewhere: every file read strictly
    for problem in problems:
        print(problem)
    if problems:
        print(f"restore: copied {count} files to {dest}, but verify found {len(problems)} problem(s); "
              f"do not use this copy until they are resolved.", file=sys.stderr)
        return 1
    data.record_audit("clinic.restore", "clinic", {"files": count})
    print(f"Restored {count} files from {src} to {dest}; verify passes.")
    return 0


# -- verify and backup -----------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace) -> int:
    from facilitator.store.maintenance import verify
    data = open_clinic(data_dir_of(args))
    problems = verify(data, full=bool(getattr(args, "full", False)))
    if getattr(args, "head", None):
        from facilitator.store.integrity import check_head
        try:
            problems += check_head(data, args.head)
        except ValueError as err:
            raise InputError(str(err), field="--head") from None
    for problem in problems:
        print(problem)
    if problems:
        print(f"verify: {len(problems)} problem(s) in {data.root}.", file=sys.stderr)
        return 1
    print(f"verify: every file parses and the audit chain holds in {data.root}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from facilitator.store.maintenance import backup
    data = open_clinic(data_dir_of(args))
    dest = Path(args.dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} is a file, not a directory", field="DEST")
    if dest.resolve().is_relative_to(data.root.resolve()):
        # The next backup would copy this one too, and so on.
        raise InputError(f"{dest} is inside the clinic directory {data.root}; back up somewhere else",
                         field="DEST")
    count = backup(data, dest)                # checked ("backup") and audited by the store
    print(f"Backed up {count} files to {args.dest}.")
    return 0


COMMANDS = {"audit": cmd_audit, "verify": cmd_verify, "backup": cmd_backup, "restore": cmd_restore}
