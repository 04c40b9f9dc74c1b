"""``facilitator-ssh``: the program sshd runs for every staff login (``ForceCommand``).

- An interactive login (no command, or just ``facilitator``, with a terminal) opens the
  app, and the session ends with it.
- ``ssh host facilitator report week --format csv`` arrives in ``SSH_ORIGINAL_COMMAND``; it
  is split with ``shlex`` (never a shell) and run only if it is one of ``ALLOWED``: the
  read-only reports, ``verify``, ``audit``, ``where``, and ``sync --serve`` for laptops.
  Anything else is refused with one sentence and exit code 2.
- No command and no terminal (``ssh -T host``, a pipe) is refused too: the full-screen app
  is never started into a pipe. ``audit baseline`` and ``restore`` are never run over ssh.
- Every login runs with its address space capped (``MEMORY_LIMIT``, ``RLIMIT_AS``) and an
  app's terminal cut to ``MAX_COLUMNS`` × ``MAX_ROWS``, so a hostile client cannot make the
  host's process grow without end.

Which clinic: the same precedence as every command (``facilitator where``), so the system
configuration file (``/etc/xdg/facilitator/config.toml``) is what a forced command reads.
"""

from __future__ import annotations

import os
import resource
import shlex
import sys

# Each allowed command line starts with one of these words (after an optional
# "facilitator" or a path to it); the rest are its own options, parsed as usual.
ALLOWED: tuple[tuple[str, ...], ...] = (
    ("report", "week"),
    ("export", "billing"),
    ("verify",),
    ("audit",),
    ("where",),
    ("sync", "--serve"),
    ("--version",),
)
EXIT_REFUSED = 2
MEMORY_LIMIT = 2 * 2**30          # RLIMIT_AS of a login: the app and a sync server need well under this
MAX_COLUMNS, MAX_ROWS = 400, 150  # the largest terminal a login's app is given (as tui.app.MAX_SIZE)


def allowed_text() -> str:
    return ", ".join(" ".join(words) for words in ALLOWED)


def command_for(original: str) -> list[str] | str:
    """The facilitator arguments to run for an ssh command line, or the sentence refusing it."""
    try:
        words = shlex.split(original)
    except ValueError:
        return "facilitator-ssh: the command's quotes do not match; nothing was run."
    if words and (words[0] == "facilitator" or words[0].endswith("/facilitator")):
        words = words[1:]
    if any(any(ord(c) < 32 or ord(c) == 127 for c in word) for word in words):
        return "facilitator-ssh: the command holds a control character; nothing was run."
    if not words:
        return []            # `ssh -t host facilitator`: the app, as a plain login
    for prefix in ALLOWED:
        if tuple(words[:len(prefix)]) == prefix:
            if prefix == ("sync", "--serve") and not _only_data(words[2:]):
                break
            if prefix == ("audit",) and "baseline" in words[1:]:
                return ("facilitator-ssh: `audit baseline` vouches for files as they are and is not allowed "
                        "over ssh; run it at the host's console, after `verify`.")
            return words
    shown = " ".join(words[:2])[:40] or "(empty)"
    return (f"facilitator-ssh: {shown!r} is not allowed over ssh on this host; "
            f"allowed: {allowed_text()}.")


def _only_data(rest: list[str]) -> bool:
    """``sync --serve`` takes nothing but ``--data DIR``."""
    return rest == [] or (len(rest) == 2 and rest[0] == "--data")


def limit_memory(limit: int = MEMORY_LIMIT) -> None:
    """Cap this process's address space (``RLIMIT_AS``, inherited by what it starts): a login
    that makes the app or a sync server grow ends with a MemoryError, not the host's memory.
    Never raises a limit the account already has lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > wanted:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def clamp_terminal(fd: int = 1) -> None:
    """Shrink the login's terminal to at most ``MAX_COLUMNS`` × ``MAX_ROWS`` before the app
    reads it (a 65535×65535 window grew the host's app by ~350 MB/s); the app clamps later
    resizes itself (``tui.app.clamped_size``)."""
    import fcntl
    import struct
    import termios
    try:
        rows, cols, xpix, ypix = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
        if rows > MAX_ROWS or cols > MAX_COLUMNS:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", min(rows, MAX_ROWS), min(cols, MAX_COLUMNS),
                                                            xpix, ypix))
    except OSError:
        pass        # not a terminal: nothing to clamp


def main(environ: dict[str, str] | None = None) -> int:
    environ = dict(os.environ if environ is None else environ)
    limit_memory()
    original = environ.get("SSH_ORIGINAL_COMMAND", "")
    from facilitator.cli import main as cli
    decided = command_for(original) if original.strip() else []
    if decided == []:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print("facilitator-ssh: no terminal, so the app cannot open; use `ssh -t HOST`, or name "
                  f"a command ({allowed_text()}).", file=sys.stderr)
            return EXIT_REFUSED
        clamp_terminal()
        return cli([])
    if isinstance(decided, str):
        print(decided, file=sys.stderr)
        return EXIT_REFUSED
    return cli(decided)


def run() -> None:
    sys.exit(main())
