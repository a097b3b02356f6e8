"""The lifecycle read as arrays (flows.time_release.lifecycle_columns: on PostgreSQL one aggregate query,
trusted traders and essential goods decided per distinct value) is the lifecycle frame the reference reads,
declaration for declaration, and gives the same report; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from clearway.db import driver_cursor, transaction
from clearway.flows import time_release
from clearway.risk import essential_goods, service as risk
from clearway.risk.schemas import PolicyIn
from clearway.timerelease import core, reference, report
from clearway.timerelease.columns import FLAGS, TEXT, from_frame
from tests.timerelease.test_milestones import NOW, WIDE, _lodge_varied, _vary


def _rows(c) -> list[tuple]:
    """Each declaration as one tuple of everything the report reads, in a stable order."""
    out = [tuple(int(c.times[m][i]) for m in core.MILESTONES) + (int(c.status[i]),)
           + tuple(int(c.flags[f][i]) for f in FLAGS) + tuple(c.labels[t][c.codes[t][i]] or "" for t in TEXT)
           for i in range(len(c))]
    return sorted(out)


def _spread_over_pages(engine) -> int:
    """Rewrites the milestones table with a few rows a page (PostgreSQL), returns how many pages hold rows."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("ALTER TABLE timerelease_milestones SET (fillfactor = 10)"))
        conn.execute(text("VACUUM FULL timerelease_milestones"))
        conn.execute(text("ALTER TABLE timerelease_milestones RESET (fillfactor)"))
        return conn.execute(text("SELECT count(DISTINCT (ctid::text::point)[0]) FROM timerelease_milestones")).scalar()


def _parts_follow_the_window(db, monkeypatch) -> None:
    """Read in parts: a window of PARTS_FROM_ROWS declarations or more holding a quarter of the table or more;
    a small window of the table reads by its index in one part (the planner's estimates, after ANALYZE)."""
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE timerelease_milestones"))
    monkeypatch.setattr(time_release, "PARTS_FROM_ROWS", 2)
    with db.factory() as session, driver_cursor(session) as cur:
        def parts(lo, hi) -> int:
            return time_release._parts_for(cur, {"lo": lo, "hi": hi, "economy": None})
        assert parts(WIDE["lo"], WIDE["hi"]) == time_release.PARTS
        assert parts(NOW + timedelta(days=4000), NOW + timedelta(days=4001)) == 1
        monkeypatch.setattr(time_release, "PARTS_FROM_ROWS", 1_000)
        assert parts(WIDE["lo"], WIDE["hi"]) == 1


def test_the_columns_are_the_frame_and_give_the_same_report(db, keys, monkeypatch):
    rows = _lodge_varied(db.factory, keys, n=12)
    _vary(db.factory, rows)
    with transaction(db.factory) as session:
        admin = keys.principal("admin", "AU")
        essential_goods.change(session, principal=admin, economy="AU", subheading="610910", included=True,
                               reason="uniforms for health workers")
        # a name with a quote and a percent sign: written into the query as a constant, it must stay one
        risk.set_policy(session, principal=admin, body=PolicyIn(trusted_traders=["AU-DEMO-BROKER-1", "O'Hara 100% Ltd"]))
    if db.backend == "postgresql":
        pages = _spread_over_pages(db.engine)
        assert pages >= 3  # so that each of two and of three parts holds rows
        _parts_follow_the_window(db, monkeypatch)
    with db.factory() as session:
        frame = time_release.lifecycles(session, **WIDE)
        columns = time_release.lifecycle_columns(session, **WIDE)
        outside = time_release.lifecycle_columns(session, lo=NOW + timedelta(days=4000), hi=NOW + timedelta(days=4001))
        other = time_release.lifecycle_columns(session, economy="NZ", **WIDE)
        # PostgreSQL reads a large table in parts, each on its own connection in one shared snapshot: cut this
        # small one into two and three (ignored on SQLite)
        in_parts = [time_release.lifecycle_columns(session, parts=k, **WIDE) for k in (2, 3)]
    reference_columns = from_frame(frame)
    assert len(columns) == frame.height == len(rows) and len(outside) == 0 and len(other) == 0
    assert _rows(columns) == _rows(reference_columns)
    assert all(_rows(part) == _rows(columns) for part in in_parts)
    assert 0 < frame["essential"].sum() < frame.height and frame["trusted"].all()  # both flags really read
    for by in (None, *core.DIMENSIONS, "period"):
        kw = dict(as_of=NOW, start=WIDE["lo"] + timedelta(days=3000), end=WIDE["hi"], by=by)
        assert report.report(columns, **kw).model_dump() == reference.report(frame, **kw).model_dump(), by
