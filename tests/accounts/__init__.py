"""Real OS accounts for the shared-host tests: a staff group, one account per role, and a copy
of the program every account can run.

Accounts and groups are named ``fct_*`` and made idempotently with useradd/groupadd (they are
reused by later runs; nothing else on the machine is touched). The program under test lives
in a root-only place in CI (a clone in a 0700 temp dir, a venv under /root), so
``PublicInstall`` copies the package, the shipped plans and the runtime libraries into a
world-readable temp folder and runs them with an interpreter of the same version that the
accounts can execute (the venv's own, or the system's).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from filelock import FileLock

import facilitator
from tests.faketime import as_account

PREFIX = "fct_"
STAFF_GROUP = "fct_staff"
ADMIN, COUNSELOR, SUPERVISOR = "fct_admin", "fct_counselor", "fct_supervisor"
OUTSIDER = "fct_outsider"     # an account on the machine that is not in the staff group
REPO = Path(facilitator.__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def unavailable() -> str | None:
    if os.geteuid() != 0:
        return "making OS accounts needs root"
    for tool in ("useradd", "groupadd", "usermod", "runuser"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed"
    return None


def ensure_group(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        subprocess.run(["groupadd", name], check=True)
        return grp.getgrnam(name).gr_gid


def ensure_account(name: str, *groups: str, full_name: str = "") -> None:
    """An account with a home, in ``groups`` (and in no other supplementary group we made)."""
    assert name.startswith(PREFIX)
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", "-c", full_name or name, name], check=True)
    # "*": no password, but not locked ("!"), which sshd without PAM refuses even with a key.
    subprocess.run(["usermod", "-p", "*", "-G", ",".join(groups), name], check=True)


def accounts_lock() -> FileLock:
    """The machine-wide lock held while an fct_* account or group is made or changed: two
    pytest-xdist workers (or two runs) calling useradd/usermod at once would race on
    /etc/passwd ("cannot lock /etc/passwd") or both try to add the same account."""
    return FileLock(Path(tempfile.gettempdir()) / "fct-accounts.lock")


def ensure_staff_accounts() -> None:
    with accounts_lock():
        ensure_group(STAFF_GROUP)
        ensure_account(ADMIN, STAFF_GROUP, full_name="Ada Admin")
        ensure_account(COUNSELOR, STAFF_GROUP, full_name="Cole Counselor")
        ensure_account(SUPERVISOR, STAFF_GROUP, full_name="Sue Supervisor")
        ensure_account(OUTSIDER, full_name="Otto Outsider")


def public_dir(prefix: str) -> Path:
    """A new temp folder every account may enter (mkdtemp makes 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(path, 0o755)
    return path


def _runnable_by(user: str, python: str) -> bool:
    done = subprocess.run([*as_account(user), python, "-c",
                           f"import sys; assert sys.version_info[:2] == {tuple(sys.version_info[:2])}"],
                          capture_output=True)
    return done.returncode == 0


class PublicInstall:
    """The program under test, copied where every account can run it."""

    RUNTIME_SKIP = ("facilitator", "_editable", "__editable__", "pip", "setuptools", "_pytest", "pytest",
                    "hypothesis", "_hypothesis", "syrupy", "__pycache__")

    def __init__(self, user: str) -> None:
        self.dir = public_dir("fct-install-")
        shutil.copytree(REPO / "facilitator", self.dir / "src" / "facilitator",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "sessions", self.dir / "src" / "sessions")
        site = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
        shutil.copytree(site, self.dir / "site",
                        ignore=lambda folder, names: [n for n in names if n.startswith(self.RUNTIME_SKIP)])
        shutil.copy(HERE / "as_account.py", self.dir / "as_account.py")
        candidates = [sys.executable, os.path.realpath(sys.executable),
                      getattr(sys, "_base_executable", sys.executable),
                      f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}",
                      f"/usr/local/bin/python{sys.version_info[0]}.{sys.version_info[1]}"]
        self.python = next((c for c in candidates if Path(c).exists() and _runnable_by(user, c)), None)
        # bin/facilitator and bin/facilitator-ssh, as an install puts them on PATH.
        (self.dir / "bin").mkdir()
        for name, mode in (("facilitator", "cli"), ("facilitator-ssh", "ssh")):
            script = self.dir / "bin" / name
            script.write_text(f'#!/bin/sh\nexec {self.python} -s {self.dir / "as_account.py"} {mode} "$@"\n')
        subprocess.run(["chmod", "-R", "a+rX", str(self.dir)], check=True)
        subprocess.run(["chmod", "a+x", *map(str, (self.dir / "bin").iterdir())], check=True)

    def argv(self, user: str, umask: str, *args: str) -> list[str]:
        """Run ``as_account.py ARGS`` as ``user`` under ``umask`` (a login-like environment)."""
        assert self.python is not None
        return [*as_account(user), "env", "-i", f"HOME={pwd.getpwnam(user).pw_dir}",
                f"PATH={self.dir / 'bin'}:/usr/bin:/bin", "LANG=C.UTF-8", "sh", "-c", f'umask {umask}; exec "$@"', "sh",
                self.python, "-s", str(self.dir / "as_account.py"), *args]

    def run(self, user: str, umask: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(user, umask, *args), capture_output=True, text=True,
                              timeout=timeout)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
