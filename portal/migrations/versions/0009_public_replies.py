"""public replies (回复公开), the citizen's consent, pledge updates linked to announcements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 08:38:52.463729
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('publicreply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'published', 'unpublished', 'withdrawn', name='replystate', native_enum=False, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=4000), nullable=False),
    sa.Column('reply', sa.String(length=10000), nullable=False),
    sa.Column('kind', sa.Enum('tip', 'suggestion', name='submissionkind', native_enum=False, length=32), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('substantiated', 'partly_substantiated', 'unsubstantiated', 'adopted', 'partly_adopted', 'noted', name='outcome', native_enum=False, length=32), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('concluded_on', sa.Date(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unpublish_reason', sa.String(length=2000), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['staffuser.id'], ),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['written_by_id'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('publicreply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicreply_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicreply_concluded_on'), ['concluded_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicreply_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicreply_state'), ['state'], unique=False)
        batch_op.create_index('ix_publicreply_state_published', ['state', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicreply_submission_id'), ['submission_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_publicreply_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('pledgeupdate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_pledgeupdate_announcement_id', 'announcement', ['announcement_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('submission', schema=None) as batch_op:
        # Existing submissions did not consent; the model has no server default.
        batch_op.add_column(sa.Column('publish_consent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.alter_column('publish_consent', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('publish_consent')

    with op.batch_alter_table('pledgeupdate', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pledgeupdate_announcement_id', type_='foreignkey')
        batch_op.drop_column('announcement_id')

    with op.batch_alter_table('publicreply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicreply_unit_id'))
        batch_op.drop_index(batch_op.f('ix_publicreply_submission_id'))
        batch_op.drop_index('ix_publicreply_state_published')
        batch_op.drop_index(batch_op.f('ix_publicreply_state'))
        batch_op.drop_index(batch_op.f('ix_publicreply_kind'))
        batch_op.drop_index(batch_op.f('ix_publicreply_concluded_on'))
        batch_op.drop_index(batch_op.f('ix_publicreply_category_id'))

    op.drop_table('publicreply')
