"""Dates and times in the event's zone, one rounding rule, one language at a time."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from server.models import Event
from server.services import invitations, local_time

VECTORS = json.loads((Path(__file__).parents[1] / "fixtures" / "time_vectors.json").read_text())["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=[c["note"] for c in VECTORS])
def test_clock_follows_the_shared_vectors(case):
    event = Event(timezone=case["timezone"])
    moment = datetime.fromtimestamp(case["ms"] / 1000, timezone.utc)
    assert local_time.clock(event, moment) == case["hhmm"]
    assert local_time.clock(event, moment, seconds=True) == case["hhmmss"]


def test_an_invitation_printed_at_0230_in_vietnam_carries_vietnams_date(app, monkeypatch):
    event = Event(title="Hội nghị", organiser="Quận ủy", timezone="Asia/Ho_Chi_Minh",
                  starts_at=datetime(2026, 12, 5, 1, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    at_0230 = datetime(2026, 12, 4, 19, 30, tzinfo=timezone.utc)          # 02:30 on the 5th in Vietnam
    monkeypatch.setattr(local_time, "utcnow", lambda: at_0230)
    with app.test_request_context("/"):
        header, block = invitations.printed(event)
        assert header.issued_on.isoformat() == "2026-12-05"
        assert block.starts_at_text == "01 giờ 00 phút, thứ Bảy, ngày 05/12/2026"
        with force_locale("en"):
            english = local_time.when(event)
            header_en, block_en = invitations.printed(event)        # printed: Vietnamese whatever the reader
        assert "Saturday" in english and "thứ" not in english
        assert block_en.starts_at_text == block.starts_at_text


def test_zones_are_named_for_people_not_by_their_code(app):
    with app.test_request_context("/"):
        assert local_time.zone_name(Event(timezone="Asia/Ho_Chi_Minh")) == "Giờ Việt Nam"
        assert local_time.zone_name("Asia/Ho_Chi_Minh", "en") == "Vietnam Time"
        with force_locale("en"):
            assert local_time.zone_name(Event(timezone=None)) == "Vietnam Time"
