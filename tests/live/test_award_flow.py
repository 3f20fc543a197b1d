"""The award segment against a real server (eventlet and threading), seen by real socket clients: the MC
prompter, the stage display and the escorts follow the main hall's batch while a ward runs its own
awards from its console at the same time; a recipient checking in at the door reaches them at once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from server.demo import SLUG
from server.models import BridgePoint, Event, ShowState
from server.services.text import vietnamese_name_key
from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id
from tests.live.conftest import comparable
from tests.live.test_live_show import press

# A script presses Next on purpose faster than a person would: it confirms past the double-press
# guard (show_control._guard), which test_press_guard checks on its own.
SCRIPTED = {"confirm": True}

pytestmark = pytest.mark.live

PROXY = "Nguyễn Văn Bảo"


def point_ids(tokens) -> dict[str, int]:
    with tokens.db.session() as s:
        return dict(s.execute(select(BridgePoint.code, BridgePoint.id).join(Event).where(Event.slug == SLUG)).all())


def server_rev(tokens) -> int:
    with tokens.db.session() as s:
        return s.execute(select(ShowState.rev).join(Event).where(Event.slug == SLUG)).scalar_one()


def ok(ack: dict) -> dict:
    assert ack and ack["ok"], ack
    return ack


def refused(ack: dict, code: str) -> dict:
    assert ack and ack["ok"] is False and ack["error"]["code"] == code, ack
    return ack


def batches_of(state: dict, point_id: int, **where) -> list[dict]:
    rows = [b for b in state["awards"]["batches"] if b["bridge_point_id"] == point_id
            and all(b[k] == v for k, v in where.items())]
    return sorted(rows, key=lambda b: b["position"])


def batch_of(state: dict, batch_id: int) -> dict:
    return next(b for b in state["awards"]["batches"] if b["id"] == batch_id)


def awards_of(state: dict, batch_id: int) -> list[dict]:
    """A batch's awards in stage order."""
    return sorted((a for a in state["awards"]["awards"] if a["batch_id"] == batch_id), key=lambda a: a["stage_order"])


def statuses(state: dict, batch_id: int) -> list[tuple]:
    return [(a["id"], a["status"], a["proxy_name"]) for a in awards_of(state, batch_id)]


def test_the_main_hall_and_a_ward_present_awards_at_once_and_every_screen_agrees(live_server, tokens, follow):
    ids = point_ids(tokens)
    hall, long_binh, phu_huu = ids["quan-uy"], ids["long-binh"], ids["phu-huu"]
    prompter, stage, escort = follow("mc"), follow("xem"), follow("dandat")
    desk, ward = follow("dieuhanh"), follow("kt-long-binh")
    followers = [prompter, stage, escort]
    screens = [*followers, desk, ward]
    start = desk.rev
    assert {s.rev for s in screens} == {start}

    def everyone_at(rev):
        for screen in screens:
            screen.wait_for(lambda f: f.rev >= rev)

    # The demo's main hall: two batches at item 6 (index 5): 5 badges, then 3 city awards.
    award_item = desk.state["items"][5]
    hall_batches = batches_of(desk.state, hall, programme_item_id=award_item["id"])
    assert [len(awards_of(desk.state, b["id"])) for b in hall_batches] == [5, 3]
    first = hall_batches[0]
    assert {a["kind"] for a in awards_of(desk.state, first["id"])} == {"Huy hiệu 30 năm tuổi Đảng"}

    # The show reaches the wards' local segment (index 4); Long Bình steps to its award item (local 1).
    press(desk, "go")
    for _ in range(4):
        everyone_at(desk.rev)
        press(desk, "next", SCRIPTED)
    everyone_at(desk.rev)
    segment = desk.state["items"][4]
    assert segment["is_local_segment"] and desk.state["show"]["cursor"] == 4
    ok(ward.command("local_next", bridge_point_id=long_binh))
    ward.wait_for(lambda f: (f.site_cursor(long_binh) or {}).get("index") == 1)
    ward_local_item = segment["local_items"][1]["id"]
    (ward_batch,) = batches_of(ward.state, long_binh, local_item_id=ward_local_item)
    (phu_huu_batch,) = batches_of(ward.state, phu_huu, local_item_id=ward_local_item)
    ward_awards = [a["id"] for a in awards_of(ward.state, ward_batch["id"])]
    assert len(ward_awards) == 3

    # The desk moves the main hall to its award item, and calls the first batch.
    everyone_at(ward.rev)
    ok(desk.command("next", SCRIPTED, expected_rev=desk.state["show"]["cursor_rev"]))
    everyone_at(desk.rev)
    assert stage.state["show"]["cursor"] == 5

    # Meanwhile the ward runs its own batch from its console.
    ward_acks: list[dict] = []

    def run_ward():
        ward_acks.append(ward.command("award_call", {"batch_id": ward_batch["id"]}, bridge_point_id=long_binh))
        for award_id in ward_awards:
            ward_acks.append(ward.command("award_present", {"award_id": award_id}, bridge_point_id=long_binh))
        ward_acks.append(ward.command("award_batch_done", {"batch_id": ward_batch["id"]}, bridge_point_id=long_binh))
    ward_thread = threading.Thread(target=run_ward)
    ward_thread.start()

    ok(desk.command("award_call", {"batch_id": first["id"]}, bridge_point_id=hall))
    for f in followers:
        f.wait_for(lambda f: batch_of(f.state, first["id"])["status"] == "called")
        on_stage = awards_of(f.state, first["id"])
        assert len(on_stage) == 5, f.name
        assert [a["stage_order"] for a in on_stage] == [0, 1, 2, 3, 4], f.name
        names = [a["name"] for a in on_stage]
        assert names == sorted(names, key=vietnamese_name_key), f.name       # read out in Vietnamese order
        assert {a["status"] for a in on_stage} == {"pending"}, f.name
    a1, a2, a3 = [a["id"] for a in awards_of(desk.state, first["id"])][:3]

    ok(desk.command("award_present", {"award_id": a1}, bridge_point_id=hall))
    ok(desk.command("award_absent", {"award_id": a2}, bridge_point_id=hall))
    refused(desk.command("award_proxy", {"award_id": a3, "proxy_name": " "}, bridge_point_id=hall), "invalid")
    ok(desk.command("award_proxy", {"award_id": a3, "proxy_name": PROXY}, bridge_point_id=hall))
    wanted = {a1: ("presented", ""), a2: ("absent", ""), a3: ("proxy", PROXY)}
    for f in followers:
        f.wait_for(lambda f: all((a["status"], a["proxy_name"]) == wanted.get(a["id"], ("pending", ""))
                                 for a in awards_of(f.state, first["id"])))
    ok(desk.command("award_batch_done", {"batch_id": first["id"]}, bridge_point_id=hall))
    ward_thread.join(60)
    assert not ward_thread.is_alive()
    assert len(ward_acks) == 5 and all(a["ok"] for a in ward_acks), ward_acks

    # The ward's technician acts for its own point only.
    refused(ward.command("award_call", {"batch_id": phu_huu_batch["id"]}, bridge_point_id=phu_huu), "forbidden")
    refused(ward.command("award_call", {"batch_id": phu_huu_batch["id"]}, bridge_point_id=long_binh), "invalid")
    refused(ward.command("award_call", {"batch_id": hall_batches[1]["id"]}, bridge_point_id=hall), "forbidden")

    final = server_rev(tokens)
    # go + 4 next + local_next + next, then the ward's 5 steps and the hall's 5 (call, 3 marks, done).
    assert final == start + 7 + 5 + 5
    everyone_at(final)
    reference = comparable(desk.snapshot_copy())
    for screen in screens:
        assert screen.revs_seen == list(range(start + 1, final + 1)), screen.name    # every revision, in order
        assert screen.gaps == 0, screen.name
        state = screen.snapshot_copy()
        assert comparable(state) == reference, screen.name
        assert batch_of(state, first["id"])["status"] == "done"
        assert batch_of(state, ward_batch["id"])["status"] == "done"
        assert batch_of(state, phu_huu_batch["id"])["status"] == "waiting"
        assert batch_of(state, hall_batches[1]["id"])["status"] == "waiting"
        assert [s for _, s, _ in statuses(state, ward_batch["id"])] == ["presented"] * 3
        assert statuses(state, first["id"])[:3] == [(a1, "presented", ""), (a2, "absent", ""), (a3, "proxy", PROXY)]
        assert [s for _, s, _ in statuses(state, first["id"])[3:]] == ["pending", "pending"]
    # A fresh snapshot says the same as the patches did.
    late = follow("xem")
    assert comparable(late.snapshot_copy())["awards"] == reference["awards"]


def test_a_recipient_checking_in_reaches_the_prompter_the_stage_and_the_escorts(live_server, tokens, follow):
    data = ServerData.of(live_server)
    door = None
    try:
        ids = data.point_ids()
        hall = ids["quan-uy"]
        prompter, stage, escort = follow("mc"), follow("xem"), follow("dandat")
        desk = follow("dieuhanh")
        followers = [prompter, stage, escort, desk]
        first = batches_of(desk.state, hall)[0]
        on_stage = awards_of(desk.state, first["id"])
        assert on_stage and all(a["checked_in_at"] is None for a in desk.state["awards"]["awards"])
        recipient = on_stage[1]
        codes = data.codes(hall)
        door = CheckInClient(live_server.url, data.token("dt-quan-uy"), name="dt-quan-uy").connect()
        scan = {"scan_id": new_scan_id("award"), "code": codes[recipient["delegate_id"]]}
        result = ok(door.scan(None, scan))["result"]
        assert result["verdict"] == "welcome" and result["delegate"]["id"] == recipient["delegate_id"]
        at = result["check_in"]["at"]
        assert isinstance(at, int)
        for f in followers:
            f.wait_for(lambda f: next(a for a in f.state["awards"]["awards"]
                                      if a["id"] == recipient["id"])["checked_in_at"] == at)
            others = [a for a in f.state["awards"]["awards"] if a["delegate_id"] != recipient["delegate_id"]]
            assert all(a["checked_in_at"] is None for a in others), f.name
        # The flag agrees with the server: the batch's patch and a fresh snapshot carry the same time.
        ok(desk.command("award_call", {"batch_id": first["id"]}, bridge_point_id=hall))
        rev = desk.rev
        for f in followers:
            f.wait_for(lambda f: batch_of(f.state, first["id"])["status"] == "called")
            assert [a["checked_in_at"] for a in awards_of(f.state, first["id"])] == \
                [at if a["id"] == recipient["id"] else None for a in on_stage], f.name
        late = follow("xem")
        assert late.rev >= rev
        assert next(a for a in late.state["awards"]["awards"] if a["id"] == recipient["id"])["checked_in_at"] == at
    finally:
        if door is not None:
            door.disconnect()
        data.close()
