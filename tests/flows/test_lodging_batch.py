"""Batches lodge each chunk of lines together (flows.lodging.lodge_many -> declarations.service.lodge_set and the
checks' set forms, issue 16) with exactly the outcome of lodging the lines one after the other: the same rows,
audit events, milestones and findings, the same answer for every line, nothing of a refused line, MRNs unique
and gap-free per office, and an audit log that still verifies."""

from __future__ import annotations

import gc
import json
import logging
import re

import orjson
import pytest
from sqlalchemy import func, select

from clearway.audit.models import AuditEvent
from clearway.audit.service import seal_all, verify_chain
from clearway.controls.models import Finding
from clearway.db import transaction
from clearway.declarations.core import mrn_is_valid
from clearway.declarations.models import (Declaration)
from clearway.declarations import service, store
from clearway.declarations.schemas import DeclarationIn
from clearway.flows import lodging, milestones, preparing
from clearway.timerelease.models import Milestones
from clearway.validation import parse
from tests.certificates.factories import declaration
from tests.flows.support import T_SHIRTS, lodging_set, snapshot


def _sets(tag: str, copies: int) -> list[dict]:
    return [doc for n in range(copies) for doc in lodging_set(f"{tag}-{n}")]


@pytest.fixture(params=["here", "helper"])
def helpers(request, monkeypatch) -> preparing.Helpers:
    """Where a batch's lines are made ready: in the process that lodges them, or in a helper process (the
    server's, flows/preparing.py), which is given them as JSON text as the batch endpoint is; a helper that
    failed (its chunk then made ready here, with the same answers) fails the test."""
    if request.param == "here":
        return preparing.HERE
    helpers = preparing.shared(1)
    monkeypatch.setattr(helpers, "failed", lambda exc, _: pytest.fail(f"the helper failed: {exc!r}"))
    return helpers


def _sent(helpers: preparing.Helpers, lines: list[tuple[int, object]]) -> list[tuple[int, object]]:
    """The lines as `helpers` are given them: a helper's documents as the JSON text of the request."""
    if helpers is preparing.HERE:
        return lines
    return [(n, orjson.dumps(doc) if isinstance(doc, dict) else doc) for n, doc in lines]


@pytest.mark.parametrize("copies", [1, 2])  # 7 lines: a desk's few (store.FEW), their rows by one statement on
# PostgreSQL; 14: a chunk's, by arrays and COPY or executemany
def test_a_batch_stores_exactly_what_lodging_each_declaration_alone_stores(db, importer, copies, helpers):
    assert (len(_sets("B", copies)) < store.FEW) == (copies == 1)
    for doc in _sets("S", copies):
        with transaction(db.factory) as s:
            lodging.lodge(s, principal=importer, decl=parse(DeclarationIn, doc))
    results = list(lodging.lodge_many(db.factory, principal=importer, helpers=helpers,
                                      lines=_sent(helpers, list(enumerate(_sets("B", copies), start=1)))))
    assert [r["outcome"] for r in results] == ["accepted"] * len(_sets("B", copies))
    single, batch = snapshot(db.factory, "S"), snapshot(db.factory, "B")
    assert len(batch) == len(_sets("B", copies)) and batch == single
    batch = {k.split("-", 1)[1]: v for k, v in batch.items() if k.startswith("0-")}
    # Every outcome the checks have is in the set: cleared, missing, mismatched, required but uncited, a hold.
    assert {k: [f[1] for f in v["findings"]] for k, v in batch.items()} == {
        "cleared": [], "missing": ["ephyto.missing"], "mismatch": ["ephyto.mismatch"], "uncited": ["ephyto.missing"],
        "held": ["seal.opened"], "held-shirts": ["seal.opened"], "plain": []}
    assert [a[1] for a in batch["held"]["audit"]] == ["declaration.accepted", "declaration.document_check_cleared",
                                                      "finding.raised"]
    assert all(v["milestones"] for v in batch.values())


def _mixed(tag: str) -> list[tuple[int, object]]:
    """A chunk of every kind of line, its LRNs tagged; `tag`-KNOWN and `tag`-TAKEN are lodged beforehand."""
    shirts = dict(items=T_SHIRTS, documents=[])
    return list(enumerate([
        declaration(lrn=f"{tag}-1", **shirts),
        declaration(lrn=f"{tag}-2", items=[{**T_SHIRTS[0], "hs_code": "999999"}], documents=[]),  # bad HS code
        declaration(lrn=f"{tag}-3", declarant={"id": "AU-SOMEONE-ELSE", "name": "x"}, **shirts),  # not this key's
        declaration(lrn=f"{tag}-KNOWN", **shirts),  # lodged before with this content: already lodged
        declaration(lrn=f"{tag}-TAKEN", **shirts),  # lodged before with other content: 409
        declaration(lrn=f"{tag}-4", **shirts),
        declaration(lrn=f"{tag}-4", **shirts),  # the same LRN again in the batch: already lodged
        declaration(lrn=f"{tag}-4", office="AUMEL", **shirts),  # ... with other content: 409
        "not JSON: expected value",
        {"lrn": f"{tag}-5", "type": "import"},  # fields missing
        declaration(lrn=f"{tag}-6", documents=[]),  # accepted, with an ePhyto finding
        declaration(lrn=f"{tag}-7", currency="XYZ", **shirts),
        declaration(lrn=f"{tag}-6", documents=[]),
        [f"{tag}-8", "a JSON array, not a declaration"],  # (`clearway submit` reads lines as they are)
    ], start=1))


def _answers(results: list[dict], tag: str) -> list[dict]:
    """The results with the LRN tag and the MRNs (numbered apart for each tag) replaced by what they stand for."""
    mrns: dict[str, str] = {}
    out = []
    for r in results:
        text = json.dumps(r, sort_keys=True).replace(f"{tag}-", "T-")
        for mrn in re.findall(r"\b\d{2}AU[A-Z]{3}\d{8}[0-9A-Z]\b", text):
            text = text.replace(mrn, mrns.setdefault(mrn, f"MRN{len(mrns)}"))
        out.append(json.loads(text))
    return out


def test_a_mixed_chunk_answers_each_line_as_lodging_them_one_by_one_and_stores_nothing_refused(db, importer,
                                                                                               monkeypatch, helpers):
    answers = {}
    for tag in ("S", "B"):
        with transaction(db.factory) as s:
            for lrn, items in ((f"{tag}-KNOWN", T_SHIRTS), (f"{tag}-TAKEN", [{**T_SHIRTS[0], "value": "301"}])):
                lodging.lodge(s, principal=importer, decl=parse(DeclarationIn, declaration(
                    lrn=lrn, items=items, documents=[])))
        if tag == "S":  # one line after the other, each in its own transaction, as a single lodgement
            results = []
            for n, doc in _mixed(tag):
                with transaction(db.factory) as s:
                    results.append(lodging._lodge_line(s, importer, n, doc, "api"))
        else:  # by the set path: a chunk failing as a whole would be lodged line by line, and answer the same
            monkeypatch.setattr(lodging, "_lodge_line", lambda *_: pytest.fail("the chunk failed as a whole"))
            results = list(lodging.lodge_many(db.factory, principal=importer, lines=_sent(helpers, _mixed(tag)),
                                              helpers=helpers))
        answers[tag] = results
    assert _answers(answers["B"], "B") == _answers(answers["S"], "S")
    b = answers["B"]
    assert [(r["line"], r["outcome"], r["status"]) for r in b] == [
        (1, "accepted", "accepted"), (2, "refused", 422), (3, "refused", 403), (4, "already lodged", "accepted"),
        (5, "refused", 409), (6, "accepted", "accepted"), (7, "already lodged", "accepted"), (8, "refused", 409),
        (9, "refused", 400), (10, "refused", 422), (11, "accepted", "accepted"), (12, "refused", 422),
        (13, "already lodged", "accepted"), (14, "refused", 422)]
    assert b[6]["mrn"] == b[5]["mrn"] and b[12]["mrn"] == b[10]["mrn"] and b[5]["mrn"] in b[7]["reasons"][0]
    # Nothing of a refused line: the declarations and audit events are those of the accepted lines and the two
    # lodged before; the refused lines drew no MRN (the numbers of AUSYD run on without a gap).
    with db.factory() as s:
        lodged = dict(s.execute(select(Declaration.lrn, Declaration.mrn).where(Declaration.lrn.like("B-%"))).all())
        audited = set(s.scalars(select(AuditEvent.entity_id).where(AuditEvent.entity_type == "declaration")))
    assert set(lodged) == {"B-1", "B-KNOWN", "B-TAKEN", "B-4", "B-6"}
    assert {m for lrn, m in lodged.items()} <= audited and len(audited) == 2 * len(lodged)
    assert sorted(int(m[7:15]) for m in lodged.values()) == list(range(min(int(m[7:15]) for m in lodged.values()),
                                                                        min(int(m[7:15]) for m in lodged.values()) + 5))


def test_mrns_of_a_batch_are_unique_valid_and_gap_free_per_office_across_chunks(db, importer):
    offices = ["AUSYD", "AUMEL", "AUBNE"]
    lines = []
    for i in range(450):
        doc = declaration(lrn=f"M-{i}", items=T_SHIRTS, documents=[], office=offices[i % 3])
        if i % 7 == 3:  # a refused line now and then, in every office
            doc["currency"] = "XYZ"
        lines.append((i + 1, doc))
    lines.append((451, declaration(lrn="M-0", items=T_SHIRTS, documents=[], office="AUSYD")))  # again: chunk 3
    results = list(lodging.lodge_many(db.factory, principal=importer, lines=lines))
    accepted = [r for r in results if r["outcome"] == "accepted"]
    assert len(accepted) == 450 - len(range(3, 450, 7)) and results[-1]["outcome"] == "already lodged"
    assert results[-1]["mrn"] == results[0]["mrn"]
    mrns = [r["mrn"] for r in accepted]
    assert len(set(mrns)) == len(mrns) and all(mrn_is_valid(m) for m in mrns)
    for office in offices:
        numbers = [int(m[7:15]) for m in mrns if m[2:7] == office]
        assert numbers == list(range(1, len(numbers) + 1))  # in line order, none burnt by the refused lines
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(Declaration)) == len(accepted)


def test_the_audit_log_verifies_after_a_batch_before_and_after_sealing(db, importer):
    lines = list(enumerate(lodging_set("A") + [declaration(lrn="A-bad", currency="XYZ")], start=1))
    assert [r["outcome"] for r in lodging.lodge_many(db.factory, principal=importer, lines=lines)][-1] == "refused"
    with db.factory() as s:
        checked, broken = verify_chain(s)
        assert broken is None and checked > len(lines)
    with transaction(db.factory) as s:
        assert seal_all(s, key=None) >= 1
    with db.factory() as s:
        assert verify_chain(s) == (checked, None)


def test_a_chunk_that_fails_as_a_whole_is_lodged_line_by_line_and_burns_no_number(db, importer, monkeypatch, caplog):
    tried = []

    def gone(*_, **__):
        tried.append(1)
        raise ConnectionError("the database went away")  # not a refusal: the set path fails as a whole

    monkeypatch.setattr(store, "insert_lodgements", gone)
    # (whatever logging configuration an earlier test left: the server's stops "clearway" propagating to caplog)
    monkeypatch.setattr(logging.getLogger("clearway"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="clearway")
    lines = list(enumerate(lodging_set("F") + [declaration(lrn="F-bad", currency="XYZ")], start=1))
    results = list(lodging.lodge_many(db.factory, principal=importer, lines=lines))
    assert tried == [1] and [r["outcome"] for r in results] == ["accepted"] * len(lodging_set("F")) + ["refused"]
    assert "a batch chunk of 8 lines failed as a whole (ConnectionError)" in caplog.text  # for the operators
    with db.factory() as s:
        mrns = list(s.scalars(select(Declaration.mrn).where(Declaration.office == "AUSYD").order_by(Declaration.id)))
    # Lodged one by one after the chunk rolled back: its reserved numbers were given back, none is missing.
    assert [int(m[7:15]) for m in mrns] == list(range(1, len(mrns) + 1)) and len(mrns) == len(lodging_set("F")) - 1


def _milestones(factory, ids: list[int]) -> list[tuple]:
    columns = list(Milestones.__table__.c)
    with factory() as s:
        return [tuple(r) for r in s.execute(select(*columns).where(Milestones.declaration_id.in_(ids))
                                            .order_by(Milestones.declaration_id))]


def test_the_milestones_of_a_batch_written_from_what_was_lodged_are_those_its_history_gives(db, importer, monkeypatch):
    built = []
    real = milestones.lodged_row
    monkeypatch.setattr(milestones, "lodged_row", lambda *a: built.append(a[0]) or real(*a))
    docs = lodging_set("M") + [declaration(lrn="M-no-codes", items=[{**T_SHIRTS[0], "hs_code": "610910"}] * 3)]
    results = list(lodging.lodge_many(db.factory, principal=importer, lines=list(enumerate(docs, start=1))))
    with db.factory() as s:
        ids = sorted(s.scalars(select(Declaration.id).where(Declaration.mrn.in_([r["mrn"] for r in results]))))
    assert sorted(built) == ids  # written without the history query
    written = _milestones(db.factory, ids)
    with transaction(db.factory) as s:  # the same declarations' milestones from their history, by the query
        milestones.refresh_ids(s, ids)
    again = _milestones(db.factory, ids)
    assert len(written) == len(docs) and written == again
    columns = [c.name for c in Milestones.__table__.c]
    assert all(row[columns.index("accepted")] and row[columns.index("goods")] for row in written)


def test_the_milestones_of_single_lodgements_are_written_from_what_was_lodged_as_their_history_gives(
        db, importer, monkeypatch):
    """Issue 16: a single lodgement too stores its milestones from what it wrote (the history query was a seventh
    of a lodgement's CPU); a finding raised by the checks does not change them, a transition does."""
    built = []
    real = milestones.lodged_row
    monkeypatch.setattr(milestones, "lodged_row", lambda *a: built.append(a[0]) or real(*a))
    ids = []
    for k, doc in enumerate(lodging_set("S")):
        with transaction(db.factory) as s:
            row, created = lodging.lodge(s, principal=importer, decl=parse(DeclarationIn, doc))
            if k == 0:
                service.transition(s, row=row, to_status="assessed", actor="test")
            ids.append(row.id)
    # Each lodgement writes its milestones from what it wrote, before its MRN is drawn; the one changed after
    # lodging gets them again from its history at the commit (compared with the history's below).
    assert created and sorted(built) == ids
    written = _milestones(db.factory, ids)
    with transaction(db.factory) as s:
        milestones.refresh_ids(s, ids)
    assert len(written) == len(ids) and written == _milestones(db.factory, ids)
    columns = [c.name for c in Milestones.__table__.c]
    assert [r[columns.index("status")] for r in written] == ["assessed"] + ["accepted"] * (len(ids) - 1)


def test_a_declaration_changed_after_the_batch_lodged_it_in_the_same_transaction_gets_its_history(db, importer):
    with transaction(db.factory) as s:
        lodged = service.lodge_set(s, principal=importer, decls=[parse(DeclarationIn, d) for d in lodging_set("C")])
        first = service.by_id(s, lodged[0].id)
        service.transition(s, row=first, to_status="assessed", actor="test")
        ids = [row.id for row in lodged]
    rows = {r[0]: r for r in _milestones(db.factory, ids)}
    columns = [c.name for c in Milestones.__table__.c]
    assert rows[ids[0]][columns.index("status")] == "assessed"
    assert rows[ids[0]][columns.index("assessed")] is not None
    assert {rows[i][columns.index("status")] for i in ids[1:]} == {"accepted"}


def test_a_batch_rolled_back_to_a_savepoint_leaves_no_milestones(db, importer):
    with transaction(db.factory) as s:
        with pytest.raises(RuntimeError):
            with s.begin_nested():
                service.lodge_set(s, principal=importer, decls=[parse(DeclarationIn, d) for d in lodging_set("R")])
                raise RuntimeError("rolled back")
        # Lodged alone after the rollback (on SQLite with an id of one rolled back): its own milestones.
        kept, _ = service.lodge(s, principal=importer, decl=parse(DeclarationIn, declaration(lrn="R-kept", office="AUMEL")))
    with db.factory() as s:
        assert list(s.scalars(select(Declaration.id))) == [kept.id]
        assert list(s.execute(select(Milestones.declaration_id, Milestones.office))) == [(kept.id, "AUMEL")]


def test_the_collector_is_off_while_a_chunk_is_lodged_and_as_it_was_after(db, importer, monkeypatch):
    seen = []
    real = lodging._lodge_set
    monkeypatch.setattr(lodging, "_lodge_set", lambda *a: seen.append(gc.isenabled()) or real(*a))
    assert gc.isenabled()
    list(lodging.lodge_many(db.factory, principal=importer, lines=list(enumerate(lodging_set("G"), start=1)), chunk=3))
    assert seen == [False, False, False] and gc.isenabled()
    with lodging.collector_paused():  # nested (another thread's chunk): on again only when the last is done
        with lodging.collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    # batches overlapping without end keep it off: the young objects are collected as a chunk ends, once the
    # pause has lasted PAUSE_LIMIT
    collected = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    monkeypatch.setattr(lodging, "PAUSE_LIMIT", 0.0)
    with lodging.collector_paused():
        with lodging.collector_paused():
            pass
        assert collected == [1] and not gc.isenabled()
    assert collected == [1] and gc.isenabled()  # the last one out turns it on: nothing to force
    monkeypatch.setattr(lodging, "PAUSE_LIMIT", 3600.0)
    with lodging.collector_paused():
        with lodging.collector_paused():
            pass
    assert collected == [1]
    gc.disable()
    try:  # off before: left off
        list(lodging.lodge_many(db.factory, principal=importer, lines=[(1, declaration(lrn="G-off"))]))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_findings_of_a_batch_are_stored_as_a_single_lodgements_and_audited_with_their_own_ids(db, importer):
    from sqlalchemy import String, cast

    for doc in lodging_set("S2"):
        with transaction(db.factory) as s:
            lodging.lodge(s, principal=importer, decl=parse(DeclarationIn, doc))
    list(lodging.lodge_many(db.factory, principal=importer, lines=list(enumerate(lodging_set("B2"), start=1))))

    def stored(tag: str) -> dict:
        with db.factory() as s:
            rows = s.execute(select(Declaration.lrn, Declaration.mrn, Finding.id, Finding.code,
                                    cast(Finding.evidence, String), Finding.raised_at)
                             .join(Finding, Finding.declaration_id == Declaration.id)
                             .where(Declaration.lrn.like(f"{tag}-%")).order_by(Finding.id)).all()
            events = {json.loads(e.data)["finding"]: (e.entity_id, json.loads(e.data)["code"]) for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == "finding.raised"))}
        assert rows and all(events[r[2]] == (r[1], r[3]) for r in rows)  # each event names its own finding
        assert all(r[5] is not None and r[5].tzinfo is not None for r in rows)
        return {r[0].removeprefix(f"{tag}-"): (r[3], r[4]) for r in rows}

    assert stored("B2") == stored("S2")  # the evidence's very text included


def test_a_savepoint_rolled_back_later_in_the_transaction_leaves_the_earlier_changes_refreshed(db, importer):
    # SQLAlchemy calls after_rollback for a savepoint too: the set of declarations waiting for their milestones
    # was emptied by it, so a declaration moved before a failed savepoint kept its old milestones
    with transaction(db.factory) as s:
        row, _ = service.lodge(s, principal=importer, decl=parse(DeclarationIn, declaration(lrn="S-1", office="AUMEL")))
    with transaction(db.factory) as s:
        service.transition(s, row=service.by_id(s, row.id), to_status="assessed", actor="test")
        s.flush()
        with pytest.raises(RuntimeError):
            with s.begin_nested():
                raise RuntimeError("a step that failed and was given up")
    columns = [c.name for c in Milestones.__table__.c]
    (written,) = _milestones(db.factory, [row.id])
    assert written[columns.index("status")] == "assessed" and written[columns.index("assessed")] is not None
