"""The notes family: `notes export` and `signin-sheet`, each a disclosure (store.disclosure),
and `notes return` (a signed note back to its signer for correction, issue #20)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from facilitator.cli.output import report_problems
from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.core.parsing import parse_date, parse_date_range
from facilitator.store.clinic import open_clinic

MAX_DAYS = 366


def cmd_notes_export(args: argparse.Namespace) -> int:
    from facilitator.core.note_export import fhir_bundle, notes_text
    from facilitator.store.disclosure import check_out_path, disclose, select_notes
    data = open_clinic(data_dir_of(args))
    if args.format == "pdf" and args.out is None:
        raise InputError("a PDF needs --out FILE.pdf (it is not printed to the terminal)", field="--out")
    if args.session is None:
        if args.last is None:
            raise InputError("--from needs --to (the last day, inclusive)", field="--to")
        first: date | None
        last: date | None
        first, last = parse_date_range(args.first, args.last, max_days=MAX_DAYS)
        record = f"notes:{first}..{last}"
    else:
        if args.last is not None:
            raise InputError("--to goes with --from, not with --session", field="--to")
        first = last = None
        record = f"notes:{args.session}"
    if args.out is not None:
        check_out_path(data, args.out)
    selection = select_notes(data, session=args.session, first=first, last=last,
                             client=args.client, signed_only=args.signed_only)
    if selection.others_sessions:
        print(f"{selection.others_sessions} session(s) facilitated by others were left out: a "
              f"counselor exports only their own sessions' notes.", file=sys.stderr)
    if not selection.sheets:
        print("No notes matched; nothing was exported.", file=sys.stderr)
        report_problems(selection.problems)
        return 1
    now = data.now()
    if args.format == "text":
        content = notes_text(selection.sheets).encode("utf-8")
    elif args.format == "fhir":
        content = (json.dumps(fhir_bundle(selection.sheets, now), indent=2, ensure_ascii=False)
                   + "\n").encode("utf-8")
    else:
        from facilitator.cli.pdf import notes_pdf
        content = notes_pdf(selection.sheets, now)
    disclose(data, "notes", record, clients=selection.clients, sessions=selection.sessions,
             fmt=args.format, content=content, out=args.out)
    if args.out is None:
        sys.stdout.write(content.decode("utf-8"))
    else:
        print(f"Exported {len(selection.sheets)} note(s) to {args.out}.", file=sys.stderr)
    report_problems(selection.problems)
    return 1 if selection.problems else 0


def cmd_signin_sheet(args: argparse.Namespace) -> int:
    from facilitator.cli.pdf import signin_pdf
    from facilitator.store.disclosure import check_out_path, disclose, signin_roster
    data = open_clinic(data_dir_of(args))
    day = parse_date(args.date, field="--date")
    check_out_path(data, args.out)
    sheet = signin_roster(data, args.group, day)
    content = signin_pdf(sheet.clinic, sheet.group, day, sheet.start, sheet.facilitators,
                         sheet.clients, data.now())
    disclose(data, "signin", f"signin:{sheet.group}:{day}", clients=[c.client_id for c in sheet.clients],
             sessions=[sheet.session_id] if sheet.session_id else [], fmt="pdf", content=content,
             out=args.out)
    print(f"Wrote the sign-in sheet for {sheet.group} on {day} ({len(sheet.clients)} client(s)) "
          f"to {args.out}.", file=sys.stderr)
    return 0


def cmd_notes_return(args: argparse.Namespace) -> int:
    from facilitator.core.roster import match_id
    from facilitator.store.notes import NoteBook
    from facilitator.store.running import held_session
    data = open_clinic(data_dir_of(args))
    data.require("note.return")
    file, header = held_session(data, args.session_id)
    found = match_id(args.client_id, data.snapshot().clients)
    if found is None:
        raise InputError(f"there is no client with id {args.client_id.strip()[:40]!r}", field="CLIENT_ID")
    note = NoteBook(data, file).return_note(found, args.reason)
    print(f"The note for {found} in {header.session_id} is returned to {note.signed_by} for correction. "
          "Billing counts it as not signed until they correct it and sign it again.")
    return 0


def cmd_notes(args: argparse.Namespace) -> int:
    return cmd_notes_return(args) if args.action == "return" else cmd_notes_export(args)


COMMANDS = {"notes": cmd_notes, "signin-sheet": cmd_signin_sheet}
