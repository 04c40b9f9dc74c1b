"""`facilitator sync`: argv to the laptop's sync client, or (``--serve``) the host's server."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from facilitator.cli.parser import data_dir_of
from facilitator.store.datadir import DataDir
from facilitator.store.identity import acting_user
from facilitator.sync import files as store
from facilitator.sync import protocol as proto
from facilitator.sync.client import Connection, Moved, SyncFailed, parse_target, sync

# The host's side of a laptop's sync is a batch job: the counselors' and supervisors' apps
# on the same host come first (benchmark figure 6: a sync arriving while four counselors
# take attendance). A lower priority only waits for CPU; locks are held for I/O, not CPU.
SERVE_NICENESS = 10


def lower_priority(niceness: int = SERVE_NICENESS) -> None:
    """At least ``niceness`` for this process (never less nice than it was started)."""
    current = os.nice(0)
    if current < niceness:
        os.nice(niceness - current)


def cmd_sync(args: argparse.Namespace) -> int:
    if args.serve:
        from facilitator.sync.server import serve_stdio
        lower_priority()
        return serve_stdio(data_dir_of(args))
    # Without a target, the host (and directory) this laptop last synced with.
    target = args.target or store.load_state(data_dir_of(args)).get("host")
    if not target:
        print("facilitator sync: give the clinic host, as HOST or HOST:DIR (see --help).", file=sys.stderr)
        return 2
    moved = Moved()
    try:
        host, directory = parse_target(target)
        remote = f"{args.remote_command} sync --serve"
        if directory:
            remote += f" --data {shlex.quote(directory)}"
        conn = Connection([*shlex.split(args.ssh), host, remote], host, target)
        try:
            # Each file sync writes here is audited, write-ahead (store.commit), as a "sync.pull".
            with DataDir(data_dir_of(args), user=acting_user()).change("sync.pull", None, always=False):
                sync(data_dir_of(args), conn, moved)
        finally:
            conn.close()
    except proto.VersionMismatch as err:
        print(f"facilitator sync: {err}", file=sys.stderr)
        return 2
    except (SyncFailed, proto.ProtocolError, store.SyncRefused) as err:
        if moved.anything:
            print(moved.summary(target), file=sys.stderr)
        print(f"facilitator sync: {err}", file=sys.stderr)
        return err.exit_code
    print(moved.summary(target))
    for warning in moved.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if moved.skipped or moved.refused else 0


COMMANDS = {"sync": cmd_sync}
