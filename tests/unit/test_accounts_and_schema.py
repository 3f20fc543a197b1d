"""Secrets stored hashed; the Alembic migrations make exactly the schema the models describe."""
from __future__ import annotations

import hashlib

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from server.db import Database
from server.models import ApiToken, Base, User
from server.services import accounts


def test_passwords_are_scrypt_by_default_and_never_stored_in_clear(session, monkeypatch):
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "scrypt")
    user = accounts.create_user(session, "dieuhanh2", "mat-khau-rat-dai", "operator")
    session.commit()
    assert user.password_hash.startswith("scrypt:") and "mat-khau-rat-dai" not in user.password_hash
    assert accounts.authenticate(session, "dieuhanh2", "mat-khau-rat-dai").id == user.id
    assert accounts.authenticate(session, "dieuhanh2", "sai") is None


def test_tokens_are_stored_as_hashes_only(session, make_user):
    user = make_user("operator")
    token = accounts.issue_token(session, user, "Companion")
    session.commit()
    row = session.execute(select(ApiToken)).scalar_one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    dump = "\n".join(str(r) for r in session.execute(text("SELECT * FROM api_token")).all())
    assert token not in dump and token[10:] not in dump
    assert accounts.user_for_token(session, token).id == user.id
    assert accounts.user_for_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_site_technicians_must_be_bound_to_a_point(session):
    import pytest
    from server.services.errors import Invalid
    with pytest.raises(Invalid):
        accounts.create_user(session, "kt", "mat-khau-thu", "site_tech")
    with pytest.raises(Invalid):
        accounts.create_user(session, "x", "ngan", "viewer")
    assert session.execute(select(User)).first() is None


def test_migrations_match_the_models(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    db.upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
