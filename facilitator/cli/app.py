"""The app family: `facilitator` with no command opens the app; `facilitator demo`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator.cli.parser import data_dir_of
from facilitator.store.clinic import open_clinic
from facilitator.store.identity import Clock, acting_user, os_user_display_name, system_clock


def cmd_app(args: argparse.Namespace) -> int:
    return open_app(data_dir_of(args))


def open_app(root: Path, clock: Clock = system_clock) -> int:
    data = open_clinic(root, clock=clock)
    from facilitator.tui.app import make_app
    app = make_app(data)
    app.run()
    return app.return_code or 0      # 129 when the terminal went away (tui/hangup.py)


def cmd_demo(args: argparse.Namespace) -> int:
    from facilitator.demo import ensure_demo_clinic
    root = data_dir_of(args) if args.data or _env_data() else _demo_default()
    created = ensure_demo_clinic(root, user=acting_user(), display_name=os_user_display_name())
    from facilitator.demo_data import DEMO_PIN
    print(f"{'Made' if created else 'Reopened'} the demo clinic in {root}; its idle-lock PIN is "
          f"{DEMO_PIN}.", file=sys.stderr)
    if args.no_app:
        return 0
    return open_app(root)


def _env_data() -> bool:
    import os
    return bool(os.environ.get("FACILITATOR_DATA"))


def _demo_default() -> Path:
    from platformdirs import user_data_dir  # never next to a clinic a config file names
    return Path(user_data_dir("facilitator", appauthor=False)).parent / "facilitator-demo"


COMMANDS = {None: cmd_app, "demo": cmd_demo}
