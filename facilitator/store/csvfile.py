"""Reading a CSV file a person exported from a spreadsheet: BOM, CRLF, encodings."""

from __future__ import annotations

from pathlib import Path

from facilitator.core.errors import InputError
from facilitator.store.files import NotRegularFile, TooLarge, read_regular

MAX_CSV_BYTES = 20 * 1024 * 1024


def read_csv_text(path: Path) -> str:
    """The file's text; a clear InputError (file and line) when it cannot be read as UTF-8."""
    name = str(path)
    try:
        # A regular file only (a FIFO or /dev/zero given by mistake would hang or fill
        # memory); a symlink the person names is followed, as they chose it.
        raw = read_regular(Path(path), limit=MAX_CSV_BYTES, follow=True)
    except TooLarge:
        raise InputError(f"is larger than {MAX_CSV_BYTES // 1024 // 1024} MB; split it", file=name) from None
    except NotRegularFile as err:
        if err.what == "a directory":
            raise InputError("is a directory, not a CSV file", file=name) from None
        raise InputError(f"is {err.what}, not a regular file; save the CSV to a file first",
                         file=name) from None
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a CSV file", file=name) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied)", file=name) from None
    return csv_text_of(raw, name)


def csv_text_of(raw: bytes, name: str) -> str:
    """CSV bytes as text (the BOM dropped), or an InputError naming ``name`` and the line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError("is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8'",
                         file=name, line=line) from None
    if "\x00" in text:
        raise InputError("contains NUL bytes; it is not a text CSV file", file=name,
                         line=text[: text.index("\x00")].count("\n") + 1)
    return text
