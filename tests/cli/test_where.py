"""Where the clinic is: --data, then FACILITATOR_DATA, then the user's config.toml, then the
system's, then the default; `facilitator where` says which decided. Run as real processes
with a clean environment (a clinic host's ssh commands get no profile)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "facilitator"


def where(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args, "where"], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env})


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    home = tmp_path / "home"
    user = home / ".config" / "facilitator"
    site = tmp_path / "xdg-site" / "facilitator"
    user.mkdir(parents=True)
    site.mkdir(parents=True)
    return {"home": home, "user": user / "config.toml", "site": site / "config.toml",
            "site_dirs": tmp_path / "xdg-site"}


def test_each_source_in_turn_and_what_decided(dirs):
    env = {"HOME": str(dirs["home"]), "XDG_CONFIG_DIRS": str(dirs["site_dirs"])}
    done = where(env)
    assert done.stdout.splitlines() == [str(dirs["home"] / ".local/share/facilitator"),
                                        "decided by the default (no --data, FACILITATOR_DATA or "
                                        "configuration file)"]
    dirs["site"].write_text('data = "/srv/site-clinic"\n')
    assert where(env).stdout.splitlines() == [
        "/srv/site-clinic", f"decided by the system configuration file {dirs['site']}"]
    dirs["user"].write_text('data = "/srv/my-clinic"\n')
    assert where(env).stdout.splitlines() == [
        "/srv/my-clinic", f"decided by your configuration file {dirs['user']}"]
    env["FACILITATOR_DATA"] = "/srv/env-clinic"
    assert where(env).stdout.splitlines() == [
        "/srv/env-clinic", "decided by the FACILITATOR_DATA environment variable"]
    assert where(env, "--data", "/srv/option").stdout.splitlines() == [
        "/srv/option", "decided by the --data option"]


def test_every_command_reads_the_system_config(dirs, tmp_path):
    env = {"HOME": str(dirs["home"]), "XDG_CONFIG_DIRS": str(dirs["site_dirs"])}
    clinic = tmp_path / "clinic"
    dirs["site"].write_text(f'data = "{clinic}"\n')
    run = lambda *a: subprocess.run([str(BIN), *a], capture_output=True, text=True,  # noqa: E731
                                    env={"PATH": os.environ["PATH"], **env})
    made = run("init", "--clinic", "Test Clinic", "--timezone", "America/Chicago")
    assert made.returncode == 0, made.stderr
    assert (clinic / "clinic.json").is_file()
    assert run("verify").returncode == 0


@pytest.mark.parametrize("text, sentence", [
    ('data = \n', "is not valid TOML"),
    ('clinic = "/srv/x"\n', "field 'clinic': a configuration file may hold only data ="),
    ('data = 7\n', "field 'data': data must be a path in quotes"),
])
def test_a_wrong_config_file_is_one_sentence_naming_it(dirs, text, sentence):
    dirs["site"].write_text(text)
    done = where({"HOME": str(dirs["home"]), "XDG_CONFIG_DIRS": str(dirs["site_dirs"])})
    assert done.returncode == 2
    assert done.stderr.startswith(f"{dirs['site']}") and sentence in done.stderr
    assert done.stderr.count("\n") == 1


REAL = Path("/etc/xdg/facilitator/config.toml")


@pytest.mark.skipif(os.geteuid() != 0, reason="writing /etc needs root")
def test_the_real_system_config_path(tmp_path):
    """Once against the real /etc/xdg (we are root on a throwaway machine); put back after."""
    saved = tmp_path / "saved"
    existed_dir = REAL.parent.exists()
    if REAL.exists():
        shutil.copy2(REAL, saved)
    try:
        REAL.parent.mkdir(parents=True, exist_ok=True)
        REAL.write_text('data = "/srv/facilitator-fct-test"\n')
        done = where({"HOME": str(tmp_path)})          # no XDG_CONFIG_DIRS, as under sshd
        assert done.stdout.splitlines() == [
            "/srv/facilitator-fct-test", f"decided by the system configuration file {REAL}"]
    finally:
        if saved.exists():
            shutil.copy2(saved, REAL)
        else:
            REAL.unlink(missing_ok=True)
            if not existed_dir:
                REAL.parent.rmdir()
