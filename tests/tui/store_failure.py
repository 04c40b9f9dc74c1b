"""A store that fails for real at one file, for the screens' failing-store tests (issue #23).

- ``busy``: another holder takes the file's lock (its own open file, so the kernel's lock
  refuses this process's writer as it would another process's) and the wait is cut from
  15 s to 0.2 s: the write raises ``StoreBusy`` after really waiting for the lock.
- ``damaged``: the file's bytes are cut short on disk: the write's read raises ``DamagedFile``.
- ``full``: the store's one low-level write (``files.write_temp``, which ``atomic_write`` and
  ``commit.together`` call) raises ``OSError(ENOSPC)``, as a full disk does at the temp file.

``at(path)`` holds the failure for a block (a damaged file is then restored, as from a
backup) and records the file and the audit log's bound
entries; ``assert_nothing_written`` then checks the file is as it was (the damaged bytes
untouched), no temp file is left, and the log binds no new state of it.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from facilitator.store import commit, files

KINDS = ("busy", "damaged", "full")
# The words each failure's sentence says, on screen.
SAID = {"busy": "is locked by another facilitator process",
        "damaged": "is damaged",
        "full": "The disk is full"}
DAMAGED = b'{"_meta": {"1": {"schema": 1, "kind": '


def bound_entries(root: Path) -> list[tuple[str, str]]:
    """Every (file, sha256) the audit log binds, in order."""
    found = []
    for month in sorted((root / "audit").glob("*.jsonl")):
        for line in month.read_text(encoding="utf-8").splitlines():
            if '"sha256"' in line and '"file"' in line:
                import json
                entry = json.loads(line)
                if entry.get("file"):
                    found.append((entry["file"], entry.get("sha256")))
    return found


def temp_files(root: Path) -> list[Path]:
    return sorted(root.rglob(f".*{files.TEMP_SUFFIX}"))


class StoreFailure:
    def __init__(self, kind: str, root: Path) -> None:
        assert kind in KINDS
        self.kind, self.root = kind, root
        self.target: Path | None = None
        self.before: bytes | None = None
        self.bound: list[tuple[str, str]] = []

    @property
    def said(self) -> str:
        return SAID[self.kind]

    @contextlib.contextmanager
    def at(self, target: Path) -> Iterator[StoreFailure]:
        patch = pytest.MonkeyPatch()
        lock = None
        self.target = target
        original = target.read_bytes() if target.exists() else None
        try:
            if self.kind == "busy":
                patch.setattr(files.locked.__wrapped__, "__defaults__", (0.2,))  # type: ignore[attr-defined]
                target.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(files.lock_path(target)), thread_local=False)
                lock.acquire()
            elif self.kind == "damaged":
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(DAMAGED)
            else:
                def disk_full(path: Path, data: bytes) -> str:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                patch.setattr(files, "write_temp", disk_full)
                patch.setattr(commit, "write_temp", disk_full)
            self.before = target.read_bytes() if target.exists() else None
            self.bound = bound_entries(self.root)
            yield self
        finally:
            if lock is not None:
                lock.release()
            patch.undo()
            if self.kind == "damaged":         # restored, as from a backup, for what follows
                if original is None:
                    target.unlink()
                else:
                    target.write_bytes(original)

    def assert_nothing_written(self) -> None:
        assert self.target is not None
        now = self.target.read_bytes() if self.target.exists() else None
        assert now == self.before, f"{self.target.name} changed"
        assert temp_files(self.root) == []
        rel = self.target.relative_to(self.root).as_posix()
        assert [e for e in bound_entries(self.root) if e[0] == rel] == [e for e in self.bound if e[0] == rel], \
            f"the audit log binds a new state of {rel}"
