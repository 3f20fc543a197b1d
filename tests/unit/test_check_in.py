"""Check-in: verdicts, replays, late and offline scans, batches, walk-ins, stations, attendance, roster,
and the same scan from several threads at once."""
from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.models import CheckIn, Delegate, Invitation, Scan, User, to_ms, utcnow
from server.services import (accounts, attendance, check_in, delegates, invitation_tokens as tokens,
                             scanner_devices)
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.roster import roster

_ids = iter(range(1, 1_000_000))


def sid(label: str = "scan") -> str:
    return f"{label}-{next(_ids):08d}"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


class World:
    def __init__(self, session, event):
        self.session, self.event = session, event
        self.main, self.p1, self.p2, self.p3 = event.bridge_points
        self.token: dict[int, str] = {}

    def person(self, name: str, point=None, **fields) -> Delegate:
        data = {"full_name": name, "organisation": fields.pop("organisation", "Quận 9"),
                "bridge_point_id": point.id if point is not None else None, **fields}
        delegate = delegates.add(self.session, self.event.id, data, "test")
        self.token[delegate.id] = tokens.token_for(tokens.issue(self.session, delegate))
        self.session.commit()
        return delegate

    def scans(self) -> int:
        return self.session.execute(select(func.count(Scan.id)).where(Scan.event_id == self.event.id)).scalar_one()

    def arrival(self, delegate: Delegate) -> CheckIn | None:
        self.session.expire_all()
        return self.session.execute(select(CheckIn).where(CheckIn.delegate_id == delegate.id)).scalar_one_or_none()


@pytest.fixture
def world(ctx, session, make_event, make_user):
    w = World(session, make_event(n=2))
    w.operator = make_user("operator")
    w.door1 = make_user("checkin", bridge_point_id=w.p1.id)
    return w


def station(world, point, gate="Cổng A", user=None):
    return check_in.station_for(world.session, world.event.id, user or world.operator, point.id, gate)


# --- verdicts ---------------------------------------------------------------------------------------


def test_welcome_then_already_with_when_and_where(world):
    an = world.person("Nguyễn Văn Ân", world.p1)
    first = check_in.scan(world.session, station(world, world.p1), {"scan_id": sid(), "code": world.token[an.id]})
    assert first["verdict"] == "welcome" and first["replayed"] is False
    assert first["delegate"]["full_name"] == "Nguyễn Văn Ân" and first["delegate"]["bridge_point"] == "P. 1"
    at = first["check_in"]["at"]
    assert first["check_in"]["bridge_point"] == "P. 1" and first["check_in"]["gate"] == "Cổng A"

    again = check_in.scan(world.session, station(world, world.p1, "Cổng B"),
                          {"scan_id": sid(), "code": world.token[an.id]})
    assert again["verdict"] == "already" and again["replayed"] is False
    assert again["check_in"] == first["check_in"]            # when and where they first came in
    assert again["check_in"]["at"] == at and again["check_in"]["time"] in again["message"]
    assert "P. 1" in again["message"] and "Cổng A" in again["message"]
    assert world.scans() == 2
    assert world.session.execute(select(func.count(CheckIn.id))).scalar_one() == 1


def test_a_replayed_scan_id_is_answered_as_before_and_stored_once(world):
    an = world.person("Nguyễn Văn Ân", world.p1)
    payload = {"scan_id": sid(), "code": world.token[an.id]}
    first = check_in.scan(world.session, station(world, world.p1), payload)
    second = check_in.scan(world.session, station(world, world.p1), payload)
    assert first["verdict"] == second["verdict"] == "welcome"
    assert (first["replayed"], second["replayed"]) == (False, True)
    assert second["check_in"] == first["check_in"] and second["scanned_at"] == first["scanned_at"]
    assert world.scans() == 1


def test_a_replayed_refusal_stays_a_refusal(world):
    payload = {"scan_id": sid(), "code": "DC1.1.nothing"}
    first = check_in.scan(world.session, station(world, world.p1), payload)
    second = check_in.scan(world.session, station(world, world.p1), payload)
    assert first["verdict"] == second["verdict"] == "invalid" and second["replayed"] is True
    assert world.scans() == 1


def test_wrong_point_then_override_with_a_reason(world):
    binh = world.person("Trần Thị Bình", world.p2)
    refused = check_in.scan(world.session, station(world, world.p1), {"scan_id": sid(), "code": world.token[binh.id]})
    assert refused["verdict"] == "wrong_point" and "P. 2" in refused["message"]
    assert world.arrival(binh) is None
    reason = "Đổi điểm cầu theo chỉ đạo của Ban Tổ chức"
    let_in = check_in.scan(world.session, station(world, world.p1),
                           {"scan_id": sid(), "code": world.token[binh.id], "override_reason": reason})
    assert let_in["verdict"] == "welcome" and let_in["override_reason"] == reason
    arrival = world.arrival(binh)
    assert arrival.override_reason == reason and arrival.bridge_point_id == world.p1.id
    row = world.session.execute(select(Scan).where(Scan.scan_id == let_in["scan_id"])).scalar_one()
    assert row.override_reason == reason


def test_a_delegate_without_a_point_is_accepted_anywhere(world):
    people = [world.person(f"Lê Văn {name}", None) for name in ("Một", "Hai", "Ba")]
    for person, point in zip(people, (world.main, world.p1, world.p3)):
        out = check_in.scan(world.session, station(world, point), {"scan_id": sid(), "code": world.token[person.id]})
        assert out["verdict"] == "welcome", point.code
        assert world.arrival(person).bridge_point_id == point.id


def test_scan_by_delegate_id_from_a_name_search(world):
    cuong = world.person("Phạm Văn Cường", world.p1)
    found = delegates.search(world.session, world.event.id, "van cuong")
    assert [d.id for d in found] == [cuong.id]
    out = check_in.scan(world.session, station(world, world.p1), {"scan_id": sid(), "delegate_id": cuong.id})
    assert out["verdict"] == "welcome" and out["delegate"]["id"] == cuong.id
    row = world.session.execute(select(Scan).where(Scan.scan_id == out["scan_id"])).scalar_one()
    assert row.method == "search"
    with pytest.raises(NotFound):
        check_in.scan(world.session, station(world, world.p1), {"scan_id": sid(), "delegate_id": cuong.id + 999})


@pytest.mark.parametrize("verdict, make", [
    ("invalid", lambda w, d: "DC1.1.garbage"),
    ("revoked", lambda w, d: (tokens.revoke(w.session, d), w.session.commit(), w.token[d.id])[2]),
    ("replaced", lambda w, d: (tokens.issue(w.session, d), w.session.commit(), w.token[d.id])[2]),
])
def test_refused_codes_check_nobody_in(world, verdict, make):
    dung = world.person("Võ Thị Dung", world.p1)
    out = check_in.scan(world.session, station(world, world.p1), {"scan_id": sid(), "code": make(world, dung)})
    assert out["verdict"] == verdict and out["check_in"] is None and out["conflict"] == ""
    assert world.arrival(dung) is None


# --- time and offline -------------------------------------------------------------------------------


def test_a_late_offline_scan_keeps_its_time_and_moves_the_arrival_earlier(world):
    an = world.person("Nguyễn Văn Ân", world.p1)
    now = utcnow().replace(microsecond=0)
    online = check_in.scan(world.session, station(world, world.p1, "Cổng B"),
                           {"scan_id": sid(), "code": world.token[an.id]}, now=now)
    assert online["verdict"] == "welcome" and world.arrival(an).at == now
    earlier = now - timedelta(minutes=25)
    late = check_in.scan(world.session, station(world, world.p1, "Cổng A"),
                         {"scan_id": sid(), "code": world.token[an.id], "offline": True,
                          "scanned_at": to_ms(earlier)}, now=now + timedelta(seconds=5))
    assert late["verdict"] == "already" and late["scanned_at"] == to_ms(earlier)
    arrival = world.arrival(an)
    assert arrival.at == earlier and arrival.gate == "Cổng A"
    row = world.session.execute(select(Scan).where(Scan.scan_id == late["scan_id"])).scalar_one()
    assert row.scanned_at == earlier and row.received_at == now + timedelta(seconds=5)
    assert arrival.scan_row_id == row.id
    assert late["check_in"]["at"] == to_ms(earlier) and late["conflict"] == ""


def test_a_first_offline_scan_checks_in_at_its_own_time(world):
    an = world.person("Nguyễn Văn Ân", world.p1)
    now = utcnow().replace(microsecond=0)
    when = now - timedelta(hours=2)
    out = check_in.scan(world.session, station(world, world.p1),
                        {"scan_id": sid(), "code": world.token[an.id], "offline": True, "scanned_at": to_ms(when)},
                        now=now)
    assert out["verdict"] == "welcome" and world.arrival(an).at == when and out["conflict"] == ""


@pytest.mark.parametrize("offset", [timedelta(days=1), timedelta(minutes=6), -timedelta(days=10), -timedelta(days=4)],
                         ids=["1-day-ahead", "6-min-ahead", "10-days-old", "4-days-old"])
def test_a_wrong_scanner_clock_is_kept_with_the_server_time_and_a_note(world, offset):
    an = world.person("Nguyễn Văn Ân", world.p1)
    now = utcnow().replace(microsecond=0)
    out = check_in.scan(world.session, station(world, world.p1),
                        {"scan_id": sid(), "code": world.token[an.id], "offline": True,
                         "scanned_at": to_ms(now + offset)}, now=now)
    assert out["verdict"] == "welcome" and out["scanned_at"] == to_ms(now)
    assert "Giờ của máy quét sai lệch" in out["conflict"]
    assert world.arrival(an).at == now
    assert attendance.summary(world.session, world.event.id)["flagged"][0]["scan_id"] == out["scan_id"]


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), 10 ** 30, -10 ** 30])
def test_absurd_clock_values_are_kept_with_the_server_time(world, raw):
    an = world.person("Nguyễn Văn Ân", world.p1)
    now = utcnow().replace(microsecond=0)
    out = check_in.scan(world.session, station(world, world.p1),
                        {"scan_id": sid(), "code": world.token[an.id], "scanned_at": raw}, now=now)
    assert out["verdict"] == "welcome" and out["scanned_at"] == to_ms(now) and out["conflict"]


def test_a_slightly_fast_clock_is_accepted_and_capped_at_the_server_time(world):
    an = world.person("Nguyễn Văn Ân", world.p1)
    now = utcnow().replace(microsecond=0)
    out = check_in.scan(world.session, station(world, world.p1),
                        {"scan_id": sid(), "code": world.token[an.id], "scanned_at": to_ms(now + timedelta(minutes=2))},
                        now=now)
    assert out["scanned_at"] == to_ms(now) and out["conflict"] == ""


def test_an_offline_scan_of_someone_already_in_at_another_point_is_flagged(world):
    an = world.person("Nguyễn Văn Ân", None)
    check_in.scan(world.session, station(world, world.p1), {"scan_id": sid(), "code": world.token[an.id]})
    offline = check_in.scan(world.session, station(world, world.p2),
                            {"scan_id": sid(), "code": world.token[an.id], "offline": True})
    assert offline["verdict"] == "already" and "hai điểm cầu" in offline["conflict"]
    # the same online is just "already", and the same offline at the same point is not a conflict
    online = check_in.scan(world.session, station(world, world.p2), {"scan_id": sid(), "code": world.token[an.id]})
    same = check_in.scan(world.session, station(world, world.p1),
                         {"scan_id": sid(), "code": world.token[an.id], "offline": True})
    assert (online["conflict"], same["conflict"]) == ("", "")
    flagged = attendance.summary(world.session, world.event.id)["flagged"]
    assert [f["scan_id"] for f in flagged] == [offline["scan_id"]] and flagged[0]["full_name"] == "Nguyễn Văn Ân"


def test_offline_refusals_are_kept_and_flagged(world):
    binh = world.person("Trần Thị Bình", world.p2)
    wrong = check_in.scan(world.session, station(world, world.p1),
                          {"scan_id": sid(), "code": world.token[binh.id], "offline": True})
    tokens.revoke(world.session, binh)
    world.session.commit()
    revoked = check_in.scan(world.session, station(world, world.p2),
                            {"scan_id": sid(), "code": world.token[binh.id], "offline": True})
    assert wrong["verdict"] == "wrong_point" and wrong["conflict"]
    assert revoked["verdict"] == "revoked" and revoked["conflict"]
    assert world.arrival(binh) is None and world.scans() == 2


# --- batches ----------------------------------------------------------------------------------------


def test_a_batch_answers_each_entry_and_applies_the_good_ones(world):
    an, binh, cuong = (world.person(n, world.p1) for n in ("Nguyễn Văn Ân", "Trần Thị Bình", "Phạm Văn Cường"))
    good = [{"scan_id": sid("ok"), "code": world.token[an.id], "offline": True},
            {"scan_id": sid("ok"), "delegate_id": binh.id, "offline": True},
            {"scan_id": sid("ok"), "code": f"https://x/i/{world.token[cuong.id]}"}]
    garbled = ["not a scan", 42, None, ["list"],
               {"code": world.token[an.id]},                                           # no scan_id
               {"scan_id": "short", "code": world.token[an.id]},                        # scan_id too short
               {"scan_id": sid("bad"), "code": world.token[an.id], "delegate_id": an.id},   # both
               {"scan_id": sid("bad")},                                                 # neither
               {"scan_id": sid("bad"), "code": 12345},                                  # code a number
               {"scan_id": sid("bad"), "delegate_id": "12"},
               {"scan_id": sid("bad"), "delegate_id": True},
               {"scan_id": sid("bad"), "delegate_id": 2 ** 70},                         # beyond any id
               {"scan_id": sid("bad"), "delegate_id": an.id, "scanned_at": "hôm qua"},
               {"scan_id": sid("bad"), "delegate_id": an.id, "offline": "yes"},
               {"scan_id": sid("bad"), "delegate_id": an.id, "override_reason": ["x"]}]
    batch = [good[0], *garbled[:8], good[1], *garbled[8:], good[2], dict(good[0])]
    out = check_in.scan_batch(world.session, station(world, world.p1), batch)
    assert len(out) == len(batch)
    verdicts = [r["verdict"] for r in out]
    assert verdicts == ["welcome", *["error"] * 8, "welcome", *["error"] * 7, "welcome", "welcome"]
    assert out[-1]["replayed"] is True
    for entry, answer in zip(batch, out):
        if answer["verdict"] == "error":
            assert answer["error"]["code"] in ("invalid", "not_found") and answer["error"]["message"], entry
            assert answer["scan_id"] == (entry.get("scan_id") if isinstance(entry, dict) else None)
    assert all(world.arrival(p) is not None for p in (an, binh, cuong))
    assert world.scans() == 3


def test_a_batch_too_large_or_not_a_list_is_refused_whole(world):
    an = world.person("Nguyễn Văn Ân", world.p1)
    too_many = [{"scan_id": sid(), "delegate_id": an.id} for _ in range(check_in.MAX_BATCH + 1)]
    for scans in (too_many, [], None, {"scan_id": sid(), "delegate_id": an.id}, "x"):
        with pytest.raises(Invalid):
            check_in.scan_batch(world.session, station(world, world.p1), scans)
    assert world.scans() == 0 and world.arrival(an) is None
    out = check_in.scan_batch(world.session, station(world, world.p1), too_many[:check_in.MAX_BATCH])
    assert len(out) == check_in.MAX_BATCH and [r["verdict"] for r in out[:2]] == ["welcome", "already"]


# --- walk-ins ---------------------------------------------------------------------------------------


def test_a_walk_in_is_added_at_the_point_with_an_invitation_and_checked_in(world):
    door = station(world, world.p1, user=world.door1)
    scan_id = sid("walk")
    guest = {"full_name": "Đặng Quốc Việt", "organisation": "Đoàn Thanh niên", "category": "Báo chí",
             "bridge_point_id": world.p3.id}
    out = check_in.walk_in(world.session, door, world.door1, guest, scan_id)
    assert out["verdict"] == "welcome" and out["delegate"]["full_name"] == "Đặng Quốc Việt"
    delegate = world.session.get(Delegate, out["delegate"]["id"])
    assert delegate.walk_in is True and delegate.bridge_point_id == world.p1.id and delegate.category == "press"
    invitation = tokens.current(world.session, delegate.id)
    assert invitation is not None and invitation.status == "active"
    assert tokens.read(world.session, world.event.id, tokens.token_for(invitation)).verdict == "ok"
    assert world.arrival(delegate).bridge_point_id == world.p1.id
    row = world.session.execute(select(Scan).where(Scan.scan_id == scan_id)).scalar_one()
    assert row.method == "walk_in"

    again = check_in.walk_in(world.session, door, world.door1, guest, scan_id)
    assert again["replayed"] is True and again["verdict"] == "welcome" and again["delegate"]["id"] == delegate.id
    count = world.session.execute(select(func.count(Delegate.id)).where(Delegate.event_id == world.event.id))
    assert count.scalar_one() == 1 and world.scans() == 1


def test_a_walk_in_that_fails_half_way_leaves_nobody_and_can_be_sent_again(world, monkeypatch):
    door = station(world, world.p1, user=world.door1)
    scan_id, guest = sid("walk"), {"full_name": "Đặng Quốc Việt"}
    real_apply = check_in._apply

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(check_in, "_apply", broken)
    with pytest.raises(RuntimeError):
        check_in.walk_in(world.session, door, world.door1, guest, scan_id)
    assert world.session.execute(select(func.count(Delegate.id))).scalar_one() == 0
    monkeypatch.setattr(check_in, "_apply", real_apply)
    out = check_in.walk_in(world.session, door, world.door1, guest, scan_id)    # the scanner sends it again
    assert out["verdict"] == "welcome" and out["replayed"] is False


def test_a_walk_in_needs_the_right_and_valid_details(world, make_user):
    door = station(world, world.p1, user=world.door1)
    for data, scan_id in (({"full_name": ""}, sid()), ("Việt", sid()), ({"full_name": "Việt"}, "x"),
                          ({"full_name": "Việt"}, None), ({"full_name": "Việt", "phone": "abc"}, sid())):
        with pytest.raises(Invalid):
            check_in.walk_in(world.session, door, world.door1, data, scan_id)
    device, code = scanner_devices.create(world.session, world.event.id, world.p1.id, "Cổng A", "Máy 1", "test")
    device, token = scanner_devices.enrol(world.session, code)
    scanner = accounts.user_for_token(world.session, token)
    with pytest.raises(Forbidden):          # a scanning device does not add people
        check_in.walk_in(world.session, check_in.station_for(world.session, world.event.id, scanner), scanner,
                         {"full_name": "Việt"}, sid())
    world.session.rollback()
    assert world.session.execute(select(func.count(Delegate.id))).scalar_one() == 0


# --- stations ---------------------------------------------------------------------------------------


def test_door_staff_scan_only_at_their_own_point(world):
    own = check_in.station_for(world.session, world.event.id, world.door1, None, None)
    assert own.bridge_point.id == world.p1.id and own.gate and own.device_id is None
    assert check_in.station_for(world.session, world.event.id, world.door1, world.p1.id, "Cổng 2").gate == "Cổng 2"
    with pytest.raises(Forbidden):
        check_in.station_for(world.session, world.event.id, world.door1, world.p2.id, None)
    with pytest.raises(Invalid):           # an organiser must say where
        check_in.station_for(world.session, world.event.id, world.operator, None, None)
    assert check_in.station_for(world.session, world.event.id, world.operator, world.p2.id, None).bridge_point.id \
        == world.p2.id


@pytest.mark.parametrize("role", ["viewer", "mc", "site_tech"])
def test_people_without_the_right_cannot_make_a_station(world, make_user, role):
    user = make_user(role, bridge_point_id=world.p1.id if role == "site_tech" else None)
    for point_id in (world.p1.id, None):
        with pytest.raises(Forbidden):
            check_in.station_for(world.session, world.event.id, user, point_id, None)


def test_a_device_scans_at_its_own_point_and_gate_whatever_it_asks(world, make_event):
    device, code = scanner_devices.create(world.session, world.event.id, world.p2.id, "Cổng phụ", "Máy P2", "test")
    device, token = scanner_devices.enrol(world.session, code)
    user = accounts.user_for_token(world.session, token)
    for point_id, gate in ((None, None), (world.p1.id, "Cổng A"), (world.main.id, "Cổng chính"), (999, "x")):
        st = check_in.station_for(world.session, world.event.id, user, point_id, gate)
        assert (st.bridge_point.id, st.gate, st.device_id) == (world.p2.id, "Cổng phụ", device.id)
    other = make_event(n=1)
    with pytest.raises(Forbidden):         # not a scanner of another event
        check_in.station_for(world.session, other.id, user, None, None)
    an = world.person("Nguyễn Văn Ân", world.p2)
    check_in.scan(world.session, check_in.station_for(world.session, world.event.id, user), {
        "scan_id": sid(), "code": world.token[an.id]})
    world.session.expire_all()
    assert device.scans == 1 and device.last_seen_at is not None
    scanner_devices.revoke(world.session, world.event.id, device.id)
    with pytest.raises(Forbidden):
        check_in.station_for(world.session, world.event.id, user, None, None)


# --- attendance and roster --------------------------------------------------------------------------


def test_attendance_counts_lists_the_missing_and_draws_a_cumulative_curve(world):
    w = world
    guest = w.person("Lê Văn Khách", w.main, category="city_guest")             # VIP by category
    leader = w.person("Lý Thị Lãnh", w.main, category="district_leader")
    secretary = w.person("Hồ Văn Chi", w.p1, category="cell_secretary")
    award1 = w.person("Mai Thị Thưởng", w.p1, category="award_recipient", award="Giấy khen")
    award2 = w.person("Đỗ Văn Khen", w.p2, category="award_recipient", award="Bằng khen")
    vip_by_hand = w.person("Tô Văn Quý", w.p2, category="delegate", vip=True)
    plain = [w.person(f"Cao Văn {n}", w.p1) for n in ("Một", "Hai", "Ba")]
    floating = w.person("Kha Thị Tự Do", None, category="press")

    base = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=30)
    arrivals = [(guest, w.main, base + timedelta(seconds=10)), (plain[0], w.p1, base + timedelta(seconds=50)),
                (award1, w.p1, base + timedelta(minutes=2, seconds=5)), (plain[1], w.p1, base + timedelta(minutes=5)),
                (floating, w.p3, base + timedelta(minutes=5, seconds=59))]
    for person, point, at in arrivals:
        out = check_in.scan(w.session, station(w, point),
                            {"scan_id": sid(), "code": w.token[person.id], "offline": True, "scanned_at": to_ms(at)})
        assert out["verdict"] == "welcome"

    s = attendance.summary(w.session, w.event.id)
    key = attendance.cell_key
    assert s["expected"] == {key(w.main.id, "city_guest"): 1, key(w.main.id, "district_leader"): 1,
                             key(w.p1.id, "cell_secretary"): 1, key(w.p1.id, "award_recipient"): 1,
                             key(w.p1.id, "delegate"): 3, key(w.p2.id, "award_recipient"): 1,
                             key(w.p2.id, "delegate"): 1, key(w.p3.id, "press"): 1}
    # attendance.counted_point: the floating press member, with no point of their own, counts where
    # they were checked in (P. 3), in expected and in arrived; nobody is left on the "no point" row
    assert s["arrived"] == {key(w.main.id, "city_guest"): 1, key(w.p1.id, "delegate"): 2,
                            key(w.p1.id, "award_recipient"): 1, key(w.p3.id, "press"): 1}
    assert attendance.arrived_counts(w.session, w.event.id) == s["arrived"]
    assert [p["id"] for p in s["points"]] == [w.main.id, w.p1.id, w.p2.id, w.p3.id]
    assert [c["code"] for c in s["categories"]][:2] == ["city_guest", "district_leader"]

    missing = [m["full_name"] for m in s["missing"]]
    assert sorted(missing) == sorted(["Lý Thị Lãnh", "Tô Văn Quý", "Đỗ Văn Khen"])
    assert set(missing[:2]) == {"Lý Thị Lãnh", "Tô Văn Quý"}         # VIPs first
    assert secretary.full_name not in missing and plain[2].full_name not in missing

    minute = lambda at: to_ms(at) - to_ms(at) % 60_000 + 60_000   # noqa: E731  (end of the arrival's minute)
    assert s["curve"] == [[minute(base), 2], [minute(base + timedelta(minutes=2)), 3],
                          [minute(base + timedelta(minutes=5)), 5]]
    counts = [n for _, n in s["curve"]]
    assert counts == sorted(counts) and counts[-1] == len(arrivals)
    assert s["flagged"] == []
    assert award2.id and vip_by_hand.id and leader.id


def test_the_dashboard_opens_with_the_latest_twenty_arrivals_newest_first(world, make_event):
    w = world
    assert attendance.summary(w.session, w.event.id)["recent"] == []          # nobody yet: the page says so
    people = [w.person(f"Phan Văn {n:02d}", w.p1) for n in range(22)] + [w.person("Kha Thị Tự Do", None)]
    base = utcnow().replace(microsecond=0) - timedelta(hours=1)
    # scanned in another order than they came: a queue replayed after an outage brings earlier arrivals last
    order = list(range(len(people)))[::2] + list(range(len(people)))[1::2]
    for i in order:
        out = check_in.scan(w.session, station(w, w.p2 if people[i].bridge_point_id is None else w.p1),
                            {"scan_id": sid(), "code": w.token[people[i].id], "offline": True,
                             "scanned_at": to_ms(base + timedelta(minutes=i))})
        assert out["verdict"] == "welcome"

    recent = attendance.summary(w.session, w.event.id)["recent"]
    assert len(recent) == attendance.RECENT == 20
    newest = people[::-1][:20]
    assert [r["name"] for r in recent] == [d.full_name for d in newest]
    assert [r["delegate_id"] for r in recent] == [d.id for d in newest]
    assert [r["at"] for r in recent] == [to_ms(base + timedelta(minutes=22 - k)) for k in range(20)]
    # the delegate's own point, like the counts and the live list: none for the floating guest
    assert [r["point"] for r in recent[:2]] == ["", "P. 1"]
    other = make_event(n=1)
    assert attendance.summary(w.session, other.id)["recent"] == []               # another event's stay there


def test_point_counts_are_the_dashboard_cells_summed_per_point(world):
    w = world
    at_main = [w.person("Lê Văn Khách", w.main, category="city_guest"), w.person("Lý Thị Lãnh", w.main)]
    at_p1 = [w.person(f"Cao Văn {n}", w.p1, category=c) for n, c in
             (("Một", "delegate"), ("Hai", "delegate"), ("Ba", "cell_secretary"))]
    w.person("Đỗ Văn Khen", w.p2)
    floating = w.person("Kha Thị Tự Do", None, category="press")
    for person, point in ((at_main[0], w.main), (at_p1[0], w.p1), (at_p1[2], w.p1), (floating, w.p3)):
        assert check_in.scan(w.session, station(w, point), {"scan_id": sid(), "code": w.token[person.id]})["verdict"] \
            == "welcome"

    counts = attendance.point_counts(w.session, w.event.id)
    # P. 3 has nobody of its own; the floating guest, with no point, counts where they came in
    assert counts == {str(w.main.id): [1, 2], str(w.p1.id): [2, 3], str(w.p2.id): [0, 1], str(w.p3.id): [1, 1]}
    s = attendance.summary(w.session, w.event.id)
    for point_id, (arrived, expected) in counts.items():
        assert arrived == sum(n for k, n in s["arrived"].items() if k.startswith(f"{point_id}|"))
        assert expected == sum(n for k, n in s["expected"].items() if k.startswith(f"{point_id}|"))
    assert attendance.point_counts(w.session, w.event.id, arrived=s["arrived"], only=[w.p1.id]) == \
        {str(w.p1.id): [2, 3]}


def test_the_roster_holds_hashes_and_statuses_never_tokens(world):
    w = world
    an = w.person("Nguyễn Văn Ân", w.p1, seat_zone="A", seat_row="1", seat_number="3")
    binh = w.person("Trần Thị Bình", w.p1)
    cuong = w.person("Phạm Văn Cường", None)
    other = w.person("Võ Thị Dung", w.p2)
    old_binh = w.token[binh.id]
    tokens.issue(w.session, binh)               # Bình's first code is replaced...
    tokens.revoke(w.session, cuong)             # ...Cường's is revoked
    w.session.commit()
    check_in.scan(w.session, station(w, w.p1), {"scan_id": sid(), "code": w.token[an.id]})

    rows = roster(w.session, w.event.id, w.p1.id)
    invitations = w.session.execute(select(Invitation).where(Invitation.event_id == w.event.id)).scalars().all()
    live_tokens = {tokens.token_for(i): i for i in invitations}
    expected = {hashlib.sha256(t.encode()).hexdigest(): i for t, i in live_tokens.items()
                if i.delegate_id in (an.id, binh.id, cuong.id)}
    assert {r["h"] for r in rows} == set(expected)
    by_hash = {r["h"]: r for r in rows}
    assert by_hash[hashlib.sha256(old_binh.encode()).hexdigest()]["st"] == "replaced"
    assert by_hash[hashlib.sha256(w.token[cuong.id].encode()).hexdigest()]["st"] == "revoked"
    mine = by_hash[hashlib.sha256(w.token[an.id].encode()).hexdigest()]
    assert mine["st"] == "active" and mine["d"] == an.id and mine["n"] == "Nguyễn Văn Ân"
    assert mine["s"] == "Khu A, Hàng 1, Ghế 3" and mine["in"] is not None
    assert all(r["d"] != other.id for r in rows)
    text = json.dumps(rows, ensure_ascii=False)
    for token, invitation in live_tokens.items():
        assert token not in text and token.split(".")[3] not in text
        assert invitation.nonce not in text


# --- at once ----------------------------------------------------------------------------------------


def _in_threads(app, db, n, work):
    """Runs work(session, i) in n threads, each with its own app context and database session, all
    released at once. Returns the results (or raises the first error)."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            with app.app_context(), db.session() as s:
                barrier.wait()
                results[i] = work(s, i)
        except BaseException as exc:          # noqa: BLE001  (reported by the test)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture(params=["in-process", "across-processes"])
def locking(request, monkeypatch):
    """In one process the event lock serialises scans; across processes only the database's unique keys
    do. The second case takes the lock away to check those keys and the retry alone."""
    if request.param == "across-processes":
        monkeypatch.setattr(check_in, "event_lock", lambda *a, **k: contextlib.nullcontext())
    return request.param


def test_the_same_scan_id_from_eight_threads_is_applied_once(app, db, world, locking):
    an = world.person("Nguyễn Văn Ân", world.p1)
    payload = {"scan_id": sid("race"), "code": world.token[an.id]}
    operator_id, point_id = world.operator.id, world.p1.id

    def work(s, i):
        st = check_in.station_for(s, world.event.id, s.get(User, operator_id), point_id, f"Cổng {i}")
        return check_in.scan(s, st, dict(payload))

    results = _in_threads(app, db, 8, work)
    assert [r["verdict"] for r in results] == ["welcome"] * 8
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 7
    world.session.expire_all()
    assert world.scans() == 1
    assert world.session.execute(select(func.count(CheckIn.id))).scalar_one() == 1


def test_eight_scans_of_one_person_at_once_check_them_in_once(app, db, world, locking):
    an = world.person("Nguyễn Văn Ân", world.p1)
    operator_id, point_id = world.operator.id, world.p1.id

    def work(s, i):
        st = check_in.station_for(s, world.event.id, s.get(User, operator_id), point_id, f"Cổng {i}")
        return check_in.scan(s, st, {"scan_id": sid("race"), "code": world.token[an.id]})

    results = _in_threads(app, db, 8, work)
    assert sorted(r["verdict"] for r in results) == ["already"] * 7 + ["welcome"]
    world.session.expire_all()
    assert world.scans() == 8
    # one arrival, at the earliest of the scans (a scan made a moment earlier may lose the race and still
    # be the arrival: the arrival is the earliest accepted scan, not the first one stored)
    arrival = world.arrival(an)
    rows = world.session.execute(select(Scan).where(Scan.event_id == world.event.id)).scalars().all()
    earliest = min(r.scanned_at for r in rows)
    source = next(r for r in rows if r.id == arrival.scan_row_id)
    assert arrival.at == earliest and (source.scanned_at, source.gate) == (earliest, arrival.gate)


def test_the_same_walk_in_from_four_threads_adds_one_person(app, db, world, locking):
    door_id, point_id, scan_id = world.door1.id, world.p1.id, sid("walk")
    guest = {"full_name": "Đặng Quốc Việt", "organisation": "Đoàn Thanh niên"}

    def work(s, i):
        user = s.get(User, door_id)
        return check_in.walk_in(s, check_in.station_for(s, world.event.id, user, point_id, None), user,
                                dict(guest), scan_id)

    results = _in_threads(app, db, 4, work)
    assert [r["verdict"] for r in results] == ["welcome"] * 4
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    assert len({r["delegate"]["id"] for r in results}) == 1
    world.session.expire_all()
    assert world.session.execute(select(func.count(Delegate.id))).scalar_one() == 1
    assert world.scans() == 1
