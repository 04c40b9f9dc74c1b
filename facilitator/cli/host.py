"""Commands for a clinic host: where the clinic is, and setting a host up for one service
account (``host init``, ``host adopt``: issue #21)."""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from facilitator.core.clinic import ClinicSettings
from facilitator.core.errors import InputError, Refusal, StoreProblem, printable
from facilitator.store.hostsetup import (
    check_new_data_dir,
    ensure_service_account,
    make_data_dir,
    require_root,
    take_over,
    write_site_config,
)


def cmd_where(args: argparse.Namespace) -> int:
    """The data directory on the first line (for scripts), what decided it on the second."""
    from facilitator.store.location import find_data_dir
    found = find_data_dir(getattr(args, "data", None))
    print(found.path)
    print(f"decided by {found.source}")
    return 0


# --- host init / host adopt (issue #21): as root ------------------------------------------

class ServiceRefused(Refusal):
    """The service account's half of a host command refused: its sentence, as it gave it."""


class ServiceFailed(StoreProblem):
    """The service account's half of a host command failed (a file it could not write...)."""


def run_as_service(account: pwd.struct_passwd, job: dict[str, Any]) -> dict[str, Any]:
    """Run ``cli.hostchild`` as the service account: its uid and gid, no supplementary
    groups, umask 077, in its home, with this program's import path and nothing else of
    root's environment."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": account.pw_dir, "LANG": "C.UTF-8",
           "USER": account.pw_name, "LOGNAME": account.pw_name,
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-s", "-P", "-m", "facilitator.cli.hostchild"],
                          input=json.dumps(job), capture_output=True, text=True, env=env, cwd=account.pw_dir,
                          user=account.pw_uid, group=account.pw_gid, extra_groups=[], umask=0o077,
                          timeout=600)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"the service account's part stopped (exit {done.returncode})"]
        failure = ServiceRefused if done.returncode == 2 else ServiceFailed
        raise failure(f"As the service account {account.pw_name}: {printable(lines[-1])}")
    return json.loads(done.stdout)


def installed_entry() -> str:
    """The absolute path of the installed ``facilitator-ssh``: on PATH, else beside this program."""
    found = shutil.which("facilitator-ssh")
    if found is None:
        beside = Path(sys.argv[0]).absolute().parent / "facilitator-ssh"
        found = str(beside) if beside.is_file() else None
    if found is None:
        raise InputError("cannot find the installed facilitator-ssh; put it on PATH (the forced command "
                         "written into authorized_keys)", field="facilitator-ssh")
    return os.path.abspath(found)


def _site_config() -> tuple[Path, Path | None]:
    from facilitator.store.location import read_config, site_config_files
    config = site_config_files()[0]
    return config, read_config(config)


def cmd_host(args: argparse.Namespace) -> int:
    return cmd_host_init(args) if args.action == "init" else cmd_host_adopt(args)


def _host_settings(args: argparse.Namespace, entry: str) -> ClinicSettings:
    return ClinicSettings(name=args.clinic, timezone=args.timezone, service_user=args.service_user,
                          ssh_entry=entry)


def _init_checks(args: argparse.Namespace) -> tuple[Path, ClinicSettings, str, str, Path]:
    """Everything ``host init`` is given, checked before anything is made."""
    from facilitator.cli.staffkeys import parsed_key
    from facilitator.core.names import check_name
    from facilitator.core.sshkeys import check_key_name, check_path
    require_root("host init")
    check_key_name(args.service_user, field="--service-user")
    root = Path(os.path.normpath(check_path(str(args.data), "--data")))
    settings = _host_settings(args, installed_entry())
    check_key_name(args.admin, field="--admin")
    name = check_name(args.admin_name.strip(), field="--admin-name")
    key = parsed_key(args.admin_key)
    config, named = _site_config()
    if named is not None and named != root:
        raise InputError(f"already names the clinic {named}; remove it first if this host is to serve "
                         f"{root}", file=str(config))
    check_new_data_dir(root)
    return root, settings, name, key, config


def cmd_host_init(args: argparse.Namespace) -> int:
    root, settings, name, key, config = _init_checks(args)
    account, made = ensure_service_account(args.service_user)
    existed = make_data_dir(root, account)
    job = {"action": "init", "data": str(root), "settings": settings.to_dict(), "admin": args.admin,
           "admin_name": name, "key": key}
    try:
        result = run_as_service(account, job)
    except (ServiceRefused, ServiceFailed) as err:
        # The folder was new or empty: nothing of a clinic is left half made (the account stays).
        _empty_again(root, existed)
        raise type(err)(f"{err.sentence.rstrip('.')}; nothing of the clinic was kept in {root}.") from None
    write_site_config(config, root)
    from facilitator.core.sshkeys import fingerprint
    print(f"Created clinic {settings.name!r} in {root}, the service account {account.pw_name}'s alone (0700)"
          f"{' (account created)' if made else ''}.")
    print(f"{args.admin} is its admin, with the key {fingerprint(key)}; {result['authorized_keys']} "
          f"binds it to {settings.ssh_entry}.")
    print(f"{config} names the clinic. Staff log in as {account.pw_name}@this-host with their keys "
          f"(facilitator staff add USER --name N --role R --key FILE.pub).")
    return 0


def _empty_again(root: Path, existed: bool) -> None:
    if existed:
        for path in root.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    else:
        shutil.rmtree(root)


def _members_keys(root: Path, admin: str) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """For each active staff member with an OS account here: the keys in its authorized_keys.
    Also the lines refused, and the members with no OS account here."""
    from facilitator.store.datadir import DataDir
    from facilitator.store.hostsetup import account_keys
    snapshot = DataDir(root, user=admin).snapshot()        # read only, as root
    member = snapshot.staff.get(admin)
    if member is None or not member.active or str(member.role) != "admin":
        raise InputError(f"{admin} is not an active admin of the clinic in {root}", field="--admin")
    keys: dict[str, list[str]] = {}
    refused: list[str] = []
    for user in sorted(u for u, m in snapshot.staff.items() if m.active):
        found = account_keys(user)
        if found is None:
            continue
        keys[user], lines = found
        refused += lines
    return keys, refused, sorted(snapshot.staff)


def cmd_host_adopt(args: argparse.Namespace) -> int:
    from facilitator.core.sshkeys import check_key_name, check_path
    require_root("host adopt")
    check_key_name(args.service_user, field="--service-user")
    root = Path(os.path.normpath(check_path(str(args.data), "--data")))
    if not (root / "clinic.json").is_file():
        raise InputError(f"{root} is not a facilitator clinic (it has no clinic.json)", field="--data")
    entry = installed_entry()
    keys, refused, _ = _members_keys(root, args.admin)
    account, made = ensure_service_account(args.service_user)
    changed = take_over(root, account)
    result = run_as_service(account, {"action": "adopt", "data": str(root), "admin": args.admin,
                                      "service_user": account.pw_name, "ssh_entry": entry, "keys": keys})
    _adopt_report(root, account.pw_name, made, changed, result, refused)
    return 0


def _adopt_report(root: Path, service: str, made: bool, changed: int, result: dict[str, Any],
                  refused: list[str]) -> None:
    from facilitator.core.sshkeys import fingerprint
    from facilitator.store.datadir import DataDir
    print(f"{root} is now the service account {service}'s alone (0700){' (account created)' if made else ''}: "
          f"{changed} paths changed.")
    for user, added in sorted((u, k) for u, k in result.items() if u != "refused"):
        print(f"{user}: took {len(added)} key(s) from the account's authorized_keys: "
              + ", ".join(fingerprint(k) for k in added))
    for line in [*refused, *result.get("refused", [])]:
        print(f"refused: {printable(line)}")
    snapshot = DataDir(root, user=service).snapshot()
    keyless = sorted(u for u, m in snapshot.staff.items() if m.active and not m.keys)
    if keyless:
        print(f"No key yet (facilitator staff key add USER FILE.pub): {', '.join(keyless)}")


COMMANDS = {"where": cmd_where, "host": cmd_host}
