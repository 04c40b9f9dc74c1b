"""The command line: both the app and the reports start here (``facilitator = facilitator.cli:run``).

Exit codes: 0 ok, 1 a check or report found a problem, 2 bad usage or bad input.
Errors are one sentence on stderr; never a traceback (set FACILITATOR_DEBUG=1 to see one).

``parser`` holds the one argparse tree; each command family acts in its own module, imported
only when one of its commands runs:

    app        (no command) open the app; demo
    clinic     init, groups, closures, staff, settings, pin
    roster     roster import/list, attendance import, hours
    reports    report week, export billing (formatted by ``output``)
    sessions   session list, session end
    audit      audit, verify, backup, restore
    sync       sync (the laptop's client, or --serve for the host)
    notes      notes export, signin-sheet (disclosures, as text, PDF or FHIR)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from facilitator.cli.parser import build_parser
from facilitator.cli.terminal import safe_output
from facilitator.core.errors import FacilitatorError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def run_command(args: argparse.Namespace) -> int:
    """Hand parsed arguments to their command family."""
    command = args.command
    if command in (None, "demo"):
        from facilitator.cli import app
        return app.COMMANDS[command](args)
    elif command in ("init", "groups", "staff", "settings", "pin", "closures"):
        from facilitator.cli import clinic
        return clinic.COMMANDS[command](args)
    elif command in ("roster", "attendance", "hours"):
        from facilitator.cli import roster
        return roster.COMMANDS[command](args)
    elif command in ("report", "export"):
        from facilitator.cli import reports
        return reports.COMMANDS[command](args)
    elif command in ("audit", "verify", "backup", "restore"):
        from facilitator.cli import audit
        return audit.COMMANDS[command](args)
    elif command in ("where", "host"):
        from facilitator.cli import host
        return host.COMMANDS[command](args)
    elif command == "goals":
        from facilitator.cli import goals
        return goals.COMMANDS[command](args)
    elif command in ("notes", "signin-sheet"):
        from facilitator.cli import notes
        return notes.COMMANDS[command](args)
    elif command == "session":
        from facilitator.cli import sessions
        return sessions.COMMANDS[command](args)
    else:
        from facilitator.cli import sync
        return sync.COMMANDS[command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; everything it prints, errors included, goes through ``cli.terminal``
    (the app draws on ``sys.__stderr__`` itself and filters its own lines: ``tui.terminal``)."""
    with safe_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return run_command(args)
    except FacilitatorError as err:     # the one root: a refusal (2) or a store problem (1)
        print(err.sentence, file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("Interrupted; nothing more was written.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback, no data
        from facilitator.errors import explain
        code, sentence = explain(err)
        if os.environ.get("FACILITATOR_DEBUG") and code == EXIT_PROBLEM and sentence.startswith("facilitator hit"):
            raise
        print(sentence, file=sys.stderr)
        return code


def run() -> None:
    sys.exit(main())
