"""core: declarations, keys, audit, control findings

Revision ID: 0001_core
Revises:
Create Date: 2026-11-28 02:34:52.664272
"""
from alembic import op
import sqlalchemy as sa

# Money: exact NUMERIC on PostgreSQL, text on SQLite (see clearway.db.Money).
MONEY = sa.Numeric(24, 6).with_variant(sa.String(40), "sqlite")


revision = '0001_core'
down_revision = None
branch_labels = ('core',)
depends_on = None


def upgrade() -> None:
    op.create_table('counters',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )

    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('economy', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=80), nullable=True),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_entity_id'), ['entity_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=16), nullable=False),
    sa.Column('lrn', sa.String(length=35), nullable=False),
    sa.Column('declarant_id', sa.String(length=80), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('economy', sa.String(length=2), nullable=False),
    sa.Column('office', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declarations')),
    sa.UniqueConstraint('declarant_id', 'lrn', name='uq_declarations_declarant_lrn'),
    sa.UniqueConstraint('mrn', name=op.f('uq_declarations_mrn'))
    )
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.create_index('ix_declarations_economy_status', ['economy', 'status'], unique=False)
        batch_op.create_index('ix_declarations_office_accepted', ['office', 'accepted_at'], unique=False)

    op.create_table('control_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('lane', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=120), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_findings_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_findings'))
    )
    with op.batch_alter_table('control_findings', schema=None) as batch_op:
        batch_op.create_index('ix_control_findings_decl_open', ['declaration_id', 'closed_at'], unique=False)

    op.create_table('declaration_containers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('container', sa.String(length=11), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_containers_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_containers'))
    )
    with op.batch_alter_table('declaration_containers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_containers_container'), ['container'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_containers_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('declaration_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_documents_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_documents'))
    )
    with op.batch_alter_table('declaration_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_documents_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_documents_reference'), ['reference'], unique=False)

    op.create_table('declaration_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('hs_code', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=2), nullable=False),
    sa.Column('quantity', MONEY, nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('gross_weight_kg', MONEY, nullable=True),
    sa.Column('net_weight_kg', MONEY, nullable=True),
    sa.Column('value', MONEY, nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_items_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_items'))
    )
    with op.batch_alter_table('declaration_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_items_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_items_hs_code'), ['hs_code'], unique=False)

    op.create_table('declaration_status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_status_events_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_status_events'))
    )
    with op.batch_alter_table('declaration_status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_status_events_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('declaration_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_versions_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_versions')),
    sa.UniqueConstraint('declaration_id', 'version', name='uq_declaration_versions_version')
    )
    with op.batch_alter_table('declaration_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_versions_declaration_id'), ['declaration_id'], unique=False)




def downgrade() -> None:
    op.drop_table('counters')

    with op.batch_alter_table('declaration_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_versions_declaration_id'))

    op.drop_table('declaration_versions')
    with op.batch_alter_table('declaration_status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_status_events_declaration_id'))

    op.drop_table('declaration_status_events')
    with op.batch_alter_table('declaration_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_items_hs_code'))
        batch_op.drop_index(batch_op.f('ix_declaration_items_declaration_id'))

    op.drop_table('declaration_items')
    with op.batch_alter_table('declaration_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_documents_reference'))
        batch_op.drop_index(batch_op.f('ix_declaration_documents_declaration_id'))

    op.drop_table('declaration_documents')
    with op.batch_alter_table('declaration_containers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_containers_declaration_id'))
        batch_op.drop_index(batch_op.f('ix_declaration_containers_container'))

    op.drop_table('declaration_containers')
    with op.batch_alter_table('control_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_control_findings_decl_open')

    op.drop_table('control_findings')
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index('ix_declarations_office_accepted')
        batch_op.drop_index('ix_declarations_economy_status')

    op.drop_table('declarations')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_id'))

    op.drop_table('audit_events')
    op.drop_table('api_keys')

