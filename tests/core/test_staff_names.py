"""A signature, co-signature or addendum is shown with the staff member's name, never only
the account id (issue #22: "Signed by nc_coun1" where the note says Maria Núñez)."""

from __future__ import annotations

from facilitator.core.clinic import Staff, staff_name
from facilitator.core.rules import Role

STAFF = {s.user: s for s in (
    Staff("nc_coun1", "Maria Núñez", Role.COUNSELOR),
    Staff("jlee", "Jordan Lee", Role.COUNSELOR),
    Staff("jlee2", "jordan lee", Role.SUPERVISOR, active=False),
    Staff("sup1", "Sam Supervisor", Role.SUPERVISOR, active=False),
)}


def test_the_name_alone_when_it_is_the_only_one():
    assert staff_name("nc_coun1", STAFF) == "Maria Núñez"


def test_a_former_staff_member_still_signs_with_their_name():
    assert staff_name("sup1", STAFF) == "Sam Supervisor"


def test_two_staff_with_one_name_get_their_ids_in_brackets():
    """Names compared as a person reads them (case and accents aside): two Jordan Lees."""
    assert staff_name("jlee", STAFF) == "Jordan Lee (jlee)"
    assert staff_name("jlee2", STAFF) == "jordan lee (jlee2)"


def test_accents_do_not_hide_a_shared_name():
    staff = dict(STAFF, mnunez=Staff("mnunez", "Maria Nunez", Role.COUNSELOR))
    assert staff_name("nc_coun1", staff) == "Maria Núñez (nc_coun1)"


def test_an_account_no_longer_in_the_staff_list_shows_as_its_id_in_brackets():
    assert staff_name("gone1", STAFF) == "(gone1, not on the staff list)"
    assert staff_name(None, STAFF) == "?"
