"""facilitator-ssh --staff USER --data DIR (the forced command of each staff key, issue #21):
which ssh command lines run for which role, which are refused, and that the acting user and
the clinic come from the entry's own argv only.

The parse is facilitator's own argparse tree over shlex words, never a shell; the real-sshd
runs are tests/e2e/test_service_account.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facilitator.cli.ssh_entry import EntryRefused, command_for, own_arguments
from facilitator.core.rules import Role
from facilitator.store.identity import acting_as, acting_user, os_user

ENTRY = Path(sys.executable).parent / "facilitator-ssh"
FACILITATOR = Path(sys.executable).parent / "facilitator"
DIR = Path("/srv/clinic")
C, S, A = Role.COUNSELOR, Role.SUPERVISOR, Role.ADMIN


def decide(line: str, role: Role | None, user: str = "sam") -> list[str] | str:
    try:
        return command_for(line, data=DIR, user=user, role=role)
    except EntryRefused as err:
        return str(err)


# -- the acting user --------------------------------------------------------------------------

def test_the_acting_user_is_the_os_account_outside_acting_as_and_the_staff_name_inside():
    assert acting_user() == os_user()
    with acting_as("sue"):
        assert acting_user() == "sue"
        with acting_as("ada"):
            assert acting_user() == "ada"
        assert acting_user() == "sue"
    assert acting_user() == os_user()


def test_acting_as_ends_with_its_block_even_on_an_error():
    with pytest.raises(RuntimeError), acting_as("sue"):
        raise RuntimeError("boom")
    assert acting_user() == os_user()


def test_the_environment_does_not_set_the_acting_user(monkeypatch):
    for name in ("USER", "LOGNAME", "FACILITATOR_USER", "FACILITATOR_STAFF", "SUDO_USER"):
        monkeypatch.setenv(name, "ada")
    assert acting_user() == os_user()


# -- the entry's own argv (written by facilitator into authorized_keys) -------------------------

def test_own_arguments_are_exactly_staff_then_data():
    assert own_arguments(["--staff", "sue", "--data", "/srv/clinic/"]) == ("sue", DIR)


@pytest.mark.parametrize("argv", [
    [], ["--staff", "sue"], ["--data", "/srv/clinic", "--staff", "sue"],
    ["--staff", "sue", "--data", "/srv/clinic", "--staff", "ada"],
    ["--staff", "Sue", "--data", "/srv/clinic"], ["--staff", "sue x", "--data", "/srv/clinic"],
    ["--staff", "", "--data", "/srv/clinic"], ["--staff", "-sue", "--data", "/srv/clinic"],
    ["--staff", "sue", "--data", "clinic"], ["--staff", "sue", "--data", "/srv/cl\ninic"],
    ["--staff=sue", "--data=/srv/clinic"],
])
def test_any_other_own_argv_is_refused(argv):
    with pytest.raises(EntryRefused) as refused:
        own_arguments(argv)
    assert str(refused.value).startswith("facilitator-ssh: ") and "\n" not in str(refused.value)


# -- what runs, by role -----------------------------------------------------------------------

@pytest.mark.parametrize("line, roles", [
    ("", (C, S, A)),                                   # the app (with a terminal)
    ("facilitator", (C, S, A)),
    ("where", (C, S, A)),
    ("facilitator sync --serve", (C, S, A)),
    ("/opt/facilitator/bin/facilitator sync --serve --data /srv/clinic", (C, S, A)),
    ("session list --from 2026-11-01 --to 2026-11-30", (C, S, A)),
    ("hours list --from 2026-11-01 --to 2026-11-30", (C, S, A)),
    ("goals add T001 --text -", (C, S, A)),
    ("pin reset", (C, S, A)),
    ("groups list", (C, S, A)),
    ("settings show", (C, S, A)),
    ("report week --format csv", (S, A)),
    ("export billing --from 2026-11-01 --to 2026-11-30", (S, A)),
    ("audit --client T001", (S, A)),
    ("audit head", (S, A)),
    ("verify --full", (S, A)),
    ("notes export --session 2026-11-23-1800-evening --format text", (S, A)),
    ("notes return 2026-11-23-1800-evening T001 --reason 'dates'", (S, A)),
    ("staff list", (A,)),
    ("staff add kim --name 'Kim K' --role counselor", (A,)),
    ("groups add 'Evening A' --days mon --start 18:00 --minutes 180", (A,)),
    ("closures add 2026-12-24 --reason 'holiday'", (A,)),
    ("settings set idle-minutes 10", (A,)),
    ("pin issue cole", (A,)),
    ("roster import -", (A,)),
    ("attendance import -", (A,)),
    ("backup -", (A,)),
])
def test_each_role_runs_its_commands_and_is_refused_the_rest(line, roles):
    for role in (C, S, A):
        decided = decide(line, role)
        if role in roles:
            assert isinstance(decided, list), (role, decided)
            assert decided[:2] == ["--data", str(DIR)], decided
        else:
            assert isinstance(decided, str) and f"sam is a {role}" in decided, (role, decided)
            assert "admins" in decided and "\n" not in decided


def test_the_client_command_runs_after_this_keys_data():
    assert decide("facilitator report week --format csv", S) == [
        "--data", "/srv/clinic", "report", "week", "--format", "csv"]
    assert decide("", C) == decide("facilitator", C) == ["--data", "/srv/clinic"]
    assert decide("--data /srv/clinic", C) == ["--data", "/srv/clinic"]


def test_an_archive_is_verified_where_it_is_never_unpacked_on_the_host():
    for line in ("verify --archive -", "verify --archive /srv/clinic/../x.tar", "verify --archive=-"):
        decided = decide(line, A)
        assert isinstance(decided, str) and "verify --archive" in decided and "\n" not in decided
    assert decide("verify", S) == ["--data", "/srv/clinic", "verify"]


def test_backup_without_dest_streams_to_stdout():
    from facilitator.cli.parser import build_parser
    decided = decide("backup", A)
    assert decided == ["--data", "/srv/clinic", "backup"]
    assert build_parser().parse_args(decided).dest == "-"       # backup's FILE defaults to stdout
    assert decide("backup -", A) == ["--data", "/srv/clinic", "backup", "-"]


# -- the attacks a colleague tries first --------------------------------------------------------

@pytest.mark.parametrize("line, words", [
    ("report week --data /elsewhere", "--data cannot name another"),
    ("report week --data=/elsewhere", "--data cannot name another"),
    ("audit --dat /elsewhere", "--data cannot name another"),            # argparse's abbreviation
    ("--data /elsewhere audit", "--data cannot name another"),
    ("--data /srv/clinic/../other audit", "--data cannot name another"),
    ("sync --serve --data /elsewhere", "--data cannot name another"),
    ("--data /elsewhere", "--data cannot name another"),                 # the app on another clinic
    ("restore /tmp/x --data /srv/new", "never run over ssh"),
    ("restore /tmp/x", "never run over ssh"),
    ("init --clinic X --timezone UTC", "never run over ssh"),
    ("demo --no-app", "never run over ssh"),
    ("signin-sheet Evening --date 2026-11-23 --out /tmp/x.pdf", "never run over ssh"),
    ("audit baseline", "audit baseline"),
    ("audit --data /srv/clinic baseline", "audit baseline"),
    ("backup /tmp/x", "DEST may only be -"),
    ("backup /srv/clinic", "DEST may only be -"),
    ("notes export --session S --format text --out /tmp/x", "--out may only be -"),
    ("notes export --session S --format text --ou=/tmp/x", "--out may only be -"),
    ("roster import /etc/passwd", "FILE may only be -"),
    ("attendance import /srv/clinic/../x.csv", "FILE may only be -"),
    ("sync laptop:/tmp", "only a laptop's `sync --serve`"),
    ("sync --serve --ssh 'sh -c evil'", "only a laptop's `sync --serve`"),
    ("sync --serve --remote-command /tmp/evil", "only a laptop's `sync --serve`"),
    ("report week; sh", "unknown sub-command"),
    ("report week && touch /tmp/x", "see facilitator --help"),
    ("report week `id`", "see facilitator --help"),
    ("$(id)", "unknown command"),
    ("bash -i", "unknown command"),
    ("facilitator-ssh --staff ada --data /srv/clinic", "unknown command"),
    ("/usr/local/bin/facilitator-ssh --staff ada --data /srv/clinic staff list", "unknown command"),
    ("internal-sftp", "unknown command"),
    ("sftp", "unknown command"),
    ("/usr/lib/openssh/sftp-server", "unknown command"),
    ("scp -t /tmp", "unknown command"),
    ("report 'week", "quotes do not match"),
    ("verify\x1b[2J", "control character"),
    ("fix-permissions --group staff", "unknown command"),         # gone with the shared model (#21)
])
def test_attacks_are_one_sentence_for_every_role(line, words):
    for role in (C, S, A):
        refused = decide(line, role, user="ada")
        assert isinstance(refused, str), (role, refused)
        assert words in refused, (role, refused)
        assert "\n" not in refused and "\x1b" not in refused


def test_not_active_staff_may_only_reach_the_sync_server():
    """The sync server answers a deactivated account's laptop itself ("deactivated": it locks)."""
    assert decide("sync --serve", None) == ["--data", "/srv/clinic", "sync", "--serve"]
    for line in ("", "where", "--version", "--help", "report week", "pin reset", "sync --serve --data /x"):
        refused = decide(line, None)
        assert isinstance(refused, str) and "\n" not in refused, (line, refused)


# -- the real program ---------------------------------------------------------------------------

def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENTRY), *args], capture_output=True, text=True, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          env={"PATH": os.environ["PATH"], **env}, timeout=60)


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    root = tmp_path / "clinic"

    def cli(*args: str) -> None:
        done = subprocess.run([str(FACILITATOR), *args, "--data", str(root)], capture_output=True, text=True,
                              env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
        assert done.returncode == 0, done.stderr
    cli("init", "--clinic", "T", "--timezone", "UTC")
    cli("staff", "add", "ada", "--name", "Ada Admin", "--role", "admin")
    cli("staff", "add", "sue", "--name", "Sue Supervisor", "--role", "supervisor")
    cli("staff", "add", "cole", "--name", "Cole Counselor", "--role", "counselor")
    cli("staff", "add", "gone", "--name", "Gus Gone", "--role", "admin")
    cli("staff", "deactivate", "gone")
    return root


def _as(staff: str, clinic: Path, command: str, stdin: str | None = None, **env: str):
    return _run(["--staff", staff, "--data", str(clinic)],
                {"HOME": str(clinic.parent), "SSH_ORIGINAL_COMMAND": command, **env}, stdin)


def _audit(clinic: Path) -> list[dict]:
    lines = [line for f in sorted((clinic / "audit").glob("*.jsonl")) for line in f.read_text().splitlines()]
    return [json.loads(line) for line in lines if line.strip()]


def test_a_change_over_the_entry_is_made_and_audited_as_the_keys_staff_member(clinic):
    done = _as("ada", clinic, "groups add 'Evening A' --days mon --start 18:00 --minutes 180")
    assert done.returncode == 0, done.stderr
    assert _audit(clinic)[-1]["user"] == "ada"


def test_an_admin_imports_the_roster_from_stdin(clinic):
    _as("ada", clinic, "groups add 'Evening A' --days mon --start 18:00 --minutes 180")
    roster = ("client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups\n"
              "T001,Avery,Testperson,IOP,,2026-10-01,,Evening A\n")
    done = _as("ada", clinic, "facilitator roster import -", stdin=roster)
    assert done.returncode == 0, done.stderr
    assert _audit(clinic)[-1]["user"] == "ada"
    listed = _as("cole", clinic, "roster list --format json")
    assert listed.returncode == 0 and "T001" in listed.stdout


def test_a_counselor_is_refused_a_supervisors_command_in_one_sentence(clinic):
    before = _audit(clinic)
    done = _as("cole", clinic, "audit --format json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "cole is a counselor" in done.stderr
    assert _as("cole", clinic, "staff list").returncode == 2
    assert _audit(clinic) == before
    sue = _as("sue", clinic, "audit --format json")
    assert sue.returncode == 0, sue.stderr
    assert {e["user"] for e in json.loads(sue.stdout)["entries"]} >= {os_user()}


def test_no_variable_the_client_sends_changes_the_clinic_or_who_acts(clinic, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    done = _as("sue", clinic, "where", FACILITATOR_DATA=str(other), USER="ada", LOGNAME="ada",
               FACILITATOR_USER="ada", FACILITATOR_DEBUG="1", XDG_CONFIG_HOME=str(other))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(clinic)
    made = _as("sue", clinic, "groups add X --days mon --start 18:00 --minutes 60", USER="ada")
    assert made.returncode == 2 and "sue is a supervisor" in made.stderr
    assert not any(other.iterdir())


def test_a_deactivated_or_unknown_member_is_refused_everything_but_the_sync_server(clinic):
    for user in ("gone", "nobody"):
        for command in ("", "where", "staff list", "report week"):
            done = _as(user, clinic, command)
            assert done.returncode == 2 and done.stdout == "", (user, command, done.stderr)
            assert done.stderr.count("\n") == 1, done.stderr
        assert "deactivated" in _as("gone", clinic, "where").stderr


def test_the_entry_started_any_other_way_runs_nothing(clinic):
    for args in ([], ["--staff", "ada"], ["--data", str(clinic)], ["--staff", "ada", "--data", "clinic"]):
        done = _run(args, {"HOME": str(clinic.parent), "SSH_ORIGINAL_COMMAND": "staff list"})
        assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr


def test_no_shell_runs_the_command(clinic, tmp_path):
    marker = tmp_path / "ran"
    for command in (f"report week && touch {marker}", f"report week; touch {marker}",
                    f"report week $(touch {marker})", f"report week | touch {marker}"):
        done = _as("sue", clinic, command)
        assert done.returncode == 2 and not marker.exists(), done.stderr


@pytest.mark.parametrize("command", ["", "facilitator"])
def test_no_command_without_a_terminal_never_opens_the_app(clinic, command):
    done = _as("cole", clinic, command)
    assert done.returncode == 2
    assert "no terminal" in done.stderr and done.stdout == ""


# --- issue #21 case 3: what one login can make the host spend -----------------------------------

def test_a_login_runs_with_its_address_space_capped(tmp_path):
    """A sync server, waiting for its hello, shows its limit in /proc (before: unlimited)."""
    from facilitator.cli.ssh_entry import MEMORY_LIMIT
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SSH_ORIGINAL_COMMAND": "facilitator sync --serve"}
    server = subprocess.Popen([str(ENTRY), "--staff", "sue", "--data", str(tmp_path / "clinic")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        limits = Path(f"/proc/{server.pid}/limits")
        end = time.monotonic() + 20
        while True:          # the entry sets it first thing; until then the line says "unlimited"
            line = next(x for x in limits.read_text().splitlines() if x.startswith("Max address space"))
            if line.split()[3] != "unlimited" or time.monotonic() > end or server.poll() is not None:
                break
            time.sleep(0.05)
        assert line.split()[3] == str(MEMORY_LIMIT), line
    finally:
        server.stdin.close()
        server.wait(timeout=60)


def test_a_vast_login_terminal_is_cut_before_the_app_reads_it():
    import fcntl
    import struct
    import termios

    from facilitator.cli.ssh_entry import MAX_COLUMNS, MAX_ROWS, clamp_terminal
    main, tty = os.openpty()
    try:
        def size() -> tuple[int, int]:
            rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(tty, termios.TIOCGWINSZ, b"\0" * 8))
            return rows, cols
        fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", 65535, 65535, 0, 0))
        clamp_terminal(tty)
        assert size() == (MAX_ROWS, MAX_COLUMNS)
        fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        clamp_terminal(tty)
        assert size() == (24, 80)
    finally:
        os.close(main)
        os.close(tty)


# -- a guard for options added later ------------------------------------------------------------

def _options(parser, path=()):
    import argparse
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*path, name))
        elif action.dest not in ("help", "version"):
            yield path, action


def test_every_option_naming_a_host_path_is_held_to_dash_over_ssh():
    """A new option that takes a file (type=Path, or a FILE/DEST/PATH/SRC/DIR metavar) must be
    one check_paths holds to ``-``: type=Path, or a dest in PATH_DESTS. Fails when one is added
    that the entry would let name a host file."""
    from facilitator.cli.parser import build_parser
    from facilitator.cli.ssh_entry import NEVER, PATH_DESTS
    loose = []
    for path, action in _options(build_parser()):
        if action.dest == "data" or (path and (path[0] in NEVER or path[0] == "sync")):
            continue
        metavar = str(action.metavar or "")
        names_a_path = any(word in metavar for word in ("FILE", "DEST", "PATH", "SRC", "DIR", "ARCHIVE"))
        if names_a_path and action.type is not Path and action.dest not in PATH_DESTS:
            loose.append(f"{' '.join(path)} {action.dest}")
    assert loose == []


def test_a_path_option_given_as_a_string_is_held_to_dash_too():
    import argparse

    from facilitator.cli.ssh_entry import check_paths
    check_paths(argparse.Namespace(command="verify", archive="-", data=None))
    check_paths(argparse.Namespace(command="settings", action="set", key="bell", value=["on"]))
    for dest in ("archive", "key", "file", "out"):
        with pytest.raises(EntryRefused):
            check_paths(argparse.Namespace(command="staff", action="key", **{dest: "/var/lib/x/.ssh/id_ed25519"}))


def test_only_the_ssh_entry_sets_the_acting_user():
    """identity.acting_as has one caller in the program: the forced command, with its own argv."""
    import facilitator
    root = Path(facilitator.__file__).parent
    callers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "acting_as(" in p.read_text())
    assert callers == ["cli/ssh_entry.py", "store/identity.py"]
