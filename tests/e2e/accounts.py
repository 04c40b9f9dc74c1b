"""Real OS accounts for sync tests: `useradd` them, and a facilitator they can run.

The test's own interpreter and virtualenv often sit where other accounts cannot read them
(pyenv under /root, a CI clone in a private temp dir). ``Runtime`` copies the pure-Python
dependencies and this checkout's ``facilitator`` package into a world-readable directory and
writes a ``facilitator`` script there that runs them with a system interpreter of the same
version, so ``runuser -u ACCOUNT -- RUNTIME/bin/facilitator ...`` is a real process of that
account running this code. ``Runtime.unavailable()`` says why not (not root, no runuser, no
such interpreter), for a skip message.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

import facilitator
from tests.accounts import accounts_lock
from tests.faketime import as_account

PREFIX = "fct_sy_"      # accounts these tests make; nothing else is touched
SKIP_PACKAGES = ("pip", "setuptools", "_pytest", "pytest", "hypothesis", "facilitator", "__editable__",
                 "_distutils_hack", "pkg_resources", "syrupy", "jinja2", "markupsafe")


def interpreter() -> str | None:
    """A python of this test's version that every account may run."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/bin/{version}", f"/usr/local/bin/{version}", sys.executable):
        if os.path.exists(candidate) and _others_can_run(candidate):
            return candidate
    return None


def _others_can_run(path: str) -> bool:
    real = Path(os.path.realpath(path))
    if not os.stat(real).st_mode & 0o001:
        return False
    return all(os.stat(parent).st_mode & 0o001 for parent in real.parents)


def unavailable() -> str | None:
    if os.geteuid() != 0:
        return "making OS accounts needs root (CI runs as root)"
    for tool in ("useradd", "runuser"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if interpreter() is None:
        return f"no python{sys.version_info.major}.{sys.version_info.minor} that other accounts can run"
    return None


def ensure_account(name: str) -> str:
    assert name.startswith(PREFIX), name
    if subprocess.run(["id", "-u", name], capture_output=True).returncode != 0:
        done = subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", name],
                              capture_output=True, text=True)
        if done.returncode != 0 and "already exists" not in done.stderr:
            raise RuntimeError(done.stderr)
    # No password ('*', not the locked '!'): only a key logs in, as on a clinic host.
    subprocess.run(["usermod", "--shell", "/bin/sh", "--password", "*", name], check=True, capture_output=True)
    return name


def world_dir(prefix: str) -> Path:
    """A fresh directory every account can enter (its contents decide the rest)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    os.chmod(path, 0o755)
    return path


class Runtime:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.lib = self.root / "lib"
        self.bin = self.root / "bin" / "facilitator"

    @classmethod
    def build(cls) -> Runtime:
        runtime = cls(world_dir("fct-runtime-"))
        for packages in site.getsitepackages():
            for entry in Path(packages).iterdir():
                if entry.name.startswith(SKIP_PACKAGES) or entry.suffix == ".pth":
                    continue
                target = runtime.lib / entry.name
                if entry.is_dir():
                    shutil.copytree(entry, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    runtime.lib.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(entry, target)
        source = Path(facilitator.__file__).parent
        shutil.copytree(source, runtime.lib / "facilitator", ignore=shutil.ignore_patterns("__pycache__"))
        runtime.bin.parent.mkdir(parents=True)
        runtime.bin.write_text(f"#!{interpreter()}\nimport sys\nsys.path.insert(0, {str(runtime.lib)!r})\n"
                               "from facilitator.cli import run\nrun()\n")
        subprocess.run(["chmod", "-R", "a+rX", str(runtime.root)], check=True)
        os.chmod(runtime.bin, 0o755)
        return runtime

    def argv(self, user: str, *args: object) -> list[str]:
        """``facilitator ARGS`` as ``user``, a real process of that account."""
        return [*as_account(user), str(self.bin), *map(str, args)]

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def runtime_for(users: Iterable[str], tests: str) -> Iterator[Runtime]:
    """A module fixture's body: the accounts ``users`` and a ``Runtime``, removed after; skips
    ``tests`` (named in the message) where OS accounts cannot be made."""
    reason = unavailable()
    if reason:
        print(f"skipping the OS-account {tests}: {reason}")
        pytest.skip(reason)
    with accounts_lock():
        for user in users:
            ensure_account(user)
    built = Runtime.build()
    yield built
    built.remove()
