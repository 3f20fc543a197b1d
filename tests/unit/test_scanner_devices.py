"""Scanner devices: a one-time enrolment code becomes a scanner account bound to the device's point and
gate; used, expired, re-enrolled and revoked devices stop at once."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.models import ApiToken, ScannerDevice, User, utcnow
from server.services import accounts, check_in, delegates, invitation_tokens, scanner_devices
from server.services.errors import Forbidden, Invalid, NotFound


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def event(ctx, make_event):
    return make_event(n=1)


def new_device(session, event, point_index=1, gate="Cổng B", name="Điện thoại cổng B"):
    device, code = scanner_devices.create(session, event.id, event.bridge_points[point_index].id, gate, name, "test")
    session.commit()
    return device, code


def test_create_gives_a_one_time_code_kept_only_as_a_hash(session, event):
    device, code = new_device(session, event)
    assert isinstance(code, str) and len(code) >= 24
    assert device.user_id is None and device.enrolled_at is None
    assert device.enrolment_hash == hashlib.sha256(code.encode()).hexdigest() != code
    assert timedelta(minutes=14) < device.enrolment_expires_at - utcnow() <= timedelta(minutes=15)
    assert (device.gate, device.name, device.bridge_point_id) == ("Cổng B", "Điện thoại cổng B",
                                                                  event.bridge_points[1].id)


@pytest.mark.parametrize("point, name, error", [(999_999, "Máy", NotFound), ("1", "Máy", Invalid), (None, "Máy", Invalid),
                                                ("ok", "", Invalid), ("ok", "x" * 121, Invalid), ("ok", 5, Invalid)])
def test_create_refuses_bad_points_and_names(session, event, point, name, error):
    with pytest.raises(error):
        scanner_devices.create(session, event.id, event.bridge_points[1].id if point == "ok" else point, "", name, "t")


def test_create_refuses_a_point_of_another_event(session, event, make_event):
    other = make_event(n=1)
    with pytest.raises(NotFound):
        scanner_devices.create(session, event.id, other.bridge_points[1].id, "", "Máy", "t")


def test_enrol_makes_a_scanner_bound_to_the_devices_point_and_gate(session, event):
    device, code = new_device(session, event, point_index=2, gate="Cổng phụ")
    enrolled, token = scanner_devices.enrol(session, code)
    assert enrolled.id == device.id
    row = accounts.token_row(session, token)
    assert row is not None
    user = row.user
    assert user.role == "scanner" and user.active and user.bridge_point_id == event.bridge_points[2].id
    assert enrolled.user_id == user.id and enrolled.enrolled_at is not None
    assert enrolled.enrolment_hash is None and enrolled.enrolment_expires_at is None
    station = check_in.station_for(session, event.id, user, event.bridge_points[0].id, "Cổng khác")
    assert (station.bridge_point.id, station.gate, station.device_id) == (event.bridge_points[2].id, "Cổng phụ",
                                                                          device.id)
    assert session.execute(select(ApiToken).where(ApiToken.token_hash == token)).first() is None   # hashed


def test_a_used_code_is_refused(session, event):
    device, code = new_device(session, event)
    scanner_devices.enrol(session, code)
    with pytest.raises(NotFound):
        scanner_devices.enrol(session, code)
    assert session.execute(select(func.count(User.id)).where(User.role == "scanner")).scalar_one() == 1


@pytest.mark.parametrize("code", [None, "", "khong-co", 12345, "x" * 5000])
def test_unknown_codes_are_refused(session, event, code):
    new_device(session, event)
    with pytest.raises(NotFound):
        scanner_devices.enrol(session, code)


def test_an_expired_code_is_refused_with_the_15_minute_message(session, event):
    device, code = new_device(session, event)
    device.enrolment_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(Invalid) as refused:
        scanner_devices.enrol(session, code)
    assert "15 phút" in str(refused.value.message) and "hết hạn" in str(refused.value.message)
    session.rollback()
    assert session.get(ScannerDevice, device.id).user_id is None
    assert session.execute(select(func.count(User.id)).where(User.role == "scanner")).scalar_one() == 0


def test_a_new_enrolment_replaces_the_old_phone(session, event):
    device, code = new_device(session, event)
    device, old_token = scanner_devices.enrol(session, code)
    old_user_id = device.user_id
    second_code = scanner_devices.new_enrolment(session, device)
    session.commit()
    assert accounts.token_row(session, old_token) is not None     # the old phone works until the new one enrols
    device, new_token = scanner_devices.enrol(session, second_code)
    assert accounts.token_row(session, old_token) is None
    assert accounts.token_row(session, new_token).user.id == device.user_id != old_user_id
    old_user = session.get(User, old_user_id)
    assert old_user.active is False
    with pytest.raises(Forbidden):
        check_in.station_for(session, event.id, old_user, None, None)
    with pytest.raises(NotFound):
        scanner_devices.enrol(session, code)                     # the first code is long gone


def test_revoke_stops_the_device_at_once(session, event):
    device, code = new_device(session, event)
    device, token = scanner_devices.enrol(session, code)
    user = accounts.user_for_token(session, token)
    pending_code = scanner_devices.new_enrolment(session, device)   # a code shown but not yet used
    session.commit()
    scanner_devices.revoke(session, event.id, device.id)
    assert device.revoked_at is not None
    assert accounts.token_row(session, token) is None
    assert accounts.still_valid(session, user.id, None) is None       # open sockets are dropped too
    with pytest.raises(Forbidden):
        check_in.station_for(session, event.id, user, None, None)
    with pytest.raises(NotFound):
        scanner_devices.enrol(session, pending_code)
    with pytest.raises(Invalid):
        scanner_devices.new_enrolment(session, device)
    again = scanner_devices.revoke(session, event.id, device.id)     # revoking twice changes nothing
    assert again.revoked_at == device.revoked_at


def test_revoke_only_this_events_devices(session, event, make_event):
    device, _ = new_device(session, event)
    other = make_event(n=1)
    for event_id, device_id in ((other.id, device.id), (event.id, device.id + 1000)):
        with pytest.raises(NotFound):
            scanner_devices.revoke(session, event_id, device_id)
    assert session.get(ScannerDevice, device.id).revoked_at is None


def test_listing_shows_each_devices_last_activity(session, event):
    waiting, _ = new_device(session, event, point_index=1, name="Chờ đăng ký")
    used, code = new_device(session, event, point_index=2, name="Đã quét")
    used, token = scanner_devices.enrol(session, code)
    gone, gone_code = new_device(session, event, point_index=3, name="Đã thu hồi")
    gone, gone_token = scanner_devices.enrol(session, gone_code)

    person = delegates.add(session, event.id, {"full_name": "Nguyễn Văn Ân", "bridge_point_id": event.bridge_points[2].id},
                           "t")
    code_text = invitation_tokens.token_for(invitation_tokens.issue(session, person))
    session.commit()
    user = accounts.user_for_token(session, token)                  # the device presents its token...
    check_in.scan(session, check_in.station_for(session, event.id, user), {"scan_id": "scan-0001", "code": code_text})
    accounts.user_for_token(session, gone_token)
    scanner_devices.revoke(session, event.id, gone.id)

    listed = {device.name: (device, token_row) for device, token_row in scanner_devices.listing(session, event.id)}
    assert set(listed) == {"Chờ đăng ký", "Đã quét", "Đã thu hồi"}
    assert listed["Chờ đăng ký"][1] is None and listed["Chờ đăng ký"][0].last_seen_at is None
    device, row = listed["Đã quét"]
    assert row is not None and row.last_used_at is not None and row.revoked_at is None
    assert device.last_seen_at is not None and device.scans == 1
    device, row = listed["Đã thu hồi"]                                # still listed, with what it last did
    assert device.revoked_at is not None and row.last_used_at is not None and row.revoked_at is not None


def test_one_code_enrolled_twice_at_the_same_moment_gives_one_scanner(app, db, session, event, monkeypatch):
    """Two phones open the same enrolment link at once. The second enrolment is made to run entirely
    inside the first one, just after the first has found the device by its code (scanner_devices
    checks the code's expiry with utcnow() at that point), which is the widest such race."""
    device, code = new_device(session, event)
    real_utcnow = scanner_devices.utcnow
    state = {"nested": None}

    def utcnow_with_a_rival():
        if state["nested"] is None:
            state["nested"] = "running"
            with db.session() as rival:
                try:
                    state["nested"] = scanner_devices.enrol(rival, code)[1]
                except NotFound:
                    state["nested"] = "refused"
        return real_utcnow()

    monkeypatch.setattr(scanner_devices, "utcnow", utcnow_with_a_rival)
    try:
        first = scanner_devices.enrol(session, code)[1]
    except NotFound:
        first = "refused"
    assert state["nested"] not in (None, "running")                  # the rival did run
    outcomes = [first, state["nested"]]
    assert outcomes.count("refused") == 1, outcomes
    winner = next(t for t in outcomes if t != "refused")
    session.expire_all()
    assert accounts.token_row(session, winner).user_id == session.get(ScannerDevice, device.id).user_id
    live = session.execute(select(func.count(User.id)).where(User.role == "scanner", User.active.is_(True)))
    assert live.scalar_one() == 1
