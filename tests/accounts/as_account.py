"""Run the copied program as another OS account: ``as_account.py cli ARGS...`` is the
``facilitator`` command, ``as_account.py ssh`` is ``facilitator-ssh``; ``as_account.py [--staff USER]
ACTION ROOT WHEN ...`` is a scripted store call
(with the clock fixed at WHEN, an ISO time) for what the CLI does only in the app, as the OS
account or as staff member USER (on a service account's clinic).

Copied next to ``src/`` and ``site/`` by ``tests.accounts.PublicInstall``.
"""

import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "src"), str(HERE / "site")]


def main(argv: list[str]) -> int:
    if argv[0] == "cli":
        from facilitator.cli import main as cli
        return cli(argv[1:])
    if argv[0] == "ssh":
        from facilitator.cli.ssh_entry import main as entry
        return entry(argv[1:])
    from facilitator.core.rules import Status
    from facilitator.store.clinic import open_clinic
    from facilitator.store.notes import NoteBook
    from facilitator.store.pins import set_first_pin
    from facilitator.store.running import start_session

    staff = None
    if argv[0] == "--staff":             # as this staff member (a service account's clinic), not the OS account
        staff, argv = argv[1], argv[2:]
    action, root, when, *rest = argv
    moment = datetime.fromisoformat(when)
    data = open_clinic(Path(root), user=staff, clock=lambda: moment)
    if action == "run-session":          # GROUP: start today's session, mark everyone, sign one note
        running = start_session(data, rest[0])
        clients = running.record().roster
        for client in clients:
            running.mark(client, Status.PRESENT)
        book = NoteBook(data, running.file)
        book.save_draft(clients[0], "Invented note text for a test.")
        book.sign(clients[0])
        running.end()
        print(running.session_id, clients[0])
    elif action == "cosign":             # SESSION CLIENT
        data.session_file(rest[0])
        NoteBook(data, data.session_file(rest[0])).cosign(rest[1])
    elif action == "mark":               # SESSION CLIENT STATUS
        from facilitator.store.running import RunningSession
        RunningSession(data, data.session_file(rest[0])).mark(rest[1], Status(rest[2]))
    elif action == "set-pin":            # PIN
        set_first_pin(data, rest[0], rest[0])
    else:
        raise SystemExit(f"unknown action {action}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
