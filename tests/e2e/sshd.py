"""A throwaway OpenSSH server on 127.0.0.1 for end-to-end tests.

It uses its own host key, its own client key and config, listens on a free high port
on loopback only, and is stopped when the test ends. ``SshServer.unavailable()`` says
why one cannot run here (no sshd installed, not root), for a skip message.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SshServer:
    def __init__(self, workdir: Path) -> None:
        self.dir = Path(workdir)
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @staticmethod
    def unavailable() -> str | None:
        if not os.path.exists(SSHD):
            return "sshd is not installed (apt-get install openssh-server; .ci/run does this)"
        if not shutil.which("ssh") or not shutil.which("ssh-keygen"):
            return "the OpenSSH client is not installed"
        if os.geteuid() != 0:
            return "sshd needs root to switch to the test user"
        return None

    def start(self, extra_config: str = "") -> SshServer:
        """Start it; ``extra_config`` goes at the end of sshd_config (e.g. a Match block)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / name)],
                           check=True)
        shutil.copy(self.dir / "client_key.pub", self.dir / "authorized_keys")
        os.chmod(self.dir / "authorized_keys", 0o600)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        config = self.dir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir / 'host_key'}\n"
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'} {self.dir / 'keys'}/%u\n"
            f"PidFile {self.dir / 'sshd.pid'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nStrictModes no\nPrintMotd no\n"
            "AcceptEnv LANG LC_*\nSubsystem sftp internal-sftp\n" + extra_config)
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=open(self.dir / "sshd.log", "w"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("sshd exited: " + (self.dir / "sshd.log").read_text()) from None
                time.sleep(0.05)
        raise RuntimeError("sshd did not start listening")

    def add_key(self, user: str) -> Path:
        """A key of its own for ``user`` (authorized for that account only); its private file."""
        keys = self.dir / "keys"
        keys.mkdir(mode=0o755, exist_ok=True)
        key = self.dir / f"key_{user}"
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user, "-f", str(key)],
                           check=True)
        shutil.copy(f"{key}.pub", keys / user)
        os.chmod(keys / user, 0o644)
        return key

    def ssh_argv(self, *, tty: bool = False, user: str = "root", key: Path | None = None) -> list[str]:
        argv = ["ssh", "-i", str(key or self.dir / "client_key"), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "BatchMode=yes"]
        if tty:
            argv.append("-tt")
        return argv + [f"{user}@127.0.0.1"]

    def run(self, remote_command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(self.ssh_argv() + [remote_command], capture_output=True, text=True,
                              timeout=timeout)

    def shell_line(self, remote_command: str) -> str:
        """A local shell command line that runs ``remote_command`` over ssh with a terminal."""
        return " ".join(shlex.quote(a) for a in self.ssh_argv(tty=True)) + " " + shlex.quote(remote_command)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
