"""reference: the HS finder's full-text index (SQLite FTS5, PostgreSQL full-text search)

Revision ID: 0501_reference
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0501_reference"
down_revision = "0001_core"
branch_labels = ("reference",)
depends_on = None


def upgrade() -> None:
    # The words are stemmed by Clearway before they are stored, so both engines index them as they are
    # ('simple' configuration, unicode61 tokenizer) and find the same candidates.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE hs_search USING fts5(code UNINDEXED, terms, tokenize='unicode61')")
    else:
        op.create_table("hs_search", sa.Column("code", sa.String(6), primary_key=True),
                        sa.Column("terms", sa.Text(), nullable=False))
        op.execute("CREATE INDEX ix_hs_search_terms ON hs_search USING gin (to_tsvector('simple', terms))")
    op.create_table("hs_search_state", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("version", sa.String(64), nullable=False))


def downgrade() -> None:
    op.drop_table("hs_search_state")
    op.execute("DROP TABLE hs_search")
