"""After the event: every number of the report to the Standing Committee (báo cáo Ban Thường vụ), from
the database only: the programme as planned and as run, attendance, awards, the bridge points' incidents,
links, checks and roll call, and the cue log. No Flask request is needed (labels are translated when an
app context is there, in Vietnamese otherwise); the page, the PDF, the XLSX and the CSV all render this
one dict.

Conventions: times are epoch milliseconds (UTC) or None; durations are whole seconds, rounded to the
nearest second; percentages are floats 0–100 rounded to one decimal (None when nothing was expected).

Rules decided here (the issue left them open):

* Something still going when the report is made counts until `now`: an item started and not ended, a
  ward's local segment not finished, an open incident, a show still running (drift).
* An item's actual time is from its first start to its last end (show_control keeps both), so an item
  the operator came back to includes the time spent away; an item never started has no actual time.
* Attendance counts each delegate where attendance.counted_point says (their own point; with none,
  the point whose gate checked them in; with neither, the row "Chưa xếp điểm cầu"), as the dashboard
  and the control room's tiles do. Walk-ins are delegates added at the door, so they count in
  expected as well as in arrived.
* Walk-ins are accepted scans of method "walk_in"; flagged are scans with a conflict note (all of
  them, not the dashboard's last 100); overrides are accepted scans that carry an override reason.
* Round-trip percentiles use the nearest-rank method over the point's samples that carry a round
  trip: the p-th percentile is the smallest sample with at least p % of samples at or below it, so
  it is always a value that was measured.
* Link time: each sample's state lasts until the point's next sample; the last sample lasts nothing
  (until its own time), because nothing says how long it held afterwards.
* checks_total is the length of the checklist (CHECKS); checks_passed the checks whose latest mark
  is "pass".
* roll_call_s is measured against the latest roll call of the event (by id) only.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import (AWARD_STATUSES, CHECKS, Award, AwardBatch, AwardKind, BridgePoint,
                      CheckMark, CueLog, Delegate, Event, Incident, LinkSample, RollCall, Scan, ShowState,
                      SiteCursor, to_ms, utcnow)
from .attendance import arrival_times, cell_key, curve, summary
from .awards import LEVELS
from .errors import NotFound
from .events import RUN_TEXTS, run_kind
from .snapshot import programme

STATUS_LABELS = {
    "presented": lazy("Đã trao"),
    "proxy": lazy("Nhận thay"),
    "absent": lazy("Vắng"),
    "pending": lazy("Chưa trao"),
}
INCIDENT_KIND_LABELS = {
    "no_picture": lazy("Không có hình"),
    "no_sound": lazy("Không có tiếng"),
    "lost_connection": lazy("Mất kết nối"),
    "other": lazy("Khác"),
}


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds())


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def percentile(values: list[int], p: int) -> int | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))           # ceil(p/100 * n) in integers
    return ordered[rank - 1]


# --- parts -------------------------------------------------------------------------------------------

def _event_part(session: Session, event: Event, now: datetime) -> dict:
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one_or_none()
    run = run_kind(event, state)
    return {"title": event.title, "slug": event.slug, "organiser": event.organiser, "venue": event.venue,
            "starts_at": to_ms(event.starts_at), "timezone": event.timezone, "generated_at": to_ms(now),
            "plan_number": event.plan_number, "run": run, "run_text": str(RUN_TEXTS[run]),
            "reset_at": to_ms(event.reset_at)}


def _programme_part(session: Session, event: Event, points: dict[int, BridgePoint], now: datetime) -> dict:
    items = programme(session, event.id)
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    starts_ms = to_ms(event.starts_at)
    rows, offset_s = [], 0
    for item in items:
        actual_s = _seconds(item.actual_start, item.actual_end or now) if item.actual_start else None
        rows.append({
            "number": item.position + 1, "content": item.content, "performer": item.performer,
            "planned_start": starts_ms + offset_s * 1000 if starts_ms is not None else None,
            "planned_s": item.duration_s,
            "actual_start": to_ms(item.actual_start), "actual_end": to_ms(item.actual_end),
            "actual_s": actual_s, "over_s": actual_s - item.duration_s if actual_s is not None else None,
        })
        offset_s += item.duration_s
    planned_end = starts_ms + offset_s * 1000 if starts_ms is not None else None

    started = [i.actual_start for i in items if i.actual_start]
    actual_start = (state and state.show_started_at) or (min(started) if started else None)
    status = state.status if state else "standby"
    actual_end = state.show_ended_at if status == "ended" else None
    drift_s = None
    if planned_end is not None and status != "standby":
        until = actual_end if actual_end is not None else now
        drift_s = round((to_ms(until) - planned_end) / 1000)

    by_id = {i.id: i for i in items}
    cursors = session.execute(select(SiteCursor).where(SiteCursor.event_id == event.id)
                              .execution_options(populate_existing=True)).scalars().all()

    def cursor_key(c: SiteCursor):
        segment, point = by_id.get(c.segment_id), points.get(c.bridge_point_id)
        return (segment.position if segment else 1 << 30, point.position if point else 1 << 30, c.id)

    local = []
    for c in sorted(cursors, key=cursor_key):
        segment, point = by_id.get(c.segment_id), points.get(c.bridge_point_id)
        local.append({"bridge_point": point.short_name if point else "",
                      "content": segment.content if segment else "",
                      "opened_at": to_ms(c.opened_at), "finished_at": to_ms(c.finished_at),
                      "actual_s": _seconds(c.opened_at, c.finished_at or now) if c.opened_at else None})
    return {"rows": rows, "planned_end": planned_end, "actual_start": to_ms(actual_start),
            "actual_end": to_ms(actual_end), "drift_s": drift_s, "local": local}


def _attendance_part(session: Session, event_id: int) -> dict:
    data = summary(session, event_id)          # where each delegate counts: attendance.counted_point
    expected, arrived = data["expected"], data["arrived"]
    labels = {c["code"]: c["label"] for c in data["categories"]}
    for key in sorted(expected):               # a category no longer on the list still counts
        labels.setdefault(key.split("|", 1)[1], key.split("|", 1)[1])
    times = arrival_times(session, event_id)
    rows, points = [], []
    for point in data["points"]:
        p_expected = p_arrived = 0
        for category, label in labels.items():
            key = cell_key(point["id"], category)
            e, a = expected.get(key, 0), arrived.get(key, 0)
            p_expected, p_arrived = p_expected + e, p_arrived + a
            if e > 0:
                rows.append({"bridge_point": point["short_name"], "category": category, "category_label": label,
                             "expected": e, "arrived": a, "percent": _percent(a, e)})
        points.append({"bridge_point": point["short_name"], "expected": p_expected, "arrived": p_arrived,
                       "percent": _percent(p_arrived, p_expected), "curve": curve(times.get(point["id"], []))})
    total_expected, total_arrived = sum(expected.values()), sum(arrived.values())

    def count(*where) -> int:
        return session.execute(select(func.count(Scan.id)).where(Scan.event_id == event_id, *where)).scalar_one()

    return {
        "rows": rows, "points": points,
        "total": {"expected": total_expected, "arrived": total_arrived,
                  "percent": _percent(total_arrived, total_expected)},
        "curve": data["curve"],
        "walk_ins": count(Scan.method == "walk_in", Scan.verdict == "welcome"),
        "flagged": count(Scan.conflict != ""),
        "overrides": count(Scan.override_reason != "", Scan.verdict == "welcome"),
    }


def _level_rank(level: str) -> tuple:
    """Levels highest first (trung ương … phường), then any other text, then none."""
    return (LEVELS.index(level), "") if level in LEVELS else (len(LEVELS) + (not level), level)


def decision(award: Award) -> str:
    """The decision's number and date, as the report's column prints it (the kind has its own)."""
    parts = []
    if award.decision_number:
        parts.append(str(lazy("Quyết định số %(number)s", number=award.decision_number)))
    if award.decision_date:
        parts.append(str(lazy("ngày %(date)s", date=award.decision_date.strftime("%d/%m/%Y"))))
    return " ".join(parts)


def _awards_part(session: Session, event_id: int, points: dict[int, BridgePoint]) -> dict:
    found = session.execute(select(Award, AwardKind, Delegate, AwardBatch.position)
                            .join(AwardKind, AwardKind.id == Award.kind_id)
                            .join(Delegate, Delegate.id == Award.delegate_id)
                            .outerjoin(AwardBatch, AwardBatch.id == Award.batch_id)
                            .where(Award.event_id == event_id)
                            .execution_options(populate_existing=True)).all()

    def order(row) -> tuple:
        award, kind, _delegate, batch_position = row
        point = points.get(award.bridge_point_id)
        return (kind.position, kind.id, _level_rank(award.level), point.position if point else 1 << 30,
                batch_position if batch_position is not None else 1 << 30, award.stage_order, award.id)

    found.sort(key=order)
    groups: dict[tuple[int, str], dict] = {}
    people, total = [], Counter()
    for award, kind, delegate, _position in found:
        status = award.status if award.status in AWARD_STATUSES else "pending"
        group = groups.setdefault((kind.id, award.level), {
            "kind": kind.name, "level": award.level, "total": 0,
            "presented": 0, "proxy": 0, "absent": 0, "pending": 0})
        group["total"] += 1
        group[status] += 1
        total["total"] += 1
        total[status] += 1
        point = points.get(award.bridge_point_id)
        people.append({"name": delegate.full_name, "collective": award.collective, "kind": kind.name,
                       "level": award.level, "bridge_point": point.short_name if point else "",
                       "status": status, "status_label": str(STATUS_LABELS[status]),
                       "proxy_name": award.proxy_name, "decision": decision(award)})
    return {"rows": list(groups.values()), "people": people,
            "total": {key: total[key] for key in ("total", "presented", "proxy", "absent", "pending")}}


def _bridge_points_part(session: Session, event_id: int, ordered: list[BridgePoint], now: datetime) -> dict:
    by_id = {p.id: p for p in ordered}
    incidents = session.execute(select(Incident).where(Incident.event_id == event_id)
                                .order_by(Incident.reported_at, Incident.id)
                                .execution_options(populate_existing=True)).scalars().all()
    incident_count: Counter = Counter()
    incident_s: Counter = Counter()
    incident_rows = []
    for row in incidents:
        duration = _seconds(row.reported_at, row.resolved_at or now)
        incident_count[row.bridge_point_id] += 1
        incident_s[row.bridge_point_id] += duration
        point = by_id.get(row.bridge_point_id)
        incident_rows.append({"bridge_point": point.short_name if point else "", "kind": row.kind,
                              "kind_label": str(INCIDENT_KIND_LABELS.get(row.kind, row.kind)), "note": row.note,
                              "reported_at": to_ms(row.reported_at), "acknowledged_at": to_ms(row.acknowledged_at),
                              "resolved_at": to_ms(row.resolved_at), "duration_s": duration})

    # Link time per state: each sample's state holds until the point's next sample; the last sample
    # holds for nothing (until its own time), since nothing says how long it lasted after it.
    samples: dict[int, list[LinkSample]] = defaultdict(list)
    for sample in session.execute(select(LinkSample).where(LinkSample.event_id == event_id)
                                  .order_by(LinkSample.at, LinkSample.id)).scalars():
        samples[sample.bridge_point_id].append(sample)
    state_ms: dict[int, Counter] = defaultdict(Counter)
    for point_id, rows in samples.items():
        for this, following in zip(rows, rows[1:]):
            state_ms[point_id][this.state] += to_ms(following.at) - to_ms(this.at)

    passed = Counter(session.execute(select(CheckMark.bridge_point_id).where(
        CheckMark.event_id == event_id, CheckMark.status == "pass")).scalars())

    latest = session.execute(select(RollCall).where(RollCall.event_id == event_id).order_by(RollCall.id.desc())
                             .limit(1).execution_options(populate_existing=True)).scalar_one_or_none()
    answered = {a.bridge_point_id: _seconds(latest.started_at, a.answered_at)
                for a in latest.answers} if latest is not None else {}

    rows = []
    for point in ordered:
        rtts = [s.rtt_ms for s in samples.get(point.id, []) if s.rtt_ms is not None]
        rows.append({"bridge_point": point.short_name, "incidents": incident_count[point.id],
                     "incident_s": incident_s[point.id],
                     "rtt_p50": percentile(rtts, 50), "rtt_p95": percentile(rtts, 95),
                     "lost_s": round(state_ms[point.id]["lost"] / 1000),
                     "degraded_s": round(state_ms[point.id]["degraded"] / 1000),
                     "samples": len(samples.get(point.id, [])),
                     "checks_passed": passed[point.id], "checks_total": len(CHECKS),
                     "roll_call_s": answered.get(point.id)})
    return {"rows": rows, "incidents": incident_rows}


def _cue_log_part(session: Session, event_id: int, points: dict[int, BridgePoint]) -> list[dict]:
    items = {i.id: i for i in programme(session, event_id)}

    def item_text(item_id: int | None) -> str:
        if item_id is None:
            return ""
        item = items.get(item_id)
        return f"{item.position + 1}. {item.content}" if item else f"#{item_id}"

    out = []
    for row in session.execute(select(CueLog).where(CueLog.event_id == event_id)
                               .order_by(CueLog.rev, CueLog.id)).scalars():
        point = points.get(row.bridge_point_id) if row.bridge_point_id is not None else None
        out.append({"at": to_ms(row.at), "rev": row.rev, "actor": row.actor, "action": row.action,
                    "item": item_text(row.item_id), "bridge_point": point.short_name if point else "",
                    "detail": row.detail})
    return out


def report(session: Session, event_id: int, *, now: datetime | None = None) -> dict:
    """Every number of the post-event report of one event, as of `now` (default: the clock)."""
    now = now or utcnow()
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(lazy("Không tìm thấy hội nghị."))
    ordered = list(session.execute(select(BridgePoint).where(BridgePoint.event_id == event_id)
                                   .order_by(BridgePoint.position, BridgePoint.id)).scalars())
    points = {p.id: p for p in ordered}
    return {
        "event": _event_part(session, event, now),
        "programme": _programme_part(session, event, points, now),
        "attendance": _attendance_part(session, event_id),
        "awards": _awards_part(session, event_id, points),
        "bridge_points": _bridge_points_part(session, event_id, ordered, now),
        "cue_log": _cue_log_part(session, event_id, points),
    }

