"""delegates, invitations, scans, check-ins, scanner devices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:04:10.843916
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuing_body', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('document_number', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('place_name', sa.String(length=120), nullable=False, server_default=''))
    op.create_table('delegate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('position_title', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('bridge_point_id', sa.Integer(), nullable=True),
    sa.Column('seat_zone', sa.String(length=40), nullable=False),
    sa.Column('seat_row', sa.String(length=20), nullable=False),
    sa.Column('seat_number', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('award', sa.Text(), nullable=False),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['bridge_point_id'], ['bridge_point.id'], name=op.f('fk_delegate_bridge_point_id_bridge_point'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_delegate_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegate'))
    )
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegate_bridge_point_id'), ['bridge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegate_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_delegate_event_name', ['event_id', 'name_key'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_invitation_delegate_id_delegate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_invitation_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('nonce', name=op.f('uq_invitation_nonce')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_event_id'), ['event_id'], unique=False)

    op.create_table('scanner_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('bridge_point_id', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_hash', sa.String(length=64), nullable=True),
    sa.Column('enrolment_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bridge_point_id'], ['bridge_point.id'], name=op.f('fk_scanner_device_bridge_point_id_bridge_point'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_scanner_device_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_scanner_device_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scanner_device')),
    sa.UniqueConstraint('enrolment_hash', name=op.f('uq_scanner_device_enrolment_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_scanner_device_user_id'))
    )
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scanner_device_event_id'), ['event_id'], unique=False)

    op.create_table('scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('scan_id', sa.String(length=64), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=True),
    sa.Column('bridge_point_id', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('conflict', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bridge_point_id'], ['bridge_point.id'], name=op.f('fk_scan_bridge_point_id_bridge_point'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_scan_delegate_id_delegate'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['device_id'], ['scanner_device.id'], name=op.f('fk_scan_device_id_scanner_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_scan_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan')),
    sa.UniqueConstraint('event_id', 'scan_id', name=op.f('uq_scan_event_id'))
    )
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_event_id'), ['event_id'], unique=False)

    op.create_table('check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('bridge_point_id', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scan_row_id', sa.Integer(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bridge_point_id'], ['bridge_point.id'], name=op.f('fk_check_in_bridge_point_id_bridge_point'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_check_in_delegate_id_delegate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_check_in_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scan_row_id'], ['scan.id'], name=op.f('fk_check_in_scan_row_id_scan'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in')),
    sa.UniqueConstraint('delegate_id', name=op.f('uq_check_in_delegate_id'))
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_bridge_point_id'), ['bridge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_event_id'), ['event_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_event_id'))
        batch_op.drop_index(batch_op.f('ix_check_in_bridge_point_id'))

    op.drop_table('check_in')
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_event_id'))
        batch_op.drop_index(batch_op.f('ix_scan_delegate_id'))

    op.drop_table('scan')
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scanner_device_event_id'))

    op.drop_table('scanner_device')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_event_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_delegate_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.drop_index('ix_delegate_event_name')
        batch_op.drop_index(batch_op.f('ix_delegate_event_id'))
        batch_op.drop_index(batch_op.f('ix_delegate_bridge_point_id'))

    op.drop_table('delegate')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('place_name')
        batch_op.drop_column('document_number')
        batch_op.drop_column('issuing_body')
    # ### end Alembic commands ###
