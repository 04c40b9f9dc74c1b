"""The one error root, and the errors a user can fix.

Every error facilitator raises on purpose is a ``FacilitatorError`` with one sentence for a
person (``.sentence``, the same as ``str()``) and the command line's exit code. Two branches:

- ``Refusal``: the user can act on it (bad input, a role that may not, a rule, not staff):
  nothing was written; exit 2.
- ``StoreProblem``: the data directory could not do it (a damaged file, a busy lock, a full or
  read-only disk, a sync's other side): nothing half-written; exit 1.

Screens and the command line catch the root, never a list of types. A sentence names files
and ids, never a client's name or a note's text.
"""

from __future__ import annotations


class FacilitatorError(Exception):
    """The root of every error facilitator raises on purpose (module docstring)."""

    exit_code: int = 1

    @property
    def sentence(self) -> str:
        """The one sentence a person reads."""
        return str(self)


class Refusal(FacilitatorError):
    """Refused, and the user can act on it: bad input, a permission, a rule. Nothing written."""

    exit_code = 2


class StoreProblem(FacilitatorError):
    """The store could not do it: damaged file, busy, disk full or read-only, not saved."""

    exit_code = 1


class InputError(Refusal, ValueError):
    """Bad input from a person: a CSV row, a plan file, a typed time, a setting.

    ``str(err)`` is the one sentence shown to the user, e.g.
    ``roster.csv, line 4, field 'admitted': '2026-13-01' is not a date (YYYY-MM-DD).``
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def located(self, *, file: str | None = None, line: int | None = None,
                field: str | None = None) -> InputError:
        """The same error with missing location parts filled in."""
        return InputError(
            self.message,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            field=self.field or field,
        )

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(_printable(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{_printable(self.field)}'")
        message = self.message if self.message.endswith((".", "?", "!")) else self.message + "."
        return f"{', '.join(where)}: {message}" if where else message


def printable(text: str) -> str:
    """``text`` with every control or format character (escapes, bidi overrides) shown as
    its escape, for printing to a terminal."""
    import unicodedata
    return "".join(c if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else repr(c)[1:-1]
                   for c in str(text))


def _printable(text: str) -> str:
    """``text`` with control characters escaped (a TOML key or a file name may hold a newline),
    so that the error stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class PermissionDenied(Refusal):
    """The acting staff member's role does not allow this action."""
