"""Roles by name: the predicates of auth.core, for every role (the table is the behaviour the bare role
comparisons had before they were replaced)."""

from __future__ import annotations

import pytest

from clearway.auth.core import (ROLES, Principal, acts_for, has_role, is_admin, is_customs, is_declarant, is_nppo,
                                is_officer)

# role: (is_admin, is_officer, is_customs, is_declarant, is_nppo)
TABLE = {
    "admin": (True, False, True, False, False),
    "officer": (False, True, True, False, False),
    "declarant": (False, False, False, True, False),
    "nppo": (False, False, False, False, True),
}


def test_the_table_covers_every_role():
    assert set(TABLE) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_predicates(role):
    p = Principal(key_id=1, role=role, economy="AU", party_id="P1" if role in ("declarant", "nppo") else None)
    assert (is_admin(p), is_officer(p), is_customs(p), is_declarant(p), is_nppo(p)) == TABLE[role]
    assert has_role(p, role) and not has_role(p, *(r for r in ROLES if r != role))


def test_acts_for_is_the_declarant_of_that_party_only():
    declarant = Principal(key_id=1, role="declarant", economy="AU", party_id="AU123")
    assert acts_for(declarant, "AU123")
    assert not acts_for(declarant, "AU999") and not acts_for(declarant, None)
    assert not acts_for(Principal(key_id=2, role="declarant", economy="AU"), None)  # no party named: acts for none
    for role in ("officer", "admin", "nppo"):
        assert not acts_for(Principal(key_id=3, role=role, economy="AU", party_id="AU123"), "AU123")
