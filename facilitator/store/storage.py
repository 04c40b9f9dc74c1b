"""A TinyDB Storage that is atomic, refuses damaged files and counts generations.

TinyDB's traps (measured in 4.9) and how this module avoids them:
- each ``TinyDB``/``Table`` caches its next document id and its query results, and
  neither notices another process's write: ``DataFile.transaction`` opens a fresh
  ``TinyDB`` inside the file's lock for every read-modify-write, so ids are
  allocated after the reload, inside the lock, and no cache outlives the lock;
- ``JSONStorage`` rewrites in place (a kill leaves a torn file): writes here go
  through ``files.atomic_write``;
- an empty file opens as an empty database and is overwritten by the next insert:
  ``read`` raises ``DamagedFile`` for 0 bytes, bad JSON or a missing header;
- a stat-based "did it change" check can miss a rewrite within one timestamp tick:
  every write bumps a generation counter stored in the file itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from facilitator.store.files import DamagedFile, NotRegularFile, TooLarge, locked, read_regular

if TYPE_CHECKING:
    from tinydb import TinyDB
    from tinydb.queries import Query

# 2: a group may carry a dated schedule history (``earlier``, ``since``) and a ``last_day``;
# a program reading schema 1 would apply today's schedule to past weeks, so it must refuse.
SCHEMA = 2
META = "_meta"
# The largest data file read (clinic.json of 1,000 clients is about 0.5 MB; a session
# record, tens of KB). A bigger one is refused before it is parsed.
MAX_DATA_FILE_BYTES = 64 * 2**20

# Forward-only migrations: MIGRATIONS[n] turns a schema-n file's data into schema n+1.
def _schema_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 had no schedule history: each group's one schedule is in force from its start."""
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _schema_1_to_2}


def _meta_doc(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get(META, {})
    return meta.get("1", {}) if isinstance(meta, dict) else {}


def parse_file_bytes(path: Path, raw: bytes, kind: str | None = None) -> dict[str, Any]:
    """Decode one data file, migrating old schemas forward in memory."""
    if not raw:
        raise DamagedFile(path, "it is empty (0 bytes)")
    if len(raw) > MAX_DATA_FILE_BYTES:
        raise DamagedFile(path, f"it is larger than {MAX_DATA_FILE_BYTES // 2**20} MB")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DamagedFile(path, f"it is not valid JSON: {err.msg if hasattr(err, 'msg') else err}") from None
    except RecursionError:
        # json's C parser stops (cleanly) at the interpreter's recursion limit; no stored
        # shape nests more than a few levels.
        raise DamagedFile(path, "it nests lists or tables too deeply to be a facilitator file") from None
    if not isinstance(data, dict) or not isinstance(_meta_doc(data), dict) or "schema" not in _meta_doc(data):
        raise DamagedFile(path, "it has no facilitator header")
    meta = _meta_doc(data)
    if kind is not None and meta.get("kind") != kind:
        raise DamagedFile(path, f"it holds {meta.get('kind')!r} data, not {kind!r}")
    schema = meta["schema"]
    if not isinstance(schema, int) or schema > SCHEMA:
        raise DamagedFile(path, f"it was written by a newer facilitator (schema {schema}); upgrade the program")
    if not all(isinstance(table, dict)
               and all(key.isdigit() and isinstance(doc, dict) for key, doc in table.items())
               for table in data.values()):
        raise DamagedFile(path, "it is not a set of tables of documents")
    while schema < SCHEMA:
        if schema not in MIGRATIONS:
            raise DamagedFile(path, f"it has schema {schema}, which no migration reads")
        data = MIGRATIONS[schema](data)
        schema += 1
        data[META]["1"]["schema"] = schema
    return data


def read_bytes(path: Path) -> bytes:
    """A whole data file's bytes, without a lock (atomic replace means it is never torn).

    Only a regular file is read (never a symlink, FIFO or device: ``files.read_regular``)
    and only up to ``MAX_DATA_FILE_BYTES``; anything else is a ``DamagedFile``.
    """
    try:
        return read_regular(path, limit=MAX_DATA_FILE_BYTES)
    except FileNotFoundError:
        raise
    except NotRegularFile as err:
        raise DamagedFile(path, f"it is {err.what}, not a regular file; it was not read") from None
    except TooLarge:
        raise DamagedFile(path, f"it is larger than {MAX_DATA_FILE_BYTES // 2**20} MB, "
                                f"far more than any clinic writes") from None
    except OSError as err:
        raise DamagedFile(path, f"it cannot be read: {err.strerror}") from None


def read_file(path: Path, kind: str | None = None) -> dict[str, Any]:
    """Read a whole data file without a lock (atomic replace means it is never torn)."""
    return parse_file_bytes(Path(path), read_bytes(path), kind)


def tables_of(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each table's documents (with ``_id``) of a parsed data file, ``_meta`` left out."""
    return {name: [dict(doc, _id=int(doc_id)) for doc_id, doc in table.items()]
            for name, table in data.items() if name != META}


def generation_of(data: dict[str, Any]) -> int:
    return int(_meta_doc(data).get("generation", 0))


def query() -> Query:
    """TinyDB's ``Query()``. TinyDB loads with the first write: reading needs none of it."""
    from tinydb import Query
    return Query()


def dump_data(data: dict[str, Any]) -> bytes:
    return dump_data_by(data)[0]


def dump_data_by(data: dict[str, Any]) -> tuple[bytes, bool]:
    """A data file's bytes: compact JSON, keys sorted, UTF-8.

    orjson's dump where it can (a sixth of the json module's time on a 23 KB session record:
    every ``mark`` pays it, benchmark figure 2); anything it will not take as plain JSON data
    (a non-string key, an integer beyond 64 bits, a date or dataclass) goes to the json module
    as before. The bytes need not equal the json module's: whatever is written is read back
    by the strict reader before the write (``store.admission``), and readers parse, never compare.
    Also says whether orjson made them (then each document's bytes are its orjson dump).
    """
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency
        orjson = None  # type: ignore[assignment]  # typed as the module: it is a dependency
    if orjson is not None:
        try:
            return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                                | orjson.OPT_PASSTHROUGH_DATACLASS), True
        except TypeError:
            pass
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"), False


class AtomicStorage:
    """TinyDB storage for one facilitator data file (clinic or session record).

    TinyDB's ``Storage`` interface (``read``, ``write``, ``close``), without subclassing
    its ABC: TinyDB needs no more than the three methods, and reading a clinic (the app's
    start, every report) then never loads TinyDB, which only writes use.

    Used only inside ``DataFile.transaction``: the file is read once, TinyDB's
    writes stay in memory, and ``flush`` writes the final state once, atomically,
    with the generation bumped. A transaction that raises writes nothing.
    """

    def __init__(self, path: Path, kind: str, create: bool = False, side: Path | None = None) -> None:
        self.path = Path(path)
        self.kind = kind
        self.create = create
        self.side = side            # the clinic of a file outside the audit chain (``SideDataFile``)
        self._data: dict[str, Any] | None = None
        self._loaded = False
        self._dirty = False

    def read(self) -> dict[str, Any] | None:
        if not self._loaded:
            try:
                self._data = read_file(self.path, self.kind)
            except FileNotFoundError:
                if not self.create:
                    raise DamagedFile(self.path, "it is missing") from None
                self._data = None
            self._loaded = True
        # The live data, not a copy, as TinyDB's own MemoryStorage does: TinyDB reads the
        # whole database for every operation (three times per upsert), so a deep copy here
        # made each write cost O(file size) and a 1,000-client roster import take 25 s with
        # the clinic locked. Nothing leaks: the data lives only as long as the transaction,
        # and a transaction that raises is never flushed.
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self._loaded = True
        self._dirty = True

    def flush(self) -> None:
        if not self._dirty or self._data is None:
            return
        meta = self._data.setdefault(META, {}).setdefault("1", {})
        meta["schema"] = SCHEMA
        meta["kind"] = self.kind
        meta["generation"] = int(meta.get("generation", 0)) + 1
        from facilitator.store.commit import write_data_file, write_side_file
        raw, by_orjson = dump_data_by(self._data)
        if self.side is not None:
            write_side_file(self.side, self.path, raw)
        else:
            # The data too, when orjson made the bytes: admission then need not parse them again.
            write_data_file(self.path, raw, self._data if by_orjson else None)
        self._dirty = False

    def close(self) -> None:
        pass


class DataFile:
    """One TinyDB file of the data directory, with locked transactions and lock-free reads."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path = Path(path)
        self.kind = kind

    def refuse_unaudited(self) -> None:
        """``UnauditedWrite`` unless a ``DataDir.change`` of this file's clinic is open."""
        from facilitator.store.commit import bound_or_refuse
        bound_or_refuse(self.path)

    def side_of(self) -> Path | None:
        """The clinic of a file outside the audit chain (``SideDataFile``); None: a data file."""
        return None

    @contextmanager
    def transaction(self, create: bool = False) -> Iterator[TinyDB]:
        """A fresh TinyDB over the file, inside its lock: read-modify-write safely.

        Everything done inside is written once, atomically, when the block ends
        without an exception; an exception leaves the file exactly as it was.
        Only inside a ``DataDir.change`` (``store.commit``): outside one this raises
        ``UnauditedWrite`` before the lock file, or any other byte, is made.
        """
        self.refuse_unaudited()
        from tinydb import TinyDB
        with locked(self.path):
            db = TinyDB(self.path, storage=AtomicStorage, kind=self.kind, create=create, side=self.side_of())
            yield db
            cast(AtomicStorage, db.storage).flush()   # opened with storage=AtomicStorage just above

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """All tables' documents, as of one consistent moment, no lock needed."""
        return tables_of(read_file(self.path, self.kind))

    def generation(self) -> int:
        return generation_of(read_file(self.path, self.kind))

    def exists(self) -> bool:
        return self.path.exists()


class SideDataFile(DataFile):
    """A TinyDB file of the clinic ``root`` that the audit deliberately leaves out
    (``store.commit.SIDE_PATH``: pins.json). Its transactions need no change; any other path
    is refused (``UnauditedWrite``) before anything is written."""

    def __init__(self, root: Path, path: Path, kind: str) -> None:
        super().__init__(path, kind)
        self.root = Path(root)

    def refuse_unaudited(self) -> None:
        from facilitator.store.commit import refuse_unless_side
        refuse_unless_side(self.root, self.path)

    def side_of(self) -> Path | None:
        return self.root
