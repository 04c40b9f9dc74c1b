"""PDFs of notes and sign-in sheets, with fpdf2 and Unicode TrueType fonts.

fpdf2's built-in fonts are latin-1 only, so a name like ``李 小龙`` needs a TrueType font
with those glyphs. The PDFs embed (a subset of) two fonts Debian ships:
DejaVu Sans (package fonts-dejavu-core: Latin, Greek, Cyrillic, accents) and, for any
character DejaVu lacks, Droid Sans Fallback (fonts-droid-fallback: Chinese, Japanese,
Korean). The README's ci-setup line installs both. ``FACILITATOR_PDF_FONTS`` may name
another folder holding files of the same names.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from facilitator.core.errors import InputError
from facilitator.core.note_export import (
    NoteSheet,
    addendum_blocks,
    header_lines,
    signature_lines,
)
from facilitator.core.part2 import CITATION, STATEMENT_1, STATEMENT_2
from facilitator.core.roster import Client

FONT_FILES = {
    # name, style -> (file, the Debian package that ships it, where)
    ("Sans", ""): ("DejaVuSans.ttf", "fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu"),
    ("Sans", "B"): ("DejaVuSans-Bold.ttf", "fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu"),
    ("Fallback", ""): ("DroidSansFallbackFull.ttf", "fonts-droid-fallback",
                       "/usr/share/fonts/truetype/droid"),
}


def _font_path(file: str, package: str, folder: str) -> Path:
    override = os.environ.get("FACILITATOR_PDF_FONTS")
    path = Path(override or folder) / file
    if not path.is_file():
        raise InputError(f"a PDF needs the font {path} (Debian package {package}); install it "
                         f"(see the README's setup line) or choose another --format", field="--format")
    return path


def _new_pdf(at: datetime, title: str):
    from fpdf import FPDF

    class _Pdf(FPDF):
        def footer(self) -> None:       # every page says what it is, in the line that fits
            self.set_y(-12)
            self.set_font("Sans", "", 7)
            self.cell(0, 5, f"{STATEMENT_2}   Page {self.page_no()}/{{nb}}", align="C")

    pdf = _Pdf(format="letter")
    for (name, style), (file, package, folder) in FONT_FILES.items():
        pdf.add_font(name, style, str(_font_path(file, package, folder)))
    pdf.set_fallback_fonts(["Fallback"])
    pdf.set_creation_date(at)
    pdf.set_title(title)
    pdf.set_author("facilitator")
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(18, 16, 18)
    return pdf


def _notice(pdf) -> None:
    pdf.ln(4)
    pdf.set_font("Sans", "B", 8)
    pdf.multi_cell(0, 4, "Notice of confidentiality", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Sans", "", 8)
    pdf.multi_cell(0, 4, f"{STATEMENT_1} ({CITATION})", new_x="LMARGIN", new_y="NEXT")


def _lines(pdf, text: str, size: float = 10, style: str = "", height: float = 5) -> None:
    pdf.set_font("Sans", style, size)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def notes_pdf(sheets: list[NoteSheet], at: datetime) -> bytes:
    """One page (or more) per note: clinic, client, session, body, signatures, addenda, notice."""
    pdf = _new_pdf(at, "Progress notes")
    for sheet in sheets:
        pdf.add_page()
        clinic, *rest = header_lines(sheet)
        _lines(pdf, clinic, 14, "B", 7)
        _lines(pdf, "Group progress note", 11, "B", 6)
        pdf.ln(1)
        _lines(pdf, "\n".join(rest), 10)
        pdf.ln(3)
        _lines(pdf, sheet.body or "(no text)", 10)
        pdf.ln(3)
        _lines(pdf, "\n".join(signature_lines(sheet)), 10, "B")
        for heading, body in addendum_blocks(sheet):
            pdf.ln(2)
            _lines(pdf, heading, 10, "B")
            _lines(pdf, body, 10)
        _notice(pdf)
    return bytes(pdf.output())


def _fitted(pdf, width: float, text: str) -> None:
    """One bordered cell holding ``text`` whole if it fits at 10 pt down to 6 pt, else cut with …"""
    size = 10.0
    pdf.set_font("Sans", "", size)
    while size > 6 and pdf.get_string_width(text) > width - 2:
        size -= 0.5
        pdf.set_font("Sans", "", size)
    while len(text) > 1 and pdf.get_string_width(text) > width - 2:
        text = text[:-2] + "…"
    pdf.cell(width, 10, text, border=1)
    pdf.set_font("Sans", "", 10)


def signin_pdf(clinic: str, group: str, day: date, start: datetime | None, facilitators: list[str],
               clients: list[Client], at: datetime) -> bytes:
    """One group's sign-in sheet for one day: a row per enrolled client to sign."""
    pdf = _new_pdf(at, "Sign-in sheet")
    pdf.add_page()
    _lines(pdf, clinic, 14, "B", 7)
    _lines(pdf, "Sign-in sheet", 11, "B", 6)
    when = f"{day.isoformat()} ({day.strftime('%A')})" + (f", {start.strftime('%H:%M')}" if start else "")
    _lines(pdf, f"Group: {group}\nDate: {when}\nFacilitator(s): "
                f"{', '.join(facilitators) if facilitators else '_' * 40}", 10)
    pdf.ln(3)
    widths = (62, 20, 22, 22, 54)

    def column_titles() -> None:
        pdf.set_font("Sans", "B", 9)
        for width, title in zip(widths, ("Client", "Client id", "Time in", "Time out", "Signature"), strict=True):
            pdf.cell(width, 7, title, border=1)
        pdf.ln(7)

    column_titles()
    for client in clients:
        if pdf.will_page_break(10):
            pdf.add_page()
            _lines(pdf, f"Sign-in sheet, {group}, {day.isoformat()} (continued)", 9, "B")
            column_titles()
        _fitted(pdf, widths[0], client.name)
        _fitted(pdf, widths[1], client.client_id)
        for width in widths[2:]:
            pdf.cell(width, 10, "", border=1)
        pdf.ln(10)
    if not clients:
        _lines(pdf, "No client is enrolled in this group on this day.", 10)
    pdf.ln(3)
    _lines(pdf, f"{len(clients)} client(s) enrolled. Staff: type the times back in with "
                f"`facilitator attendance import` (date,group,client_id,status,arrived,left).", 8)
    _notice(pdf)
    return bytes(pdf.output())
