"""The append-only, hash-chained audit log: ``audit/YYYY-MM.jsonl``.

One JSON line per entry: who, when, what kind of action, which record, and a few
counts, never note text or client names. Each entry carries the previous entry's
hash, across month files, so a deleted, edited or reordered line breaks the chain.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from facilitator.store.files import (
    FILE_MODE,
    audit_month_names,
    fsync_dir,
    last_line_torn,
    locked,
    make_dirs,
)

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; the json module gives the same answers, slower
    _orjson = None  # type: ignore[assignment]  # typed as the module: it is a dependency

GENESIS = "0" * 64


# One encoder for every hash: json.dumps with options builds a new one per call, which was a
# third of verify's time on a five-year log.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    import hashlib  # here, not at import: start-up never hashes
    return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


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
    # O_NOFOLLOW: a month file replaced with a link (only root or the clinic's account could
    # put one there) must not cut the link's target.
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
        """The month files' names, oldest first (``files.audit_month_names``)."""
        return audit_month_names(self.directory)

    def _files(self) -> list[Path]:
        return [self.directory / name for name in self._names()]

    def _last_entry(self, names: list[str] | None = None) -> dict[str, Any] | None:
        """The newest parseable entry, reading only the tail of the newest file (its last 4 KB,
        which hold the last entry unless it is torn or damaged; else its last 64 KB)."""
        for name in reversed(self._names() if names is None else names):
            path = self.directory / name
            for tail in (4096, 65536):
                entry = self._last_in_tail(path, tail)
                if entry is not None:
                    return entry
        return None

    @staticmethod
    def _last_in_tail(path: Path, tail: int) -> dict[str, Any] | None:
        """The last parseable entry among the whole lines of ``path``'s last ``tail`` bytes."""
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            start = max(0, size - tail)
            handle.seek(start)
            lines = handle.read().splitlines()
        if start > 0:
            lines = lines[1:]          # cut by the window: never taken for an entry
        # A torn last line (killed mid-append) is skipped here and reported by verify().
        for line in reversed(lines):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                continue
            # A line of the wrong shape (planted or edited) is skipped like a torn one,
            # so it cannot stop every write; verify names it.
            if isinstance(entry, dict) and type(entry.get("seq")) is int \
                    and isinstance(entry.get("hash"), str):
                return entry
        return None

    def append(self, *, at: datetime, user: str, action: str, record: str,
               detail: dict[str, Any] | None = None, file: str | None = None,
               sha256: str | None = None, strict: int | None = None) -> dict[str, Any]:
        """Append one entry durably (fsync) under the log's lock; returns it.

        ``file`` and ``sha256`` bind the entry to the data file state it produces (the
        file's path in the clinic and the SHA-256 of its new bytes; see ``store.commit``).
        ``strict``: the version of the strict reader those bytes passed before they were
        written (``store.admission``); ``verify`` need not re-read such a file while its
        bytes are still those.
        """
        return self.append_many([dict(at=at, user=user, action=action, record=record, detail=detail,
                                      file=file, sha256=sha256, strict=strict)])[0]

    def append_many(self, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append several entries (each ``append``'s arguments), chained, in one ``write()``
        and one fsync under the log's lock: after a kill the log holds all of them or none
        (a torn tail is dropped by the next append). ``store.commit.together`` binds a change
        spanning several files this way."""
        if not specs:
            return []
        make_dirs(self.directory)
        with locked(self.directory / "log"):
            names = self._names()
            # Never append to a month older than the newest file (a clock set back, a
            # changed time zone): the chain runs through the files in name order.
            path = self.directory / max([f"{specs[0]['at']:%Y-%m}.jsonl", *names[-1:]])
            if names:
                _drop_torn_tail(self.directory / names[-1])
            last = self._last_entry(names)
            made: list[dict[str, Any]] = []
            for spec in specs:
                entry = {
                    "seq": (last["seq"] + 1) if last else 1,
                    "at": spec["at"].isoformat(timespec="seconds"),
                    "user": spec["user"], "action": spec["action"], "record": spec["record"],
                    "detail": spec.get("detail") or {},
                    "prev": last["hash"] if last else GENESIS,
                }
                if spec.get("file") is not None:
                    entry["file"], entry["sha256"] = spec["file"], spec.get("sha256")
                    if spec.get("strict") is not None:
                        entry["strict"] = spec["strict"]
                entry["hash"] = entry_hash(entry)
                made.append(entry)
                last = entry
            line = b"".join((json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n").encode() for e in made)
            created = not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK,
                         FILE_MODE)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise OSError(errno.EINVAL, "not a regular file", str(path))
                if created:
                    os.fchmod(fd, FILE_MODE)   # whatever the umask
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
        return made

    def entries(self) -> Iterator[tuple[Path, int, dict[str, Any] | None]]:
        """Every line as (file, line number, entry or None when it is not JSON)."""
        decode = json.JSONDecoder().decode
        for path in self._files():
            with open(path, "rb") as handle:
                raw = handle.read()
            try:                        # one decode per file: json.loads(bytes) sniffs each line
                lines: list[Any] = raw.decode("utf-8").splitlines()
            except UnicodeDecodeError:
                lines = raw.splitlines()
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    yield path, number, (decode(line) if isinstance(line, str) else json.loads(line))
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):   # RecursionError: a nesting bomb
                    yield path, number, None

    def _checked_entries(self) -> Iterator[tuple[Path, int, dict[str, Any] | None, bool, int]]:
        """Every line as (file, line number, entry or None, whether its hash matches, its length).

        With orjson (a dependency for this loop: 4-6x faster than the json module on a
        five-year log) the canonical form is orjson's sorted compact dump, which is the
        same bytes for every entry facilitator writes; any line it disagrees on, or cannot
        read, is re-checked with the json module, which decides.
        """
        import hashlib
        loads, dumps, sort, sha = ((_orjson.loads, _orjson.dumps, _orjson.OPT_SORT_KEYS, hashlib.sha256)
                                   if _orjson is not None else (None, None, None, None))
        for path in self._files():
            with open(path, "rb") as handle:
                lines = handle.read().splitlines()
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    if loads is None:
                        raise TypeError("no orjson: the json module checks every line")
                    entry = loads(line)
                    said = entry.pop("hash", None)        # hashed without it, then put back
                    digest = sha(dumps(entry, option=sort)).hexdigest()
                    entry["hash"] = said
                    if digest == said:
                        yield path, number, entry, True, len(line)
                        continue
                except (ValueError, AttributeError, TypeError):   # orjson's errors are ValueErrors
                    pass
                try:
                    entry = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                    yield path, number, None, False, len(line)
                    continue
                yield (path, number, entry, isinstance(entry, dict) and entry.get("hash") == entry_hash(entry),
                       len(line))

    def verify(self, visit: Callable[[dict[str, Any]], None] | None = None,
               inspect: Callable[[Path, int, int, Any], None] | None = None) -> list[ChainBreak]:
        """Recompute the chain; every break is named by file and line. ``visit`` sees each
        entry in order (``store.integrity`` replays the file bindings in the same pass);
        ``inspect`` sees every line as (file, line number, length in bytes, entry or None),
        so ``verify`` checks each line's shape in this pass instead of parsing the log again."""
        breaks: list[ChainBreak] = []
        prev_hash, prev_seq = GENESIS, 0
        for path, number, entry, intact, length in self._checked_entries():
            if inspect is not None:
                inspect(path, number, length, entry)
            if entry is None or not isinstance(entry, dict):
                breaks.append(ChainBreak(path, number, "the line is not a valid entry"))
                continue
            if visit is not None:
                visit(entry)
            get = entry.get
            seq = get("seq")
            if not intact:
                breaks.append(ChainBreak(path, number, "the entry was altered (its hash does not match)"))
            if get("prev") != prev_hash:
                breaks.append(ChainBreak(path, number, "the chain is broken here (an entry before it was "
                                                       "removed, altered or reordered)"))
            if seq != prev_seq + 1:
                breaks.append(ChainBreak(path, number, f"sequence {seq} follows {prev_seq}"))
            prev_hash = get("hash", "")
            prev_seq = seq if isinstance(seq, int) else prev_seq
        return breaks

    def head(self) -> Head | None:
        """The newest entry, as a head a person can write down; None for an empty log."""
        names = self._names()
        last = self._last_entry(names)
        if not last:
            return None
        return Head(names[-1].removesuffix(".jsonl"), int(last.get("seq", 0)), str(last.get("hash", "")))

    def drop_torn_tail(self) -> bool:
        """Cut a torn last line left by a killed append (under the log's lock); True if cut."""
        names = self._names()
        if not names:
            return False
        path = self.directory / names[-1]
        if not last_line_torn(path):
            return False
        with locked(self.directory / "log"):
            before = path.stat().st_size
            _drop_torn_tail(path)
            return path.stat().st_size != before


# -- heads and witnesses ------------------------------------------------------------------------
# A chain's head (month file, sequence number, hash) can be written down, or kept by another
# machine at each sync. A log cut short, or rewritten consistently from some point on, no longer
# holds that entry: ``check_against_witness`` says so. Only a head kept somewhere the log's
# editor cannot reach protects the log; SECURITY.md says what is and is not detected.

SHORT_HASH = 16
WITNESSES = "witnesses.json"


@dataclass(frozen=True)
class Head:
    month: str      # the month file holding the entry, "2026-11"
    seq: int
    hash: str       # the entry's full hash, or (as written down) a prefix of at least 8 hex digits

    def short(self) -> str:
        return f"{self.month} #{self.seq} {self.hash[:SHORT_HASH]}"

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "seq": self.seq, "hash": self.hash}

    @classmethod
    def from_dict(cls, doc: Any) -> Head:
        if not isinstance(doc, dict):
            raise ValueError("not a head")
        return cls.parse(f"{doc.get('month')} #{doc.get('seq')} {doc.get('hash')}")

    @classmethod
    def parse(cls, text: str) -> Head:
        """``2026-11 #1234 9f3a2b1c0d4e5f60`` (as ``facilitator audit head`` prints it)."""
        import re

        from facilitator.core.parsing import check_digits
        found = re.fullmatch(r"\s*(\d{4}-\d{2})\s+#?(\d{1,12})\s+([0-9a-fA-F]{8,64})\s*",
                             check_digits(str(text)), re.ASCII)
        if not found:
            raise ValueError(f"{text!r} is not a chain head (like '2026-11 #1234 9f3a2b1c0d4e5f60')")
        return cls(found[1], int(found[2]), found[3].lower())


def check_against_witness(log: AuditLog, head: Head) -> str | None:
    """None if ``log`` still holds the witnessed entry; else one sentence saying what differs.

    Reads only the witnessed month file. That the chain runs unbroken from that entry to
    today's head is what ``AuditLog.verify`` checks.
    """
    path = log.directory / f"{head.month}.jsonl"
    said = f"the audit log no longer extends the witnessed head {head.short()}"
    if not path.is_file():
        newest = log.head()
        return (f"{said}: its month file {path.name} is gone (the log now ends at "
                f"{newest.short() if newest else 'nothing: it is empty'}); it was cut short or rewritten.")
    with open(path, "rb") as handle:
        for line in handle.read().splitlines():
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                continue
            if not isinstance(entry, dict) or entry.get("seq") != head.seq:
                continue
            if str(entry.get("hash", "")).startswith(head.hash):
                return None
            return (f"{said}: entry #{head.seq} in {path} is now a different entry "
                    f"(hash {str(entry.get('hash', ''))[:SHORT_HASH]}); the log was rewritten.")
    newest = log.head()
    return (f"{said}: {path} no longer holds entry #{head.seq} (the log now ends at "
            f"{newest.short() if newest else 'nothing'}); it was cut short or rewritten.")


MAX_WITNESSES_BYTES = 1 << 20


def witnesses(root: Path) -> dict[str, dict[str, Any]]:
    """The heads this clinic directory keeps: {chain: {month, seq, hash, by, at}}.

    Read as a regular file without blocking (``files.read_regular``): a FIFO, device, link or
    oversized file there is a ``DamagedFile`` naming it (never waited on, never taken for "no
    heads", which would switch the witness check off)."""
    from facilitator.store.files import DamagedFile, NotRegularFile, TooLarge, read_regular
    path = Path(root) / WITNESSES
    try:
        found = json.loads(read_regular(path, limit=MAX_WITNESSES_BYTES))
    except NotRegularFile as err:
        raise DamagedFile(path, f"it is {err.what}, not a regular file; it was not read") from None
    except TooLarge:
        raise DamagedFile(path, f"it is larger than {MAX_WITNESSES_BYTES} bytes; it was not read") from None
    except (OSError, ValueError, RecursionError):
        return {}
    heads = found.get("heads") if isinstance(found, dict) else None
    return heads if isinstance(heads, dict) else {}


def record_witness(root: Path, chain: str, head: Head, *, by: str, at: datetime) -> None:
    """Keep ``head`` of ``chain`` as witnessed by ``by``: ``self`` (this clinic's own chain, as
    another machine saw it), ``device:ID`` (a laptop's chain copied here) or ``host:ID`` (the
    clinic host's chain, checked at the next sync)."""
    from facilitator.store.commit import write_side_file
    path = Path(root) / WITNESSES
    with locked(path):
        heads = witnesses(root)
        heads[chain] = dict(head.to_dict(), by=by, at=at.isoformat(timespec="seconds"))
        write_side_file(root, path, (json.dumps({"heads": heads}, sort_keys=True, indent=1) + "\n").encode())
