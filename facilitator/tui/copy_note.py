"""`y` on a signed note: copy its text to the clipboard through the terminal (OSC 52).

The text is what `notes export --format text` gives for the note (header, body,
signatures by name, addenda, the 42 CFR 2.32 Statement 1), so a paste into an EHR carries
the notice. Textual's ``App.copy_to_clipboard`` writes the OSC 52 sequence to the terminal,
so it works over SSH where the terminal allows it. A copy is a disclosure: audited (ids
only) before the text is sent, under the same rule as an export (store.disclosure): a
counselor copies only the notes of sessions they facilitated. Only a signed note is
copied: a draft may still change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.tui.failures import FAILURE

if TYPE_CHECKING:
    from textual.app import App

    from facilitator.store.datadir import DataDir

NOT_SIGNED = "Only a signed note is copied (a draft may still change); sign it first."
COPIED = "Copied the signed note to the clipboard (with the 42 CFR part 2 notice)."


def copy_signed_note(app: App, data: DataDir, session_id: str, client_id: str) -> bool:
    """Copy the client's signed note of the session; say what happened. True when copied."""
    from facilitator.core.note_export import note_text
    from facilitator.store.disclosure import disclose_copy, select_notes
    try:
        selection = select_notes(data, session=session_id, client=client_id, signed_only=True)
        if not selection.sheets:
            app.notify(NOT_SIGNED, markup=False)
            return False
        disclose_copy(data, session_id, client_id)
    except FAILURE as problem:
        from facilitator.tui.widgets.problem import refusal_sentence
        app.notify(refusal_sentence(problem), title="Not copied", severity="error", markup=False)
        return False
    app.copy_to_clipboard(note_text(selection.sheets[0]))
    app.notify(COPIED, markup=False)
    return True
