"""The 42 CFR 2.32 notice, pinned word for word (the 2024 text, 89 FR 12472).

Typed here again on purpose, from the regulation, not copied from the module: a change to
either copy fails this test, and a change to the law means changing both, knowingly.
"""

from __future__ import annotations

from facilitator.core import part2

STATEMENT_1 = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony "
    "that describes the information contained in this record, in any civil, criminal, "
    "administrative, or legislative proceedings by any Federal, State, or local authority, "
    "against the patient, unless authorized by the consent of the patient, except as provided "
    "at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. "
    "In addition, the Federal rules prohibit you from making any other use or disclosure of this "
    "record unless at least one of the following applies: "
    "(i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise permitted "
    "by 42 CFR part 2. "
    "(ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or "
    "(iii) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E. "
    "A general authorization for the release of medical or other information is NOT sufficient "
    "to meet the required elements of written consent to further use or redisclose the record "
    "(see 42 CFR 2.31)."
)


def test_statement_1_is_the_2024_text_word_for_word() -> None:
    assert part2.STATEMENT_1 == STATEMENT_1


def test_statement_2_is_the_one_line_text() -> None:
    assert part2.STATEMENT_2 == "42 CFR part 2 prohibits unauthorized use or disclosure of these records."


def test_the_citation_names_the_section_and_the_2024_rule() -> None:
    assert part2.CITATION == "42 CFR 2.32(a), as amended at 89 FR 12472 (Feb. 16, 2024)"


def test_the_statements_are_one_line_each_with_no_stray_spaces() -> None:
    # one paragraph: a CSV cell or a JSON string holds it whole, a terminal line holds Statement 2
    for text in (part2.STATEMENT_1, part2.STATEMENT_2):
        assert "\n" not in text and "  " not in text and text == text.strip() and text.isascii()
    assert len(part2.STATEMENT_2) <= 80
    # the 2018 words are gone
    assert "further disclosure" not in part2.STATEMENT_1 and "federal rules" not in part2.STATEMENT_1
