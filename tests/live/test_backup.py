"""Backups taken while the show runs, restored into a fresh instance after the server died: the show
resumes where it was, check-ins stay, and the invitations already printed are still accepted (the
backup carries the key they are signed with)."""
from __future__ import annotations

import pytest

from server.demo import SLUG
from sites.follower import ShowFollower
from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id
from tests.live.test_live_show import press
from tests.server_process import ServerProcess, diemcau

pytestmark = pytest.mark.live
SCRIPTED = {"confirm": True}      # a script, past the double-press guard


def test_a_backup_taken_mid_show_resumes_in_a_fresh_instance(tmp_path):
    (tmp_path / "a").mkdir()
    first = ServerProcess(tmp_path / "a").start()
    data = ServerData.of(first)
    token = data.token("dieuhanh")
    points = data.delegate_points()
    codes = data.codes()
    came, later = sorted(codes)[:2]
    desk = ShowFollower(first.url, SLUG, token, name="desk").connect()
    door = CheckInClient(first.url, token, event=SLUG, name="door").connect()
    try:
        press(desk, "go")
        press(desk, "next", SCRIPTED)
        desk.wait_for(lambda f: f.state["show"]["cursor"] == 1)
        assert door.scan(points[came][0], {"scan_id": new_scan_id(), "code": codes[came]})["result"]["verdict"] == "welcome"
        out = diemcau(tmp_path / "a", "backup", str(tmp_path / "bk.zip"))        # while it runs
        assert "Đã sao lưu vào" in out and (tmp_path / "bk.zip").stat().st_mode & 0o077 == 0
    finally:
        desk.disconnect()
        door.disconnect()
        data.close()
    first.kill()                                                                  # the machine dies

    refused = diemcau(tmp_path / "b", "restore", str(tmp_path / "a" / "secret_key"), ok=False)
    assert "không phải bản sao lưu" in refused
    assert "Đã khôi phục" in diemcau(tmp_path / "b", "restore", str(tmp_path / "bk.zip"))
    again = diemcau(tmp_path / "b", "restore", str(tmp_path / "bk.zip"), ok=False)
    assert "--replace" in again                                                   # never over a database by accident

    second = ServerProcess(tmp_path / "b").start()
    data = ServerData.of(second)
    token = data.token("dieuhanh")
    desk = ShowFollower(second.url, SLUG, token, name="desk-b").connect()
    door = CheckInClient(second.url, token, event=SLUG, name="door-b").connect()
    try:
        assert desk.state["show"]["cursor"] == 1 and desk.state["show"]["status"] == "running"
        # the codes printed before the failure: the one who came is known, the next one is welcome
        assert door.scan(points[came][0], {"scan_id": new_scan_id(), "code": codes[came]})["result"]["verdict"] == "already"
        assert door.scan(points[later][0], {"scan_id": new_scan_id(), "code": codes[later]})["result"]["verdict"] == "welcome"
        press(desk, "next", SCRIPTED)
        assert desk.state["show"]["cursor"] == 2
    finally:
        desk.disconnect()
        door.disconnect()
        data.close()
        second.stop()
