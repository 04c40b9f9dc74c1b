"""The append-only, hash-chained audit log: ``audit/YYYY-MM.jsonl``.

One JSON line per entry: who, when, what kind of action, which record, and a few
counts, never note text or client names. Each entry carries the previous entry's
hash, across month files, so a deleted, edited or reordered line breaks the chain.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from facilitator.store.files import file_mode_for, fsync_dir, locked, make_dirs

GENESIS = "0" * 64


def entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    file: Path
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.problem}"


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line that has no newline (an append killed mid-write) before appending.

    Such a line was never a complete entry (its append never returned), and left in
    place the next entry would be glued onto it and lost. Called under the log's lock.
    """
    # O_NOFOLLOW: a month file a group member replaced with a link must not cut the link's target.
    fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        keep = handle.read().rfind(b"\n") + 1  # rare: read it all
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())


class AuditLog:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _names(self) -> list[str]:
        """The month files' names, oldest first.

        Plain strings: making and sorting a ``Path`` per month file cost more than the
        rest of an append once a clinic had five years of them (benchmark figure 2).
        """
        try:
            return sorted(name for name in os.listdir(self.directory) if name.endswith(".jsonl"))
        except FileNotFoundError:
            return []

    def _files(self) -> list[Path]:
        return [self.directory / name for name in self._names()]

    def _last_entry(self, names: list[str] | None = None) -> dict[str, Any] | None:
        """The newest parseable entry, reading only the tail of the newest file."""
        for name in reversed(self._names() if names is None else names):
            path = self.directory / name
            with open(path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - 65536))
                lines = [line for line in handle.read().splitlines() if line.strip()]
            # A torn last line (killed mid-append) is skipped here and reported by verify().
            for line in reversed(lines):
                try:
                    return json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue
        return None

    def append(self, *, at: datetime, user: str, action: str, record: str,
               detail: dict[str, Any] | None = None) -> dict[str, Any]:
        """Append one entry durably (fsync) under the log's lock; returns it."""
        make_dirs(self.directory)
        with locked(self.directory / "log"):
            names = self._names()
            # Never append to a month older than the newest file (a clock set back, a
            # changed time zone): the chain runs through the files in name order.
            path = self.directory / max([f"{at:%Y-%m}.jsonl", *names[-1:]])
            if names:
                _drop_torn_tail(self.directory / names[-1])
            last = self._last_entry(names)
            entry = {
                "seq": (last["seq"] + 1) if last else 1,
                "at": at.isoformat(timespec="seconds"),
                "user": user, "action": action, "record": record,
                "detail": detail or {},
                "prev": last["hash"] if last else GENESIS,
            }
            entry["hash"] = entry_hash(entry)
            line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode()
            created = not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW,
                         file_mode_for(self.directory))
            try:
                if created:
                    os.fchmod(fd, file_mode_for(self.directory))   # whatever the umask
                start = os.fstat(fd).st_size
                try:
                    # One write() of the whole line; a short one (a full disk) is undone,
                    # so no torn line is left for the next entry to be glued onto.
                    if os.write(fd, line) != len(line):
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
                except OSError:
                    os.ftruncate(fd, start)
                    raise
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.directory)
        return entry

    def entries(self) -> Iterator[tuple[Path, int, dict[str, Any] | None]]:
        """Every line as (file, line number, entry or None when it is not JSON)."""
        for path in self._files():
            with open(path, "rb") as handle:
                for number, line in enumerate(handle.read().splitlines(), start=1):
                    if not line.strip():
                        continue
                    try:
                        yield path, number, json.loads(line)
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        yield path, number, None

    def verify(self) -> list[ChainBreak]:
        """Recompute the chain; every break is named by file and line."""
        breaks: list[ChainBreak] = []
        prev_hash, prev_seq = GENESIS, 0
        for path, number, entry in self.entries():
            if entry is None or not isinstance(entry, dict):
                breaks.append(ChainBreak(path, number, "the line is not a valid entry"))
                continue
            if entry.get("hash") != entry_hash(entry):
                breaks.append(ChainBreak(path, number, "the entry was altered (its hash does not match)"))
            if entry.get("prev") != prev_hash:
                breaks.append(ChainBreak(path, number, "the chain is broken here (an entry before it was "
                                                       "removed, altered or reordered)"))
            if entry.get("seq") != prev_seq + 1:
                breaks.append(ChainBreak(path, number, f"sequence {entry.get('seq')} follows {prev_seq}"))
            prev_hash = entry.get("hash", "")
            prev_seq = entry.get("seq", prev_seq) if isinstance(entry.get("seq"), int) else prev_seq
        return breaks
