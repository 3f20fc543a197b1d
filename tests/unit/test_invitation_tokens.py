"""Invitation tokens: what a scanned code reads as, whatever was done to it, and what the database keeps."""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
import string

import pytest
from sqlalchemy import select

from server.models import Invitation
from server.services import delegates, invitation_tokens as tokens

ALPHABET = string.ascii_letters + string.digits + "-_"


@pytest.fixture
def ctx(app):
    """Tokens are signed with the app's secret key: every test here runs inside an app context."""
    with app.app_context():
        yield app


@pytest.fixture
def person(ctx, session, make_event):
    event = make_event(n=1)
    delegate = delegates.add(session, event.id, {"full_name": "Nguyễn Văn Ân", "organisation": "Phường 1",
                                                 "bridge_point_id": event.bridge_points[1].id}, "test")
    invitation = tokens.issue(session, delegate)
    session.commit()
    return event, delegate, invitation, tokens.token_for(invitation)


def parts(token: str) -> list[str]:
    prefix, event_id, nonce, signature = token.split(".")
    assert prefix == "DC1"
    return [prefix, event_id, nonce, signature]


def other_char(c: str) -> str:
    return "A" if c != "A" else "B"


def test_issued_token_reads_ok_bare_and_as_url(session, person):
    event, delegate, invitation, token = person
    for code in (token, f"http://x/i/{token}", f"https://diem-cau.example/i/{token}/", f"  {token}\n"):
        reading = tokens.read(session, event.id, code)
        assert reading.verdict == "ok", code
        assert reading.invitation.id == invitation.id and reading.invitation.delegate_id == delegate.id
    assert tokens.extract(f"http://x/i/{token}").group(1) == token


def test_forged_token_of_the_right_shape_is_invalid(session, person):
    event, *_ = person
    for _ in range(20):
        forged = f"DC1.{event.id}.{tokens._b64(secrets.token_bytes(16))}.{tokens._b64(secrets.token_bytes(16))}"
        assert tokens.extract(forged) is not None          # the shape is right...
        assert tokens.read(session, event.id, forged).verdict == "invalid"   # ...the signature is not


@pytest.mark.parametrize("part", [2, 3], ids=["nonce", "signature"])
def test_every_single_character_change_is_invalid(session, person, part):
    event, _, _, token = person
    pieces = parts(token)
    for i in range(len(pieces[part])):
        changed = list(pieces)
        changed[part] = pieces[part][:i] + other_char(pieces[part][i]) + pieces[part][i + 1:]
        tampered = ".".join(changed)
        assert tampered != token
        assert tokens.read(session, event.id, tampered).verdict == "invalid", (part, i)


def test_changing_the_event_id_makes_the_token_invalid_not_foreign(session, person, make_event):
    event, _, _, token = person
    other = make_event(n=1)
    pieces = parts(token)
    # another event's id, an unknown one, and other spellings of the same number (a leading zero, Arabic-Indic
    # digits): the signature covers the number, so only the canonical spelling may pass
    arabic = str(event.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for event_id in (str(other.id), str(event.id + 1000), "0" + str(event.id), "00" + str(event.id), arabic):
        tampered = ".".join([pieces[0], event_id, pieces[2], pieces[3]])
        assert tokens.read(session, event.id, tampered).verdict == "invalid", event_id
        assert tokens.read(session, other.id, tampered).verdict == "invalid", event_id


def test_a_token_signed_under_another_secret_key_is_invalid(app, session, person):
    event, _, invitation, token = person
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-server-secret"
    try:
        foreign_key_token = tokens.token_for(invitation)
    finally:
        app.config["SECRET_KEY"] = original
    assert foreign_key_token != token and parts(foreign_key_token)[:3] == parts(token)[:3]
    assert tokens.read(session, event.id, foreign_key_token).verdict == "invalid"
    assert tokens.read(session, event.id, token).verdict == "ok"


def test_another_events_token_is_foreign(session, person, make_event):
    event, *_ = person
    other = make_event(n=1)
    guest = delegates.add(session, other.id, {"full_name": "Trần Thị Bích"}, "test")
    token = tokens.token_for(tokens.issue(session, guest))
    session.commit()
    assert tokens.read(session, event.id, token).verdict == "foreign"
    assert tokens.read(session, other.id, token).verdict == "ok"


def test_revoked_token_reads_revoked(session, person):
    event, delegate, invitation, token = person
    assert tokens.revoke(session, delegate) == 1
    session.commit()
    reading = tokens.read(session, event.id, token)
    assert reading.verdict == "revoked" and reading.invitation.id == invitation.id
    assert tokens.current(session, delegate.id) is None
    assert tokens.revoke(session, delegate) == 0      # nothing live left to revoke


def test_reissue_replaces_the_old_token(session, person):
    event, delegate, old, old_token = person
    new = tokens.issue(session, delegate)
    session.commit()
    new_token = tokens.token_for(new)
    assert new_token != old_token
    assert tokens.read(session, event.id, old_token).verdict == "replaced"
    assert tokens.read(session, event.id, new_token).verdict == "ok"
    assert tokens.current(session, delegate.id).id == new.id
    # and again: the second one is replaced in turn, the first stays replaced
    newest = tokens.issue(session, delegate)
    session.commit()
    assert [tokens.read(session, event.id, t).verdict for t in (old_token, new_token, tokens.token_for(newest))] \
        == ["replaced", "replaced", "ok"]


def test_the_database_holds_the_hash_never_the_token(app, db, session, person):
    event, delegate, invitation, token = person
    row = session.execute(select(Invitation).where(Invitation.id == invitation.id)).scalar_one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    signature = parts(token)[3]
    for column in Invitation.__table__.columns:
        value = str(getattr(row, column.key))
        assert token not in value and signature not in value, column.key
    # the whole file, every table: neither the token nor its signature is anywhere
    session.commit()
    with sqlite3.connect(db.engine.url.database) as raw:
        dump = "\n".join(raw.iterdump())
    assert row.token_hash in dump
    assert token not in dump and signature not in dump


@pytest.mark.parametrize("code", [None, 123, 12.5, b"DC1.1.x.y", ["DC1"], {"code": "x"}, "", "   ", "x" * 10_240,
                                  "DC1....", "DC1.1..", "DC1.abc.def.ghi", "DC1.-1." + "A" * 22 + "." + "A" * 22,
                                  "DC1.1234567890." + "A" * 22 + "." + "A" * 22,
                                  "DC1.1." + "A" * 22 + "." + "A" * 21, "DC1.1." + "A" * 22 + "." + "é" * 22,
                                  "DC1.١." + "A" * 22 + "." + "A" * 22, "\x00" * 100,
                                  "http://x/i/" + "DC1.1." + "A" * 22 + "." + "A" * 22 + "/qr.png"])
def test_garbage_is_invalid_without_exceptions(session, person, code):
    event, *_ = person
    assert tokens.read(session, event.id, code).verdict == "invalid"


def test_a_very_long_string_ending_in_a_real_token_is_refused(session, person):
    event, _, _, token = person
    assert tokens.read(session, event.id, "x" * 10_240 + "/i/" + token).verdict == "invalid"
