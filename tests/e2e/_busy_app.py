"""The real app, made busy one second after it starts: its event loop spins in Python code
and never comes back (as a vast screen being drawn, or a long report, would hold it). Used by
tests/e2e/test_hangup.py: SIGHUP must still end it. Usage: python _busy_app.py --data CLINIC."""

from __future__ import annotations

import sys
from typing import Any

from facilitator.tui import hangup

watch = hangup.watch_terminal


def watch_then_spin(app: Any) -> None:
    watch(app)

    def spin() -> None:
        while True:
            pass

    app.set_timer(1.0, spin)


hangup.watch_terminal = watch_then_spin

if __name__ == "__main__":
    from facilitator.cli import main
    sys.exit(main(sys.argv[1:]))
