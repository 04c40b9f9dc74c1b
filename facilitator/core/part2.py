"""The notice that must accompany a disclosure of substance-use records, as law text.

42 CFR 2.32 ("Notice and copy of consent to accompany disclosure"), as amended by the
2024 final rule (89 FR 12472, Feb. 16, 2024; compliance date Feb. 16, 2026). Each
disclosure made with the patient's written consent must be accompanied by one of two
written statements: Statement 1 in full, or the abbreviated Statement 2. The text below is
kept verbatim; a test pins it, and every export takes it from here and nowhere else.

Checked word for word (Dec. 2026) against compliancecosmos.org's copy of § 2.32 (the
section heading, paragraph (a) and Statement 1 up to "at least one of the following
applies:") and, for the rest of Statement 1 and for Statement 2, against the same text as
two public code bases carry it. The eCFR page of part 2 is the authority; the stored copy
of it that could be searched showed only the part's opening, not § 2.32 itself.

How it is joined: in the regulation, Statement 1's three cases are the list items
(a)(1)(i), (ii) and (iii), each on its own line after "applies:", and the closing sentence
("A general authorization ...") is a paragraph of its own. Here they are one paragraph:
each item keeps its label "(i)", "(ii)", "(iii)" and its own punctuation (item (i) ends
in a full stop, item (ii) in ", or"), and the pieces are joined by one space, so a
spreadsheet cell or a JSON string holds the statement whole. No word is added or left out.
"""

from __future__ import annotations

CITATION = "42 CFR 2.32(a), as amended at 89 FR 12472 (Feb. 16, 2024)"

# 42 CFR 2.32(a)(1), Statement 1.
STATEMENT_1 = (
    "This record which has been disclosed to you is protected by Federal confidentiality "
    "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
    "or testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, "
    "except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance "
    "with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any "
    "other use or disclosure of this record unless at least one of the following applies: "
    "(i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise "
    "permitted by 42 CFR part 2. (ii) You are a covered entity or business associate and "
    "have received the record for treatment, payment, or health care operations, or "
    "(iii) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E. A general authorization for the "
    "release of medical or other information is NOT sufficient to meet the required "
    "elements of written consent to further use or redisclose the record (see 42 CFR 2.31)."
)

# 42 CFR 2.32(a)(2), Statement 2: where only a line fits.
STATEMENT_2 = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
