"""`facilitator notes export` and `signin-sheet`: notes and sheets that leave the app.

Real files end to end: a clinic made on disk, a session run and noted through the store
(signed, co-signed, an addendum, a draft), then the command line. PDFs are read back with
``pdftotext`` (poppler-utils), FHIR bundles validated by the ``fhir.resources`` R4 models
(R4B, the R4 family: DocumentReference and Bundle are the same there). Every name is invented.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.errors import PermissionDenied
from facilitator.core.part2 import STATEMENT_1, STATEMENT_2
from facilitator.core.roster import Client
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff
from tests.cli.conftest import run_cli, tree_bytes
from tests.conftest import FakeClock, make_test_clinic

SESSION = "2026-11-23-1800-evening-iop"
ME = "José Hernández"           # the acting account's staff name (this test makes it)
T001_BODY = "Avery named two triggers and practiced urge surfing."
ADDENDUM = "Correction: three triggers, not two."
DRAFT_BODY = "Blake was quiet; draft still being written."
WIDE_BODY = "李 shared a plan for the weekend."

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="pdftotext (poppler-utils) is not installed")


@pytest.fixture
def noted(tmp_path: Path) -> Path:
    """Evening IOP on Monday 2026-11-23 run by this account: T001 signed, an addendum,
    co-signed by a supervisor; T002 a draft; T006 (李 小龙) signed. T003 attended, no note."""
    clock = FakeClock()
    root = tmp_path / "clinic"
    data = make_test_clinic(root, clock=clock, user=os_user(), display_name=ME)
    data.import_roster([Client("T006", "李", "小龙", "IOP", 9.0, date(2026, 11, 1), groups=("Evening IOP",))])
    add_staff(data, "sup1", "Sam Supervisor", "supervisor")
    add_staff(data, "coun2", "Robin Otherperson", "counselor")
    session = start_session(data, "Evening IOP")
    for cid in ("T001", "T002", "T003", "T006"):
        session.mark(cid, Status.PRESENT)
    clock.advance(hours=3, minutes=10)               # 21:05
    book = NoteBook(data, session.file)
    book.save_draft("T001", T001_BODY)
    book.sign("T001")
    book.save_draft("T002", DRAFT_BODY)
    book.save_draft("T006", WIDE_BODY)
    book.sign("T006")
    clock.advance(minutes=30)                        # 21:35
    book.add_addendum("T001", ADDENDUM)
    clock.advance(days=1)                            # Tuesday 21:35
    NoteBook(open_clinic(root, user="sup1", clock=clock), session.file).cosign("T001")
    return root


def audit_entries(root: Path) -> list[dict]:
    return [json.loads(line) for p in sorted((root / "audit").glob("*.jsonl"))
            for line in p.read_text("utf-8").splitlines() if line.strip()]


def flat(text: str) -> str:
    return " ".join(text.split())


# -- text ------------------------------------------------------------------------------------
def test_text_is_the_note_as_pasted_into_an_ehr(noted, capsys):
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--client", "T001",
                     "--format", "text", "--data", noted)
    assert result.code == 0, result.err
    # Worked by hand: header, body, signature with the staff *name*, co-signature, the
    # addendum, then Statement 1 with its citation.
    expected_head = (
        "Test Clinic\n"
        "Client: Avery Testperson (T001)\n"
        "Group: Evening IOP\n"
        "Date: 2026-11-23\n"
        "Time: 18:00-21:00\n"
        f"Facilitator(s): {ME}\n"
        "\n"
        f"{T001_BODY}\n"
        "\n"
        f"Signed by {ME} on 2026-11-23 21:05\n"
        "Co-signed by Sam Supervisor on 2026-11-24 21:35\n"
        "\n"
        f"Addendum 1, signed by {ME} on 2026-11-23 21:35:\n"
        f"{ADDENDUM}\n"
        "\n"
        f"{STATEMENT_1}\n"
    )
    assert result.out.startswith(expected_head), result.out
    assert os_user() not in result.out.replace(ME, "")    # names, not account names


def test_signed_only_leaves_drafts_out_and_a_draft_says_so(noted, capsys):
    every = run_cli(capsys, "notes", "export", "--from", "2026-11-23", "--to", "2026-11-23",
                    "--format", "text", "--data", noted)
    assert every.code == 0, every.err
    assert DRAFT_BODY in every.out and "NOT SIGNED: this is a draft" in every.out
    assert every.out.count(STATEMENT_1) == 3          # each note carries the notice
    signed = run_cli(capsys, "notes", "export", "--from", "2026-11-23", "--to", "2026-11-23",
                     "--signed-only", "--format", "text", "--data", noted)
    assert signed.code == 0, signed.err
    assert DRAFT_BODY not in signed.out and "NOT SIGNED" not in signed.out
    assert "Client: 李 小龙 (T006)" in signed.out and WIDE_BODY in signed.out


# -- audit: every export is a disclosure -----------------------------------------------------
def test_an_export_is_a_disclosure_listed_for_its_clients_only(noted, capsys):
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--signed-only",
                     "--format", "text", "--data", noted)
    assert result.code == 0, result.err
    entry = audit_entries(noted)[-1]
    assert entry["action"] == "disclose.notes" and entry["record"] == f"notes:{SESSION}"
    assert entry["detail"]["clients"] == ["T001", "T006"]
    assert entry["detail"]["sessions"] == [SESSION]
    raw = "".join(p.read_text("utf-8") for p in (noted / "audit").glob("*.jsonl"))
    for secret in (T001_BODY, ADDENDUM, WIDE_BODY, "Avery", "小龙", "Testperson"):
        assert secret not in raw
    listed = run_cli(capsys, "audit", "--client", "T006", "--format", "json", "--data", noted)
    assert listed.code == 0, listed.err
    assert [e["action"] for e in json.loads(listed.out)["entries"]].count("disclose.notes") == 1
    # T002's draft was left out (--signed-only): the disclosure is not listed for T002.
    other = run_cli(capsys, "audit", "--client", "T002", "--format", "json", "--data", noted)
    assert "disclose.notes" not in [e["action"] for e in json.loads(other.out)["entries"]]


# -- FHIR ------------------------------------------------------------------------------------
def test_fhir_bundle_validates_and_an_addendum_appends_to_its_note(noted, capsys, tmp_path):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.documentreference import DocumentReference

    out = tmp_path / "notes.json"
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "fhir",
                     "--out", out, "--data", noted)
    assert result.code == 0, result.err and result.out == ""
    doc = json.loads(out.read_text("utf-8"))
    bundle = Bundle.model_validate(doc)
    assert bundle.type == "collection"
    refs = [DocumentReference.model_validate(e["resource"]) for e in doc["entry"]]
    # T001's note + its addendum, T002's draft, T006's note.
    assert len(refs) == 4
    by_url = {e["fullUrl"]: e["resource"] for e in doc["entry"]}
    notes = {r["subject"]["identifier"]["value"]: (url, r) for url, r in by_url.items() if "relatesTo" not in r}
    assert set(notes) == {"T001", "T002", "T006"}
    url, t001 = notes["T001"]
    assert t001["status"] == "current" and t001["docStatus"] == "final"
    assert t001["type"]["coding"][0] == {"system": "http://loinc.org", "code": "11506-3",
                                         "display": "Progress note"}
    assert t001["category"][0]["coding"][0]["code"] == "clinical-note"
    assert t001["author"][0]["display"] == ME
    assert t001["authenticator"]["display"] == "Sam Supervisor"
    assert t001["date"] == "2026-11-23T21:05:00-06:00"
    attachment = t001["content"][0]["attachment"]
    assert attachment["contentType"].startswith("text/plain")
    text = base64.b64decode(attachment["data"]).decode("utf-8")
    assert text.startswith(T001_BODY) and STATEMENT_1 in text
    assert notes["T002"][1]["docStatus"] == "preliminary"
    assert base64.b64decode(notes["T006"][1]["content"][0]["attachment"]["data"]).decode().startswith(WIDE_BODY)
    [addendum] = [r for r in by_url.values() if "relatesTo" in r]
    assert addendum["relatesTo"] == [{"code": "appends", "target": {"reference": url}}]
    assert base64.b64decode(addendum["content"][0]["attachment"]["data"]).decode().startswith(ADDENDUM)
    assert oct(out.stat().st_mode & 0o777) == "0o600"


# -- PDF -------------------------------------------------------------------------------------
def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@needs_pdftotext
def test_pdf_packet_one_note_a_page_with_unicode_names_and_the_notice(noted, capsys, tmp_path):
    out = tmp_path / "packet.pdf"
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--signed-only",
                     "--format", "pdf", "--out", out, "--data", noted)
    assert result.code == 0, result.err
    assert out.read_bytes().startswith(b"%PDF-")
    pages = pdf_text(out).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 2                            # T001 (Testperson), T006 (李)
    first, second = (flat(p) for p in pages)
    assert "Test Clinic" in first and "Avery Testperson (T001)" in first
    assert f"Signed by {ME} on 2026-11-23 21:05" in first
    assert "Co-signed by Sam Supervisor on 2026-11-24 21:35" in first
    assert ADDENDUM in first and flat(T001_BODY) in first
    assert flat(STATEMENT_1) in first and STATEMENT_2 in first
    assert "李 小龙 (T006)" in second and flat(WIDE_BODY) in second
    assert flat(STATEMENT_1) in second


def test_pdf_needs_out(noted, capsys):
    before = tree_bytes(noted)
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "pdf", "--data", noted)
    assert result.code == 2 and "--out" in result.one_line_error()
    assert tree_bytes(noted) == before


# -- bad input: one sentence, exit 2, nothing written ----------------------------------------
@pytest.mark.parametrize("args, words", [
    (("--session", "../../etc/passwd"), ["--session", "not a session id"]),
    (("--session", "2026-11-24-1800-evening-iop"), ["--session", "no session"]),
    (("--session", SESSION, "--client", "T999"), ["--client", "T999"]),
    (("--from", "2026-11-23"), ["--to"]),
    (("--from", "2026-11-23", "--to", "2026-11-01"), ["--to", "before"]),
    (("--from", "2026-13-01", "--to", "2026-11-01"), ["--from"]),
    (("--from", "2024-01-01", "--to", "2026-11-30"), ["--to", "366"]),
    (("--session", SESSION, "--to", "2026-11-30"), ["--to"]),
])
def test_bad_ids_and_dates_are_one_sentence_and_nothing_is_written(noted, capsys, tmp_path, args, words):
    before = tree_bytes(noted)
    out = tmp_path / "never.txt"
    result = run_cli(capsys, "notes", "export", *args, "--format", "text", "--out", out, "--data", noted)
    assert result.code == 2, result
    line = result.one_line_error()
    for word in words:
        assert word in line, line
    assert result.out == "" and not out.exists()
    assert tree_bytes(noted) == before


def test_out_never_overwrites_follows_a_link_or_lands_in_the_clinic(noted, capsys, tmp_path):
    existing = tmp_path / "exists.txt"
    existing.write_text("keep me\n")
    target = tmp_path / "target.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere" / "x")
    before = tree_bytes(noted)
    for out, word in ((existing, "already exists"), (link, "already exists"),
                      (dangling, "already exists"), (noted / "leak.txt", "inside the clinic"),
                      (tmp_path / "no-such-dir" / "x.txt", "not a directory")):
        result = run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "text",
                         "--out", out, "--data", noted)
        assert result.code == 2, (out, result)
        assert word in result.one_line_error()
    assert existing.read_text() == "keep me\n"
    assert not target.exists() and not (noted / "leak.txt").exists()
    assert tree_bytes(noted) == before


def test_no_matching_notes_exports_nothing_and_audits_nothing(noted, capsys):
    before = tree_bytes(noted)
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--client", "T004",
                     "--format", "text", "--data", noted)
    assert result.code == 1 and result.out == "" and "No notes" in result.err
    assert tree_bytes(noted) == before


# -- who may export what ---------------------------------------------------------------------
def test_a_counselor_exports_only_their_own_sessions(noted):
    from facilitator.store.disclosure import select_notes
    clock = FakeClock()
    other = open_clinic(noted, user="coun2", clock=clock)
    with pytest.raises(PermissionDenied, match="did not facilitate"):
        select_notes(other, session=SESSION)
    assert audit_entries(noted)[-1]["action"] == "denied"
    ranged = select_notes(other, first=date(2026, 11, 1), last=date(2026, 11, 30))
    assert ranged.sheets == [] and ranged.others_sessions == 1
    supervisor = open_clinic(noted, user="sup1", clock=clock)
    assert len(select_notes(supervisor, session=SESSION).sheets) == 3
    mine = open_clinic(noted, user=os_user(), clock=clock)      # the facilitator (an admin here)
    assert [s.client_id for s in select_notes(mine, session=SESSION, signed_only=True).sheets] == ["T001", "T006"]


# -- sign-in sheets --------------------------------------------------------------------------
@needs_pdftotext
def test_signin_sheet_lists_the_days_roster_and_is_a_disclosure(noted, capsys, tmp_path):
    out = tmp_path / "signin.pdf"
    result = run_cli(capsys, "signin-sheet", "Evening IOP", "--date", "2026-11-23", "--out", out,
                     "--data", noted)
    assert result.code == 0, result.err
    text = flat(pdf_text(out))
    assert "Test Clinic" in text and "Sign-in sheet" in text and "Group: Evening IOP" in text
    assert "2026-11-23 (Monday), 18:00" in text and f"Facilitator(s): {ME}" in text
    for column in ("Time in", "Time out", "Signature"):
        assert column in text
    # Enrolled that Monday: T001, T002, T003 (admitted 11-16), T006; not T004 (discharged
    # 11-13) nor T005 (another group, admitted later).
    for name in ("Avery Testperson", "Blake Sampleton", "Casey Placeholder", "李 小龙"):
        assert name in text, name
    assert "Fakename" not in text and "Notreal" not in text
    assert "attendance import" in text and flat(STATEMENT_1) in text
    entry = audit_entries(noted)[-1]
    assert entry["action"] == "disclose.signin" and entry["record"] == "signin:Evening IOP:2026-11-23"
    assert entry["detail"]["clients"] == ["T003", "T002", "T001", "T006"]   # as on the sheet
    listed = run_cli(capsys, "audit", "--client", "T003", "--format", "json", "--data", noted)
    assert "disclose.signin" in [e["action"] for e in json.loads(listed.out)["entries"]]


@pytest.mark.parametrize("args, words", [
    (("No Such Group", "--date", "2026-11-23"), ["GROUP", "No Such Group"]),
    (("Evening IOP", "--date", "2026-11-24"), ["--date", "does not meet", "Tuesday"]),
    (("Evening IOP", "--date", "11/23/2026"), ["--date"]),
])
def test_signin_sheet_bad_group_or_day(noted, capsys, tmp_path, args, words):
    before = tree_bytes(noted)
    out = tmp_path / "sheet.pdf"
    result = run_cli(capsys, "signin-sheet", *args, "--out", out, "--data", noted)
    assert result.code == 2, result
    line = result.one_line_error()
    for word in words:
        assert word in line, line
    assert not out.exists() and tree_bytes(noted) == before


def test_missing_font_is_one_sentence(noted, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("FACILITATOR_PDF_FONTS", str(tmp_path / "no-fonts"))
    before = tree_bytes(noted)
    out = tmp_path / "x.pdf"
    result = run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "pdf", "--out", out,
                     "--data", noted)
    assert result.code == 2 and "fonts-dejavu-core" in result.one_line_error()
    assert not out.exists() and tree_bytes(noted) == before


# -- what a clumsy colleague or an attacker would put in a note ------------------------------
HOSTILE = ("Line one\r\nclear:\x1b[2J set clipboard:\x1b]52;c;ZXZpbA==\x07 bell\x07 nul\x00 c1\x9b "
           "emoji 🙂 and a long token " + "x" * 400 + " and 李小龙李小龙李小龙" * 20)


def test_control_characters_never_reach_the_terminal_or_the_files(tmp_path, capsys):
    clock = FakeClock()
    root = tmp_path / "clinic"
    data = make_test_clinic(root, clock=clock, user=os_user(), display_name=ME)
    session = start_session(data, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    book = NoteBook(data, session.file)
    book.save_draft("T001", HOSTILE)
    book.sign("T001")
    text = run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "text", "--data", root)
    assert text.code == 0, text.err
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text.out)
    assert "Line one\nclear:\ufffd[2J" in text.out and "🙂" in text.out
    fhir = tmp_path / "n.json"
    assert run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "fhir", "--out", fhir,
                   "--data", root).code == 0
    attachment = json.loads(fhir.read_text("utf-8"))["entry"][0]["resource"]["content"][0]["attachment"]
    assert "\x1b" not in base64.b64decode(attachment["data"]).decode("utf-8")
    if shutil.which("pdftotext"):
        pdf = tmp_path / "n.pdf"
        result = run_cli(capsys, "notes", "export", "--session", SESSION, "--format", "pdf", "--out", pdf,
                         "--data", root)
        assert result.code == 0, result.err
        body = flat(pdf_text(pdf))
        assert "Line one" in body and "李小龙李小龙" in body and "Signed by" in body


def test_a_damaged_session_file_is_named_and_the_rest_exported(noted, capsys, tmp_path):
    from facilitator.store.records import record_path
    broken = record_path(noted / "records", "2026-11-19-1800-evening-iop")
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("{not json")
    result = run_cli(capsys, "notes", "export", "--from", "2026-11-16", "--to", "2026-11-23",
                     "--signed-only", "--format", "text", "--data", noted)
    assert result.code == 1
    assert "Client: Avery Testperson (T001)" in result.out
    assert str(broken) in result.err and "Traceback" not in result.err


@needs_pdftotext
def test_a_long_sign_in_sheet_repeats_its_columns_and_fits_long_names(noted, capsys, tmp_path):
    data = open_clinic(noted, user=os_user(), clock=FakeClock())
    long_last = "Hernández-Villalobos de la Cruz y Santamaría Ortiz"
    data.import_roster([Client(f"L{i:03d}", "Maximiliana-Josefina", f"{long_last} {i}", "IOP", 9.0,
                               date(2026, 11, 1), groups=("Evening IOP",)) for i in range(30)])
    out = tmp_path / "long.pdf"
    result = run_cli(capsys, "signin-sheet", "Evening IOP", "--date", "2026-11-23", "--out", out,
                     "--data", noted)
    assert result.code == 0, result.err
    pages = [p for p in pdf_text(out).split("\f") if p.strip()]
    assert len(pages) >= 2
    assert all("Time in" in p and "Signature" in p for p in pages)
    text = pdf_text(out)
    for i in range(30):
        assert f"L{i:03d}" in text            # every client's row, its id whole
    assert "Maximiliana-Josefina Hernández" in text
