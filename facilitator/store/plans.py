"""Session-plan files: the shipped library (``sessions/``) and a clinic's own (``<data>/plans/``).

One TOML file per plan; the plan id is the file stem. A clinic plan with the same id as a
shipped one replaces it. A bad file is reported in ``PlanLibrary.errors`` with its name and
line, and never stops the other plans from loading.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import facilitator
from facilitator.core.errors import InputError
from facilitator.core.plans import SessionPlan, plan_from_dict
from facilitator.store.files import NotRegularFile, TooLarge, read_regular

# Limits on what a plan file may make the parser do (see check_toml_shape).
MAX_PLAN_BYTES = 256 * 1024
MAX_TOML_LINE = 4000
MAX_TOML_KEY_PARTS = 16
MAX_TOML_DEPTH = 16

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_TABLE_HEADER = re.compile(r"^\s*\[")
_BLOCKS_HEADER = re.compile(r"^\s*\[\[\s*blocks\s*\]\]")
_FIELD_PART = re.compile(r"^blocks\[(\d+)\](?:\.(\w+))?")


def shipped_plans_dir() -> Path:
    """The plan library that comes with the program.

    In an installed wheel the TOML files live inside the package as ``facilitator/_sessions``
    (hatchling ``force-include``); in a source checkout they are the repository's ``sessions/``.
    """
    package = Path(facilitator.__file__).resolve().parent
    bundled = package / "_sessions"
    if bundled.is_dir():
        return bundled
    return package.parent / "sessions"


def _key_line(lines: list[str], key: str, start: int, stop: int) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number in range(start, stop):
        if pattern.match(lines[number]):
            return number + 1
    return None


def _section_end(lines: list[str], start: int) -> int:
    for number in range(start, len(lines)):
        if _TABLE_HEADER.match(lines[number]):
            return number
    return len(lines)


def locate_line(text: str, field_path: str | None) -> int | None:
    """Best-effort line number of a field path like ``blocks[3].minutes`` in a plan file.

    tomllib does not report where values came from, so this scans the text: the n-th
    ``[[blocks]]`` header, then the key inside that table. Inline tables give ``None``.
    """
    if not field_path:
        return None
    lines = text.splitlines()
    match = _FIELD_PART.match(field_path)
    if match is None:
        key = field_path.split(".")[0].split("[")[0]
        return _key_line(lines, key, 0, _section_end(lines, 0))
    index, key = int(match.group(1)), match.group(2)
    headers = [n for n, line in enumerate(lines) if _BLOCKS_HEADER.match(line)]
    if index >= len(headers):
        return None
    header = headers[index]
    if key:
        found = _key_line(lines, key, header + 1, _section_end(lines, header + 1))
        if found is not None:
            return found
    return header + 1


def load_plan_file(path: Path | str) -> SessionPlan:
    """Read and validate one plan file; every problem is an ``InputError`` naming the file."""
    path = Path(path)
    name = str(path)
    try:
        raw = read_regular(path, limit=MAX_PLAN_BYTES)
    except NotRegularFile as err:
        raise InputError(f"it is {err.what}, not a regular file; it was not read", file=name) from None
    except TooLarge:
        raise InputError(f"the file is larger than {MAX_PLAN_BYTES // 1024} KB; a session plan is "
                         f"a few KB", file=name) from None
    except OSError as err:
        raise InputError(f"the file cannot be read ({err.strerror or err})", file=name) from None
    cached = _parsed_plans.get(name)
    if cached is not None and cached[0] == raw:
        return cached[1]          # SessionPlan is frozen: safe to share
    plan = plan_from_bytes(raw, name, path.stem)
    if len(_parsed_plans) >= PLAN_CACHE_FILES:
        _parsed_plans.clear()
    _parsed_plans[name] = (raw, plan)
    return plan


# Each plan file's last parse with the bytes it came from: the weekly view loads the whole
# library on every re-read (for each group's breaks) and parsing ~17 TOML files was 40%
# of its cost (benchmark figure 6). Same bytes, same name: the same plan, exactly.
PLAN_CACHE_FILES = 256
_parsed_plans: dict[str, tuple[bytes, SessionPlan]] = {}


def plan_from_bytes(raw: bytes, name: str, plan_id: str) -> SessionPlan:
    """Validate a plan file's bytes (``name`` is how errors name it)."""
    if len(raw) > MAX_PLAN_BYTES:
        raise InputError(f"the file is larger than {MAX_PLAN_BYTES // 1024} KB; a session plan is "
                         f"a few KB", file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line: int | None = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"the file is not UTF-8 text (byte 0x{raw[err.start]:02x}); save it as UTF-8",
            file=name, line=line) from None
    check_toml_shape(text, name)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError(f"the file nests lists or tables more than {MAX_TOML_DEPTH} deep",
                         file=name) from None
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        detail = _TOML_POSITION.sub("", message).strip().rstrip(".")
        detail = detail[:1].lower() + detail[1:]
        raise InputError(f"the file is not valid TOML ({detail})", file=name, line=line) from None
    try:
        return plan_from_dict(data, source=name, plan_id=plan_id)
    except InputError as err:
        if err.line is None:
            err = err.located(line=locate_line(text, err.field))
        raise err from None


def check_toml_shape(text: str, name: str) -> None:
    """Refuse, before tomllib sees it, a plan whose shape would make parsing explode.

    tomllib's cost grows with the square of a dotted key's length (``a.a.a…=1`` of 200 KB
    took 24 GB) and its recursion with nesting (``x=[[[[…`` raises RecursionError). A plan
    needs neither: this scans the text once, outside strings and comments, and refuses a
    line longer than MAX_TOML_LINE, a key of more than MAX_TOML_KEY_PARTS dotted parts, or
    lists/inline tables nested more than MAX_TOML_DEPTH deep. The error names the line.
    """
    depth = 0
    dots = 0
    line = 1
    line_start = 0
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            if i - line_start > MAX_TOML_LINE:
                break
            line, line_start, dots = line + 1, i + 1, 0
            i += 1
            continue
        if char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if char in "\"'":
            triple = text.startswith(char * 3, i)
            quote = char * 3 if triple else char
            j = i + len(quote)
            while j < n:
                if text.startswith(quote, j):
                    break
                if char == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == "\n":
                    if not triple:
                        break            # tomllib reports the unclosed string
                    if j - line_start > MAX_TOML_LINE:
                        i = j
                        break
                    line, line_start = line + 1, j + 1
                j += 1
            i = j + len(quote)
            continue
        if char in "[{":
            depth += 1
            if depth > MAX_TOML_DEPTH:
                raise InputError(f"lists or tables nest more than {MAX_TOML_DEPTH} deep", file=name, line=line)
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == ".":
            dots += 1
            if dots >= MAX_TOML_KEY_PARTS:
                raise InputError(f"a key has more than {MAX_TOML_KEY_PARTS} dotted parts", file=name, line=line)
        i += 1
    if i < n or n - line_start > MAX_TOML_LINE:
        raise InputError(f"a line is longer than {MAX_TOML_LINE} characters", file=name, line=line)


def _plan_files(directory: Path) -> list[Path]:
    """The ``*.toml`` regular files of ``directory`` (a symlink, FIFO or device is never
    listed: ``verify`` names it)."""
    found = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        if entry.name.endswith(".toml") and not entry.name.startswith(".") \
                and entry.is_file(follow_symlinks=False):
            found.append(Path(entry.path))
    return sorted(found)


def syncable_plan_files(directory: Path) -> list[Path]:
    """The clinic's plan files that sync may send: regular files that load as valid plans.
    A bad plan is named by ``verify`` and ``plans`` errors, and never leaves this machine."""
    good = []
    for path in _plan_files(Path(directory)):
        try:
            load_plan_file(path)
        except InputError:
            continue
        good.append(path)
    return good


def check_plan_bytes(relative: str, raw: bytes) -> None:
    """Refuse plan bytes received by sync unless they load as a valid plan (InputError)."""
    plan_from_bytes(raw, relative, Path(relative).stem)


def load_one_plan(plan_id: str, shipped_dir: Path, clinic_dir: Path | None = None) -> SessionPlan | None:
    """Plan ``plan_id`` as ``PlanLibrary.load`` would give it, reading only its own file(s):
    the clinic's, unless missing or broken, else the shipped one (a plan's id is its stem)."""
    if not plan_id or "/" in plan_id or "\\" in plan_id or plan_id.startswith("."):
        return None
    for directory in (clinic_dir, shipped_dir):
        path = Path(directory) / f"{plan_id}.toml" if directory is not None else None
        if path is not None and path.exists():
            try:
                return load_plan_file(path)
            except InputError:
                continue
    return None


@dataclass
class PlanLibrary:
    """Every plan a clinic can run: shipped plans, replaced by id by the clinic's own."""

    plans: dict[str, SessionPlan] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    # plan id -> the file it came from (to show "clinic" vs "shipped" in the picker).
    sources: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def load(cls, shipped_dir: Path, clinic_dir: Path | None = None) -> PlanLibrary:
        """Load ``shipped_dir``, then ``clinic_dir`` (if it exists) over it.

        A clinic file that fails to load is reported in ``errors`` and the shipped plan of
        the same id, if any, stays in use.
        """
        library = cls()
        if not Path(shipped_dir).is_dir():
            library.errors.append(InputError(
                "the shipped session-plan library is missing (reinstall the program)",
                file=str(shipped_dir)))
        else:
            library._load_dir(Path(shipped_dir))
        if clinic_dir is not None and Path(clinic_dir).is_dir():
            library._load_dir(Path(clinic_dir))
        return library

    def _load_dir(self, directory: Path) -> None:
        for path in _plan_files(directory):
            try:
                plan = load_plan_file(path)
            except InputError as err:
                self.errors.append(err)
                continue
            self.plans[plan.plan_id] = plan
            self.sources[plan.plan_id] = path

    def get(self, plan_id: str) -> SessionPlan:
        try:
            return self.plans[plan_id]
        except KeyError:
            close = difflib.get_close_matches(plan_id, list(self.plans), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"no session plan named {plan_id!r}{hint}") from None

    def all(self) -> list[SessionPlan]:
        return sorted(self.plans.values(), key=lambda p: (p.title.casefold(), p.plan_id))

    def __contains__(self, plan_id: object) -> bool:
        return plan_id in self.plans

    def __len__(self) -> int:
        return len(self.plans)
