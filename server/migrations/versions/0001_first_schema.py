"""first schema: events, bridge points, programme, live state, accounts

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('banner', sa.Text(), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('slug', name=op.f('uq_event_slug'))
    )
    op.create_table('bridge_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_bridge_point_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bridge_point')),
    sa.UniqueConstraint('event_id', 'code', name=op.f('uq_bridge_point_event_id'))
    )
    with op.batch_alter_table('bridge_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bridge_point_event_id'), ['event_id'], unique=False)

    op.create_table('cue_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rev', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('local_item_id', sa.Integer(), nullable=True),
    sa.Column('bridge_point_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_cue_log_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cue_log'))
    )
    with op.batch_alter_table('cue_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cue_log_event_id'), ['event_id'], unique=False)

    op.create_table('programme_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('performer', sa.Text(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('script', sa.Text(), nullable=False),
    sa.Column('is_local_segment', sa.Boolean(), nullable=False),
    sa.Column('local_for', sa.String(length=16), nullable=False),
    sa.Column('actual_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_programme_item_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_item'))
    )
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_item_event_id'), ['event_id'], unique=False)

    op.create_table('show_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rev', sa.Integer(), nullable=False),
    sa.Column('cursor_rev', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('item_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_ms', sa.Integer(), nullable=False),
    sa.Column('extra_ms', sa.Integer(), nullable=False),
    sa.Column('show_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('show_ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_show_state_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_show_state')),
    sa.UniqueConstraint('event_id', name=op.f('uq_show_state_event_id'))
    )
    op.create_table('local_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('performer', sa.Text(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('script', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['programme_item.id'], name=op.f('fk_local_item_segment_id_programme_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_item'))
    )
    with op.batch_alter_table('local_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_item_segment_id'), ['segment_id'], unique=False)

    op.create_table('site_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('bridge_point_id', sa.Integer(), nullable=False),
    sa.Column('changed_rev', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('item_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bridge_point_id'], ['bridge_point.id'], name=op.f('fk_site_cursor_bridge_point_id_bridge_point'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_site_cursor_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['programme_item.id'], name=op.f('fk_site_cursor_segment_id_programme_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_cursor')),
    sa.UniqueConstraint('segment_id', 'bridge_point_id', name=op.f('uq_site_cursor_segment_id'))
    )
    with op.batch_alter_table('site_cursor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_cursor_event_id'), ['event_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('bridge_point_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['bridge_point_id'], ['bridge_point.id'], name=op.f('fk_user_account_bridge_point_id_bridge_point'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    op.drop_table('user_account')
    with op.batch_alter_table('site_cursor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_cursor_event_id'))

    op.drop_table('site_cursor')
    with op.batch_alter_table('local_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_item_segment_id'))

    op.drop_table('local_item')
    op.drop_table('show_state')
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_item_event_id'))

    op.drop_table('programme_item')
    with op.batch_alter_table('cue_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cue_log_event_id'))

    op.drop_table('cue_log')
    with op.batch_alter_table('bridge_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bridge_point_event_id'))

    op.drop_table('bridge_point')
    op.drop_table('event')
