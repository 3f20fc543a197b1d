"""The same backup and restore on PostgreSQL (pg_dump / pg_restore): a show running on one database,
restored into a new empty one with a new instance folder, resumes where it was."""
from __future__ import annotations

import shutil

import pytest

from server.demo import SLUG
from sites.follower import ShowFollower
from tests.conftest import need
from tests.deployment import fresh_database
from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id
from tests.live.test_backup import SCRIPTED
from tests.live.test_live_show import press
from tests.machine_services import need_postgresql
from tests.server_process import ServerProcess, diemcau

pytestmark = pytest.mark.cluster


def test_a_postgresql_backup_resumes_in_a_new_database(tmp_path):
    need_postgresql()
    need(shutil.which("pg_dump") is not None, "pg_dump is missing (apt-get install postgresql-client)")
    with fresh_database() as source_url, fresh_database() as target_url:
        (tmp_path / "a").mkdir()
        first = ServerProcess(tmp_path / "a", extra=["--database-url", source_url]).start()
        data = ServerData(source_url, tmp_path / "a")
        token = data.token("dieuhanh")
        points, codes = data.delegate_points(), data.codes()
        came = sorted(codes)[0]
        desk = ShowFollower(first.url, SLUG, token, name="desk").connect()
        door = CheckInClient(first.url, token, event=SLUG, name="door").connect()
        try:
            press(desk, "go")
            press(desk, "next", SCRIPTED)
            assert door.scan(points[came][0], {"scan_id": new_scan_id(), "code": codes[came]})["result"]["verdict"] \
                == "welcome"
            diemcau(tmp_path / "a", "backup", str(tmp_path / "bk.zip"), "--database-url", source_url)
        finally:
            desk.disconnect()
            door.disconnect()
            data.close()
        first.kill()

        wrong = diemcau(tmp_path / "b", "restore", str(tmp_path / "bk.zip"), ok=False)   # into SQLite: refused
        assert "postgresql" in wrong
        diemcau(tmp_path / "b", "restore", str(tmp_path / "bk.zip"), "--database-url", target_url)
        second = ServerProcess(tmp_path / "b", extra=["--database-url", target_url]).start()
        data = ServerData(target_url, tmp_path / "b")
        token = data.token("dieuhanh")
        desk = ShowFollower(second.url, SLUG, token, name="desk-b").connect()
        door = CheckInClient(second.url, token, event=SLUG, name="door-b").connect()
        try:
            assert desk.state["show"]["cursor"] == 1
            assert door.scan(points[came][0], {"scan_id": new_scan_id(), "code": codes[came]})["result"]["verdict"] \
                == "already"
            press(desk, "next", SCRIPTED)
        finally:
            desk.disconnect()
            door.disconnect()
            data.close()
            second.stop()
