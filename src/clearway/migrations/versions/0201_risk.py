"""risk: targeting rules, lane policies, lane decisions, rule hits, inspections

Revision ID: 0201_risk
Revises: 0001_core
Create Date: 2026-11-28 02:50:00
"""
from alembic import op
import sqlalchemy as sa

MONEY = sa.Numeric(24, 6).with_variant(sa.String(40), "sqlite")
TS = sa.DateTime(timezone=True)

revision = "0201_risk"
down_revision = "0001_core"
branch_labels = ("risk",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("valid_from", TS, nullable=True),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rules")),
        sa.UniqueConstraint("economy", "code", "version", name="uq_risk_rules_version"),
    )
    op.create_table(
        "risk_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_policies")),
        sa.UniqueConstraint("economy", "version", name="uq_risk_policies_version"),
    )
    op.create_table(
        "risk_lane_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(16), nullable=False),
        sa.Column("declaration_version", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("office", sa.String(5), nullable=False),
        sa.Column("importer", sa.String(80), nullable=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("lane", sa.String(10), nullable=False),
        sa.Column("basis", sa.String(10), nullable=False),
        sa.Column("random", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("mandatory", sa.String(10), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("expected_revenue", sa.Float(), nullable=True),
        sa.Column("rank", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("model_reasons", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(80), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"], ondelete="CASCADE",
                                name=op.f("fk_risk_lane_decisions_declaration_id_declarations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_lane_decisions")),
    )
    op.create_index("ix_risk_lane_decisions_office_day", "risk_lane_decisions", ["office", "day"])
    op.create_index("ix_risk_lane_decisions_importer", "risk_lane_decisions", ["economy", "importer"])
    op.create_index(op.f("ix_risk_lane_decisions_declaration_id"), "risk_lane_decisions", ["declaration_id"])
    op.create_table(
        "risk_rule_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["risk_lane_decisions.id"], ondelete="CASCADE",
                                name=op.f("fk_risk_rule_hits_decision_id_risk_lane_decisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule_hits")),
    )
    op.create_index("ix_risk_rule_hits_code", "risk_rule_hits", ["economy", "code"])
    op.create_index(op.f("ix_risk_rule_hits_decision_id"), "risk_rule_hits", ["decision_id"])
    op.create_table(
        "risk_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("mrn", sa.String(16), nullable=False),
        sa.Column("lane", sa.String(10), nullable=False),
        sa.Column("random", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("revised_value", MONEY, nullable=True),
        sa.Column("revised_hs_code", sa.String(10), nullable=True),
        sa.Column("extra_duty", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("inspected_at", TS, nullable=False),
        sa.Column("officer", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"], ondelete="CASCADE",
                                name=op.f("fk_risk_inspections_declaration_id_declarations")),
        sa.ForeignKeyConstraint(["decision_id"], ["risk_lane_decisions.id"],
                                name=op.f("fk_risk_inspections_decision_id_risk_lane_decisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_inspections")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_risk_inspections_decision_id")),
    )
    op.create_index(op.f("ix_risk_inspections_declaration_id"), "risk_inspections", ["declaration_id"])


def downgrade() -> None:
    op.drop_table("risk_inspections")
    op.drop_table("risk_rule_hits")
    op.drop_table("risk_lane_decisions")
    op.drop_table("risk_policies")
    op.drop_table("risk_rules")
