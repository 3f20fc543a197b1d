"""Editing the programme during the show keeps the stage on its item and refuses what would break it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import ShowState
from server.services import local_segments, programme, show_control
from server.services.errors import Conflict, Invalid
from server.services.snapshot import snapshot


def rev(session, event):
    session.expire_all()
    return session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar_one()


def go_to(session, event, index):
    show_control.command(session, event.id, "goto", expected_rev=rev(session, event), actor="t",
                         args={"index": index})


def contents(session, event):
    return [i["content"] for i in snapshot(session, event.id)["items"]]


def test_add_update_move_delete(session, make_event):
    event = make_event(n=2)
    item = programme.add_item(session, event.id, {"content": " Văn nghệ chào mừng ", "performer": "TTVH",
                                                  "duration": "10 phút"}, "t")
    assert contents(session, event) == ["Mục 1", "Mục 2", "Văn nghệ chào mừng"]
    programme.move_item(session, event.id, item.id, -1, "t")
    programme.move_item(session, event.id, item.id, -1, "t")
    assert contents(session, event)[0] == "Văn nghệ chào mừng"
    with pytest.raises(Invalid):
        programme.move_item(session, event.id, item.id, -1, "t")
    programme.update_item(session, event.id, item.id, {"content": "Chào cờ", "duration": "0:05"}, "t")
    snap = snapshot(session, event.id)
    assert (snap["items"][0]["content"], snap["items"][0]["duration_s"]) == ("Chào cờ", 300)
    programme.delete_item(session, event.id, item.id, "t")
    assert contents(session, event) == ["Mục 1", "Mục 2"]
    assert [i["number"] for i in snapshot(session, event.id)["items"]] == [1, 2]


@pytest.mark.parametrize("data, message", [
    ({"content": "", "duration": "5"}, "Nội dung không được để trống"),
    ({"content": "X", "duration": ""}, "Thiếu thời lượng"),
    ({"content": "X", "duration": "7:00:00"}, "từ 0 đến 6 giờ"),
    ({"content": "X" * 2001, "duration": "5"}, "quá dài"),
])
def test_bad_fields_are_refused_and_nothing_changes(session, make_event, data, message):
    event = make_event(n=1)
    before = rev(session, event)
    with pytest.raises(Invalid) as exc:
        programme.add_item(session, event.id, data, "t")
    assert message in str(exc.value.message)
    assert rev(session, event) == before and contents(session, event) == ["Mục 1"]


def test_the_cursor_follows_its_item_when_items_move(session, make_event):
    event = make_event(n=4)
    go_to(session, event, 2)                                  # "Mục 3" on stage
    items = snapshot(session, event.id)["items"]
    programme.move_item(session, event.id, items[0]["id"], 1, "t")
    programme.delete_item(session, event.id, items[3]["id"], "t")
    snap = snapshot(session, event.id)
    assert snap["items"][snap["show"]["cursor"]]["content"] == "Mục 3"
    with pytest.raises(Invalid):
        programme.delete_item(session, event.id, items[2]["id"], "t")   # the item on stage


def test_a_command_made_on_the_old_list_is_stale_after_an_edit(session, make_event):
    event = make_event(n=4)
    go_to(session, event, 0)
    seen = rev(session, event)
    items = snapshot(session, event.id)["items"]
    programme.move_item(session, event.id, items[3]["id"], -1, "t")
    with pytest.raises(Conflict):
        show_control.command(session, event.id, "goto", expected_rev=seen, actor="t", args={"index": 2})


def test_local_items_and_a_segment_that_has_run(session, make_event):
    event = make_event(n=3, segment_at=None)
    segment = programme.add_item(session, event.id, {"content": "Phần riêng các phường", "duration": "2",
                                                     "is_local_segment": True}, "t")
    first = programme.add_local_item(session, event.id, segment.id, {"content": "Báo cáo phường", "duration": "15"}, "t")
    programme.add_local_item(session, event.id, segment.id, {"content": "Khen thưởng", "duration": "20"}, "t")
    programme.move_local_item(session, event.id, first.id, 1, "t")
    snap = snapshot(session, event.id)
    assert [li["content"] for li in snap["items"][3]["local_items"]] == ["Khen thưởng", "Báo cáo phường"]
    plain = snap["items"][0]["id"]
    with pytest.raises(Invalid):
        programme.add_local_item(session, event.id, plain, {"content": "X", "duration": "1"}, "t")
    go_to(session, event, 3)                                  # the segment runs: wards get cursors
    with pytest.raises(Invalid):
        programme.delete_local_item(session, event.id, first.id, "t")
    with pytest.raises(Invalid):
        programme.update_item(session, event.id, segment.id, {"content": "Phần riêng", "duration": "2"}, "t")
    assert len(snapshot(session, event.id)["items"][3]["local_items"]) == 2


def test_stale_local_command_is_a_conflict_even_when_the_point_has_finished(session, make_event):
    event = make_event(n=2, segment_at=0, local_items=1, wards=1)
    go_to(session, event, 0)
    ward = next(p for p in event.bridge_points if p.kind == "ward")
    seen = rev(session, event)
    local_segments.step(session, event.id, ward.id, 1, expected_rev=seen, actor="t")   # done
    with pytest.raises(Conflict) as exc:
        local_segments.step(session, event.id, ward.id, 1, expected_rev=seen, actor="t")
    assert exc.value.details["current_rev"] == rev(session, event)
