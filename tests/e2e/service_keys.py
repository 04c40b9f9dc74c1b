"""The service account of a clinic host, for the SSH end-to-end tests (issue #21).

``authorized_keys_line`` is the program's own (``facilitator.core.sshkeys``):
``restrict,pty,command="<entry> --staff <user> --data <data>" <key> facilitator:<user>``.
``write_authorized_keys`` here writes lines as root for tests that give one account keys of
several members by hand; tests/accounts/test_host_readme.py and test_host_setup.py check the
file the program writes itself from the staff list (``store.hostkeys``).
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from facilitator.core.sshkeys import authorized_keys_line
from tests.accounts import accounts_lock

__all__ = ["authorized_keys_line", "ensure_service_account", "new_key", "normalised_key", "write_authorized_keys"]

SERVICE = "fct_svc"


def ensure_service_account(name: str = SERVICE) -> Path:
    """A system account with a home and /bin/sh, no password (only a key logs in); its home."""
    assert name.startswith("fct_")
    with accounts_lock():
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--system", "--create-home", "--home-dir", f"/var/lib/{name}",
                            "--shell", "/bin/sh", name], check=True)
        subprocess.run(["usermod", "-p", "*", "--shell", "/bin/sh", name], check=True)
    return Path(pwd.getpwnam(name).pw_dir)


def normalised_key(public_file: Path) -> str:
    """``<type> <base64>`` of a key ssh-keygen wrote (its comment dropped)."""
    kind, blob = public_file.read_text().split()[:2]
    return f"{kind} {blob}"


def write_authorized_keys(account: str, lines: list[str]) -> Path:
    """The account's ``~/.ssh/authorized_keys`` (0600; ``.ssh`` 0700), owned by it."""
    entry = pwd.getpwnam(account)
    ssh = Path(entry.pw_dir) / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    path = ssh / "authorized_keys"
    temp = ssh / "authorized_keys.tmp"
    temp.write_text("".join(f"{line}\n" for line in lines))
    for made in (ssh, temp):
        os.chown(made, entry.pw_uid, entry.pw_gid)
    os.chmod(temp, 0o600)
    os.replace(temp, path)
    return path


def new_key(directory: Path, name: str, owner: str | None = None) -> Path:
    """A fresh ed25519 key pair in ``directory``; the private file (owned by ``owner`` if given)."""
    key = directory / f"key_{name}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(key)],
                   check=True)
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(key, entry.pw_uid, entry.pw_gid)
    return key
