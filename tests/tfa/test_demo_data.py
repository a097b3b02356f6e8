"""The demo's illustrative entries: all marked illustrative, loaded once, and rich enough to show matches,
gaps, overdue dates and trends."""

from datetime import date

from sqlalchemy import func, select

from clearway.db import transaction
from clearway.flows import stocktake_demo
from clearway.tfa import service
from clearway.tfa.models import TfaCommitment, TfaProject
from clearway.workforce.models import SelfAssessmentRating, WorkforceMetrics


def test_demo_entries_are_illustrative_loaded_once_and_show_every_view(db):
    first = stocktake_demo.load(db.factory)
    assert first["illustrative_tfa"] == {"commitments": 11 * 36, "projects": 5}
    assert stocktake_demo.load(db.factory)["illustrative_tfa"] == {"commitments": 0, "projects": 0}
    with transaction(db.factory) as session:
        for model in (TfaCommitment, TfaProject, WorkforceMetrics, SelfAssessmentRating):
            assert set(session.scalars(select(model.illustrative))) == {True}, model.__name__
        assert session.scalar(select(func.count()).select_from(WorkforceMetrics)) == 40
        ranking = service.ranking(session, economy="PG", today=date(2026, 12, 2))
        assert ranking.matches and all(m.explanation for m in ranking.matches)
        assert service.gaps(session, today=date(2026, 12, 2))
        take = service.stocktake(session, economy="PG", today=date(2026, 12, 2))
        assert take["overdue"] and take["rates"][-1].measures == 36
