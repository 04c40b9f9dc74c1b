"""The audit and verify family: `audit`, `verify`, `backup` and `restore`.

``audit`` lists the audit log: who did what to which record, when (an accounting of
disclosures, 45 CFR 164.528 / 42 CFR 2.24). Supervisors and admins only ("audit.read");
reading it is itself audited.

Which entries ``--client ID`` lists: see ``store.accounting`` (reading the log is checked and
audited there).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import sys
from pathlib import Path
from typing import Any, BinaryIO

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
def _archive_source(arg: str) -> tuple[BinaryIO, str]:
    from facilitator.store.archive import open_archive_file
    if arg == "-":
        return sys.stdin.buffer, "standard input"
    return open_archive_file(Path(arg).expanduser()), arg


def _restoring_as(args: argparse.Namespace) -> tuple[str, tuple[int, int] | None, dict[str, object]]:
    """Who restores (the audit entry's user), who will own the copy, and the entry's detail.

    A staff member restores as themselves (their OS account, as every command). Root, on a
    host where it is no staff member, names with ``--as`` the supervisor or admin of the
    backed-up clinic it acts for; the entry names that member, with ``by: root`` (and
    ``owner``) in its detail. Without ``--as``, root acts as the account ``root``, which must
    then be a supervisor or admin of that clinic like anyone else."""
    from facilitator.store.identity import acting_user
    owner = getattr(args, "owner", None)
    acting = getattr(args, "acting", None)
    if os.geteuid() != 0:
        if owner or acting:
            option = "--owner" if owner else "--as"
            raise InputError("is for root only (a staff member restores as themselves, "
                             "owning the copy); nothing was changed", field=option)
        return acting_user(), None, {}
    detail: dict[str, object] = {"by": "root"} if acting else {}
    acting = acting or acting_user()
    if not owner:
        return acting, None, detail
    try:
        account = pwd.getpwnam(owner)
    except KeyError:
        raise InputError(f"{owner!r} is not an account on this machine; nothing was changed",
                         field="--owner") from None
    detail["owner"] = owner
    return acting, (account.pw_uid, account.pw_gid), detail


def cmd_restore(args: argparse.Namespace) -> int:
    from facilitator.store.archive import Restore, restore_archive
    from facilitator.store.datadir import NotStaff

    dest = data_dir_of(args)
    user, owner, detail = _restoring_as(args)
    source, label = _archive_source(str(args.src))
    with contextlib.ExitStack() as stack:
        if source is not sys.stdin.buffer:
            stack.enter_context(source)
        try:
            restored = restore_archive(Restore(source, label, Path(os.path.abspath(dest)), user, owner, detail))
        except NotStaff:
            if os.geteuid() != 0 or getattr(args, "acting", None):
                raise
            raise InputError("root is not a staff member of the backed-up clinic: name the supervisor "
                             "or admin you restore for with --as STAFF (nothing was changed)",
                             field="--as") from None
    for problem in restored.problems:
        print(problem)
    if restored.problems:
        print(f"restore: extracted {restored.files} files to {dest}, but verify found "
              f"{len(restored.problems)} problem(s); do not use this copy until they are resolved.",
              file=sys.stderr)
        return 1
    print(f"Restored {restored.files} files from {label} to {dest}; verify passes.")
    return 0


# -- verify and backup -----------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace) -> int:
    from facilitator.store.maintenance import verify
    if getattr(args, "archive", None):
        return _verify_archive(args)
    data = open_clinic(data_dir_of(args))
    problems = verify(data, full=bool(getattr(args, "full", False)))
    if getattr(args, "head", None):
        from facilitator.store.integrity import check_head
        try:
            problems += check_head(data, args.head)
        except ValueError as err:
            raise InputError(str(err), field="--head") from None
    return _report_verify(problems, str(data.root))


def _report_verify(problems: list[str], where: str) -> int:
    for problem in problems:
        print(problem)
    if problems:
        print(f"verify: {len(problems)} problem(s) in {where}.", file=sys.stderr)
        return 1
    print(f"verify: every file parses and the audit chain holds in {where}.")
    return 0


def _verify_archive(args: argparse.Namespace) -> int:
    """Anyone holding an archive may check it: it needs no clinic, and writes only a private
    temp folder, removed after."""
    from facilitator.store.archive import verify_archive
    from facilitator.store.identity import acting_user
    source, label = _archive_source(str(args.archive))
    with contextlib.ExitStack() as stack:
        if source is not sys.stdin.buffer:
            stack.enter_context(source)
        problems = verify_archive(source, label, acting_user(), getattr(args, "head", None))
    return _report_verify(problems, label)


def cmd_backup(args: argparse.Namespace) -> int:
    from facilitator.store.archive import backup_archive
    data = open_clinic(data_dir_of(args))
    data.require("backup")                    # before a file is made; checked and audited by the store
    if args.dest == "-":
        out = sys.stdout.buffer
        if out.isatty():
            raise InputError("standard output is a terminal; redirect it to a file "
                             "(facilitator backup - > clinic.tar)", field="FILE")
        count = backup_archive(data, out)
        print(f"Backed up {count} files to standard output.", file=sys.stderr)
        return 0
    dest = Path(os.path.abspath(Path(args.dest).expanduser()))
    if Path(os.path.realpath(dest.parent)).is_relative_to(data.root.resolve()):
        # The next backup would hold this one too, and verify would name it.
        raise InputError(f"{dest} is inside the clinic directory {data.root}; back up somewhere else",
                         field="FILE")
    count = _backup_to_new_file(data, dest)
    print(f"Backed up {count} files to {args.dest}.")
    return 0


def _backup_to_new_file(data: Any, dest: Path) -> int:
    from facilitator.store.archive import backup_archive, create_new_file
    handle, parent, name = create_new_file(dest, "FILE")
    try:
        with handle:
            count = backup_archive(data, handle)
            os.fsync(handle.fileno())
        os.fsync(parent)
    except BaseException:
        os.unlink(name, dir_fd=parent)        # the file this command made, never another
        raise
    finally:
        os.close(parent)
    return count


COMMANDS = {"audit": cmd_audit, "verify": cmd_verify, "backup": cmd_backup, "restore": cmd_restore}
