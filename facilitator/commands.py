"""What each command does; `cli.py` parses, this module acts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator.core.clinic import ClinicSettings
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date, parse_hhmm
from facilitator.core.roster import Group, parse_days
from facilitator.store.identity import Clock, os_user, os_user_display_name, system_clock


def data_dir_of(args: argparse.Namespace) -> Path:
    from facilitator.cli import default_data_dir
    return Path(args.data).expanduser() if getattr(args, "data", None) else default_data_dir()


def open_clinic(root: Path, *, user: str | None = None, clock: Clock = system_clock):
    """Open the clinic in ``root`` as the OS user, with the plan library wired in."""
    from facilitator.store.datadir import DataDir
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir

    library: dict[str, PlanLibrary] = {}

    def blocks_for(plan_id: str | None):
        if not plan_id:
            return ()
        if "lib" not in library:
            library["lib"] = PlanLibrary.load(shipped_plans_dir(), root / "plans")
        lib = library["lib"]
        return lib.plans[plan_id].block_runs() if plan_id in lib.plans else ()

    return DataDir.open(root, user=user or os_user(), clock=clock, blocks_for=blocks_for)


def run(args: argparse.Namespace) -> int:
    command = args.command
    if command is None:
        return open_app(data_dir_of(args))
    from facilitator import audit_commands as trust
    from facilitator import report_commands as reports
    handler = {
        "report": reports.cmd_report_week, "export": reports.cmd_export_billing, "hours": reports.cmd_hours,
        "staff": reports.cmd_staff, "settings": reports.cmd_settings,
        "demo": cmd_demo, "init": cmd_init, "groups": cmd_groups_add, "roster": cmd_roster_import,
        "attendance": cmd_attendance_import, "verify": cmd_verify, "backup": cmd_backup,
        "audit": trust.cmd_audit, "restore": trust.cmd_restore, "pin": trust.cmd_pin,
        "sync": _cmd_sync,
    }[command]
    return handler(args)


def _cmd_sync(args: argparse.Namespace) -> int:
    from facilitator.sync_commands import cmd_sync
    return cmd_sync(args)


def open_app(root: Path, clock: Clock = system_clock) -> int:
    data = open_clinic(root, clock=clock)
    from facilitator.tui.app import make_app
    make_app(data).run()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from facilitator.demo import ensure_demo_clinic
    root = data_dir_of(args) if args.data or _env_data() else _demo_default()
    created = ensure_demo_clinic(root, user=os_user(), display_name=os_user_display_name())
    print(f"{'Made' if created else 'Reopened'} the demo clinic in {root}.", file=sys.stderr)
    if args.no_app:
        return 0
    return open_app(root)


def _env_data() -> bool:
    import os
    return bool(os.environ.get("FACILITATOR_DATA"))


def _demo_default() -> Path:
    from facilitator.cli import default_data_dir
    return default_data_dir().parent / "facilitator-demo"


def cmd_init(args: argparse.Namespace) -> int:
    from facilitator.store.datadir import DataDir
    root = data_dir_of(args)
    settings = ClinicSettings(name=args.clinic, timezone=args.timezone, week_start=args.week_start)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file, not a directory", field="--data")
    DataDir.init(root, settings, user=os_user(), display_name=os_user_display_name())
    print(f"Created clinic {settings.name!r} in {root}; {os_user()} is its admin.")
    return 0


def cmd_groups_add(args: argparse.Namespace) -> int:
    data = open_clinic(data_dir_of(args))
    group = Group(
        name=args.name.strip(), days=parse_days(args.days, field="--days"),
        start=parse_hhmm(args.start, field="--start"), minutes=_minutes(args.minutes),
        plan=args.plan, holidays=tuple(parse_date(h, field="--holiday") for h in args.holiday))
    if args.plan:
        from facilitator.store.plans import PlanLibrary, shipped_plans_dir
        try:
            PlanLibrary.load(shipped_plans_dir(), data.plans_dir).get(args.plan)
        except InputError as err:
            raise err.located(field="--plan") from None
    # Session files are named by the group's slug, so two groups whose names differ only in
    # case or punctuation ("Evening A", "evening-a") would share record files.
    from facilitator.core.session import slug
    for other in data.snapshot().groups:
        if other != group.name and slug(other) == slug(group.name):
            raise InputError(f"{group.name!r} is too like the existing group {other!r} "
                             f"(names must differ in more than case or punctuation)", field="NAME")
    data.add_group(group)
    print(f"Added group {group.name!r}: {group.day_names} at {group.start:%H:%M} for {group.minutes} minutes.")
    return 0


def _minutes(value: int) -> int:
    if not 1 <= value <= 720:
        raise InputError(f"{value} is not between 1 and 720", field="--minutes")
    return value


def cmd_roster_import(args: argparse.Namespace) -> int:
    from facilitator.core.imports import parse_roster
    from facilitator.store.csvfile import read_csv_text
    data = open_clinic(data_dir_of(args))
    data.require("roster.change")
    snapshot = data.snapshot()
    clients = parse_roster(read_csv_text(args.file), str(args.file), known_groups=set(snapshot.groups),
                           levels_of_care=snapshot.settings.levels_of_care)
    added, updated = data.import_roster(clients)
    print(f"Imported {len(clients)} clients from {args.file}: {added} added, {updated} updated.")
    return 0


def cmd_attendance_import(args: argparse.Namespace) -> int:
    from facilitator.core.imports import parse_attendance
    from facilitator.store.csvfile import read_csv_text
    data = open_clinic(data_dir_of(args))
    data.require("attendance.change")
    snapshot = data.snapshot()
    rows = parse_attendance(read_csv_text(args.file), str(args.file), known_groups=set(snapshot.groups),
                            clients=snapshot.clients, groups=snapshot.groups)
    sessions, entries = data.import_attendance(rows)
    print(f"Imported {entries} attendance entries into {sessions} sessions from {args.file}.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from facilitator.store.maintenance import verify
    data = open_clinic(data_dir_of(args))
    problems = verify(data)
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
    data.require("backup")
    dest = Path(args.dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} is a file, not a directory", field="DEST")
    if dest.resolve().is_relative_to(data.root.resolve()):
        # The next backup would copy this one too, and so on.
        raise InputError(f"{dest} is inside the clinic directory {data.root}; back up somewhere else",
                         field="DEST")
    count = backup(data, dest)
    data.record_audit("clinic.backup", "clinic", {"files": count})
    print(f"Backed up {count} files to {args.dest}.")
    return 0
