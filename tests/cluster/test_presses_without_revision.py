"""Presses sent without `expected_rev` (Companion, scripts) are applied one after another on every
database: on PostgreSQL, where transactions really run side by side, none is refused as stale."""
from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select

from server.db import Database
from server.demo import SLUG
from server.models import CueLog, Event, ShowState
from tests.deployment import fresh_database
from tests.live.checkin_helpers import ServerData
from tests.machine_services import need_postgresql
from tests.server_process import ServerProcess

pytestmark = pytest.mark.cluster
PRESSES, PRESSERS = 40, 3


def test_every_press_without_a_revision_counts_on_postgresql(tmp_path):
    need_postgresql()
    with fresh_database() as url:
        server = ServerProcess(tmp_path, extra=["--database-url", url]).start()
        data = ServerData(url, tmp_path)
        try:
            headers = {"Authorization": f"Bearer {data.token('dieuhanh')}"}
            base = f"{server.url}/api/v1/events/{SLUG}"
            assert requests.post(f"{base}/go", headers=headers, timeout=30).status_code == 200
            answers: list[int] = []

            def presser():
                with requests.Session() as http:
                    for _ in range(PRESSES):
                        answers.append(http.post(f"{base}/add_time", json={"seconds": 1}, headers=headers,
                                                 timeout=60).status_code)
            threads = [threading.Thread(target=presser) for _ in range(PRESSERS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert answers.count(200) == PRESSES * PRESSERS, sorted(set(answers))
            db = Database(url)
            with db.session() as s:
                event_id = s.execute(select(Event.id).where(Event.slug == SLUG)).scalar_one()
                extra = s.execute(select(ShowState.extra_ms).where(ShowState.event_id == event_id)).scalar_one()
                logged = s.execute(select(func.count()).select_from(CueLog).where(
                    CueLog.event_id == event_id, CueLog.action == "add_time")).scalar_one()
            db.engine.dispose()
            assert (extra, logged) == (PRESSES * PRESSERS * 1000, PRESSES * PRESSERS)
        finally:
            data.close()
            server.stop()
