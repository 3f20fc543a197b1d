"""The coordination services: tally, floor requests, incidents, technical checks, roll calls, messages
and screen navigation. Each change takes one revision, writes one cue-log row and publishes one patch;
each refusal changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.models import CheckMark, CueLog, FloorRequest, Incident, PointMessage, RollCall, ShowState, Tally
from server.services import (floor_requests, incidents, point_messages, roll_calls, screens, tally,
                             tech_checks)
from server.services.errors import Invalid, NotFound
from server.services.revision import show_changed
from server.services.snapshot import coordination_part

OP = "dieuhanh (operator)"


@pytest.fixture
def world(session, make_event):
    event = make_event(n=3, wards=3)
    return event, event.bridge_points


@pytest.fixture
def patches():
    seen = []

    def listener(change):
        seen.append(change.message())
    show_changed.connect(listener)
    yield seen
    show_changed.disconnect(listener)


def rev(session, event):
    session.expire_all()
    return session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar_one()


def cue_actions(session, event):
    return [row.action for row in session.execute(select(CueLog).where(CueLog.event_id == event.id)
                                                  .order_by(CueLog.rev)).scalars()]


def test_program_and_preview_never_hold_the_same_point(session, world, patches):
    event, points = world
    w1, w2 = points[1], points[2]
    tally.set_preview(session, event.id, OP, {"bridge_point_id": w1.id})
    tally.set_program(session, event.id, OP, {"bridge_point_id": w2.id})
    assert patches[-1]["coord"]["tally"] | {"changed_at": None} == {"program": w2.id, "preview": w1.id, "changed_at": None}
    tally.set_program(session, event.id, OP, {"bridge_point_id": w1.id})       # the standby goes live
    assert (patches[-1]["coord"]["tally"]["program"], patches[-1]["coord"]["tally"]["preview"]) == (w1.id, None)
    tally.set_preview(session, event.id, OP, {"bridge_point_id": w1.id})       # back to standby
    assert (patches[-1]["coord"]["tally"]["program"], patches[-1]["coord"]["tally"]["preview"]) == (None, w1.id)
    tally.set_program(session, event.id, OP, {"bridge_point_id": None})
    assert [p["rev"] for p in patches] == [1, 2, 3, 4, 5]
    assert cue_actions(session, event) == ["tally_preview", "tally_program", "tally_program", "tally_preview",
                                           "tally_program"]


@pytest.mark.parametrize("target, error", [(99999, NotFound), ("4", Invalid), (True, Invalid)])
def test_tally_refuses_points_of_nowhere(session, world, target, error):
    event, points = world
    with pytest.raises(error):
        tally.set_program(session, event.id, OP, {"bridge_point_id": target})
    assert rev(session, event) == 0 and session.execute(select(Tally)).scalar_one_or_none() is None


def test_tally_refuses_a_point_of_another_event(session, world, make_event):
    event, points = world
    other = make_event(n=1)
    with pytest.raises(NotFound):
        tally.set_program(session, event.id, OP, {"bridge_point_id": other.bridge_points[1].id})


def test_floor_queue_is_by_time_and_one_request_per_point(session, world, patches):
    event, points = world
    w1, w2, w3 = points[1], points[2], points[3]
    for point in (w2, w1, w3):
        floor_requests.request(session, event.id, f"kt-{point.code}", {"note": "Xin phát biểu"}, point)
    assert [r.bridge_point_id for r in floor_requests.queue(session, event.id)] == [w2.id, w1.id, w3.id]
    with pytest.raises(Invalid, match="vị trí 2"):
        floor_requests.request(session, event.id, "kt", {"note": "lại"}, w1)

    floor_requests.withdraw(session, event.id, "kt", {}, w2)
    with pytest.raises(Invalid, match="không có yêu cầu"):
        floor_requests.withdraw(session, event.id, "kt", {}, w2)
    first = floor_requests.queue(session, event.id)[0]
    assert first.bridge_point_id == w1.id

    floor_requests.grant(session, event.id, OP, {"request_id": first.id})
    coord = patches[-1]["coord"]
    assert coord["tally"]["program"] == w1.id and coord["floor"][0]["status"] == "granted"
    with pytest.raises(Invalid, match="đã được xử lý"):
        floor_requests.decline(session, event.id, OP, {"request_id": first.id})
    last = floor_requests.queue(session, event.id)[0]
    floor_requests.decline(session, event.id, OP, {"request_id": last.id, "reason": "Hết thời gian giao lưu"})
    assert floor_requests.queue(session, event.id) == []
    statuses = dict(session.execute(select(FloorRequest.bridge_point_id, FloorRequest.status)).all())
    assert statuses == {w2.id: "withdrawn", w1.id: "granted", w3.id: "declined"}
    # After its turn a point may ask again.
    floor_requests.request(session, event.id, "kt", {"note": ""}, w1)
    assert cue_actions(session, event) == ["floor_request"] * 3 + ["floor_withdrawn", "floor_granted",
                                                                   "floor_declined", "floor_request"]


@pytest.mark.parametrize("request_id", [None, "1", 99999])
def test_a_decision_needs_a_real_request(session, world, request_id):
    event, points = world
    with pytest.raises((Invalid, NotFound)):
        floor_requests.grant(session, event.id, OP, {"request_id": request_id})
    assert rev(session, event) == 0


def test_incident_lifecycle_keeps_its_timeline(session, world, patches):
    event, points = world
    ward = points[2]
    incidents.report(session, event.id, "kt-phuong-2", {"kind": "no_picture", "note": "Máy chiếu tắt"}, ward)
    row = session.execute(select(Incident)).scalar_one()
    incidents.acknowledge(session, event.id, OP, {"incident_id": row.id, "note": "Đã gọi kỹ thuật"})
    with pytest.raises(Invalid, match="không thể chuyển"):
        incidents.acknowledge(session, event.id, OP, {"incident_id": row.id})
    incidents.resolve(session, event.id, OP, {"incident_id": row.id, "note": "Đổi cáp HDMI"})
    with pytest.raises(Invalid):
        incidents.resolve(session, event.id, OP, {"incident_id": row.id})
    part = patches[-1]["coord"]["incidents"][0]
    assert part["status"] == "resolved"
    assert [(e["action"], e["actor"], e["note"]) for e in part["entries"]] == [
        ("reported", "kt-phuong-2", "Máy chiếu tắt"), ("acknowledged", OP, "Đã gọi kỹ thuật"),
        ("resolved", OP, "Đổi cáp HDMI")]
    assert part["reported_at"] <= part["acknowledged_at"] <= part["resolved_at"]


def test_an_incident_can_be_resolved_without_being_acknowledged_first(session, world):
    event, points = world
    incidents.report(session, event.id, "kt", {"kind": "lost_connection"}, points[1])
    row = session.execute(select(Incident)).scalar_one()
    incidents.resolve(session, event.id, OP, {"incident_id": row.id})
    session.refresh(row)
    assert row.status == "resolved" and row.acknowledged_at is None


@pytest.mark.parametrize("args, message", [
    ({"kind": "fire"}, "Loại sự cố không hợp lệ"),
    ({"kind": "other"}, "Hãy nhập mô tả sự cố"),
    ({"kind": "other", "note": "   "}, "Hãy nhập mô tả sự cố"),
    ({"kind": "no_sound", "note": "x" * 501}, "501 ký tự, tối đa 500"),
    ({"kind": "no_sound", "note": ["a"]}, "phải là văn bản"),
])
def test_bad_incident_reports_are_refused(session, world, args, message):
    event, points = world
    with pytest.raises(Invalid, match=message):
        incidents.report(session, event.id, "kt", args, points[1])
    assert rev(session, event) == 0 and session.execute(select(func.count(Incident.id))).scalar() == 0


def test_notes_are_kept_as_plain_text_not_markup(session, world):
    event, points = world
    note = "<img src=x onerror=alert(1)>\x00 Ma\u0302\u0301t tie\u0302\u0301ng"     # decomposed, as some phones type
    incidents.report(session, event.id, "kt", {"kind": "other", "note": note}, points[1])
    stored = session.execute(select(Incident.note)).scalar_one()
    # Kept as typed (screens set it as text, never as HTML), control characters blanked, in NFC.
    assert stored == "<img src=x onerror=alert(1)>  Mất tiếng"


def test_checks_mark_and_readiness(session, world, patches):
    event, points = world
    ward = points[1]
    for check in ("network", "camera", "microphone", "speakers", "display", "backup_power"):
        tech_checks.mark(session, event.id, "kt", {"check": check, "status": "pass"}, ward)
    assert tech_checks.ready_points(session, event.id) == set()
    tech_checks.mark(session, event.id, "kt", {"check": "video_call", "status": "fail"}, ward)
    assert tech_checks.ready_points(session, event.id) == set()
    tech_checks.mark(session, event.id, "kt", {"check": "video_call", "status": "pass"}, ward)
    assert tech_checks.ready_points(session, event.id) == {ward.id}
    assert session.execute(select(func.count(CheckMark.id))).scalar() == 7     # one row per check, updated
    assert patches[-1]["coord"]["checks"][0]["id"] == f"{ward.id}:video_call"


@pytest.mark.parametrize("args, message", [
    ({"check": "coffee", "status": "pass"}, "Mục kiểm tra không hợp lệ"),
    ({"check": "camera", "status": "ok"}, "pass, fail hoặc note"),
    ({"check": "camera", "status": "note"}, "Hãy nhập ghi chú"),
    ({"check": "camera", "status": "note", "note": "ố" * 301}, "tối đa 300"),
])
def test_bad_check_marks_are_refused(session, world, args, message):
    event, points = world
    with pytest.raises(Invalid, match=message):
        tech_checks.mark(session, event.id, "kt", args, points[1])
    assert rev(session, event) == 0


def test_roll_call_closes_when_everyone_answered(session, world):
    event, points = world
    roll_calls.start(session, event.id, OP, {"timeout_s": 60})
    with pytest.raises(Invalid, match="Đang có một lượt điểm danh"):
        roll_calls.start(session, event.id, OP, {"timeout_s": 60})
    for point in points:
        assert roll_calls.answer(session, event.id, f"kt-{point.code}", {}, point) is not None
    row = session.execute(select(RollCall)).scalar_one()
    assert row.closed_at is not None and len(row.answers) == len(points)
    part = coordination_part(session, event.id)["roll_call"]
    assert part["missing"] == [] and set(part["answers"]) == {str(p.id) for p in points}


def test_roll_call_answered_twice_counts_once(session, world):
    event, points = world
    roll_calls.start(session, event.id, OP, {"timeout_s": 60})
    first = roll_calls.answer(session, event.id, "kt", {}, points[1])
    before = rev(session, event)
    assert roll_calls.answer(session, event.id, "kt", {}, points[1]) is None
    assert rev(session, event) == before and first.rev == before


def test_roll_call_closes_at_its_deadline_and_names_the_missing(session, world, patches):
    event, points = world
    roll_calls.start(session, event.id, OP, {"timeout_s": 30})
    roll_calls.answer(session, event.id, "kt", {}, points[0])
    roll_calls.answer(session, event.id, "kt", {}, points[2])
    row = session.execute(select(RollCall)).scalar_one()
    assert roll_calls.close_due(session, row.deadline_at - timedelta(seconds=1)) == []
    closed = roll_calls.close_due(session, row.deadline_at + timedelta(seconds=1))
    assert len(closed) == 1
    part = patches[-1]["coord"]["roll_call"]
    assert part["closed_at"] == part["deadline_at"]
    assert part["missing"] == [points[1].id, points[3].id]
    with pytest.raises(Invalid, match="Không có lượt điểm danh nào đang mở"):
        roll_calls.answer(session, event.id, "kt", {}, points[1])
    assert roll_calls.close_due(session, row.deadline_at + timedelta(seconds=5)) == []


@pytest.mark.parametrize("timeout", [0, 4, 601, "60", None, True])
def test_roll_call_time_must_be_sensible(session, world, timeout):
    event, points = world
    with pytest.raises(Invalid, match="từ 5 đến 600 giây"):
        roll_calls.start(session, event.id, OP, {"timeout_s": timeout})
    assert rev(session, event) == 0


def test_messages_to_one_point_or_all(session, world, patches):
    event, points = world
    point_messages.send(session, event.id, OP, {"text": "Chuẩn bị kết nối", "bridge_point_id": points[2].id})
    point_messages.send(session, event.id, OP, {"text": "  Bắt đầu sau 5 phút  "})
    rows = session.execute(select(PointMessage.bridge_point_id, PointMessage.text).order_by(PointMessage.id)).all()
    assert rows == [(points[2].id, "Chuẩn bị kết nối"), (None, "Bắt đầu sau 5 phút")]
    assert [m["text"] for m in coordination_part(session, event.id)["messages"]] == ["Chuẩn bị kết nối",
                                                                                     "Bắt đầu sau 5 phút"]
    for bad in ({"text": ""}, {"text": "x" * 201}, {"text": 5}):
        with pytest.raises(Invalid):
            point_messages.send(session, event.id, OP, bad)
    assert len(patches) == 2


def test_a_flash_reaches_screens_but_not_the_snapshot(session, world, patches):
    event, points = world
    point_messages.flash(session, event.id, OP, {"bridge_point_id": points[1].id})
    assert patches[-1]["coord"]["flash"]["bridge_point_id"] == points[1].id
    assert "flash" not in coordination_part(session, event.id)


def test_navigate_builds_the_path_and_refuses_nonsense(session, world, patches):
    event, points = world
    screens.navigate(session, event.id, OP, {"screen_id": "a1b2c3d4e5f6", "page": "banner"})
    assert patches[-1]["coord"]["navigate"] == {"screen_id": "a1b2c3d4e5f6", "path": f"/e/{event.slug}/banner"}
    screens.navigate(session, event.id, OP, {"screen_id": "a1b2c3d4e5f6", "page": "site",
                                             "bridge_point_id": points[1].id})
    assert patches[-1]["coord"]["navigate"]["path"] == f"/e/{event.slug}/site/{points[1].code}"
    for bad in ({"screen_id": "../admin", "page": "banner"}, {"screen_id": "a1b2c3d4e5f6", "page": "admin"},
                {"screen_id": "a1b2c3d4e5f6", "page": "site"}):
        with pytest.raises((Invalid, NotFound)):
            screens.navigate(session, event.id, OP, bad)
    assert len(patches) == 2


def test_snapshot_carries_the_whole_coordination_state(session, world):
    event, points = world
    coord = coordination_part(session, event.id)
    assert coord == {"tally": {"program": None, "preview": None, "changed_at": None},
                     "policy": {"beat_interval_ms": 5000, "rtt_degraded_ms": 400, "jitter_degraded_ms": 150,
                                "missed_degraded": 2, "lost_after_ms": 15000},
                     "checks": [], "roll_call": None, "floor": [], "incidents": [], "messages": []}
