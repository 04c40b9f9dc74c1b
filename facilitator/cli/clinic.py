"""The clinic family: `init`, `groups add`, `staff`, `settings` and `pin reset`."""

from __future__ import annotations

import argparse
import sys
from types import EllipsisType

from facilitator.cli import output
from facilitator.cli.parser import data_dir_of
from facilitator.core.clinic import ClinicSettings
from facilitator.core.errors import InputError
from facilitator.core.names import check_new_name
from facilitator.core.parsing import parse_date, parse_hhmm, parse_whole
from facilitator.core.roster import Group, parse_days
from facilitator.store.clinic import open_clinic
from facilitator.store.identity import acting_user, os_user_display_name


def cmd_init(args: argparse.Namespace) -> int:
    from facilitator.store.datadir import DataDir
    root = data_dir_of(args)
    settings = ClinicSettings(name=args.clinic, timezone=args.timezone, week_start=args.week_start)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file, not a directory", field="--data")
    DataDir.init(root, settings, user=acting_user(), display_name=os_user_display_name())
    print(f"Created clinic {settings.name!r} in {root}; {acting_user()} is its admin.")
    return 0


def cmd_groups_add(args: argparse.Namespace) -> int:
    data = open_clinic(data_dir_of(args))
    group = Group(
        name=check_new_name(args.name.strip(), field="NAME"), days=parse_days(args.days, field="--days"),
        start=parse_hhmm(args.start, field="--start"), minutes=_minutes(args.minutes),
        plan=args.plan, holidays=tuple(parse_date(h, field="--holiday") for h in args.holiday))
    if args.plan:
        _check_plan(data, args.plan)
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


def cmd_groups(args: argparse.Namespace) -> int:
    if args.action == "add":
        return cmd_groups_add(args)
    from facilitator.store import groups as store_groups
    data = open_clinic(data_dir_of(args))
    if args.action == "list":
        snapshot = data.snapshot()
        sys.stdout.write(output.groups(sorted(snapshot.groups.values(), key=lambda g: g.name.casefold()),
                                       store_groups.all_closures(data), args.format))
        return 0
    if args.action == "end":
        last = parse_date(args.date, field="--date")
        store_groups.end_group(data, args.name, last)
        print(f"{args.name!r} meets no more after {last:%a} {last}.")
        return 0
    since = parse_date(args.since, field="--from") if args.since else data.now().date()
    plan: str | None | EllipsisType = ...
    if args.plan is not None:
        plan = None if args.plan.strip().lower() == "none" else args.plan.strip()
        if plan is not None:
            _check_plan(data, plan)
    changed = store_groups.set_schedule(
        data, args.name, since, days=parse_days(args.days, field="--days") if args.days is not None else None,
        start=parse_hhmm(args.start, field="--start") if args.start is not None else None,
        minutes=_minutes(args.minutes) if args.minutes is not None else None, plan=plan)
    print(f"From {since:%a} {since}, {changed.name!r} meets {changed.day_names} at {changed.start:%H:%M} "
          f"for {changed.minutes} minutes, plan {changed.plan or 'none'}; earlier weeks keep the old "
          f"schedule.")
    return 0


def _check_plan(data, plan: str) -> None:
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir
    try:
        PlanLibrary.load(shipped_plans_dir(), data.plans_dir).get(plan)
    except InputError as err:
        raise err.located(field="--plan") from None


def cmd_closures(args: argparse.Namespace) -> int:
    from facilitator.store import groups as store_groups
    data = open_clinic(data_dir_of(args))
    if args.action == "list":
        sys.stdout.write(output.closures(store_groups.all_closures(data), args.format))
        return 0
    day = parse_date(args.date, field="DATE")
    group = args.group.strip() if args.group is not None else None
    closure = store_groups.add_closure(data, day, args.reason, group)
    where = f"{closure.group!r}" if closure.group else "the whole clinic"
    print(f"Closed {where} on {day:%a} {day}; the weekly requirement prorates as for a holiday.")
    return 0


def _minutes(value: str) -> int:
    return parse_whole(value, field="--minutes", low=1, high=720, what="a number of minutes")


def cmd_staff(args: argparse.Namespace) -> int:
    from facilitator.store import staff
    data = open_clinic(data_dir_of(args))
    if args.action == "key":
        from facilitator.cli.staffkeys import cmd_key
        return cmd_key(args)
    if args.action == "add":
        from facilitator.cli.staffkeys import parsed_key
        keys = [parsed_key(args.key)] if args.key is not None else []
        member = staff.add_staff(data, args.user, args.name, args.role, keys=keys)
        with_key = " with 1 key" if keys else ""
        print(f"Added {member.user} ({member.display_name}) as a {member.role}{with_key}.")
    elif args.action == "set-role":
        staff.set_role(data, args.user, args.role)
        print(f"{args.user} is now a {args.role}.")
    elif args.action == "rename":
        staff.rename(data, args.user, args.name)
        print(f"{args.user} is now shown as {output.printable(args.name.strip())} (records keep the account).")
    elif args.action == "reactivate":
        staff.reactivate(data, args.user)
        print(f"{args.user} can open the clinic again (a laptop locked at a sync opens after its next sync).")
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
    words = list(args.value)
    if args.key != "billing-code" and len(words) != 1:
        raise InputError(f"{args.key} takes one value; put quotes around a value with spaces",
                         field="VALUE")
    value = clinic_settings.parse_value(args.key, " ".join(words))
    if args.key == "billing-code":
        return _set_billing_code(data, value)
    before = clinic_settings.value_text(data.settings(), args.key)
    after = clinic_settings.change_settings(data, **{clinic_settings.FIELDS[args.key]: value})
    now = clinic_settings.value_text(after, args.key)
    print(f"{args.key} is now {now}" + (f" (was {before})." if before != now else " (unchanged)."))
    return 0


def _set_billing_code(data, value: dict[str, str]) -> int:
    from facilitator.store import settings as clinic_settings
    before = data.settings().billing_codes
    after = clinic_settings.change_settings(data, billing_codes=value).billing_codes
    for level, code in after.items():
        if level.casefold() in {typed.casefold() for typed in value}:
            was = before.get(level)
            print(f"billing-code {level} is now {code}"
                  + (f" (was {was})." if was != code else " (unchanged)."))
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


COMMANDS = {"init": cmd_init, "groups": cmd_groups, "staff": cmd_staff, "settings": cmd_settings,
            "pin": cmd_pin, "closures": cmd_closures}
