"""Check-in against a real server process (eventlet and threading): refused codes and garbled payloads,
one scan id sent by ten sockets at once, three scanners replaying an offline queue of 500 overlapping
scans, the same person scanned offline at two points, and the attendance dashboard's live arrivals."""
from __future__ import annotations

import random
import re
import secrets
import threading
import time
from collections import Counter, defaultdict

import pytest

from server.models import to_ms
from server.models.checkin import VERDICTS
from server.services.attendance import cell_key
from tests.live.checkin_helpers import CheckInClient, ServerData, close_all, new_scan_id, scan_at_once, tamper

pytestmark = pytest.mark.live

VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ]", re.I)


@pytest.fixture
def data(live_server):
    d = ServerData.of(live_server)
    yield d
    d.close()


@pytest.fixture
def connect(live_server, data):
    """connect(username, name=...) -> a connected CheckInClient; all are disconnected at the end."""
    made: list[CheckInClient] = []

    def factory(username: str, name: str = "") -> CheckInClient:
        client = CheckInClient(live_server.url, data.token(username), name=name or username).connect()
        made.append(client)
        return client

    yield factory
    close_all(made)


def ok(ack) -> dict:
    assert isinstance(ack, dict) and ack.get("ok"), ack
    return ack


def refused(ack) -> dict:
    """`ok: false` with a code and a message in Vietnamese."""
    assert isinstance(ack, dict) and ack.get("ok") is False, ack
    assert ack["error"]["code"] and VIETNAMESE.search(ack["error"]["message"]), ack
    return ack["error"]


def now_ms() -> int:
    return int(time.time() * 1000)


def test_forged_tampered_foreign_revoked_and_replaced_codes_are_refused(live_server, data, connect):
    ids = data.point_ids()
    point = ids["long-binh"]
    desk = connect("dt-long-binh")                        # staff: their own point, no bridge_point_id
    assert ok(desk.call("scanner", {"gate": "Cổng A"}))["station"]["bridge_point_id"] == point
    codes = data.codes(point)
    a, b, c = sorted(codes)[:3]
    code_a = codes[a]
    _, event_id, nonce_a, _sig = code_a.split(".")
    assert int(event_id) == data.event_id != 999

    assert data.revoke(b) == 1
    old_c = codes[c]
    new_c = data.reissue(c)

    def random22() -> str:
        return secrets.token_urlsafe(16)[:22]
    cases = [
        ("forged", f"DC1.{data.event_id}.{random22()}.{random22()}", "invalid"),
        ("not a token", "https://example.com/i/xin-chao", "invalid"),
        ("tampered signature", tamper(code_a, "signature"), "invalid"),
        ("tampered nonce", tamper(code_a, "nonce"), "invalid"),
        ("another event", data.sign(999, nonce_a), "foreign"),
        ("another event, new nonce", data.sign(999, random22()), "foreign"),
        ("revoked", codes[b], "revoked"),
        ("replaced", old_c, "replaced"),
    ]
    before = data.counts()
    sent = {}
    for label, code, verdict in cases:
        scan_id = new_scan_id("refused")
        result = ok(desk.scan(None, {"scan_id": scan_id, "code": code}))["result"]
        assert (result["verdict"], result["replayed"], result["conflict"]) == (verdict, False, ""), (label, result)
        assert result["check_in"] is None, label
        assert VIETNAMESE.search(result["message"]), (label, result["message"])
        if verdict in ("invalid", "foreign"):
            assert result["delegate"] is None, label      # nothing looked up for a code that is not ours
        sent[scan_id] = verdict
    # Refused scans are kept (the audit), but nobody is checked in.
    rows = data.scan_rows(scan_id=list(sent))
    assert {r.scan_id: r.verdict for r in rows} == sent
    assert data.counts() == (before[0] + len(cases), before[1])
    assert not set(data.check_ins()) & {a, b, c}

    # The server still answers: a good code and the reissued one get in.
    for delegate_id, code in ((a, code_a), (c, new_c)):
        result = ok(desk.scan(None, {"scan_id": new_scan_id("good"), "code": code}))["result"]
        assert result["verdict"] == "welcome" and result["delegate"]["id"] == delegate_id
    assert set(data.check_ins()) == {a, c}


def test_garbled_payloads_are_refused_in_vietnamese_and_change_nothing(live_server, data, connect):
    point = data.point_ids()["hiep-phu"]
    desk = connect("dieuhanh")                              # an operator: names the point
    code = next(iter(data.codes(point).values()))
    before = data.counts()
    kept_id = new_scan_id("garbled")
    for payload in ["quét", ["scan", 1], 42, None,
                    {"bridge_point_id": point, "scan": "DC1.1.x.y"},
                    {"bridge_point_id": point, "scan": [code]},
                    {"bridge_point_id": point},
                    {"bridge_point_id": point, "scan": {"code": code}},                       # no scan_id
                    {"bridge_point_id": point, "scan": {"scan_id": "ngắn", "code": code}},
                    {"bridge_point_id": point, "scan": {"scan_id": kept_id, "code": 12345}},   # code a number
                    {"bridge_point_id": point, "scan": {"scan_id": kept_id, "code": code, "delegate_id": 1}},
                    {"bridge_point_id": point, "scan": {"scan_id": kept_id, "code": code, "scanned_at": "hôm qua"}},
                    {"bridge_point_id": point, "scan": {"scan_id": kept_id, "code": code, "offline": "có"}},
                    {"bridge_point_id": point, "scans": "tất cả"},
                    {"bridge_point_id": point, "scans": []},
                    {"bridge_point_id": point, "scans": [{"scan_id": new_scan_id(), "code": code}] * 501},
                    {"bridge_point_id": 10_000, "scan": {"scan_id": kept_id, "code": code}},
                    {"scan": {"scan_id": kept_id, "code": code}}]:                   # operator without a point
        refused(desk.call("scan", payload))     # None: no argument at all; the operator must name a point
    # A queue with bad entries: each bad one gets its own error, the rest still apply.
    good_id = new_scan_id("queue")
    queue = [{"code": code}, "quét", {"scan_id": kept_id, "code": 7}, {"scan_id": good_id, "code": code},
             {"scan_id": new_scan_id(), "delegate_id": "mười"}, {"scan_id": new_scan_id(), "delegate_id": 10 ** 9}]
    results = ok(desk.scan_batch(point, queue))["results"]
    assert [r["verdict"] for r in results] == ["error", "error", "error", "welcome", "error", "error"]
    for r in results[:3] + results[4:]:
        assert r["error"]["code"] in ("invalid", "not_found") and VIETNAMESE.search(r["error"]["message"]), r
    assert results[2]["scan_id"] == kept_id
    # Only the good entry was stored; the scan id of a refused payload is still free.
    assert data.counts() == (before[0] + 1, before[1] + 1)
    assert data.scan_rows(scan_id=kept_id) == []
    again = ok(desk.scan(point, {"scan_id": kept_id, "code": code}))["result"]
    assert (again["verdict"], again["replayed"]) == ("already", False)


def test_ten_sockets_sending_one_scan_id_at_once_check_in_once(live_server, data, connect):
    point = data.point_ids()["long-truong"]
    delegate_id, code = sorted(data.codes(point).items())[0]
    desks = [connect("dieuhanh", f"desk {i}") for i in range(10)]
    scan = {"scan_id": new_scan_id("dup"), "code": code, "scanned_at": now_ms() - 5_000}
    before = data.counts()
    acks = scan_at_once(desks, point, scan)

    results = [ok(ack)["result"] for ack in acks]
    assert [r["replayed"] for r in results].count(False) == 1
    assert {r["verdict"] for r in results} == {"welcome"}
    assert {r["scan_id"] for r in results} == {scan["scan_id"]}
    assert {r["check_in"]["at"] for r in results} == {scan["scanned_at"]}
    rows = data.scan_rows(scan_id=scan["scan_id"])
    assert len(rows) == 1
    arrival = data.check_ins()[delegate_id]
    assert arrival.scan_row_id == rows[0].id and to_ms(arrival.at) == scan["scanned_at"]
    assert data.counts() == (before[0] + 1, before[1] + 1)


def test_three_scanners_replay_500_overlapping_offline_scans(live_server, data, connect):
    rng = random.Random(20201105)
    ids = data.point_ids()
    hall = ids["quan-uy"]
    # The main hall gets ~120 people: its 18 demo delegates and 102 more, invited as the registry does.
    data.add_delegates(hall, 102)
    codes = data.codes(hall)
    assert len(codes) == 120
    revoked = sorted(codes)[-3:]                           # their invitations revoked before the doors open
    for delegate_id in revoked:
        assert data.revoke(delegate_id) == 1
    valid = sorted(set(codes) - set(revoked))
    others = [d for code in ("long-binh", "phu-huu") for d in sorted(data.codes(ids[code]))[:3]]
    other_codes = {**data.codes(ids["long-binh"]), **data.codes(ids["phu-huu"])}

    # The queued scans: every valid delegate 1-7 times (many scan ids each), a few refused ones.
    start = now_ms()
    scans: list[dict] = []
    who: dict[str, int | None] = {}                                # scan id -> whose code
    expected: dict[str, str] = {}                                  # scan id -> verdict, for the refused ones

    def when() -> int:                                             # sometime in the last 30 minutes
        return start - rng.randrange(30 * 60 * 1000)

    def queue_valid(delegate_id: int) -> None:
        scans.append({"scan_id": new_scan_id("q"), "code": codes[delegate_id], "scanned_at": when(), "offline": True})
        who[scans[-1]["scan_id"]] = delegate_id
    for delegate_id in valid:
        for _ in range(rng.randint(1, 7)):
            queue_valid(delegate_id)
    refused_scans = []
    for delegate_id in others:                                     # people of other points
        for _ in range(2):
            refused_scans.append(({"code": other_codes[delegate_id]}, delegate_id, "wrong_point"))
    for delegate_id in revoked:
        for _ in range(2):
            refused_scans.append(({"code": codes[delegate_id]}, delegate_id, "revoked"))
    for delegate_id in valid[:2]:
        refused_scans.append(({"code": tamper(codes[delegate_id], "signature")}, None, "invalid"))
    for body, delegate_id, verdict in refused_scans:
        scans.append({"scan_id": new_scan_id("r"), **body, "scanned_at": when(), "offline": True})
        who[scans[-1]["scan_id"]] = delegate_id
        expected[scans[-1]["scan_id"]] = verdict
    while len(scans) > 500:                                        # trim valid scans, keeping one per person
        per = Counter(who[s["scan_id"]] for s in scans)
        drop = next(i for i in range(len(scans) - 1, -1, -1)
                    if scans[i]["scan_id"] not in expected and per[who[scans[i]["scan_id"]]] > 1)
        del scans[drop]
    while len(scans) < 500:
        queue_valid(rng.choice(valid))
    rng.shuffle(scans)
    assert len({s["scan_id"] for s in scans}) == 500

    # Three scanners, each with its own share; a quarter of the scans are in two queues (the same
    # queued scan replayed by two phones), each queue sent in batches of 100, the scanners all at once.
    queues: list[list[dict]] = [[], [], []]
    for i, scan in enumerate(scans):
        owner = i % 3
        queues[owner].append(scan)
        if rng.random() < 0.25:
            queues[(owner + rng.randint(1, 2)) % 3].append(scan)
    for queue in queues:
        rng.shuffle(queue)
    shared = sum(len(q) for q in queues) - 500
    assert shared > 50
    scanners = [connect("dt-quan-uy", "scanner 1"), connect("dieuhanh", "scanner 2"), connect("admin", "scanner 3")]
    for scanner in scanners:
        ok(scanner.call("scanner", {"bridge_point_id": hall, "gate": scanner.name}))
    before = data.counts()
    answers: list[list[dict]] = [[], [], []]
    failures: list = []

    def replay(k: int) -> None:
        try:
            queue = queues[k]
            for at in range(0, len(queue), 100):
                ack = scanners[k].scan_batch(hall, queue[at:at + 100], gate=scanners[k].name, timeout=120)
                answers[k].extend(ok(ack)["results"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
    threads = [threading.Thread(target=replay, args=(k,)) for k in range(3)]
    [t.start() for t in threads]
    [t.join(180) for t in threads]
    assert failures == []

    # Every queued scan answered, each scan id applied once and answered the same to both phones.
    by_id: dict[str, list[dict]] = defaultdict(list)
    for k in range(3):
        assert [r["scan_id"] for r in answers[k]] == [s["scan_id"] for s in queues[k]]
        for r in answers[k]:
            assert r["verdict"] in VERDICTS, r
            by_id[r["scan_id"]].append(r)
    assert len(by_id) == 500
    for scan_id, results in by_id.items():
        assert [r["replayed"] for r in results].count(False) == 1, results
        assert len({r["verdict"] for r in results}) == 1, results
    verdicts = {scan_id: results[0]["verdict"] for scan_id, results in by_id.items()}
    for scan_id, verdict in expected.items():
        assert verdicts[scan_id] == verdict, scan_id
    per_person = defaultdict(Counter)
    for scan_id, verdict in verdicts.items():
        if scan_id not in expected:
            per_person[who[scan_id]][verdict] += 1
    assert set(per_person) == set(valid)
    for delegate_id, counted in per_person.items():
        assert counted["welcome"] == 1 and set(counted) <= {"welcome", "already"}, (delegate_id, counted)

    # The database: one row per scan id, one arrival per valid person at the earliest time scanned.
    rows = data.scan_rows(scan_id=list(by_id))
    assert len(rows) == 500
    assert data.counts() == (before[0] + 500, before[1] + len(valid))
    assert {r.scan_id: r.verdict for r in rows} == verdicts
    arrivals = data.check_ins()
    assert set(arrivals) == set(valid)
    earliest: dict[int, int] = {}
    for scan in scans:
        if scan["scan_id"] not in expected:
            d = who[scan["scan_id"]]
            earliest[d] = min(earliest.get(d, scan["scanned_at"]), scan["scanned_at"])
    assert {d: to_ms(c.at) for d, c in arrivals.items()} == earliest
    assert {c.bridge_point_id for c in arrivals.values()} == {hall}
    stored = {r.scan_id: r for r in rows}
    for scan_id in expected:
        assert stored[scan_id].conflict, scan_id                   # refused offline: kept and flagged
    assert not [r for r in rows if r.scan_id not in expected and r.conflict]
    assert not set(arrivals) & (set(others) | set(revoked))

    # The dashboard's picture agrees, exactly.
    summary = ok(scanners[1].call("attendance", {}))["summary"]
    points = data.delegate_points()
    assert summary["arrived"] == dict(Counter(cell_key(*points[d]) for d in valid))
    assert sum(summary["arrived"].values()) == len(valid)
    assert summary["expected"] == dict(Counter(cell_key(*p) for p in points.values()))
    assert {f["scan_id"] for f in summary["flagged"]} == set(expected)
    assert Counter(f["verdict"] for f in summary["flagged"]) == Counter(expected.values())
    curve = summary["curve"]
    assert curve[-1][1] == len(valid)


def test_one_person_scanned_offline_at_two_points_is_flagged_not_dropped(live_server, data, connect):
    """Two people of one point, each scanned offline there and (earlier) at another point without an
    override; the two phones replay in either order."""
    ids = data.point_ids()
    own, other = ids["phuoc-binh"], ids["tan-phu"]
    (x, code_x), (y, code_y) = sorted(data.codes(own).items())[:2]
    points = data.delegate_points()
    at_own = connect("dt-phuoc-binh")                      # staff at the person's own point
    at_other = connect("dieuhanh")                         # an operator at another point, no override
    dashboard = connect("mc", "dashboard")
    ok(dashboard.call("attendance", {}))
    t = now_ms()
    before = data.counts()
    sent = {}
    for delegate_id, code, own_first in ((x, code_x, True), (y, code_y, False)):
        own_scan = {"scan_id": new_scan_id("own"), "code": code, "scanned_at": t - 10 * 60_000, "offline": True}
        other_scan = {"scan_id": new_scan_id("other"), "code": code, "scanned_at": t - 15 * 60_000, "offline": True}
        sent[delegate_id] = own_scan, other_scan
        if own_first:
            r_own = ok(at_own.scan_batch(None, [own_scan]))["results"][0]
            r_other = ok(at_other.scan_batch(other, [other_scan]))["results"][0]
            assert r_other["verdict"] == "already" and r_other["conflict"], r_other
        else:
            r_other = ok(at_other.scan_batch(other, [other_scan]))["results"][0]
            r_own = ok(at_own.scan_batch(None, [own_scan]))["results"][0]
            assert r_other["verdict"] == "wrong_point" and r_other["conflict"], r_other
        assert (r_own["verdict"], r_own["conflict"]) == ("welcome", ""), r_own

    # Both scans of each kept, one arrival each, the other point's scan flagged for a look.
    assert data.counts() == (before[0] + 4, before[1] + 2)
    assert set(data.check_ins()) == {x, y}
    summary = ok(at_other.call("attendance", {}))["summary"]
    flagged = {f["scan_id"]: f for f in summary["flagged"]}
    assert len(flagged) == 2
    for delegate_id, (own_scan, other_scan) in sent.items():
        rows = {r.scan_id: r for r in data.scan_rows(delegate_id=delegate_id)}
        assert set(rows) == {own_scan["scan_id"], other_scan["scan_id"]}
        assert rows[other_scan["scan_id"]].bridge_point_id == other and rows[own_scan["scan_id"]].bridge_point_id == own
        flag = flagged[other_scan["scan_id"]]
        assert flag["conflict"] and flag["scanned_at"] == other_scan["scanned_at"] and flag["bridge_point"]
        # The dashboard heard of both: the arrival and the flag.
        heard = dashboard.arrival_for(other_scan["scan_id"])
        assert heard["flag"] and heard["flag"]["scan_id"] == other_scan["scan_id"]
        assert dashboard.arrival_for(own_scan["scan_id"])["flag"] is None
    # Counted once each, at their own point.
    assert summary["arrived"] == dict(Counter(cell_key(*points[d]) for d in (x, y)))
    # Whichever queue came first, the arrival is the scan that let them in, at their own point: the
    # earlier scan at the other point, made without an override, does not take it over.
    for delegate_id, (own_scan, _other) in sent.items():
        arrival = data.check_ins()[delegate_id]
        assert arrival.bridge_point_id == own
        assert to_ms(arrival.at) == own_scan["scanned_at"]


def test_dashboard_gets_each_arrival_with_the_counts(live_server, data, connect):
    ids = data.point_ids()
    point = ids["hiep-phu"]
    refused(connect("xem").call("attendance", {}))           # a viewer sees no attendance
    dashboard = connect("mc", "dashboard")
    summary = ok(dashboard.call("attendance", {}))["summary"]
    assert summary["arrived"] == {} and summary["flagged"] == []
    cells = summary["expected"]
    assert sum(cells.values()) == len(data.delegate_points())
    scanner = connect("dt-hiep-phu", "scanner")
    codes = sorted(data.codes(point).items())
    points = data.delegate_points()

    expected_arrived: Counter = Counter()
    welcome_ids = []
    for delegate_id, code in codes[:3]:
        scan_id = new_scan_id("dash")
        result = ok(scanner.scan(None, {"scan_id": scan_id, "code": code}))["result"]
        assert result["verdict"] == "welcome"
        expected_arrived[cell_key(*points[delegate_id])] += 1
        welcome_ids.append(scan_id)
        arrival = dashboard.arrival_for(scan_id)
        assert arrival["arrived"] == dict(expected_arrived)
        assert arrival["result"]["delegate"]["id"] == delegate_id and arrival["flag"] is None
        assert arrival["entered_at"] == {"bridge_point_id": point, "gate": result["check_in"]["gate"]}
        # Refused and repeated scans (online) are no arrival.
        ok(scanner.scan(None, {"scan_id": new_scan_id("again"), "code": code}))
        ok(scanner.scan(None, {"scan_id": new_scan_id("bad"), "code": tamper(code, "signature")}))
    # One more arrival closes the series: in order on one socket, nothing else came between.
    last = new_scan_id("last")
    ok(scanner.scan(None, {"scan_id": last, "code": codes[3][1]}))
    expected_arrived[cell_key(*points[codes[3][0]])] += 1
    assert dashboard.arrival_for(last)["arrived"] == dict(expected_arrived)
    assert [a["result"]["scan_id"] for a in dashboard.arrivals] == welcome_ids + [last]
    assert ok(dashboard.call("attendance", {}))["summary"]["arrived"] == dict(expected_arrived)
