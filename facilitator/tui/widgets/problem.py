"""A panel that says what is wrong with the data (a damaged file), instead of a crash."""

from __future__ import annotations

from facilitator.tui.widgets.plain import Static


class ProblemPanel(Static):
    DEFAULT_CSS = """
    ProblemPanel {
        display: none;
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $error;
        color: $text-error;
        background: $error-muted;
    }
    ProblemPanel.-shown {
        display: block;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def show_problem(self, message: str | None) -> None:
        self.set_class(bool(message), "-shown")
        self.update(message or "")


def os_error_sentence(problem: OSError) -> str:
    """An operating-system refusal in plain words: no "[Errno 13]"."""
    import errno
    where = problem.filename or "a clinic file"
    if problem.errno in (errno.EACCES, errno.EPERM):
        return (f"Your account may not read or write {where}; ask the clinic's admin to check "
                "the folder's group and permissions.")
    if problem.errno == errno.ENOSPC:
        return f"The disk is full, so {where} could not be written; nothing was changed."
    if problem.errno == errno.EROFS:
        return f"{where} is on a read-only disk; nothing was changed."
    reason = (problem.strerror or "it failed").lower()
    return f"{where} could not be used ({reason}); nothing was changed."


def problem_message(problem: Exception | None) -> str | None:
    """The one sentence a person sees for a read problem (``None`` when all is well)."""
    if isinstance(problem, FileNotFoundError):
        return f"{problem.filename} is missing. Restore it from a backup, then run `facilitator verify`."
    if isinstance(problem, OSError):
        return os_error_sentence(problem)
    return str(problem) if problem else None


def announce_problem(app, message: str | None, previous: str | None) -> None:
    """Notify once per new problem; the panel keeps showing it after the toast goes."""
    if message and message != previous:
        app.notify(message, title="Cannot read the clinic's data", severity="error",
                   timeout=10, markup=False)


# First words that are English, not an account name: sentences starting so are capitalised.
_PLAIN_WORDS = frozenset({"the", "a", "an", "it", "this", "that", "there", "only", "you", "nothing"})


def refusal_sentence(problem: Exception | str) -> str:
    """A refused change as the one sentence a person reads on a screen.

    An ``InputError`` loses its command-line location (``field '--minutes':``); a sentence that
    starts with an account name (``jdoe is a counselor; …``) keeps its case, since account
    names are case-sensitive; anything else is capitalised and ends with a full stop.
    """
    from facilitator.core.errors import FacilitatorError, InputError

    # NotSaved is an OSError that already says which change was not saved, and why.
    if isinstance(problem, OSError) and not isinstance(problem, (FileNotFoundError, FacilitatorError)):
        return os_error_sentence(problem)
    text = (problem.message if isinstance(problem, InputError) else str(problem)).strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if not (text.startswith(f"{first} is ") and first.lower() not in _PLAIN_WORDS):
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
