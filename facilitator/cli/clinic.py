"""The clinic family: `init`, `groups add`, `staff`, `settings` and `pin reset`."""

from __future__ import annotations

import argparse
import sys

from facilitator.cli import output
from facilitator.cli.parser import data_dir_of
from facilitator.core.clinic import ClinicSettings
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date, parse_hhmm
from facilitator.core.roster import Group, parse_days
from facilitator.store.clinic import open_clinic
from facilitator.store.identity import os_user, os_user_display_name


def cmd_init(args: argparse.Namespace) -> int:
    from facilitator.store.datadir import DataDir
    root = data_dir_of(args)
    settings = ClinicSettings(name=args.clinic, timezone=args.timezone, week_start=args.week_start)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file, not a directory", field="--data")
    group = getattr(args, "group", None)
    DataDir.init(root, settings, user=os_user(), display_name=os_user_display_name(), group=group)
    shared = f", shared with the group {group}" if group else ""
    print(f"Created clinic {settings.name!r} in {root}{shared}; {os_user()} is its admin.")
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
    from facilitator.store.reports import group_reach_warning
    if warning := group_reach_warning(data, group.name):      # added all the same (exit 0)
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _minutes(value: int) -> int:
    if not 1 <= value <= 720:
        raise InputError(f"{value} is not between 1 and 720", field="--minutes")
    return value


def cmd_staff(args: argparse.Namespace) -> int:
    from facilitator.store import staff
    data = open_clinic(data_dir_of(args))
    if args.action == "add":
        member = staff.add_staff(data, args.user, args.name, args.role)
        print(f"Added {member.user} ({member.display_name}) as a {member.role}.")
    elif args.action == "set-role":
        staff.set_role(data, args.user, args.role)
        print(f"{args.user} is now a {args.role}.")
    elif args.action == "deactivate":
        staff.deactivate(data, args.user)
        print(f"{args.user} can no longer open the clinic.")
    else:
        members = sorted(data.snapshot().staff.values(), key=lambda m: m.user)
        sys.stdout.write(output.staff(members, getattr(args, "format", "table")))
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from facilitator.store import settings as clinic_settings
    data = open_clinic(data_dir_of(args))
    if args.action == "show":
        for line in clinic_settings.settings_lines(data.settings()):
            print(line)
        return 0
    value = clinic_settings.parse_value(args.key, args.value)
    before = clinic_settings.value_text(data.settings(), args.key)
    after = clinic_settings.change_settings(data, **{clinic_settings.FIELDS[args.key]: value})
    now = clinic_settings.value_text(after, args.key)
    print(f"{args.key} is now {now}" + (f" (was {before})." if before != now else " (unchanged)."))
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    from facilitator.store.pins import reset_pin
    data = open_clinic(data_dir_of(args))
    if args.action == "issue":
        return _issue_pin(data, args.user)
    user = args.user or data.user
    if user not in data.snapshot().staff:
        raise InputError(f"{user} is not a staff member", field="USER")
    had = reset_pin(data, user)
    if had:
        print(f"Cleared the PIN of {user}; facilitator asks for a new one when it is next started "
              f"(an app now at its lock screen stays locked).")
    else:
        print(f"{user} had no PIN; facilitator asks for one when it is next started.")
    return 0


def _issue_pin(data, user: str) -> int:
    """`pin issue USER`: the PIN typed twice without echo, or two lines on standard input."""
    import getpass
    from facilitator.store.pins import issue_pin
    if sys.stdin.isatty():
        first, second = getpass.getpass("New PIN: "), getpass.getpass("The same PIN again: ")
    else:
        first, second = (sys.stdin.readline().strip() for _ in range(2))
    issue_pin(data, user, first, second)
    print(f"Set the PIN of {user}; give it to them in person.")
    return 0


COMMANDS = {"init": cmd_init, "groups": cmd_groups_add, "staff": cmd_staff, "settings": cmd_settings,
            "pin": cmd_pin}
