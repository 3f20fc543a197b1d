"""A rehearsal run produces a report whose numbers are checked against what the test did.

The reference event (15 points, 174 delegates, 50 awards in batches) is driven through the services
exactly as the screens would: the desk runs the programme, the wards their local segment and awards,
the doors check people in, the technicians mark checks, report an incident and answer roll calls, the
link monitor records samples. Every service that reads the clock reads `utcnow` from its own module,
so the `clock` fixture replaces that name in every loaded module of the server with a clock the test
sets; check_in.scan gets its `now` directly. Every expected number below is written from the script,
never read back from the database."""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

import server
from server.demo import demo_awards, demo_delegates
from server.models import (Award, AwardBatch, AwardKind, CueLog, Delegate, Incident, ShowState, User,
                           to_ms, utcnow as real_utcnow)
from server.services import attendance, check_in, commands, invitation_tokens, link_health
from server.services.report import curve, percentile, report

# Planned (demo programme, minutes x 60) and actual durations of the 8 items, in seconds.
PLANNED = [300, 900, 1200, 1200, 120, 900, 1200, 300]
ACTUAL = [360, 840, 1230, 1320, 180, 900, 1140, 310]
GO_LATE = 90                       # GO pressed 90 s after the planned start
LOCAL = 4                          # the wards' local segment
# The cue-log action of a command, where the service names it by what happened.
CUE_ACTIONS = {"incident_report": "incident_reported", "incident_acknowledge": "incident_acknowledged",
               "incident_resolve": "incident_resolved"}


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, when: datetime) -> datetime:
        self.now = when
        return when


@pytest.fixture
def clock(monkeypatch):
    for module in pkgutil.walk_packages(server.__path__, "server."):
        if module.name.startswith(("server.services", "server.models")):
            importlib.import_module(module.name)
    clock = Clock(real_utcnow().replace(microsecond=0))
    for name, module in list(sys.modules.items()):
        if name.startswith("server") and getattr(module, "utcnow", None) is real_utcnow:
            monkeypatch.setattr(module, "utcnow", clock)
    return clock


class Rehearsal:
    def __init__(self, session, event, clock):
        self.session, self.event, self.clock = session, event, clock
        self.S = event.starts_at
        self.issued: list[str] = []            # every accepted command, in order: one cue-log row each
        self.points = {p.code: p for p in event.bridge_points}
        self.operator = self.user("dieuhanh")
        self._scan = 0

    def user(self, username) -> User:
        return self.session.execute(select(User).where(User.username == username)).scalar_one()

    def tech(self, code) -> User:
        return self.user(f"kt-{code}")

    def rev(self) -> int:
        self.session.expire_all()
        return self.session.execute(select(ShowState.rev).where(ShowState.event_id == self.event.id)).scalar_one()

    def run(self, at, user, action, args=None, point=None, rev=False):
        self.clock.at(at)
        change = commands.run(self.session, self.event.id, user, action, args=args or {},
                              expected_rev=self.rev() if rev else None,
                              bridge_point_id=point.id if point is not None else None)
        if change is not None:
            self.issued.append(CUE_ACTIONS.get(action, action))
        return change

    def show(self, at, action, args=None):
        return self.run(at, self.operator, action, args, rev=True)

    def people(self, code, category) -> list[Delegate]:
        return list(self.session.execute(select(Delegate).where(
            Delegate.bridge_point_id == self.points[code].id, Delegate.category == category)
            .order_by(Delegate.id)).scalars())

    def scan(self, at, code, delegate, user=None, qr=False, **payload):
        self._scan += 1
        station = check_in.station_for(self.session, self.event.id, user or self.operator, self.points[code].id,
                                       "Cổng chính")
        if qr:
            payload["code"] = invitation_tokens.token_for(invitation_tokens.current(self.session, delegate.id))
        else:
            payload["delegate_id"] = delegate.id
        return check_in.scan(self.session, station, {"scan_id": f"scan-{self._scan:06d}", **payload}, now=at)


def item_start(i: int, S: datetime) -> datetime:
    return S + timedelta(seconds=GO_LATE + sum(ACTUAL[:i]))


def test_a_rehearsal_run_produces_a_report_whose_numbers_match_the_script(app, session, demo_event, clock):
    with app.app_context():
        S = demo_event.starts_at
        assert S.second == 0 and S.minute % 15 == 0           # the demo starts on a quarter hour
        clock.at(S - timedelta(hours=2))
        demo_delegates(session, demo_event)
        demo_awards(session, demo_event)
        r = Rehearsal(session, demo_event, clock)
        P = r.points
        baseline = session.execute(select(func.count(CueLog.id)).where(CueLog.event_id == demo_event.id)).scalar_one()
        assert baseline == 15                    # demo_awards built one batch scope per point

        # --- technical checks (45 min before) -----------------------------------------------------
        t = S - timedelta(minutes=45)
        for i, check in enumerate(("network", "camera", "microphone", "speakers", "display", "backup_power",
                                   "video_call")):
            r.run(t + timedelta(seconds=i), r.tech("quan-uy"), "check_mark", {"check": check, "status": "pass"},
                  P["quan-uy"])
        for i, (check, status) in enumerate((("network", "pass"), ("camera", "fail"), ("microphone", "pass"),
                                             ("speakers", "fail"), ("display", "note"), ("backup_power", "pass"),
                                             ("video_call", "pass"), ("camera", "pass"))):   # camera fixed
            r.run(t + timedelta(seconds=20 + i), r.tech("phu-huu"), "check_mark",
                  {"check": check, "status": status, "note": "Màn hình mờ" if status == "note" else ""}, P["phu-huu"])

        # --- a first roll call (40 min before): only Hiệp Phú answers ------------------------------
        t = S - timedelta(minutes=40)
        r.run(t, r.operator, "roll_call_start", {"timeout_s": 60})
        r.run(t + timedelta(seconds=7), r.tech("hiep-phu"), "roll_call_answer", point=P["hiep-phu"])
        r.run(t + timedelta(seconds=30), r.operator, "roll_call_close")

        # --- arrivals (from 30 min before, minute-aligned) -----------------------------------------
        T = S - timedelta(minutes=30)
        assert to_ms(T) % 60_000 == 0
        main_first = r.people("quan-uy", "city_guest") + r.people("quan-uy", "district_leader")          # 5
        main_second = r.people("quan-uy", "cell_secretary") + r.people("quan-uy", "award_recipient")    # 8
        arrivals = []              # (time, delegate's own point code)
        for i, person in enumerate(main_first):
            at = T + timedelta(seconds=5 + 10 * i)                                  # minute 0
            assert r.scan(at, "quan-uy", person, qr=True)["verdict"] == "welcome"
            arrivals.append((at, "quan-uy"))
        for i, person in enumerate(main_second):
            at = T + timedelta(seconds=62 + 7 * i)                                  # minute 1
            assert r.scan(at, "quan-uy", person, qr=True)["verdict"] == "welcome"
            arrivals.append((at, "quan-uy"))
        door = r.user("dt-long-binh")
        for i, person in enumerate(r.people("long-binh", "cell_secretary")[:4]):
            at = T + timedelta(seconds=185 + 10 * i)                                # minute 3, by name search
            assert r.scan(at, "long-binh", person, user=door)["verdict"] == "welcome"
            arrivals.append((at, "long-binh"))
        # A Long Bình recipient let in at the district hall by an override: counted at Long Bình.
        moved = r.people("long-binh", "award_recipient")[0]
        at = T + timedelta(seconds=250)                                             # minute 4
        out = r.scan(at, "ubnd-quan", moved, override_reason="Ngồi cùng đoàn UBND quận")
        assert out["verdict"] == "welcome" and out["override_reason"]
        arrivals.append((at, "long-binh"))
        # A Hiệp Phú delegate scanned offline at Long Phước (wrong point): kept, flagged, nobody checked in.
        stray = r.people("hiep-phu", "delegate")[0]
        out = r.scan(T + timedelta(minutes=15), "long-phuoc", stray, offline=True,
                     scanned_at=to_ms(T + timedelta(seconds=290)))
        assert out["verdict"] == "wrong_point" and out["conflict"]
        # A guest scanned again at another gate: "already", counted once.
        assert r.scan(T + timedelta(seconds=400), "quan-uy", main_first[0])["verdict"] == "already"
        # A walk-in at the main hall (delegates.add and the scan read the patched clock).
        clock.at(T + timedelta(seconds=430))                                        # minute 7
        out = check_in.walk_in(session, check_in.station_for(session, demo_event.id, r.operator,
                                                             P["quan-uy"].id, "Cổng chính"), r.operator,
                               {"full_name": "Trương Văn Khách", "category": "delegate",
                                "organisation": "Báo Sài Gòn Giải Phóng"}, "walkin-000001")
        assert out["verdict"] == "welcome"
        arrivals.append((T + timedelta(seconds=430), "quan-uy"))

        # --- the latest roll call (10 min before) ---------------------------------------------------
        t_roll = S - timedelta(minutes=10)
        r.run(t_roll, r.operator, "roll_call_start", {"timeout_s": 120})
        for code, after in (("quan-uy", 3), ("ubnd-quan", 5), ("long-binh", 12)):
            r.run(t_roll + timedelta(seconds=after), r.tech(code), "roll_call_answer", point=P[code])
        r.run(t_roll + timedelta(seconds=60), r.operator, "roll_call_close")

        # --- the run of show, as a timeline run in time order (the desk, the wards, the control room) ---
        starts = [item_start(i, S) for i in range(8)]
        end = starts[7] + timedelta(seconds=ACTUAL[7])
        seg = starts[LOCAL]
        timeline = []

        def at(when, step):
            timeline.append((when, len(timeline), step))

        at(starts[0], lambda: r.show(starts[0], "go"))
        for i in range(1, 8):
            at(starts[i], lambda i=i: r.show(starts[i], "next"))
        at(end, lambda: r.show(end, "next"))                                        # the show ends
        # a pause in item 3: wall time still counts in its actual duration
        at(starts[2] + timedelta(seconds=200), lambda: r.show(starts[2] + timedelta(seconds=200), "pause"))
        at(starts[2] + timedelta(seconds=260), lambda: r.show(starts[2] + timedelta(seconds=260), "resume"))
        # an incident at Phú Hữu during item 3: acknowledged after 40 s, resolved after 300 s
        reported = starts[2] + timedelta(seconds=100)

        def incident_id():
            return session.execute(select(Incident.id).where(Incident.bridge_point_id == P["phu-huu"].id)).scalar_one()

        at(reported, lambda: r.run(reported, r.tech("phu-huu"), "incident_report",
                                   {"kind": "lost_connection", "note": "Mất đường truyền cáp quang"}, P["phu-huu"]))
        at(reported + timedelta(seconds=40), lambda: r.run(reported + timedelta(seconds=40), r.operator,
                                                           "incident_acknowledge", {"incident_id": incident_id()}))
        at(reported + timedelta(seconds=300), lambda: r.run(reported + timedelta(seconds=300), r.operator,
                                                            "incident_resolve",
                                                            {"incident_id": incident_id(), "note": "Chuyển sang 4G"}))
        # the wards' local segment: Long Bình runs its three items, Hiệp Phú one; the desk ends it for all
        for after in (900, 2100, 2280):
            when = seg + timedelta(seconds=after)
            at(when, lambda when=when: r.run(when, r.tech("long-binh"), "local_next", point=P["long-binh"], rev=True))
        at(seg + timedelta(seconds=1000), lambda: r.run(seg + timedelta(seconds=1000), r.tech("hiep-phu"),
                                                        "local_next", point=P["hiep-phu"], rev=True))
        at(seg + timedelta(seconds=2400), lambda: r.show(seg + timedelta(seconds=2400), "end_segment"))  # in item 8
        # an incident at Tân Phú during item 8, never resolved
        at(starts[7] + timedelta(seconds=100), lambda: r.run(starts[7] + timedelta(seconds=100), r.tech("tan-phu"),
                                                             "incident_report", {"kind": "no_sound"}, P["tan-phu"]))

        # awards: main hall during item 6, district during item 7, wards during their local item 2
        proxies = []
        def present(code, user, start, script):
            """Calls each batch of the point in order and marks its people by kind, in stage order."""
            used = {kind: 0 for kind in script}
            batches = session.execute(select(AwardBatch).where(AwardBatch.bridge_point_id == P[code].id)
                                      .order_by(AwardBatch.position)).scalars().all()
            n = 0

            def step(action, args):
                when = start + timedelta(seconds=n)
                at(when, lambda: r.run(when, user, action, args, P[code]))

            for batch in batches:
                n += 1
                step("award_call", {"batch_id": batch.id})
                members = session.execute(select(Award, AwardKind.name).join(AwardKind, AwardKind.id == Award.kind_id)
                                          .where(Award.batch_id == batch.id).order_by(Award.stage_order)).all()
                for award, kind in members:
                    status = script[kind][used[kind]] if used[kind] < len(script[kind]) else None
                    used[kind] += 1
                    n += 1
                    if status == "proxy":
                        proxies.append(award.id)
                        step("award_proxy", {"award_id": award.id, "proxy_name": f"Người nhận thay {len(proxies)}"})
                    elif status is not None:
                        step(f"award_{status}", {"award_id": award.id})
                n += 1
                step("award_batch_done", {"batch_id": batch.id})
            return used

        badge, city, district, ward = ("Huy hiệu 30 năm tuổi Đảng", "Bằng khen của Ủy ban nhân dân Thành phố",
                                       "Giấy khen cấp quận", "Giấy khen cấp phường")
        assert present("quan-uy", r.operator, starts[5] + timedelta(seconds=60),
                       {badge: ["present", "present", "present", "absent", "proxy"],
                        city: ["present", "present", "proxy"]}) == {badge: 5, city: 3}
        assert present("ubnd-quan", r.operator, starts[6] + timedelta(seconds=60),
                       {district: ["present", "absent"]}) == {district: 3}          # the third stays pending
        assert present("long-binh", r.tech("long-binh"), seg + timedelta(seconds=1200),
                       {ward: ["present", "present", "present"]}) == {ward: 3}
        assert present("hiep-phu", r.tech("hiep-phu"), seg + timedelta(seconds=1300),
                       {ward: ["present", "proxy", "absent"]}) == {ward: 3}

        for _when, _seq, step in sorted(timeline, key=lambda e: (e[0], e[1])):
            step()

        # --- link samples, as the monitor records them ---------------------------------------------
        L = S + timedelta(minutes=30)

        def sample(code, state, rtt):
            return {"event_id": demo_event.id, "bridge_point_id": P[code].id, "state": state, "rtt_ms": rtt,
                    "jitter_ms": None if rtt is None else 5, "missed": 0, "screens": 1}

        phu_huu = {0: ("good", 40), 10: ("good", 60), 20: ("degraded", 500), 50: ("lost", None),
                   170: ("good", 45), 200: ("good", 50)}
        for s in range(0, 201, 10):
            batch = []
            if s in phu_huu:
                batch.append(sample("phu-huu", *phu_huu[s]))
            if s < 100:
                batch.append(sample("quan-uy", "good", s + 10))                    # 10, 20, … 100 ms
            if s == 60:
                batch.append(sample("long-binh", "lost", None))                    # one sample only
            if batch:
                link_health.record_samples(session, batch, L + timedelta(seconds=s))

        # --- the report ----------------------------------------------------------------------------------
        now = end + timedelta(minutes=10)
        clock.at(now + timedelta(hours=1))          # the report must use the `now` it is given
        rep = report(session, demo_event.id, now=now)

    ms = to_ms
    # event
    assert rep["event"] == {"title": demo_event.title, "slug": "quan9-chi-thi-05", "organiser": "Quận ủy Quận 9",
                            "venue": "Hội trường Quận ủy (Lầu 2) và 14 điểm cầu", "starts_at": ms(S),
                            "timezone": "Asia/Ho_Chi_Minh", "generated_at": ms(now), "plan_number": "Số 227-KH/QU",
                            "run": "day", "run_text": "Số liệu của buổi chính thức.", "reset_at": None}

    # programme: every row from the script
    prog = rep["programme"]
    assert [row["number"] for row in prog["rows"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert prog["rows"][0]["content"] == "Tuyên bố lý do, giới thiệu đại biểu"
    assert prog["rows"][0]["performer"] == "Trung tâm Văn hóa quận (dẫn chương trình)"
    assert [row["planned_s"] for row in prog["rows"]] == PLANNED
    assert [row["planned_start"] for row in prog["rows"]] == [ms(S) + 1000 * sum(PLANNED[:i]) for i in range(8)]
    assert [row["actual_start"] for row in prog["rows"]] == [ms(s) for s in starts]
    assert [row["actual_end"] for row in prog["rows"]] == [ms(s) + 1000 * a for s, a in zip(starts, ACTUAL)]
    assert [row["actual_s"] for row in prog["rows"]] == [360, 840, 1230, 1320, 180, 900, 1140, 310]
    assert [row["over_s"] for row in prog["rows"]] == [60, -60, 30, 120, 60, 0, -60, 10]
    assert prog["planned_end"] == ms(S) + 6120 * 1000
    assert prog["actual_start"] == ms(S) + 90_000
    assert prog["actual_end"] == ms(S) + (90 + 6280) * 1000
    assert prog["drift_s"] == 250                         # 90 s late to start + 160 s over
    local = {row["bridge_point"]: row for row in prog["local"]}
    assert len(prog["local"]) == 13 and [row["bridge_point"] for row in prog["local"]][:2] == ["P. Hiệp Phú",
                                                                                               "P. Long Bình"]
    assert all(row["content"] == "Chuyển sang nội dung riêng tại 13 điểm cầu phường" for row in prog["local"])
    assert all(row["opened_at"] == ms(seg) for row in prog["local"])
    assert local["P. Long Bình"]["finished_at"] == ms(seg) + 2_280_000 and local["P. Long Bình"]["actual_s"] == 2280
    assert local["P. Hiệp Phú"]["finished_at"] == ms(seg) + 2_400_000 and local["P. Hiệp Phú"]["actual_s"] == 2400
    assert sorted({row["actual_s"] for name, row in local.items() if name != "P. Long Bình"}) == [2400]

    # attendance
    att = rep["attendance"]
    cells = {(row["bridge_point"], row["category"]): row for row in att["rows"]}
    assert len(att["rows"]) == 6 + 4 + 13 * 3
    assert cells[("Hội trường Quận ủy", "city_guest")] == {
        "bridge_point": "Hội trường Quận ủy", "category": "city_guest", "category_label": "Khách mời thành phố",
        "expected": 2, "arrived": 2, "percent": 100.0}
    main = {c: (cells[("Hội trường Quận ủy", c)]["expected"], cells[("Hội trường Quận ủy", c)]["arrived"],
                cells[("Hội trường Quận ủy", c)]["percent"])
            for c in ("city_guest", "district_leader", "press", "cell_secretary", "award_recipient", "delegate")}
    assert main == {"city_guest": (2, 2, 100.0), "district_leader": (3, 3, 100.0), "press": (2, 0, 0.0),
                    "cell_secretary": (5, 5, 100.0), "award_recipient": (3, 3, 100.0),
                    "delegate": (4, 1, 25.0)}                           # 3 invited + the walk-in
    long_binh = {c: (cells[("P. Long Bình", c)]["expected"], cells[("P. Long Bình", c)]["arrived"],
                     cells[("P. Long Bình", c)]["percent"]) for c in ("cell_secretary", "award_recipient", "delegate")}
    assert long_binh == {"cell_secretary": (5, 4, 80.0), "award_recipient": (3, 1, 33.3), "delegate": (3, 0, 0.0)}
    assert cells[("P. Long Bình", "award_recipient")]["category_label"] == "Người nhận khen thưởng"
    assert ("P. Long Bình", "press") not in cells                     # nobody expected: no cell
    assert cells[("Hội trường UBND Quận", "award_recipient")]["arrived"] == 0   # the override counts at home
    assert cells[("P. Hiệp Phú", "delegate")]["arrived"] == 0                 # the flagged scan let nobody in
    points = {row["bridge_point"]: row for row in att["points"]}
    assert [row["bridge_point"] for row in att["points"]][:4] == ["Hội trường Quận ủy", "Hội trường UBND Quận",
                                                                  "P. Hiệp Phú", "P. Long Bình"]
    assert len(att["points"]) == 15
    minute = 60_000
    Tm = ms(T)
    assert points["Hội trường Quận ủy"] == {"bridge_point": "Hội trường Quận ủy", "expected": 19, "arrived": 14,
                                            "percent": 73.7,
                                            "curve": [[Tm + minute, 5], [Tm + 2 * minute, 13], [Tm + 8 * minute, 14]]}
    assert points["P. Long Bình"] == {"bridge_point": "P. Long Bình", "expected": 11, "arrived": 5, "percent": 45.5,
                                      "curve": [[Tm + 4 * minute, 4], [Tm + 5 * minute, 5]]}
    assert (points["Hội trường UBND Quận"]["expected"], points["Hội trường UBND Quận"]["arrived"],
            points["Hội trường UBND Quận"]["percent"], points["Hội trường UBND Quận"]["curve"]) == (13, 0, 0.0, [])
    assert all((row["expected"], row["arrived"], row["curve"]) == (11, 0, [])
               for name, row in points.items() if name not in ("Hội trường Quận ủy", "Hội trường UBND Quận",
                                                               "P. Long Bình"))
    assert att["total"] == {"expected": 175, "arrived": 19, "percent": 10.9}
    assert att["curve"] == [[Tm + minute, 5], [Tm + 2 * minute, 13], [Tm + 4 * minute, 17], [Tm + 5 * minute, 18],
                            [Tm + 8 * minute, 19]]
    assert att["curve"] == curve([ms(at) for at, _code in arrivals])
    assert (att["walk_ins"], att["flagged"], att["overrides"]) == (1, 1, 1)

    # awards, in ceremony order (kind position), with the levels the demo gives them
    aw = rep["awards"]
    assert aw["rows"] == [
        {"kind": badge, "level": "", "total": 5, "presented": 3, "proxy": 1, "absent": 1, "pending": 0},
        {"kind": city, "level": "thành phố", "total": 3, "presented": 2, "proxy": 1, "absent": 0, "pending": 0},
        {"kind": district, "level": "quận", "total": 3, "presented": 1, "proxy": 0, "absent": 1, "pending": 1},
        {"kind": ward, "level": "phường", "total": 39, "presented": 4, "proxy": 1, "absent": 1, "pending": 33},
    ]
    assert aw["total"] == {"total": 50, "presented": 10, "proxy": 3, "absent": 3, "pending": 34}
    assert len(aw["people"]) == 50
    assert [p["status"] for p in aw["people"][:8]] == ["presented", "presented", "presented", "absent", "proxy",
                                                       "presented", "presented", "proxy"]
    assert [p["status_label"] for p in aw["people"][3:5]] == ["Vắng", "Nhận thay"]
    assert aw["people"][0]["status_label"] == "Đã trao" and aw["people"][-1]["status_label"] == "Chưa trao"
    proxy = aw["people"][7]
    assert (proxy["kind"], proxy["level"], proxy["bridge_point"], proxy["proxy_name"], proxy["collective"]) == (
        city, "thành phố", "Hội trường Quận ủy", "Người nhận thay 2", "")
    assert proxy["name"] in {d.full_name for d in r.people("quan-uy", "award_recipient")}
    assert proxy["decision"] == "Quyết định số 2468/QĐ-UBND ngày 05/10/2020"
    assert [p["bridge_point"] for p in aw["people"][11:17]] == ["P. Hiệp Phú"] * 3 + ["P. Long Bình"] * 3
    assert [p["status"] for p in aw["people"][11:17]] == ["presented", "proxy", "absent"] + ["presented"] * 3
    assert all(p["proxy_name"] == "" for p in aw["people"] if p["status"] != "proxy")

    # bridge points
    bp = {row["bridge_point"]: row for row in rep["bridge_points"]["rows"]}
    assert len(bp) == 15
    tan_phu_s = (now - (starts[7] + timedelta(seconds=100))).total_seconds()
    assert tan_phu_s == 810
    assert bp["Hội trường Quận ủy"] == {"bridge_point": "Hội trường Quận ủy", "incidents": 0, "incident_s": 0,
                                        "rtt_p50": 50, "rtt_p95": 100, "lost_s": 0, "degraded_s": 0, "samples": 10,
                                        "checks_passed": 7, "checks_total": 7, "roll_call_s": 3}
    assert bp["P. Phú Hữu"] == {"bridge_point": "P. Phú Hữu", "incidents": 1, "incident_s": 300,
                                "rtt_p50": 50, "rtt_p95": 500, "lost_s": 120, "degraded_s": 30, "samples": 6,
                                "checks_passed": 5, "checks_total": 7, "roll_call_s": None}
    assert bp["P. Tân Phú"]["incidents"] == 1 and bp["P. Tân Phú"]["incident_s"] == 810
    assert bp["P. Long Bình"] == {"bridge_point": "P. Long Bình", "incidents": 0, "incident_s": 0,
                                  "rtt_p50": None, "rtt_p95": None, "lost_s": 0, "degraded_s": 0, "samples": 1,
                                  "checks_passed": 0, "checks_total": 7, "roll_call_s": 12}
    assert bp["Hội trường UBND Quận"]["roll_call_s"] == 5
    assert bp["P. Hiệp Phú"]["roll_call_s"] is None              # answered the first roll call only
    assert sum(row["incidents"] for row in bp.values()) == 2
    assert sum(row["samples"] for row in bp.values()) == 17
    incidents = rep["bridge_points"]["incidents"]
    assert incidents == [
        {"bridge_point": "P. Phú Hữu", "kind": "lost_connection", "kind_label": "Mất kết nối",
         "note": "Mất đường truyền cáp quang", "reported_at": ms(reported), "acknowledged_at": ms(reported) + 40_000,
         "resolved_at": ms(reported) + 300_000, "duration_s": 300},
        {"bridge_point": "P. Tân Phú", "kind": "no_sound", "kind_label": "Không có tiếng", "note": "",
         "reported_at": ms(starts[7]) + 100_000, "acknowledged_at": None, "resolved_at": None, "duration_s": 810},
    ]

    # cue log: the demo's batch building, then one row per accepted command, in order
    cues = rep["cue_log"]
    # 15 check marks; roll calls 3 + 5; go, 7 next, pause, resume, end_segment, the last next: 12; incidents
    # 3 + 1; 4 local steps; awards: main hall 7 + 5, district 4, Long Bình 5, Hiệp Phú 5
    assert len(r.issued) == 15 + 8 + 12 + 4 + 4 + 26
    assert len(cues) == baseline + len(r.issued)
    assert [c["action"] for c in cues[baseline:]] == r.issued
    assert [c["rev"] for c in cues] == sorted(c["rev"] for c in cues)
    go = next(c for c in cues if c["action"] == "go")
    assert go == {"at": ms(starts[0]), "rev": go["rev"], "actor": "dieuhanh (operator)", "action": "go",
                  "item": "1. Tuyên bố lý do, giới thiệu đại biểu", "bridge_point": "",
                  "detail": go["detail"]}
    assert json.loads(go["detail"]) == {"status": "running"}
    last = cues[-1]
    assert (last["action"], last["at"], last["item"], json.loads(last["detail"])) == (
        "next", ms(end), "8. Kết thúc chương trình", {"status": "ended"})
    steps = [c for c in cues if c["action"] == "local_next" and c["bridge_point"] == "P. Long Bình"]
    assert [c["at"] for c in steps] == [ms(seg) + s * 1000 for s in (900, 2100, 2280)]
    assert all(c["item"] == "5. Chuyển sang nội dung riêng tại 13 điểm cầu phường" for c in steps)
    assert steps[0]["actor"] == "kt-long-binh (site_tech)"
    assert json.loads(steps[-1]["detail"]) == {"status": "done"}
    report_row = next(c for c in cues if c["action"] == "incident_reported")
    assert (report_row["bridge_point"], report_row["at"]) == ("P. Phú Hữu", ms(reported))
    assert json.loads(report_row["detail"])["note"] == "Mất đường truyền cáp quang"
    assert sum(c["action"] == "check_mark" for c in cues) == 15


def test_the_report_agrees_with_the_live_dashboard_and_counts_a_running_show_until_now(app, session, make_event,
                                                                                       make_user, clock):
    """An event still running: the current item and the drift count until `now`; the curve is the
    dashboard's; nothing run or expected gives None, not a fake zero percent."""
    with app.app_context():
        event = make_event(n=3, duration_s=600)
        S = event.starts_at
        operator = make_user("operator")
        clock.at(S + timedelta(seconds=30))
        commands.run(session, event.id, operator, "go", expected_rev=0)
        rev = session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar_one()
        clock.at(S + timedelta(seconds=30 + 700))
        commands.run(session, event.id, operator, "next", expected_rev=rev)
        now = S + timedelta(seconds=30 + 700 + 200)
        rep = report(session, event.id, now=now)
        dash = attendance.summary(session, event.id)

    rows = rep["programme"]["rows"]
    assert [(row["actual_s"], row["over_s"]) for row in rows] == [(700, 100), (200, -400), (None, None)]
    assert rows[1]["actual_end"] is None and rows[2]["actual_start"] is None
    assert rep["programme"]["actual_end"] is None
    assert rep["programme"]["drift_s"] == 930 - 1800        # now, against the planned end of 3 x 600 s
    assert rep["attendance"]["total"] == {"expected": 0, "arrived": 0, "percent": None}
    assert rep["attendance"]["curve"] == dash["curve"] == []
    assert rep["attendance"]["rows"] == [] and all(p["percent"] is None for p in rep["attendance"]["points"])
    assert rep["awards"] == {"rows": [], "people": [], "total": {"total": 0, "presented": 0, "proxy": 0,
                                                                  "absent": 0, "pending": 0}}
    assert [row["roll_call_s"] for row in rep["bridge_points"]["rows"]] == [None] * 4
    assert [c["action"] for c in rep["cue_log"]] == ["go", "next"]


def test_percentile_is_nearest_rank_and_the_curve_is_per_minute():
    assert percentile([], 50) is None
    assert percentile([7], 95) == 7
    assert percentile([40, 60, 500, 45, 50], 50) == 50
    assert percentile([40, 60, 500, 45, 50], 95) == 500
    assert percentile(list(range(1, 21)), 95) == 19           # ceil(0.95 × 20) = 19: no float rounding
    assert percentile(list(range(1, 101)), 50) == 50
    base = 1_700_000_040_000                                   # on a minute
    assert curve([base + 59_999, base, base + 60_000]) == [[base + 60_000, 2], [base + 120_000, 3]]


def test_a_missing_event_is_not_found(app, session):
    from server.services.errors import NotFound
    with app.app_context(), pytest.raises(NotFound):
        report(session, 999_999, now=real_utcnow())



def test_delegates_with_no_bridge_point_count_where_they_were_checked_in(app, session, make_event, make_user):
    """Issue 15: plan 001 in one hall. Its 186 delegates were imported without a bridge point and all
    scanned at the hall's gate: the hall shows 186/186 (was 0/0, with 186/186 on a row with no name).
    Two more with no point who never came sit on a labelled row, never a blank one; a ward delegate
    scanned nowhere keeps its own point."""
    from server.services import delegates
    from server.services.report_export import csv_bytes
    with app.app_context():
        event = make_event(n=3, wards=1)
        hall, ward = event.bridge_points
        people = [delegates.add(session, event.id, {"full_name": f"Đại biểu {i}", "bridge_point_id": None}, "test")
                  for i in range(188)]
        delegates.add(session, event.id, {"full_name": "Võ Văn Phường", "bridge_point_id": ward.id}, "test")
        session.commit()
        door = make_user("checkin", bridge_point_id=hall.id)
        station = check_in.station_for(session, event.id, door, hall.id, "Cổng chính")
        T = event.starts_at - timedelta(minutes=30)
        for i, person in enumerate(people[:186]):
            result = check_in.scan(session, station, {"scan_id": f"scan-{i:06d}", "delegate_id": person.id},
                                   now=T + timedelta(seconds=10 * i))
            assert result["verdict"] == "welcome"
        rep = report(session, event.id, now=event.starts_at)

    att = rep["attendance"]
    points = {row["bridge_point"]: row for row in att["points"]}
    assert [row["bridge_point"] for row in att["points"]] == ["Hội trường", "P. 1", "Chưa xếp điểm cầu"]
    assert (points["Hội trường"]["expected"], points["Hội trường"]["arrived"], points["Hội trường"]["percent"]) \
        == (186, 186, 100.0)
    assert points["Hội trường"]["curve"][-1][1] == 186
    assert (points["P. 1"]["expected"], points["P. 1"]["arrived"]) == (1, 0)
    assert (points["Chưa xếp điểm cầu"]["expected"], points["Chưa xếp điểm cầu"]["arrived"],
            points["Chưa xếp điểm cầu"]["curve"]) == (2, 0, [])
    assert [(r["bridge_point"], r["expected"], r["arrived"]) for r in att["rows"]] == [
        ("Hội trường", 186, 186), ("P. 1", 1, 0), ("Chưa xếp điểm cầu", 2, 0)]
    assert att["total"] == {"expected": 189, "arrived": 186, "percent": 98.4}
    assert all(row["bridge_point"] for row in att["points"] + att["rows"])
    # The exports name the row too (the page and the PDF show the same table rows).
    for table in ("attendance", "attendance-points"):
        text = csv_bytes(rep, table).decode("utf-8-sig")
        assert "Chưa xếp điểm cầu" in text and "\r\n," not in text      # no row starts with an empty point
