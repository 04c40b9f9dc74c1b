"""``facilitator-ssh --staff USER --data DIR``: the forced command of every staff key on a
clinic host (issue #21, the gitolite model).

One service account owns the clinic; each staff key is a line of its ``authorized_keys``,
``restrict,pty,command="facilitator-ssh --staff USER --data DIR" KEY facilitator:USER``,
written by facilitator only. So the staff member comes from this program's own argv, which
sshd runs whatever the client asks; the client's command line arrives in
``SSH_ORIGINAL_COMMAND`` and is only data:

- it is split with ``shlex`` (never a shell) and parsed by facilitator's own argparse tree,
  so an abbreviated option (``--dat``, ``--ou``) or ``--opt=value`` is read as the real
  command would read it;
- it acts on the clinic at ``DIR`` and no other: a ``--data`` naming anything else is
  refused, and ``FACILITATOR_*`` variables the client may have sent are dropped;
- it runs only if ``USER``'s role may run it over ssh (``EVERY_ROLE``, ``SUPERVISING``,
  ``ADMINS``); ``NEVER`` (``restore``, ``audit baseline``, ``init``, ``demo``, ``host``...)
  never runs, and no command reads or writes a host path other than ``-`` (stdin, stdout);
- no command (``ssh -t``) opens the app, only with a terminal.

An unknown or deactivated ``USER`` is refused in one sentence, except a laptop's
``sync --serve``, which the sync server answers itself ("deactivated": the laptop locks its
copy). Every refusal is one sentence on stderr and exit code 2.

Every login runs with its address space capped (``MEMORY_LIMIT``, ``RLIMIT_AS``) and an
app's terminal cut to ``MAX_COLUMNS`` × ``MAX_ROWS``, so a hostile client cannot make the
host's process grow without end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import resource
import shlex
import sys
from pathlib import Path

from facilitator.core.errors import FacilitatorError, Refusal
from facilitator.core.rules import Role

MEMORY_LIMIT = 2 * 2**30          # RLIMIT_AS of a login: the app and a sync server need well under this
MAX_COLUMNS, MAX_ROWS = 400, 150  # the largest terminal a login's app is given (as tui.app.MAX_SIZE)
STAFF_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")   # a name that may go into authorized_keys
PREFIX = "facilitator-ssh: "

# (command, action): who may run it over ssh. An action of None stands for every action of
# the command. Supervisors may also run EVERY_ROLE's; admins everything below.
EVERY_ROLE: frozenset[tuple[str | None, str | None]] = frozenset({
    (None, None),                       # the app (`ssh -t`)
    ("where", None), ("sync", None),    # sync: --serve only (see _refuse_sync)
    ("session", None), ("hours", None), ("goals", None), ("attendance", "correct"),
    ("pin", "reset"), ("groups", "list"), ("closures", "list"), ("settings", "show"), ("roster", "list"),
})
SUPERVISING: frozenset[tuple[str | None, str | None]] = frozenset({
    ("report", None), ("export", None), ("audit", None), ("verify", None),
    ("notes", "export"), ("notes", "return"),
})
ADMINS: frozenset[tuple[str | None, str | None]] = frozenset({
    ("staff", None), ("groups", None), ("closures", None), ("settings", None), ("pin", "issue"),
    ("roster", "import"), ("attendance", "import"), ("backup", None),
})
NEVER = ("restore", "init", "demo", "host", "signin-sheet")
ROLE_MAY: dict[Role, frozenset[tuple[str | None, str | None]]] = {
    Role.COUNSELOR: EVERY_ROLE,
    Role.SUPERVISOR: EVERY_ROLE | SUPERVISING,
    Role.ADMIN: EVERY_ROLE | SUPERVISING | ADMINS,
}
# Options holding a host path as a plain string (type=Path ones are found by their type).
PATH_DESTS = ("archive", "key", "file", "path", "out", "dest", "src")
SHOWN_AS = {"out": "--out", "dest": "DEST", "file": "FILE", "src": "SRC", "archive": "--archive", "key": "--key"}


class EntryRefused(Refusal):
    """A client's command this entry will not run: one sentence, exit 2."""


# -- this program's own argv: written by facilitator into authorized_keys ------------------
def own_arguments(argv: list[str]) -> tuple[str, Path]:
    """``--staff USER --data DIR`` exactly (the form facilitator writes), else refused."""
    if len(argv) != 4 or argv[0] != "--staff" or argv[2] != "--data":
        raise EntryRefused(f"{PREFIX}this program runs only as the forced command facilitator writes "
                           f"into authorized_keys (facilitator-ssh --staff USER --data DIR); nothing was run.")
    user, data = argv[1], argv[3]
    if not STAFF_NAME.fullmatch(user):
        raise EntryRefused(f"{PREFIX}--staff is not a staff account name; nothing was run.")
    if not os.path.isabs(data) or any(ord(c) < 32 or ord(c) == 127 for c in data):
        raise EntryRefused(f"{PREFIX}--data must be an absolute path; nothing was run.")
    return user, Path(os.path.normpath(data))


# -- the client's command line ---------------------------------------------------------------
def client_words(original: str) -> list[str]:
    """The words of the client's command, without a leading ``facilitator`` (or a path to it)."""
    try:
        words = shlex.split(original)
    except ValueError:
        raise EntryRefused(f"{PREFIX}the command's quotes do not match; nothing was run.") from None
    if words and (words[0] == "facilitator" or words[0].endswith("/facilitator")):
        words = words[1:]
    if any(any(ord(c) < 32 or ord(c) == 127 for c in word) for word in words):
        raise EntryRefused(f"{PREFIX}the command holds a control character; nothing was run.")
    return words


def parse(words: list[str]) -> argparse.Namespace | None:
    """The command as ``facilitator`` would parse it; None for ``--help``/``--version`` (which
    only print). A command line argparse refuses is refused with its sentence."""
    from facilitator.cli.parser import build_parser
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return build_parser().parse_args(words)
    except SystemExit as done:
        if done.code in (0, None):
            return None
        raise EntryRefused(f"{PREFIX}that command line does not parse; nothing was run.") from None
    except FacilitatorError as err:
        raise EntryRefused(err.sentence) from None


def command_key(args: argparse.Namespace) -> tuple[str | None, str | None]:
    return args.command, getattr(args, "action", None)


def shown(key: tuple[str | None, str | None]) -> str:
    return " ".join(w for w in key if w) or "the app"


def check_data(args: argparse.Namespace, data: Path) -> None:
    """The clinic is this key's, whatever ``--data`` the client typed."""
    given = getattr(args, "data", None)
    if given is not None and os.path.normpath(str(given)) != str(data):
        raise EntryRefused(f"{PREFIX}this key opens the clinic at {data} only; --data cannot name "
                           f"another directory over ssh (nothing was run).")


def check_paths(args: argparse.Namespace) -> None:
    """No host path but ``-`` (standard input or output): the host writes and reads nothing else."""
    for dest, value in vars(args).items():
        if dest == "data" or value is None:
            continue
        is_path = isinstance(value, Path) or (dest in PATH_DESTS and args.command != "settings"
                                              and isinstance(value, str))
        if is_path and str(value) != "-":
            raise EntryRefused(f"{PREFIX}over ssh, {SHOWN_AS.get(dest, dest)} may only be - (standard "
                               f"input or output); the host reads and writes no other file (nothing was run).")


def check_never(args: argparse.Namespace) -> None:
    key = command_key(args)
    if args.command in NEVER:
        raise EntryRefused(f"{PREFIX}`{args.command}` is never run over ssh; it is run as root at the "
                           f"host's console (nothing was run).")
    if key == ("audit", None) and getattr(args, "what", None) == "baseline":
        raise EntryRefused(f"{PREFIX}`audit baseline` vouches for files as they are and is not allowed "
                           f"over ssh; run it at the host's console, after `verify`.")
    if args.command == "verify" and getattr(args, "archive", None) is not None:
        # An archive is checked where it is: over ssh it would be unpacked into the host's
        # temp space (up to 8 GB) for nothing the host needs.
        raise EntryRefused(f"{PREFIX}`verify --archive` is not run over ssh; check an archive on the "
                           f"computer that holds it (facilitator verify --archive FILE).")
    if args.command == "sync" and (not args.serve or args.target is not None or args.ssh != "ssh"
                                   or args.remote_command != "facilitator"):
        raise EntryRefused(f"{PREFIX}only a laptop's `sync --serve` runs over ssh; the host does not "
                           f"connect anywhere itself (nothing was run).")


def check_role(args: argparse.Namespace, user: str, role: Role) -> None:
    key = command_key(args)
    may = ROLE_MAY[role]
    if key in may or (key[0], None) in may:
        return
    if key in SUPERVISING or (key[0], None) in SUPERVISING:
        who = "supervisors and admins"
    elif key in ADMINS or (key[0], None) in ADMINS:
        who = "admins"
    else:
        raise EntryRefused(f"{PREFIX}{shown(key)!r} is not allowed over ssh (nothing was run).")
    raise EntryRefused(f"{PREFIX}{user} is a {role}; over ssh only {who} may run `{shown(key)}` "
                       f"(nothing was run).")


def command_for(original: str, *, data: Path, user: str, role: Role | None) -> list[str]:
    """The ``facilitator`` argv to run for the client's command line (``--data`` first), or
    ``EntryRefused``. ``role`` None: ``user`` is not active staff, so only ``sync --serve``
    runs (the sync server answers it)."""
    words = client_words(original)
    args = parse(words)
    if role is None and (args is None or args.command != "sync"):
        raise EntryRefused(f"{PREFIX}{user} is not active staff of this clinic (nothing was run).")
    if args is None:                     # --help or --version: they only print
        return ["--data", str(data), *words]
    check_never(args)
    check_data(args, data)
    check_paths(args)
    if role is not None:
        check_role(args, user, role)
    if args.command is None:             # the app: nothing but (this) --data was given
        return ["--data", str(data)]
    return ["--data", str(data), *words]


# -- the process ------------------------------------------------------------------------------
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


def scrub_environment(data: Path) -> None:
    """Drop every ``FACILITATOR_*`` variable the client may have sent (``SetEnv``/``SendEnv``
    on a host whose sshd accepts them) and name this key's clinic."""
    for name in [n for n in os.environ if n.startswith("FACILITATOR_")]:
        del os.environ[name]
    os.environ["FACILITATOR_DATA"] = str(data)


def staff_role(data: Path, user: str) -> Role:
    """``user``'s role in the clinic at ``data`` (``NotStaff`` when unknown or deactivated)."""
    from facilitator.store.clinic import open_clinic
    return open_clinic(data, user=user).me().role


def role_or_none(data: Path, user: str, original: str) -> Role | None:
    """The role; None for a laptop's sync, which the sync server answers itself (a deactivated
    account's laptop is told so and locks its copy; a missing clinic is named to it)."""
    if _is_sync_serve(original):
        return None
    return staff_role(data, user)


def _is_sync_serve(original: str) -> bool:
    try:
        words = client_words(original)
    except EntryRefused:
        return False
    return words[:2] == ["sync", "--serve"]


def run_as(user: str, data: Path, original: str) -> int:
    """Decide and run the client's command as ``user`` (already the acting user)."""
    from facilitator.cli import main as cli
    role = role_or_none(data, user, original)
    argv = command_for(original, data=data, user=user, role=role)
    if argv[2:] == [] and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise EntryRefused(f"{PREFIX}no terminal, so the app cannot open; use `ssh -t`, or name a command.")
    if argv[2:] == []:
        clamp_terminal()
    return cli(argv)


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    from facilitator.store.identity import acting_as
    limit_memory()
    original = (os.environ if environ is None else environ).get("SSH_ORIGINAL_COMMAND", "")
    try:
        user, data = own_arguments(list(sys.argv[1:] if argv is None else argv))
        scrub_environment(data)
        with acting_as(user):
            return run_as(user, data, original)
    except FacilitatorError as err:        # refused here; not staff, not a clinic, a damaged clinic.json
        print(err.sentence, file=sys.stderr)
        return err.exit_code


def run() -> None:
    sys.exit(main())
