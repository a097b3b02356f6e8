"""Matching capacity-building projects to an economy's needs, and the gaps, on hand-built cases whose
scores are worked out by hand beside each assertion."""

from datetime import date

from clearway.tfa.core import Commitment
from clearway.tfa.matching import Project, gaps, needs_of, rank

TODAY = date(2026, 12, 2)

PG = [  # a hand-built economy "PG"
    Commitment("PG", "7.4", "C", priority="high"),  # weight 3 + 1 (Category C) = 4
    Commitment("PG", "7.6", "B", priority="medium", ta_needed="time release study"),  # 2 + 1 = 3
    Commitment("PG", "10.4", "B", priority="low"),  # 1, no assistance asked
    Commitment("PG", "7.1", "B", priority="high", status="implemented"),  # implemented: no need
    Commitment("PG", "3", "C"),  # no priority: not matched, but a gap if uncovered
]

RISK = Project("RISK", "Risk management", "WCO", ("7.4", "7.5"), (), "national", "ongoing",
               date(2026, 1, 1), date(2027, 12, 31))
TRS = Project("TRS", "Time release study", "World Bank", ("7.6", "10.4"), ("PG", "VN"), "regional", "planned",
              date(2027, 3, 1), None)
ONE = Project("ONE", "Single window", "ADB", ("10.4",), ("PG",), "advisory", "planned")
CLOSED = Project("OLD", "Old risk project", "WCO", ("7.4", "7.6", "10.4"), (), "national", "completed")
ENDED = Project("ENDED", "Ended risk project", "WCO", ("7.4",), (), "national", "ongoing", None, date(2026, 12, 1))
ELSEWHERE = Project("VNONLY", "Viet Nam only", "JICA", ("7.4",), ("VN",), "national", "ongoing")
IRRELEVANT = Project("PCA", "Post-clearance audit", "WCO", ("7.5",), (), "national", "ongoing")
ALL = [ONE, TRS, CLOSED, ENDED, ELSEWHERE, IRRELEVANT, RISK]


def test_needs_are_unimplemented_priority_measures_weighted_by_priority_and_assistance_asked():
    assert [(n.measure, n.weight) for n in needs_of(PG, "PG")] == [("7.4", 4), ("7.6", 3), ("10.4", 1)]


def test_projects_rank_by_the_weight_of_the_needs_they_cover():
    ranking = rank(PG, ALL, economy="PG", today=TODAY)
    # RISK covers 7.4 (4); TRS covers 7.6 (3) and 10.4 (1) = 4 as well, but more measures: first.
    assert [(m.project.code, m.score) for m in ranking.matches] == [("TRS", 4), ("RISK", 4), ("ONE", 1)]
    assert [n.measure for n in ranking.matches[0].covered] == ["7.6", "10.4"]
    assert ranking.matches[0].need_weight == 8 and ranking.matches[0].share == 50


def test_each_score_is_explained_measure_by_measure():
    trs = rank(PG, ALL, economy="PG", today=TODAY).matches[0]
    assert trs.explanation == (
        "covers 2 of the economy's unimplemented priority measures: 7.6, 10.4",
        "7.6: priority medium = 2 + 1 (technical assistance asked)",
        "10.4: priority low = 1",
        "score 4 of the economy's total need weight 8",
        "eligible: named among PG, VN",
        "modality regional, status planned, starts 2027-03-01",
    )
    risk = rank(PG, ALL, economy="PG", today=TODAY).matches[1]
    assert risk.explanation[1] == "7.4: priority high = 3 + 1 (assistance asked: Category C)"
    assert risk.explanation[3:] == ("eligible: every APEC economy", "modality national, status ongoing, runs to 2027-12-31")


def test_closed_ended_and_ineligible_projects_are_left_out_with_the_reason():
    left = {p.code: why for p, why in rank(PG, ALL, economy="PG", today=TODAY).left_out}
    assert left == {"VNONLY": "PG is not among the eligible economies (VN)",
                    "OLD": "project is completed", "ENDED": "project ended on 2026-12-01"}


def test_an_economy_with_everything_implemented_has_no_matches():
    done = [Commitment("AU", "7.4", "A", status="implemented", priority="high")]
    ranking = rank(done, ALL, economy="AU", today=TODAY)
    assert ranking.needs == () and ranking.matches == ()


def test_gaps_are_measures_needing_help_that_no_open_eligible_project_covers():
    rows = PG + [Commitment("VN", "7.4", "C"), Commitment("CL", "7.6", "B", ta_needed="TRS training"),
                 Commitment("PE", "3", "B", ta_needed="advance rulings system")]
    found = {g.measure: g.economies for g in gaps(rows, ALL, today=TODAY)}
    # 7.4: RISK is open to all; 7.6: TRS is for PG and VN only, so CL is uncovered (OLD is completed);
    # 3: no project at all; 10.4 of PG asks for no help.
    assert found == {"3": ("PE", "PG"), "7.6": ("CL",)}
    assert list(found) == ["3", "7.6"]  # treaty order


def test_without_projects_every_need_for_help_is_a_gap():
    assert [g.measure for g in gaps(PG, [], today=TODAY)] == ["3", "7.4", "7.6"]
