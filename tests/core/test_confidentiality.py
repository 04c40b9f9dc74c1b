"""Group confidentiality: a note that names another member of the session, and its initials.

Hand-worked cases, written before ``core.confidentiality``. Every name is invented.
The session: Maria Núñez (c1), Jordan Sampleton (c2), Will Hope-Garcia (c3),
Ana de la Cruz (c4); Sam Bellwether (c9) is a client of the clinic not in this session.
"""

from __future__ import annotations

from datetime import date

from facilitator.core.confidentiality import FLAG, flag_text, mentions, with_initials
from facilitator.core.roster import Client


def person(cid: str, first: str, last: str) -> Client:
    return Client(client_id=cid, first_name=first, last_name=last, level_of_care="IOP",
                  required_hours=9.0, admitted=date(2026, 9, 1), groups=("Evening IOP",))


MARIA = person("c1", "Maria", "Núñez")
JORDAN = person("c2", "Jordan", "Sampleton")
WILL = person("c3", "Will", "Hope-Garcia")
ANA = person("c4", "Ana", "de la Cruz")
SESSION = (MARIA, JORDAN, WILL, ANA)


def found(text: str, client: Client = JORDAN, members=SESSION) -> list[tuple[str, str]]:
    """(the words matched, their replacement) for each mention, in order."""
    return [(text[m.start:m.end], m.initials) for m in mentions(text, client, members)]


def test_full_first_and_last_name_are_flagged_with_the_members_initials() -> None:
    text = "Maria Núñez spoke; Maria agreed, and Núñez laughed."
    assert found(text) == [("Maria Núñez", "M.N."), ("Maria", "M.N."), ("Núñez", "M.N.")]
    assert with_initials(text, JORDAN, SESSION) == "M.N. spoke; M.N. agreed, and M.N. laughed."


def test_accents_and_case_do_not_hide_a_name() -> None:
    text = "NUNEZ and maria nunez; nÚÑez too"
    assert found(text) == [("NUNEZ", "M.N."), ("maria nunez", "M.N."), ("nÚÑez", "M.N.")]
    assert with_initials(text, JORDAN, SESSION) == "M.N. and M.N.; M.N. too"


def test_an_accent_typed_as_a_combining_mark_is_replaced_whole() -> None:
    text = "Nun\u0303ez came"          # n + COMBINING TILDE: looks like Nuñez
    assert with_initials(text, JORDAN, SESSION) == "M.N. came"


def test_whole_words_only() -> None:
    al = person("c5", "Al", "Bo")
    text = "also Alfred, Mariana, Jordanian food; Willow and Anastasia"
    assert found(text, JORDAN, (*SESSION, al)) == []


def test_possessive_keeps_its_s() -> None:
    assert with_initials("Maria's ride and Núñez’s car", JORDAN, SESSION) == \
        "M.N.'s ride and M.N.’s car"


def test_last_name_first_with_a_comma() -> None:
    assert found("Núñez, Maria said") == [("Núñez, Maria", "M.N.")]


def test_hyphenated_and_multi_part_names_match_whole_with_space_or_hyphen() -> None:
    text = "Hope-Garcia, Hope Garcia, De La Cruz and Ana de la Cruz"
    assert found(text) == [("Hope-Garcia", "W.H."), ("Hope Garcia", "W.H."),
                           ("De La Cruz", "A.D."), ("Ana de la Cruz", "A.D.")]
    # the parts alone are not names of anyone: "la", "de", "Cruz" and "Garcia" stay
    assert found("de la playa; Cruz; Garcia") == []


def test_a_name_that_is_an_everyday_word_counts_only_capitalised() -> None:
    text = "She will hope for the best. Will said he has hope. Hope-Garcia nodded."
    assert found(text) == [("Will", "W.H."), ("Hope-Garcia", "W.H.")]
    # written with a capital it is taken as the name (over-flagging is the safe side)
    assert found("Will continue next week.") == [("Will", "W.H.")]


def test_the_clients_own_name_is_not_flagged_in_their_own_note() -> None:
    text = "Maria Núñez shared; Maria said Núñez is her mother's name. Jordan listened."
    assert found(text, client=MARIA) == [("Jordan", "J.S.")]


def test_a_bare_name_the_client_shares_stays_but_the_full_name_is_flagged() -> None:
    maria2 = person("c6", "Maria", "Otero")
    text = "Maria helped Maria Otero."
    assert found(text, client=MARIA, members=(MARIA, maria2)) == [("Maria Otero", "M.O.")]


def test_a_bare_name_two_other_members_share_is_flagged_without_guessing_who() -> None:
    maria2 = person("c6", "Maria", "Otero")
    ms = mentions("Maria came.", JORDAN, (*SESSION, maria2))
    assert [(m.initials, m.member_ids) for m in ms] == [("a peer", ("c1", "c6"))]
    assert with_initials("Maria came.", JORDAN, (*SESSION, maria2)) == "a peer came."


def test_clients_not_in_this_session_are_not_flagged() -> None:
    assert found("Sam Bellwether and Sam were mentioned.") == []


def test_initials_at_the_end_of_a_sentence_take_one_full_stop() -> None:
    assert with_initials("He sat by Maria.", JORDAN, SESSION) == "He sat by M.N."


def test_the_flag_names_initials_only_and_nothing_when_clean() -> None:
    assert flag_text([]) == ""
    text = "Maria and Jordan"
    flag = flag_text(mentions(text, WILL, SESSION))
    assert flag == f"{FLAG} (M.N., J.S.)"
    assert "Maria" not in flag and "Jordan" not in flag
    assert FLAG == "names another group member"


def test_replacing_is_idempotent_and_leaves_nothing_to_flag() -> None:
    text = "maria NUNEZ, Hope-Garcia's ride, Ana de la Cruz."
    once = with_initials(text, JORDAN, SESSION)
    assert once == "M.N., W.H.'s ride, A.D."
    assert with_initials(once, JORDAN, SESSION) == once
    assert mentions(once, JORDAN, SESSION) == []


def test_a_member_whose_initial_is_a_letter_with_an_accent() -> None:
    elodie = person("c7", "Élodie", "Ørsted")
    assert with_initials("Elodie and Orsted", JORDAN, (elodie,)) == "É.Ø. and É.Ø."


def test_a_group_note_flags_every_member_it_names() -> None:
    """A block's group note goes into every attendee's note: nobody's name is their own."""
    text = "Maria led the round; Jordan and Hope-Garcia shared. Sam Bellwether was away."
    assert found(text, client=None) == [("Maria", "M.N."), ("Jordan", "J.S."), ("Hope-Garcia", "W.H.")]
    assert with_initials(text, None, SESSION) == \
        "M.N. led the round; J.S. and W.H. shared. Sam Bellwether was away."


def test_a_staff_members_full_name_is_not_a_member_who_shares_its_first_name() -> None:
    text = "Facilitator: Maria Counselor. Maria said hello."
    ms = mentions(text, JORDAN, SESSION, ignore=("Maria Counselor",))
    assert [(text[m.start:m.end], m.initials) for m in ms] == [("Maria", "M.N.")]
    assert with_initials(text, JORDAN, SESSION, ignore=("Maria Counselor",)) == \
        "Facilitator: Maria Counselor. M.N. said hello."


# --- what a clumsy colleague or an attacker would type -----------------------------------------

def test_apostrophes_and_regex_characters_in_names_are_plain_letters() -> None:
    obrien = person("c8", "Seán", "O'Brien")
    dots = person("c9", "Jo.", "St. (John)")
    text = "O’Brien’s ride; Sean came; St. (John) and Jo. too; Stx John not."
    assert [(text[m.start:m.end], m.initials) for m in mentions(text, JORDAN, (obrien, dots))] == [
        ("O’Brien", "S.O."), ("Sean", "S.O."), ("St. (John)", "J.S."), ("Jo.", "J.S.")]


def test_a_one_letter_name_alone_is_not_a_name() -> None:
    """"A" or "J" alone would match every article and the initials themselves."""
    j = person("c8", "J", "Quill")
    assert with_initials("A J Quill said a word to J. Quill", JORDAN, (j,)) == \
        "A J.Q. said a word to J. J.Q."
    assert with_initials("J.Q. said", JORDAN, (j,)) == "J.Q. said"


def test_sharp_s_dotted_i_and_ligatures_fold() -> None:
    strauss = person("c8", "İlker", "Strauß")
    assert with_initials("ilker STRAUSS and Ilker Strauss", JORDAN, (strauss,)) == "İ.S. and İ.S."


def test_a_long_note_is_checked_whole() -> None:
    text = ("Nothing to see here. " * 5000) + "Maria"
    assert found(text) == [("Maria", "M.N.")]


def test_drafting_redacts_by_the_same_rule() -> None:
    """A drafted note takes other members' names out by this rule: accents included."""
    from facilitator.core.notes import redact_others
    assert redact_others("Talked with maria Nunez and Nuñez's brother; she will hope.", JORDAN,
                         SESSION) == "Talked with M.N. and M.N.'s brother; she will hope."
