"""Turning an exception into one sentence for a person, without leaking record data."""

from __future__ import annotations

import errno
import traceback

from facilitator.core.errors import FacilitatorError


def explain(err: BaseException) -> tuple[int, str]:
    """(exit code, sentence). Known failures name the file; unknown ones name only the code line."""
    if isinstance(err, FacilitatorError):
        return err.exit_code, err.sentence
    if isinstance(err, FileExistsError):
        return 2, str(err)
    if isinstance(err, OSError):
        where = f" {err.filename}" if err.filename else ""
        if err.errno == errno.ENOSPC:
            # Every data write is all or nothing with its audit entry (store.commit): a write that
            # fails here changed neither the file nor the log.
            return 1, ("The disk is full, so this change was not saved: the data and the audit log "
                       "are as they were. Free some space and try again.")
        if err.errno in (errno.EACCES, errno.EPERM):
            return 1, f"Permission denied for{where or ' a data file'}; check the data directory's owner and mode."
        return 1, f"Could not read or write{where or ' a data file'}: {err.strerror}."
    frame = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    place = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    # The exception's message is left out on purpose: it may hold a client's data.
    return 1, (f"facilitator hit an internal error ({type(err).__name__}{place}); "
               f"nothing more was written. Please report it.")
