"""Commands for a clinic host: where the clinic is."""

from __future__ import annotations

import argparse


def cmd_where(args: argparse.Namespace) -> int:
    """The data directory on the first line (for scripts), what decided it on the second."""
    from facilitator.store.location import find_data_dir
    found = find_data_dir(getattr(args, "data", None))
    print(found.path)
    print(f"decided by {found.source}")
    return 0


COMMANDS = {"where": cmd_where}
