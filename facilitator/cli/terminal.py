"""The CLI's own standard output and error: nothing from a file or a push drives the terminal.

Every command's text goes through ``SafeText``, which writes each control, direction
override and invisible format character as its JSON escape (``core.display.shown``): a
table or a message shows ``\\u001b]52;…`` instead of writing to the clipboard, and JSON
output stays valid JSON that means the same text. Lines and tabs pass. Bytes written to
``.buffer`` (the sync protocol, a PDF) are not text and pass untouched. One place, so no
command can forget it (#21).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from facilitator.core.display import shown


class SafeText:
    """A text stream that escapes what could drive a terminal, then writes to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(shown(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:       # flush, buffer, fileno, isatty, encoding...
        return getattr(self._stream, name)


@contextmanager
def safe_output() -> Iterator[None]:
    """Standard output and error escaped while a command runs, then given back."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeText(out), SafeText(err)   # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
