"""The real program in a real terminal: one tmux session per test, driven by keys (#20, #23).

``Terminal`` starts a command in a detached tmux session of a given size (80x24 unless told),
sends keys, waits for text to show (``capture-pane``), restarts the pane's command (a relaunch),
finds the app's process, and kills the session when the ``with`` block ends, whatever happened.
Pair it with tests/faketime.py to run the program at a chosen instant. Mark such tests
``e2e`` and ``slow``, and skip them without tmux (``needs_tmux``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from types import TracebackType

import pytest

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def tmux(*args: str) -> str:
    """Run one tmux command; its standard output."""
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


class Terminal:
    """A detached tmux session running ``command`` (a shell command line) at ``width`` x ``height``."""

    def __init__(self, command: str, *, width: int = 80, height: int = 24, settle: float = 0.3) -> None:
        self.name = f"fac-{uuid.uuid4().hex[:8]}"
        self.settle = settle          # seconds to let the app take in keys before the next step
        tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.kill()

    def screen(self) -> str:
        """The pane's text as it shows now."""
        return tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, seconds: float = 15, step: float = 0.2) -> str:
        """The screen once ``text`` shows on it; fails with the last screen after ``seconds``."""
        deadline = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(step)
        raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Send tmux key names ("Enter", "C-q", "Tab"), or with ``literal`` the text as typed."""
        tmux("send-keys", "-t", self.name, *(("-l",) if literal else ()), *keys)
        time.sleep(self.settle)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def respawn(self, command: str) -> None:
        """Kill what runs in the pane and start ``command`` there (a relaunch, same terminal)."""
        tmux("respawn-pane", "-k", "-t", self.name, command)

    def app_pid(self, name: bytes = b"facilitator", tries: int = 50) -> int:
        """The process under the pane's shell whose command line names ``name``."""
        pane = int(tmux("list-panes", "-t", self.name, "-F", "#{pane_pid}").split()[0])
        for _ in range(tries):
            for pid in _children(pane):
                if name in _cmdline(pid):
                    return pid
            time.sleep(0.1)
        raise AssertionError("the app process was not found")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def _children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            out.append(int(entry.name))
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""
