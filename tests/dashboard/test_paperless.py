"""Paperless trade's own footprint (issue 19): the share of declarations, certificates and payments that never
touched paper, per month, computed from what Clearway records, on SQLite and PostgreSQL. Declarations carry the
channel they came through (one keyed in from paper here), a certificate touches paper once its printable copy is
opened, and payments are paper-free by the methods Clearway takes."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from clearway.certificates import nppo
from clearway.certificates.models import Certificate
from clearway.db import transaction
from clearway.declarations.models import Declaration, StatusEvent
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import declaration, party
from clearway.errors import Invalid
from clearway.flows import indicators, lodging
from clearway.validation import parse
from tests.certificates.factories import ephyto
from tests.timerelease.test_flow import lodge_two


def _month(at) -> str:
    return f"{at:%Y-%m}"


def test_the_footprint_counts_paper_declarations_printed_certificates_and_paper_payments(db, server, keys, http):
    lodge_two(db.factory, keys)  # two through the API, one of them paid by bank transfer
    who = keys.principal("declarant", "AU", party("AU"))
    doc = declaration("AU", 7, random.Random(3))
    with transaction(db.factory) as session:
        paper, _ = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, doc), channel="paper")
        paper_id = paper.id
        nppo.create_key(session, economy="TH", party_id="NPPO-TH", actor="test")
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        codes = [th.post("/api/v1/certificates/ephyto", json=ephyto(number=n)).json()["verification_code"]
                 for n in ("TH2026-000123", "TH2026-000124")]
    assert http.get(f"/certificates/print/{codes[0]}").status_code == 200  # its paper copy
    with db.factory() as session:
        lodged = session.scalars(select(Declaration.accepted_at).where(Declaration.id == paper_id)).one()
        recorded = {c.verification_code: c for c in session.scalars(select(Certificate))}
        found = {i.key: i for i in indicators.indicators(session)}
    assert recorded[codes[0]].paper_at is not None and recorded[codes[1]].paper_at is None
    footprint = found["paperless_footprint"]
    assert footprint.source == "computed" and "keyed in from a paper form" in footprint.note
    points = {s.name: dict(s.points) for s in footprint.series}
    assert points["declarations"][_month(lodged)] == pytest.approx(200 / 3)  # 2 of 3
    assert points["certificates"][_month(recorded[codes[0]].recorded_at)] == 50.0  # 1 of 2 printed
    assert 100.0 in points["payments"].values()  # bank transfer: electronic
    with db.factory() as session:
        channels = session.scalars(select(Declaration.channel).order_by(Declaration.id)).all()
    assert channels == ["api", "api", "paper"]


def test_an_unknown_channel_is_refused_by_name(db, keys):
    who = keys.principal("declarant", "AU", party("AU"))
    doc = declaration("AU", 8, random.Random(4))
    with pytest.raises(Invalid) as caught, transaction(db.factory) as session:
        lodging.lodge(session, principal=who, decl=parse(DeclarationIn, doc), channel="fax")
    assert caught.value.errors[0].path == "channel"
    with db.factory() as session:
        assert session.scalars(select(StatusEvent)).all() == []  # nothing half-written
