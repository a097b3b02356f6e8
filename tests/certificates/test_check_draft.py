"""The NPPO desk's "check without issuing": the built certificate's schema findings, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clearway.certificates import service
from clearway.certificates.models import Certificate
from clearway.certificates.schemas import EPhytoIn
from clearway.errors import Forbidden, Invalid
from tests.certificates.factories import ephyto


def test_a_good_certificate_checks_clean_and_nothing_is_stored(keys, factory):
    nppo = keys.principal("nppo", "TH", "NPPO-TH")
    findings = service.check_draft(principal=nppo, cert=EPhytoIn(**ephyto()))
    assert [f for f in findings if f.level == "SEVERE"] == []
    with factory() as session:
        assert session.scalar(select(func.count(Certificate.id))) == 0


def test_a_draft_is_refused_as_issuing_would_be(keys):
    with pytest.raises(Forbidden) as other:
        service.check_draft(principal=keys.principal("nppo", "AU", "NPPO-AU"), cert=EPhytoIn(**ephyto()))
    assert [e.path for e in other.value.errors] == ["origin"]
    with pytest.raises(Invalid) as same:
        service.check_draft(principal=keys.principal("nppo", "TH", "NPPO-TH"), cert=EPhytoIn(**ephyto(destination="TH")))
    assert [e.path for e in same.value.errors] == ["destination"]
    with pytest.raises(Forbidden):
        service.check_draft(principal=keys.principal("officer", "TH"), cert=EPhytoIn(**ephyto()))
