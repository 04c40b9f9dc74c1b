"""Figures 1 and 4: cold start to the first frame, and peak memory, of whole processes.

Each run spawns ``python -c CHILD`` that imports what it needs, builds the app, runs
it headless at 120x40, and on the app's ``Ready`` event (posted after the first frame
is composited) prints a line and exits. The parent times from just before the spawn to
reading that line (so interpreter start-up and every import count), and takes the
child's peak resident set (``ru_maxrss``) from ``os.wait4``.

Three programs, interleaved in a rotating order so noise hits them alike:
- ``bare``: a Textual app with a Header, a DataTable of 120 rows x 5 columns (what the
  home screen's roster shows) and a Footer, no I/O: the reference;
- ``app``: ``facilitator`` on the 5-year clinic, as ``open_app`` starts it
  (``open_clinic`` + ``make_app``), home screen;
- ``app-1w``: the same on the 1-week clinic (how start-up grows with history).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.stats import summary

CHILD = r"""
import time
T0 = time.perf_counter()
import os, sys
kind, root = sys.argv[1], sys.argv[2]
EXIT_AT_READY = os.environ.get("FIGURE1_EXIT_AT_READY") == "1"
from textual import events
from textual._context import message_hook
if kind == "bare":
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Bare(App):
        def compose(self):
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self):
            table = self.query_one(DataTable)
            table.add_columns("ID", "Name", "Level", "Groups", "Admitted")
            table.add_rows([(f"BC-{1001 + i}", f"First{i} Last{i}", "IOP", "Evening IOP A",
                             "2021-11-29") for i in range(120)])

    app = Bare()
else:
    from pathlib import Path
    from facilitator.store.clinic import open_clinic
    from facilitator.tui.app import make_app
    app = make_app(open_clinic(Path(root)))
    app.animation_level = "none"
T1 = time.perf_counter()

def hook(message):
    if isinstance(message, events.Ready):
        now = time.perf_counter()
        sys.stdout.write(f"READY {now - T0:.6f} {T1 - T0:.6f}\n")
        sys.stdout.flush()
        if EXIT_AT_READY:                 # tests/bench/instructions.py: count to here only
            os._exit(0)
        app.exit()

message_hook.set(hook)
app.run(headless=True, size=(120, 40))
"""


REPO = Path(__file__).resolve().parents[2]


def child_env(tree: Path = REPO, **extra: str) -> dict[str, str]:
    """The environment of a start-up child running ``tree``'s ``facilitator`` (another
    checkout than this one goes on ``PYTHONPATH``), with bytecode caches written."""
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none", **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("TEXTUAL", None)
    if tree != REPO:
        env["PYTHONPATH"] = str(tree)
    return env


def checkout(rev: str, into: Path) -> Path:
    """``git archive`` of ``rev`` unpacked in ``into``: an older tree for ``child_env``."""
    import io
    import tarfile
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", rev], cwd=REPO, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into)
    return into


def spawn(kind: str, root: Path | str = "-", python: str = sys.executable,
          tree: Path = REPO) -> dict[str, float]:
    """One cold start: seconds to the first frame (parent's view and child's), peak RSS MiB.
    ``tree``: the checkout whose ``facilitator`` runs."""
    env = child_env(tree)
    start = time.perf_counter()
    proc = subprocess.Popen([python, "-c", CHILD, kind, str(root)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tree)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    first_frame = time.perf_counter() - start
    proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if not line.startswith(b"READY"):
        raise RuntimeError(f"{kind} in {tree} did not reach its first frame (exit {proc.returncode}): {stderr[-2000:]}")
    _, child_ready, child_built = line.split()
    # CPU seconds of the child (user + system) to its first frame and exit: far less moved
    # than wall time by other jobs on a shared machine, so shown beside it.
    return {"first_frame_s": first_frame, "child_first_frame_s": float(child_ready),
            "child_built_s": float(child_built), "maxrss_mib": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def measure(roots: dict[str, Path], repetitions: int, log=print) -> dict[str, dict]:
    """``roots``: {"app": 5-year clinic, "app-1w": 1-week clinic}; the bare app is added."""
    kinds = {"bare": "-", **{k: str(v) for k, v in roots.items()}}
    names = list(kinds)
    for name in names:                          # warm the page cache; not counted
        spawn("bare" if name == "bare" else "app", kinds[name])
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for i in range(repetitions):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            runs[name].append(spawn("bare" if name == "bare" else "app", kinds[name]))
        log(f"  start-up {i + 1}/{repetitions}", end="\r")
    log(" " * 30, end="\r")
    out: dict[str, dict] = {}
    for name, samples in runs.items():
        out[name] = {key: summary([s[key] for s in samples]) for key in samples[0]}
    return out
