"""A lodgement draws its MRN last (issue 16, docs/decisions.md "MRNs stay consecutive"): the declaration is written
under a provisional MRN, the checks read and the milestones are written, and only then is the office's counter
advanced, the MRN written and the audit events and findings recorded under it; so the counter's row, locked by
its advance until the commit, is held for a few statements, not the whole lodgement. Both databases."""

from __future__ import annotations

import json

import pytest
from psycopg.pq import Trace
from sqlalchemy import event, select, text

from clearway.audit.models import AuditEvent
from clearway.controls.models import Finding
from clearway.db import driver_connection, make_engine, make_sessionmaker, transaction
from clearway.declarations import service
from clearway.declarations.core import mrn_is_valid
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.flows import lodging
from clearway.timerelease.models import Milestones
from clearway.validation import parse
from tests.flows.support import lodging_set


def _number(mrn: str) -> int:
    return int(mrn[7:15])


pytestmark = pytest.mark.usefixtures("one_year")  # the numbers compared below come from one year's counter


def test_the_counter_is_advanced_after_the_rows_the_checks_and_the_milestones(db, importer):
    docs = [parse(DeclarationIn, d) for d in lodging_set("O")[:2]]  # the same office
    if db.backend == "postgresql":
        # Another lodgement at the office while this one is written but not numbered yet commits at once: the
        # counter's row is not locked yet (it would wait, and fail on the lock timeout, if the MRN were drawn
        # first), and it takes the next number; this one, numbered after, the one after that.
        with db.factory() as first:
            row, created = service.lodge_unnumbered(first, principal=importer, decl=docs[0])
            assert created and row.mrn.startswith(service.PROVISIONAL)
            with transaction(db.factory) as other:
                other.execute(text("SET LOCAL lock_timeout = '3s'"))
                second, _ = lodging.lodge(other, principal=importer, decl=docs[1])
            service.number(first, row)
            first.commit()
        assert _number(second.mrn) + 1 == _number(row.mrn)
    else:
        # SQLite runs one transaction at a time, so the order is read from the statements themselves.
        statements: list[str] = []
        with transaction(db.factory) as s:
            raw = s.connection().connection.dbapi_connection
            raw.set_trace_callback(statements.append)
            row, created = lodging.lodge(s, principal=importer, decl=docs[0])
            raw.set_trace_callback(None)

        def at(start: str) -> int:
            return next(k for k, sql in enumerate(statements) if sql.lstrip().startswith(start))

        draw = at("UPDATE counters")
        assert at("INSERT INTO declarations") < draw and at("INSERT INTO declaration_items") < draw
        assert at("INSERT INTO timerelease_milestones") < draw
        assert draw < at("UPDATE declarations SET mrn") and draw < at("INSERT INTO audit_events")
    assert mrn_is_valid(row.mrn)


def test_audit_events_and_findings_name_the_mrn_drawn(db, importer):
    """The checks run before the draw (their events and findings made under the provisional MRN) and are written
    under the MRN drawn: a seal hold, a missing certificate, a cleared one."""
    lodged = {}
    for d in lodging_set("M"):
        with transaction(db.factory) as s:
            row, created = lodging.lodge(s, principal=importer, decl=parse(DeclarationIn, d))
        assert created
        lodged[d["lrn"]] = row.mrn
    with db.factory() as s:
        stored = dict(s.execute(select(Declaration.lrn, Declaration.mrn)).all())
        assert stored == lodged and all(mrn_is_valid(m) for m in stored.values())
        events = s.execute(select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.data)).all()
        assert not [e for e in events if e.entity_id.startswith(service.PROVISIONAL)]
        accepted = sorted(e.entity_id for e in events if e.action == "declaration.accepted")
        assert accepted == sorted(stored.values())
        cleared = sorted(e.entity_id for e in events if e.action == "declaration.document_check_cleared")
        assert cleared == sorted([lodged["M-cleared"], lodged["M-held"]])  # both cite the certificate received
        raised = {json.loads(e.data)["finding"]: e.entity_id for e in events if e.action == "finding.raised"}
        findings = s.execute(select(Finding.id, Declaration.lrn, Declaration.mrn)
                             .join(Declaration, Declaration.id == Finding.declaration_id)).all()
        assert {f.lrn for f in findings} >= {"M-missing", "M-mismatch", "M-held", "M-held-shirts"}
        assert raised == {f.id: f.mrn for f in findings}


def test_a_declaration_written_but_not_numbered_is_not_committed(db, importer):
    with pytest.raises(RuntimeError, match="lodged but not numbered"), transaction(db.factory) as s:
        service.lodge_unnumbered(s, principal=importer, decl=parse(DeclarationIn, lodging_set("U")[0]))
    with db.factory() as s:
        assert s.scalars(select(Declaration.id)).all() == []
    with transaction(db.factory) as s:  # and it drew no number
        row, _ = service.lodge(s, principal=importer, decl=parse(DeclarationIn, lodging_set("U")[0]))
    assert _number(row.mrn) == 1


def test_a_batch_draws_its_numbers_after_its_rows_on_postgresql_and_before_them_on_sqlite(db, importer,  # noqa: F811
                                                                                          monkeypatch):
    """A batch's chunk on PostgreSQL writes its rows, runs its checks and writes its milestones under provisional
    MRNs, then draws its numbers (the counters' rows locked from there to the commit, not while the rows are
    written); SQLite, one transaction at a time, draws them first and writes the rows with them."""
    lines = list(enumerate(lodging_set("Q"), start=1))
    if db.backend == "postgresql":
        real, meanwhile = lodging.milestones.store_pending, []

        def then_a_lodgement(session):
            real(session)
            if not meanwhile:  # the chunk's rows written, its numbers not drawn: another lodgement at its office
                meanwhile.append("started")
                with transaction(db.factory) as other:
                    other.execute(text("SET LOCAL lock_timeout = '3s'"))  # (fails if the counter's row were locked)
                    doc = parse(DeclarationIn, lodging_set("Q-meanwhile")[0])
                    meanwhile.append(lodging.lodge(other, principal=importer, decl=doc)[0].mrn)

        monkeypatch.setattr(lodging.milestones, "store_pending", then_a_lodgement)
        results = list(lodging.lodge_many(db.factory, principal=importer, lines=lines))
        other = meanwhile[1]
        mrns = [r["mrn"] for r in results if r["mrn"][2:7] == other[2:7]]
        assert {r["outcome"] for r in results} == {"accepted"} and len(mrns) == 6
        assert [_number(m) for m in mrns] == list(range(_number(other) + 1, _number(other) + 7))
    else:
        statements: list[str] = []
        traced = []

        def trace(dbapi_conn, _record, _proxy):  # whichever pooled connection the chunk's transaction takes
            traced.append(dbapi_conn)
            dbapi_conn.set_trace_callback(statements.append)

        event.listen(db.engine, "checkout", trace)
        try:
            results = list(lodging.lodge_many(db.factory, principal=importer, lines=lines))
        finally:
            event.remove(db.engine, "checkout", trace)
            for dbapi_conn in traced:
                dbapi_conn.set_trace_callback(None)
        assert {r["outcome"] for r in results} == {"accepted"}
        first = [k for k, sql in enumerate(statements) if sql.lstrip().startswith(("UPDATE counters", "INSERT INTO"))]
        assert statements[first[0]].lstrip().startswith("UPDATE counters")
        assert not [sql for sql in statements if sql.lstrip().startswith("UPDATE declarations SET mrn")]
    with db.factory() as s:
        assert all(mrn_is_valid(m) for m in s.scalars(select(Declaration.mrn)))


def _waits(trace: str) -> list[list[str]]:
    """The statements a PostgreSQL client sent, grouped by the times it then waited for the server's answer (a
    simple query; a Sync or Flush of the extended protocol, several in a row waited for once), from libpq's trace
    of the protocol (psycopg's `pgconn.trace`), each statement by its first three words: a group is a round trip."""
    named: dict[str, str] = {}
    groups: list[list[str]] = []
    sent: list[str] = []
    for line in trace.splitlines():
        fields = line.split("\t")
        if fields[0] != "F":
            continue
        quoted = fields[-1].split('"')[1::2]  # (the message's quoted strings: names, then the statement)
        if fields[2] == "Parse":
            named[quoted[0]] = " ".join(quoted[1].split()[:3])
        elif fields[2] == "Bind":
            sent.append(named[quoted[1]])
        elif fields[2] == "Query":
            groups.append([quoted[0]])
        elif fields[2] in ("Sync", "Flush") and sent:
            groups.append(sent)
            sent = []
    return groups


def test_the_statements_and_round_trips_of_a_lone_declaration(db, importer, tmp_path):
    """What a lone declaration with a seal hold and a certificate cleared sends to the database, pinned, so that a
    statement or a round trip added to the hottest path is seen (docs/benchmarks.md, "Where a lone lodgement's time
    goes on PostgreSQL"). PostgreSQL: the round trips, counted in libpq's trace of the protocol on a connection of
    its own (every statement parsed in it, so each is named by its text); the commit follows. SQLite: the statements
    in order (one repeated by an executemany, a row at a time, counted once; BEGIN IMMEDIATE went before the trace)."""
    first, decl = (parse(DeclarationIn, d) for d in lodging_set("P")[:5:4])  # (P-held: an open alert, a certificate)
    with transaction(db.factory) as s:  # (the office's counter made: its first number is drawn otherwise)
        lodging.lodge(s, principal=importer, decl=first)
    engine = make_engine(db.url)
    try:
        if db.backend == "postgresql":
            with transaction(make_sessionmaker(engine)) as s, (tmp_path / "trace").open("w") as out:
                connection = driver_connection(s)
                connection.pgconn.trace(out.fileno())
                connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
                lodged, raised = lodging.lodge_together(s, principal=importer, decls=[decl])
                connection.pgconn.untrace()
            assert _waits((tmp_path / "trace").read_text()) == [
                ["BEGIN"], ["WITH g AS"],  # (psycopg waits for BEGIN); the keys and every child row
                ["SELECT number FROM"], ["SELECT certificates.id, certificates.number,"],  # the certificate check
                ["SELECT id FROM"], ["SELECT seal_alerts.id, seal_alerts.seal_pk,"],  # the seal check
                ["INSERT INTO timerelease_milestones"], ["UPDATE counters SET"],  # the MRN drawn after the milestones
                ["WITH k AS", "INSERT INTO audit_events"],  # its row and accepted event (one pipeline)
                ["INSERT INTO audit_events"], ["INSERT INTO control_findings"], ["INSERT INTO audit_events"]]
        else:
            statements: list[str] = []
            with transaction(make_sessionmaker(engine)) as s:
                raw = s.connection().connection.dbapi_connection
                raw.set_trace_callback(statements.append)
                lodged, raised = lodging.lodge_together(s, principal=importer, decls=[decl])
                raw.set_trace_callback(None)
            said = [" ".join(sql.split()[:3]) for sql in statements]
            assert [sql for k, sql in enumerate(said) if k == 0 or sql != said[k - 1]] == [
                "SELECT id, lrn,", "UPDATE counters SET", "INSERT INTO declarations",  # numbered first on SQLite
                "INSERT INTO declaration_items", "INSERT INTO declaration_containers",
                "INSERT INTO declaration_documents", "INSERT INTO declaration_status_events",
                "INSERT INTO declaration_versions", "INSERT INTO audit_events", "SELECT number FROM",
                "SELECT certificates.id, certificates.number,", "SELECT id FROM",
                "SELECT seal_alerts.id, seal_alerts.seal_pk,", "INSERT INTO timerelease_milestones",
                "INSERT INTO audit_events", "INSERT INTO control_findings", "INSERT INTO audit_events"]
    finally:
        engine.dispose()
    assert [f.code for f in raised] == ["seal.opened"] and mrn_is_valid(lodged[0].mrn)
    with db.factory() as s:
        assert s.scalars(select(Finding.declaration_id).where(Finding.code.like("seal.%"))).all() == [lodged[0].id]
        assert s.get(Milestones, lodged[0].id).status == "accepted"
