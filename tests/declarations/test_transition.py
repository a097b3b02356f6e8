"""A lifecycle step adds its status event without reading the declaration's history first (an assessment made
two such steps, each a read of every earlier event), and the history read afterwards holds it, in order."""

from sqlalchemy import event

from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.validation import parse
from tests.support import example
from tests.tariff.support import DECLARANT


def _reads_history(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM declaration_status_events" in statement


def test_a_step_adds_its_event_unread_and_the_history_holds_it(factory, keys):
    who = keys.principal("declarant", "AU", DECLARANT)
    with transaction(factory) as s:
        mrn = declarations.lodge(s, principal=who, decl=parse(DeclarationIn, example("tariff-au-tshirts.json")))[0].mrn
    statements: list[str] = []
    engine = factory.kw["bind"]
    listen = lambda *a: statements.append(a[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        with transaction(factory) as s:
            row = declarations.get(s, principal=who, mrn=mrn, for_update=True)
            declarations.transition(s, row=row, to_status="assessed", actor="test", reason="first")
            declarations.transition(s, row=row, to_status="lane_selected", actor="test", reason="second")
            reads_before = sum(_reads_history(q) for q in statements)
            history = [(e.from_status, e.to_status, e.reason) for e in row.history]
            reads_after = sum(_reads_history(q) for q in statements)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert (reads_before, reads_after) == (0, 1)  # read once, when asked for
    assert history == [(None, "accepted", history[0][2]), ("accepted", "assessed", "first"),
                       ("assessed", "lane_selected", "second")]
    with factory() as s:
        again = declarations.load_for_read(s, principal=who, mrn=mrn)
        assert [e.to_status for e in again.history] == ["accepted", "assessed", "lane_selected"]
        assert again.status == "lane_selected"
