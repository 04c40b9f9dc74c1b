"""Commands for a clinic host: where the clinic is, and sharing it with a staff group."""

from __future__ import annotations

import argparse
from pathlib import Path

from facilitator.core.errors import InputError


def cmd_where(args: argparse.Namespace) -> int:
    """The data directory on the first line (for scripts), what decided it on the second."""
    from facilitator.store.location import find_data_dir
    found = find_data_dir(getattr(args, "data", None))
    print(found.path)
    print(f"decided by {found.source}")
    return 0


def cmd_fix_permissions(args: argparse.Namespace) -> int:
    from facilitator.store.location import find_data_dir
    from facilitator.store.sharing import fix_permissions
    root = find_data_dir(getattr(args, "data", None)).path
    if not (Path(root) / "clinic.json").is_file():
        raise InputError(f"{root} is not a facilitator clinic (it has no clinic.json)", field="--data")
    changed = fix_permissions(root, args.group)
    print(f"{root} is shared with the group {args.group}: {changed} paths changed.")
    return 0


COMMANDS = {"where": cmd_where, "fix-permissions": cmd_fix_permissions}
