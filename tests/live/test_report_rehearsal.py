"""A rehearsal against a real server (eventlet and threading), then its report checked against what the
rehearsal did: the simulator's 15 points pass their checks and answer a roll call, the operator runs
the whole programme with Next, the wards step their local segment, scripted check-ins go through the
check-in socket, a batch of awards is marked in the main hall and one in a ward, and an incident is
reported and resolved. The report is read twice: `report()` over the server's database, and the XLSX
that a logged-in organiser downloads from /e/<slug>/report.xlsx.

Durations are compared with the same rounding applied to the times the database holds (and those times
with what the operator's screen was sent), never with the test's own clock: no timing thresholds.
"""
from __future__ import annotations

import http.cookiejar
import io
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from server.demo import SLUG
from server.models import (VIP_CATEGORIES, CheckIn, Delegate, Incident, ProgrammeItem, RollCall, ShowState,
                           SiteCursor, to_ms)
from server.services.report import report
from server.services.report_export import TABLES, TOTAL
from sites.simulator import CHECKS, Simulation
from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id, tamper

# A script presses Next on purpose faster than a person would: it confirms past the double-press
# guard (show_control._guard), which test_press_guard checks on its own.
SCRIPTED = {"confirm": True}

pytestmark = pytest.mark.live

PROXY = "Nguyễn Văn Bảo"
WALK_IN = {"full_name": "Đặng Quốc Việt", "organisation": "Báo Sài Gòn Giải Phóng", "category": "press"}
# The cue log keeps an incident's step by its outcome ("incident_reported"), not by the command's name.
LOGGED_AS = {"incident_report": "incident_reported", "incident_resolve": "incident_resolved"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ok(ack: dict | None) -> dict:
    assert ack and ack.get("ok"), ack
    return ack


def seconds(start, end) -> int:
    """The report's rounding, applied to the database's own times."""
    return round((end - start).total_seconds())


# --- a logged-in organiser over plain HTTP -------------------------------------------------------------

def demo_passwords(instance: Path) -> dict[str, str]:
    rows = [line.split("\t") for line in (instance / "demo-logins.txt").read_text(encoding="utf-8").splitlines()
            if line]
    return {row[0]: row[1] for row in rows}


class WebSession:
    """A browser's cookie session without a browser: the login form (with its CSRF token) by urllib."""

    def __init__(self, url: str, username: str, password: str):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with self.opener.open(f"{url}/login", timeout=30) as r:
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.read().decode()).group(1)
        form = urllib.parse.urlencode({"csrf": csrf, "username": username, "password": password}).encode()
        with self.opener.open(f"{url}/login", data=form, timeout=30) as r:
            assert "/login" not in r.url, f"login as {username} failed"

    def get(self, path: str) -> tuple[int, str, bytes]:
        with self.opener.open(f"{self.url}{path}", timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()


# --- the rehearsal -----------------------------------------------------------------------------------

@pytest.fixture
def data(live_server):
    server_data = ServerData.of(live_server)
    yield server_data
    server_data.close()


def test_a_rehearsal_makes_a_report_whose_numbers_are_what_the_test_did(live_server, data, tokens, follow):
    op = follow("dieuhanh")
    sim = door = None
    try:
        start = op.rev
        assert op.state["show"]["status"] == "standby"
        points = op.state["bridge_points"]
        assert len(points) == 15
        by_code = {p["code"]: p for p in points}
        short = {p["id"]: p["short_name"] for p in points}
        wards = [p for p in points if p["kind"] == "ward"]
        hall = by_code["quan-uy"]["id"]
        items = op.state["items"]
        segment_index = next(i for i, item in enumerate(items) if item["is_local_segment"])
        award_index = segment_index + 1
        actions: Counter = Counter()          # every revision the test asked for, by action

        def operator(action: str, args: dict | None = None, **kw) -> dict:
            ack = ok(op.command(action, args, **kw))
            op.wait_for(lambda f: f.rev >= ack["rev"])
            actions[action] += 1
            return ack

        # Before anything: every award pending, so the expected counts below start from the state.
        awards0 = op.state["awards"]["awards"]
        assert len(awards0) == 50 and {a["status"] for a in awards0} == {"pending"}
        status = {a["id"]: "pending" for a in awards0}
        proxies: dict[int, str] = {}

        # 1. Fifteen simulated points connect and pass their seven checks each.
        sim = Simulation(live_server.url, SLUG, {p["code"]: tokens[f"kt-{p['code']}"] for p in points}, points)
        sim.connect()
        for point in sim.points.values():
            point.later(point.pass_checks)
        op.wait_for(lambda f: len([c for c in f.coord("checks") if c["status"] == "pass"]) == 15 * len(CHECKS), 60)
        actions["check_mark"] += 15 * len(CHECKS)

        # 2. A roll call from the operator; every point answers and the last answer closes it.
        operator("roll_call_start", {"timeout_s": 300})
        roll_call_id = op.coord("roll_call")["id"]
        op.wait_for(lambda f: f.coord("roll_call")["id"] == roll_call_id
                    and f.coord("roll_call")["closed_at"] is not None, 30)
        assert len(op.coord("roll_call")["answers"]) == 15 and op.coord("roll_call")["missing"] == []
        actions["roll_call_answer"] += 15

        # 3. Scripted check-ins at known points: 2 VIPs of the main hall among 40, a repeat, a walk-in,
        #    three codes that are no invitation of this event.
        with data.db.session() as s:
            people = s.execute(select(Delegate.id, Delegate.bridge_point_id, Delegate.category, Delegate.vip)
                               .where(Delegate.event_id == data.event_id).order_by(Delegate.id)).all()
        expected_before = Counter(p for _, p, _, _ in people)
        category_of = {d: c for d, _, c, _ in people}
        codes = data.codes()
        chosen: list[tuple[int, int]] = []               # (delegate id, point id)
        for point in points:
            mine = [(d, vip) for d, p, _, vip in people if p == point["id"]]
            if point["kind"] == "main":
                picked = [d for d, vip in mine if vip][:2] + [d for d, vip in mine if not vip][:3]
            elif point["kind"] == "district":
                picked = [d for d, vip in mine if not vip][:4]
            else:
                picked = [d for d, vip in mine if not vip][:3 if wards.index(point) < 5 else 2]
            chosen += [(d, point["id"]) for d in picked]
        assert len(chosen) == 40
        vips = [d for d, _ in chosen if category_of[d] in VIP_CATEGORIES]
        assert len(vips) == 2

        door = CheckInClient(live_server.url, data.token("dieuhanh"), name="door").connect()
        for delegate_id, point_id in chosen:
            result = ok(door.scan(point_id, {"scan_id": new_scan_id("rh"), "code": codes[delegate_id]}))["result"]
            assert result["verdict"] == "welcome" and result["delegate"]["id"] == delegate_id, result
            assert result["delegate"]["vip"] is (delegate_id in vips)
        again = ok(door.scan(chosen[7][1], {"scan_id": new_scan_id("rh"), "code": codes[chosen[7][0]]}))["result"]
        assert again["verdict"] == "already"
        walk_point = by_code["hiep-phu"]["id"]
        walked = ok(door.call("walk_in", {"bridge_point_id": walk_point, "gate": "Cổng chính",
                                          "scan_id": new_scan_id("walk"), "delegate": WALK_IN}))["result"]
        assert walked["verdict"] == "welcome" and walked["delegate"]["bridge_point_id"] == walk_point
        some_code = codes[chosen[0][0]]
        for bad in (tamper(some_code, "signature"), tamper(some_code, "nonce"), "https://example.com/i/xin-chao"):
            assert ok(door.scan(hall, {"scan_id": new_scan_id("bad"), "code": bad}))["result"]["verdict"] == "invalid"
        arrived = Counter(p for _, p in chosen)
        arrived[walk_point] += 1
        arrived_cells = Counter((p, category_of[d]) for d, p in chosen)
        arrived_cells[(walk_point, WALK_IN["category"])] += 1
        assert len(data.check_ins()) == 41

        # 4. An incident reported by a simulated point and resolved by the operator.
        reporter = sim["truong-thanh"]
        ok(reporter.report_incident("no_sound", "Không nghe tiếng từ hội trường"))
        actions["incident_report"] += 1
        op.wait_for(lambda f: any(i["bridge_point_id"] == reporter.id for i in f.coord("incidents")))
        incident_id = next(i["id"] for i in op.coord("incidents") if i["bridge_point_id"] == reporter.id)
        operator("incident_resolve", {"incident_id": incident_id, "note": "Đã đổi cáp âm thanh"})

        # 5. The programme: GO, then Next up to the wards' local segment.
        operator("go")
        for _ in range(segment_index):
            operator("next", SCRIPTED)
        assert op.state["show"]["cursor"] == segment_index

        def step_wards(times: int) -> None:
            """Every ward steps its local cursor `times` items on, each from its own simulated console."""
            def run(point):
                for _ in range(times):
                    point.follower.wait_for(lambda f: (f.site_cursor(point.id) or {}).get("status") == "running")
                    ack = ok(point.step_local())
                    point.follower.wait_for(lambda f: f.rev >= ack["rev"])
            threads = [threading.Thread(target=run, args=(sim[w["code"]],)) for w in wards]
            [t.start() for t in threads]
            [t.join(60) for t in threads]
            assert not any(t.is_alive() for t in threads)
            actions["local_next"] += times * len(wards)

        def batch(point_id: int, **where) -> dict:
            found = [b for b in op.state["awards"]["batches"] if b["bridge_point_id"] == point_id
                     and all(b[k] == v for k, v in where.items())]
            return min(found, key=lambda b: b["position"])

        def batch_awards(batch_id: int) -> list[int]:
            return [a["id"] for a in sorted((a for a in op.state["awards"]["awards"] if a["batch_id"] == batch_id),
                                            key=lambda a: a["stage_order"])]

        # 6. The wards open their award item; Long Bình presents its batch from its console.
        step_wards(1)
        ward = sim["long-binh"]
        ward_batch = batch(ward.id, local_item_id=items[segment_index]["local_items"][1]["id"])
        ward_awards = batch_awards(ward_batch["id"])
        assert len(ward_awards) == 3
        ok(ward.act("award_call", {"batch_id": ward_batch["id"]}))
        for award_id in ward_awards:
            ok(ward.act("award_present", {"award_id": award_id}))
            status[award_id] = "presented"
        ok(ward.act("award_batch_done", {"batch_id": ward_batch["id"]}))
        actions.update({"award_call": 1, "award_present": 3, "award_batch_done": 1})

        # 7. The main hall moves to its award item and marks its first batch: 3 presented, 1 absent, 1 proxy.
        operator("next", SCRIPTED)
        assert op.state["show"]["cursor"] == award_index
        hall_batch = batch(hall, programme_item_id=items[award_index]["id"])
        hall_awards = batch_awards(hall_batch["id"])
        assert len(hall_awards) == 5
        operator("award_call", {"batch_id": hall_batch["id"]}, bridge_point_id=hall)
        marks = ["award_present"] * 3 + ["award_absent", "award_proxy"]
        for award_id, action in zip(hall_awards, marks):
            args = {"award_id": award_id, **({"proxy_name": PROXY} if action == "award_proxy" else {})}
            operator(action, args, bridge_point_id=hall)
            status[award_id] = {"award_present": "presented", "award_absent": "absent", "award_proxy": "proxy"}[action]
            if action == "award_proxy":
                proxies[award_id] = PROXY
        operator("award_batch_done", {"batch_id": hall_batch["id"]}, bridge_point_id=hall)

        # 8. The wards finish their local part; the operator runs the programme to its end.
        step_wards(2)
        while op.state["show"]["status"] != "ended":
            operator("next", SCRIPTED)
        assert actions["next"] == len(items)          # one Next per item after the first, and one to end
        assert all((op.site_cursor(w["id"]) or {}).get("status") == "done" for w in wards)
        assert not [e for p in sim.points.values() for e in p.errors]

        # Everything the test did has reached the operator's screen, revision by revision.
        with data.db.session() as s:
            final = s.execute(select(ShowState.rev).where(ShowState.event_id == data.event_id)).scalar_one()
        op.wait_for(lambda f: f.rev >= final, 30)
        assert op.revs_seen == list(range(start + 1, final + 1)) and op.gaps == 0
        assert len(op.revs_seen) == sum(actions.values())
        seen = op.snapshot_copy()
    finally:
        if door is not None:
            door.disconnect()
        if sim is not None:
            sim.close()

    # --- the report, from the server's database ------------------------------------------------------
    with data.db.session() as s:
        rep = report(s, data.event_id)
        db_rev = s.execute(select(ShowState.rev).where(ShowState.event_id == data.event_id)).scalar_one()
        db_items = {i.id: i for i in s.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == data.event_id))
                    .scalars()}
        db_cursors = {c.bridge_point_id: c for c in s.execute(select(SiteCursor)
                                                               .where(SiteCursor.event_id == data.event_id)).scalars()}
        (db_incident,) = s.execute(select(Incident).where(Incident.event_id == data.event_id)).scalars().all()
        db_roll_call = s.execute(select(RollCall).where(RollCall.event_id == data.event_id)).scalar_one()
        answered = {a.bridge_point_id: seconds(db_roll_call.started_at, a.answered_at) for a in db_roll_call.answers}
        arrivals = dict(s.execute(select(CheckIn.delegate_id, CheckIn.bridge_point_id)
                                  .where(CheckIn.event_id == data.event_id)).all())
    assert db_rev == final                               # closing the consoles changed nothing

    # Programme: every item ran, with the times the operator's screen was sent.
    programme = rep["programme"]
    assert len(programme["rows"]) == len(items) == 8
    starts_at = seen["event"]["starts_at"]
    planned_end = starts_at + sum(i["duration_s"] for i in items) * 1000
    assert programme["planned_end"] == planned_end
    for row, item in zip(programme["rows"], seen["items"]):
        db_item = db_items[item["id"]]
        assert row["number"] == item["number"] and row["content"] == item["content"]
        assert row["planned_s"] == item["duration_s"]
        assert row["actual_start"] is not None and row["actual_end"] is not None, row
        assert (row["actual_start"], row["actual_end"]) == (item["actual_start"], item["actual_end"])
        assert (to_ms(db_item.actual_start), to_ms(db_item.actual_end)) == (item["actual_start"], item["actual_end"])
        assert row["actual_s"] == seconds(db_item.actual_start, db_item.actual_end)
        assert row["over_s"] == row["actual_s"] - item["duration_s"]
    assert programme["rows"][0]["planned_start"] == starts_at
    show = seen["show"]
    assert show["status"] == "ended"
    assert programme["actual_start"] == show["show_started_at"] == seen["items"][0]["actual_start"]
    assert programme["actual_end"] == show["show_ended_at"] == seen["items"][-1]["actual_end"]
    assert programme["drift_s"] == round((show["show_ended_at"] - planned_end) / 1000)

    # The wards' local segment: one row per ward, opened and finished as their consoles saw it.
    local = programme["local"]
    assert [r["bridge_point"] for r in local] == [w["short_name"] for w in wards]
    for row, w in zip(local, wards):
        cursor, site = db_cursors[w["id"]], seen_site(seen, w["id"])
        assert (row["opened_at"], row["finished_at"]) == (site["opened_at"], site["finished_at"])
        assert row["finished_at"] is not None
        assert row["actual_s"] == seconds(cursor.opened_at, cursor.finished_at)

    # Attendance: the 40 scanned in and the walk-in, where the test let them in.
    attendance = rep["attendance"]
    assert attendance["total"]["arrived"] == 41 == sum(arrived.values())
    assert attendance["total"]["expected"] == len(people) + 1
    assert {p["bridge_point"]: (p["expected"], p["arrived"]) for p in attendance["points"]} == {
        p["short_name"]: (expected_before[p["id"]] + (p["id"] == walk_point), arrived[p["id"]]) for p in points}
    cells = Counter()
    for row in attendance["rows"]:
        cells[(row["bridge_point"], row["category"])] += row["arrived"]
    assert +cells == Counter({(short[p], c): n for (p, c), n in arrived_cells.items()})
    assert sum(n for (_, c), n in cells.items() if c in VIP_CATEGORIES) == 2
    assert attendance["walk_ins"] == 1
    assert attendance["flagged"] == 0 and attendance["overrides"] == 0
    assert sorted(arrivals.items()) == sorted([(d, p) for d, p in chosen] + [(walked["delegate"]["id"], walk_point)])

    # Awards: per kind and level, what was marked; everyone else pending.
    groups: dict[tuple, Counter] = {}
    for award in awards0:
        groups.setdefault((award["kind"], award["level"]), Counter())[status[award["id"]]] += 1
    wanted = {key: (sum(c.values()), c["presented"], c["proxy"], c["absent"], c["pending"])
              for key, c in groups.items()}
    got = {(r["kind"], r["level"]): (r["total"], r["presented"], r["proxy"], r["absent"], r["pending"])
           for r in rep["awards"]["rows"]}
    assert got == wanted
    assert len(rep["awards"]["rows"]) == len(wanted)
    assert rep["awards"]["total"] == {"total": 50, "presented": 6, "proxy": 1, "absent": 1, "pending": 42}
    names = {a["id"]: a["name"] for a in awards0}
    people_rows = {r["name"]: r for r in rep["awards"]["people"]}
    assert len(people_rows) == 50
    for award_id, name in names.items():
        assert (people_rows[name]["status"], people_rows[name]["proxy_name"]) == \
            (status[award_id], proxies.get(award_id, "")), name

    # Bridge points: 7 checks passed everywhere, every point answered the roll call, one incident.
    rows = rep["bridge_points"]["rows"]
    assert [r["bridge_point"] for r in rows] == [p["short_name"] for p in points]
    for row, p in zip(rows, points):
        assert row["checks_passed"] == row["checks_total"] == len(CHECKS) == 7, row
        assert row["roll_call_s"] is not None and row["roll_call_s"] == answered[p["id"]], row
        assert row["incidents"] == (1 if p["id"] == reporter.id else 0), row
    (incident,) = rep["bridge_points"]["incidents"]
    seen_incident = next(i for i in seen["coord"]["incidents"] if i["id"] == incident_id)
    assert incident["bridge_point"] == short[reporter.id] and incident["kind"] == "no_sound"
    assert (incident["reported_at"], incident["resolved_at"]) == (seen_incident["reported_at"],
                                                                  seen_incident["resolved_at"])
    assert incident["resolved_at"] is not None and incident["acknowledged_at"] is None
    assert incident["duration_s"] == seconds(db_incident.reported_at, db_incident.resolved_at)
    assert rows[[p["id"] for p in points].index(reporter.id)]["incident_s"] == incident["duration_s"]

    # Cue log: one row per revision, and after the start exactly the revisions the operator saw.
    log = rep["cue_log"]
    assert [r["rev"] for r in log] == list(range(1, db_rev + 1))
    after = [r for r in log if r["rev"] > start]
    assert [r["rev"] for r in after] == op.revs_seen
    assert Counter(r["action"] for r in after) == Counter({LOGGED_AS.get(a, a): n for a, n in actions.items() if n})
    assert [r["bridge_point"] for r in after if r["action"] == "incident_reported"] == [short[reporter.id]]

    # --- the same report as the XLSX an organiser downloads ------------------------------------------
    web = WebSession(live_server.url, "dieuhanh", demo_passwords(live_server.instance)["dieuhanh"])
    code, kind, page = web.get(f"/e/{SLUG}/report")
    assert code == 200 and kind.startswith("text/html")
    code, kind, body = web.get(f"/e/{SLUG}/report.xlsx")
    assert code == 200 and kind.startswith(XLSX)
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == [t.sheet for t in TABLES.values()]

    def sheet(key: str) -> list[tuple]:
        return list(book[TABLES[key].sheet].iter_rows(min_row=2, values_only=True))

    points_sheet = sheet("attendance-points")
    assert points_sheet[-1][:3] == (TOTAL, attendance["total"]["expected"], attendance["total"]["arrived"])
    assert points_sheet[-1][2] == 41
    assert [r[:3] for r in points_sheet[:-1]] == [(p["bridge_point"], p["expected"], p["arrived"])
                                                  for p in attendance["points"]]
    assert sheet("attendance")[-1][2:4] == (attendance["total"]["expected"], 41)
    awards_sheet = sheet("awards")
    assert awards_sheet == [(r["kind"], r["level"] or None, r["total"], r["presented"], r["proxy"], r["absent"],
                             r["pending"]) for r in rep["awards"]["rows"]] + \
        [(TOTAL, None, 50, 6, 1, 1, 42)]
    assert len(sheet("programme")) == len(items) + 1          # and the whole programme's row
    assert len(sheet("cue-log")) == len(log)
    assert [r[:2] for r in sheet("bridge-points")[:-1]] == [(r["bridge_point"], r["incidents"]) for r in rows]
    assert [r[8] for r in sheet("bridge-points")[:-1]] == [7] * 15
    # Every operation in the cue log is named in words in the report, never by its internal key.
    cue_sheet = sheet("cue-log")
    raw = sorted({row[3] for row in cue_sheet if row[3] in {r["action"] for r in log}})
    assert raw == [], f"cue-log operations without a label (report_export.ACTION_LABELS): {raw}"


def seen_site(state: dict, point_id: int) -> dict:
    (site,) = [c for c in state["sites"] if c["bridge_point_id"] == point_id]
    return site
