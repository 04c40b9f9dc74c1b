"""Merging one data file's two copies (a laptop's and the clinic host's): pure functions on dicts.

A file is given as its parsed TinyDB data (``{table: {doc id: doc}}``, ``_meta`` ignored) and
comes back as ``{table: [doc, ...]}`` in a fixed order, so both sides write identical content
and ``content_hash`` (which ignores ``_meta`` and doc ids) tells whether anything differs.

Session records are merged part by part (header, blocks, roster, each client's attendance,
each client's note) against the *base*: the parts' hashes when the two sides last agreed
(kept in the laptop's ``sync.json``). A part changed on one side only is taken from that side;
a part changed on both sides is a conflict, resolved as described in ``merge_record``, and the
losing version goes into the record's ``history`` table, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from facilitator.core.notes import addendum_hash

META = "_meta"
HISTORY = "history"
Doc = dict[str, Any]


@dataclass(frozen=True)
class Conflict:
    """A true conflict: ids and what was kept, never names or note text."""

    path: str
    part: str          # "attendance", "note", "header", "blocks", "addenda"
    client_id: str | None
    kept: str

    def __str__(self) -> str:
        session = self.path.rsplit("/", 1)[-1].removesuffix(".json")
        who = f" client {self.client_id}" if self.client_id else ""
        return f"{session}{who} {self.part} — {self.kept}"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def short_hash(value: Any) -> str | None:
    return None if value is None else hashlib.sha256(canonical(value).encode()).hexdigest()[:20]


def _clean(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k != "_id"}


def ordered_tables(data: dict[str, Any]) -> dict[str, list[Doc]]:
    """Each non-empty table's documents in doc-id order, ``_meta`` left out."""
    tables = {}
    for name, table in data.items():
        if name == META or not table:
            continue
        if isinstance(table, list):
            tables[name] = [_clean(d) for d in table]
        else:
            tables[name] = [_clean(table[k]) for k in sorted(table, key=int)]
    return tables


def content_hash(data: dict[str, Any]) -> str:
    """What a file holds, whatever its generation and doc ids."""
    return hashlib.sha256(canonical(ordered_tables(data)).encode()).hexdigest()


def to_tinydb(tables: dict[str, list[Doc]], meta: Doc) -> dict[str, Any]:
    data: dict[str, Any] = {name: {str(i): doc for i, doc in enumerate(docs, start=1)}
                            for name, docs in tables.items() if docs}
    data[META] = {"1": meta}
    return data


# --- session records -----------------------------------------------------------------------

def record_parts(data: dict[str, Any]) -> dict[str, Any]:
    """The record's mergeable parts: header, blocks, roster, att:<client>, note:<client>."""
    t = ordered_tables(data)
    parts: dict[str, Any] = {}
    if t.get("header"):
        parts["header"] = t["header"][0]
    if t.get("blocks"):
        parts["blocks"] = sorted(t["blocks"], key=lambda b: b.get("position", 0))
    if t.get("roster"):
        parts["roster"] = [r["client_id"] for r in t["roster"]]
    for doc in t.get("attendance", []):
        parts[f"att:{doc['client_id']}"] = doc
    for doc in t.get("notes", []):
        parts[f"note:{doc['client_id']}"] = doc
    return parts


def base_of(data: dict[str, Any]) -> dict[str, str]:
    """The parts' hashes, to be kept as the next merge's base."""
    return {key: digest for key, value in record_parts(data).items()
            if (digest := short_hash(value)) is not None}         # no part is None


class _Merge:
    def __init__(self, path: str, laptop: dict[str, Any], host: dict[str, Any]) -> None:
        self.path = path
        self.history: list[Doc] = []
        self.seen: set[str] = set()
        for table in (ordered_tables(laptop).get(HISTORY, []), ordered_tables(host).get(HISTORY, [])):
            for doc in table:
                self._keep(doc)
        self.conflicts: list[Conflict] = []

    def _keep(self, doc: Doc) -> bool:
        key = canonical([doc.get("part"), doc.get("client_id"), doc.get("entry")])
        if key in self.seen:
            return False
        self.seen.add(key)
        self.history.append(doc)
        return True

    def lose(self, part: str, client_id: str | None, side: str, entry: Any, kept: str) -> None:
        """Put the losing version in history; report it unless an earlier sync already did."""
        doc = {"part": part, "client_id": client_id, "side": side, "entry": entry}
        if self._keep(doc):
            self.conflicts.append(Conflict(self.path, part, client_id, kept))


def _three_way(key: str, laptop: Any, host: Any, base: dict[str, str] | None) -> tuple[bool, Any]:
    """(settled, value): settled when the sides agree or only one side changed since the base."""
    if canonical(laptop) == canonical(host):
        return True, laptop
    if base is not None:
        if short_hash(laptop) == base.get(key):
            return True, host
        if short_hash(host) == base.get(key):
            return True, laptop
    return False, None


def _later(laptop: Doc, host: Doc, skew: timedelta = timedelta(0)) -> str:
    """Which attendance entry changed last ("laptop" on a tie or with no times).

    Each time is the clock of the device that made the change; the laptop's is put on the
    host's clock first (``skew``: how far the laptop's clock is ahead, as the host measured
    it at this sync), so a laptop whose clock runs fast does not win every conflict."""
    def when(doc: Doc) -> datetime | None:
        try:
            found = datetime.fromisoformat(str(doc["updated_at"]))
        except (KeyError, TypeError, ValueError):
            return None
        return found if found.tzinfo is not None else None
    mine, theirs = when(laptop), when(host)
    if theirs is None:
        return "laptop"
    if mine is None:
        return "host"
    return "host" if theirs > mine - skew else "laptop"


def merge_record(path: str, laptop: dict[str, Any], host: dict[str, Any],
                 base: dict[str, str] | None,
                 skew: timedelta = timedelta(0)) -> tuple[dict[str, list[Doc]], list[Conflict]]:
    """Merge a session record's two copies.

    - header, blocks: changed on both sides -> the laptop's (it ran the session); the host's
      goes to history and is reported.
    - roster: changed on both sides -> the union (laptop's order, then the host's extras).
    - attendance, per client: changed on both sides -> the later ``updated_at``, the laptop's
      put on the host's clock by ``skew`` (the laptop's on a tie; one with a time beats one
      without); the other to history, reported. An entry removed on one side and changed on
      the other is kept.
    - notes, per client: see ``merge_note``.
    """
    merge = _Merge(path, laptop, host)
    lp, hp = record_parts(laptop), record_parts(host)
    out: dict[str, Any] = {}
    for key in sorted(set(lp) | set(hp)):
        lv, hv = lp.get(key), hp.get(key)
        settled, value = _three_way(key, lv, hv, base)
        if not settled:
            value = _resolve(merge, key, lv, hv, skew)
        if value is not None:
            out[key] = value
    return tables_from_parts(out, merge.history), merge.conflicts


def canonical_tables(data: dict[str, Any]) -> dict[str, list[Doc]]:
    """A record's tables in the one order both sides write (the host builds from parts)."""
    return tables_from_parts(record_parts(data), ordered_tables(data).get(HISTORY, []))


def tables_from_parts(parts: dict[str, Any], history: list[Doc]) -> dict[str, list[Doc]]:
    """A record's tables from its parts (``record_parts``' keys) and its history."""
    tables: dict[str, list[Doc]] = {
        "header": [parts["header"]] if "header" in parts else [],
        "blocks": list(parts.get("blocks", [])),
        "roster": [{"client_id": c} for c in parts.get("roster", [])],
        "attendance": [parts[k] for k in sorted(parts) if k.startswith("att:")],
        "notes": [parts[k] for k in sorted(parts) if k.startswith("note:")],
        HISTORY: list(history),
    }
    return {k: v for k, v in tables.items() if v}


def _resolve(merge: _Merge, key: str, lv: Any, hv: Any, skew: timedelta = timedelta(0)) -> Any:
    if lv is None or hv is None:
        return hv if lv is None else lv
    if key in ("header", "blocks"):
        merge.lose(key, None, "host", hv, "kept the laptop's (it ran the session), the host's is in "
                                          "the record's history")
        return lv
    if key == "roster":
        return list(lv) + [c for c in hv if c not in lv]
    client = key.split(":", 1)[1]
    if key.startswith("att:"):
        winner = _later(lv, hv, skew)
        loser, side = (hv, "host") if winner == "laptop" else (lv, "laptop")
        merge.lose("attendance", client, side, loser,
                   "kept the later change, the other is in the record's history")
        return lv if winner == "laptop" else hv
    return merge_note(merge, client, lv, hv)


# --- notes ---------------------------------------------------------------------------------

def _chain_ok(content_hash: str | None, addenda: list[Doc]) -> bool:
    from datetime import datetime
    previous = content_hash
    for added in addenda:
        try:
            expected = addendum_hash(previous, added["body"], added["author"],
                                     datetime.fromisoformat(added["signed_at"]))
        except (KeyError, TypeError, ValueError):
            return False
        if expected != added.get("content_hash"):
            return False
        previous = added["content_hash"]
    return True


def merge_note(merge: _Merge, client: str, laptop: Doc, host: Doc) -> Doc:
    """Merge one client's note changed on both sides.

    Both signed, same signed body: addenda as the union by hash, ordered by ``signed_at``
    (if the union does not chain, the host's addenda stay and the laptop's extra ones go to
    history); the co-signature from whichever side has one (the host's if both differ).
    A return for correction (and the correction typed since) from whichever side has one
    (the host's if both do).
    Both signed, different bodies (a re-signature on one side): the host's stays, the
    laptop's goes to history.
    One signed: it wins; the other side's draft goes to history.
    Both drafts: the laptop's (the laptop wrote it); the host's goes to history.
    """
    l_signed, h_signed = bool(laptop.get("signed_by")), bool(host.get("signed_by"))
    if l_signed != h_signed or not (l_signed or h_signed):
        if l_signed or not h_signed:
            merge.lose("note", client, "host", host, "kept the laptop's, the host's is in the history")
            return laptop
        merge.lose("note", client, "laptop", laptop, "kept the host's, the laptop's is in the history")
        return host
    if laptop.get("content_hash") != host.get("content_hash"):
        merge.lose("note", client, "laptop", laptop,
                   "two different signed notes: kept the host's, the laptop's is in the history")
        return host
    merged = dict(host)
    h_add, l_add = list(host.get("addenda", [])), list(laptop.get("addenda", []))
    known = {a.get("content_hash") for a in h_add}
    union = h_add + [a for a in l_add if a.get("content_hash") not in known]
    union.sort(key=lambda a: str(a.get("signed_at")))
    if _chain_ok(host.get("content_hash"), union):
        merged["addenda"] = union
    else:
        merged["addenda"] = h_add
        for added in union:
            if added.get("content_hash") not in known:
                merge.lose("addenda", client, "laptop", added,
                           "addenda do not chain: kept the host's, the laptop's is in the history")
    cosign = ("cosigned_by", "cosigned_at", "cosign_hash")
    if not host.get("cosigned_by") and laptop.get("cosigned_by"):
        merged.update({k: laptop.get(k) for k in cosign})
    elif host.get("cosigned_by") and laptop.get("cosigned_by") and \
            [host.get(k) for k in cosign] != [laptop.get(k) for k in cosign]:
        merge.lose("cosign", client, "laptop", {k: laptop.get(k) for k in cosign},
                   "two co-signatures: kept the host's, the laptop's is in the history")
    for key in ("returned", "correction"):      # issue #20: a return, then its correction
        if merged.get(key) is None and laptop.get(key) is not None:
            merged[key] = laptop[key]
    return merged


# --- other-hours month files ---------------------------------------------------------------
#
# Each entry carries a ``uid`` (``otherhours.add`` stamps a uuid4 when it is logged), the key
# both sides merge by. TinyDB doc ids are per file and reused after a removal, so they never
# name an entry across devices. Entries logged before uids existed get one when first merged:
# the ``origin`` an earlier sync gave them, or ``<device>:<doc id>`` (unique on that device
# until that entry is synced, which is when it is fixed).

def with_uids(data: dict[str, Any], device: str) -> list[Doc]:
    """The entries in doc-id order, each with its uid."""
    out = []
    for doc_id, doc in sorted(((k, v) for k, v in data.get("entries", {}).items()), key=lambda kv: int(kv[0])):
        doc = _clean(doc)
        legacy = doc.pop("origin", None)
        doc.setdefault("uid", legacy or f"{device}:{doc_id}")
        out.append(doc)
    return out


def hours_hash(data: dict[str, Any], device: str) -> str:
    docs = sorted(canonical(d) for d in with_uids(data, device))
    return hashlib.sha256(canonical(docs).encode()).hexdigest()


def merge_hours(mine: dict[str, Any], my_device: str, theirs: dict[str, Any], their_device: str,
                base: list[str] | None) -> tuple[dict[str, Any], list[str]]:
    """This side's hours file with the other side's changes: (TinyDB data, uids).

    Entries are matched by uid. This side keeps its doc ids (``hours list`` ids stay);
    entries new on the other side are added; an entry both had at the base and the other
    side removed is removed. Returns the entries table as TinyDB data and the uids (the
    next base).
    """
    base_set = set(base or ())
    my_docs = {doc_id: doc for doc_id, doc in zip(
        sorted(mine.get("entries", {}), key=int), with_uids(mine, my_device), strict=True)}
    their_docs = {d["uid"]: d for d in with_uids(theirs, their_device)}
    mine_uids = {d["uid"] for d in my_docs.values()}
    entries = {k: d for k, d in my_docs.items()
               if not (d["uid"] in base_set and d["uid"] not in their_docs)}
    next_id = max((int(k) for k in my_docs), default=0) + 1
    for uid, doc in their_docs.items():
        if uid not in mine_uids and uid not in base_set:
            entries[str(next_id)] = doc
            next_id += 1
    data = {"entries": entries, META: mine.get(META, {})} if entries else {META: mine.get(META, {})}
    return data, sorted(d["uid"] for d in entries.values())
