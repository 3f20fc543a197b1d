"""events of their own: plan, language, archive, reset; per-event delegate categories, seat labels,
printed invitations; one-time sign-in links

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:29:10.046723
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The six categories events had before they had lists of their own (code, label, vip); written out
# here so this step stays the same whatever the code says later.
OLD_CATEGORIES = [("city_guest", "Khách mời thành phố", True), ("district_leader", "Lãnh đạo quận", True),
                  ("cell_secretary", "Bí thư chi bộ", False), ("award_recipient", "Người nhận khen thưởng", False),
                  ("press", "Báo chí", False), ("delegate", "Đại biểu", False)]


def upgrade() -> None:
    category = op.create_table('delegate_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_delegate_category_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegate_category')),
    sa.UniqueConstraint('event_id', 'code', name=op.f('uq_delegate_category_event_id'))
    )
    with op.batch_alter_table('delegate_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegate_category_event_id'), ['event_id'], unique=False)

    op.create_table('sign_in_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sign_in_link_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_link_token_hash'))
    )
    with op.batch_alter_table('sign_in_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_link_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_label', sa.String(length=40), nullable=False, server_default=''))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_number', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('plan_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='vi'))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reset_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True))

    # Every event made before this keeps the categories its delegates already use.
    events = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM event"))]
    op.bulk_insert(category, [{"event_id": event_id, "code": code, "label": label, "position": i, "vip": vip}
                              for event_id in events for i, (code, label, vip) in enumerate(OLD_CATEGORIES)])


def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('printed_at')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('reset_at')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('language')
        batch_op.drop_column('plan_date')
        batch_op.drop_column('plan_number')

    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.drop_column('seat_label')

    with op.batch_alter_table('sign_in_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_link_user_id'))
    op.drop_table('sign_in_link')

    with op.batch_alter_table('delegate_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegate_category_event_id'))
    op.drop_table('delegate_category')
