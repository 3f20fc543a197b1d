"""Who has arrived: expected / arrived per bridge point and category, the arrival curve, the VIPs and
award recipients still missing, and the offline scans that need a look. Counted by the delegate's
own bridge point, so expected and arrived always compare like with like."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import BridgePoint, CheckIn, Delegate, Scan, to_ms
from .check_in import delegate_brief
from .delegate_categories import labels as category_labels

CURVE_STEP_MS = 60_000


def cell_key(bridge_point_id: int | None, category: str) -> str:
    return f"{bridge_point_id or 0}|{category}"


def arrived_counts(session: Session, event_id: int) -> dict[str, int]:
    """Arrived per (point, category) cell: sent whole with every arrival, so a dashboard that missed
    one message is right again with the next."""
    rows = session.execute(select(Delegate.bridge_point_id, Delegate.category, func.count(CheckIn.id))
                           .join(CheckIn, CheckIn.delegate_id == Delegate.id)
                           .where(Delegate.event_id == event_id)
                           .group_by(Delegate.bridge_point_id, Delegate.category))
    return {cell_key(point, category): n for point, category, n in rows}


def flagged(session: Session, event_id: int, limit: int = 100) -> list[dict]:
    rows = session.execute(select(Scan, Delegate.full_name, BridgePoint.short_name)
                           .outerjoin(Delegate, Delegate.id == Scan.delegate_id)
                           .join(BridgePoint, BridgePoint.id == Scan.bridge_point_id)
                           .where(Scan.event_id == event_id, Scan.conflict != "")
                           .order_by(Scan.id.desc()).limit(limit))
    return [flag_part(scan, name, point) for scan, name, point in rows]


def flag_part(scan: Scan, full_name: str | None, point_name: str) -> dict:
    return {"scan_id": scan.scan_id, "verdict": scan.verdict, "conflict": scan.conflict,
            "full_name": full_name or "", "bridge_point": point_name, "gate": scan.gate,
            "scanned_at": to_ms(scan.scanned_at)}


def summary(session: Session, event_id: int) -> dict:
    points = list(session.execute(select(BridgePoint).where(BridgePoint.event_id == event_id)
                                  .order_by(BridgePoint.position)).scalars())
    by_id = {p.id: p for p in points}
    people = session.execute(select(Delegate, CheckIn.at).outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
                             .where(Delegate.event_id == event_id)).all()
    expected = Counter(cell_key(d.bridge_point_id, d.category) for d, _ in people)
    arrivals = sorted(to_ms(at) for _, at in people if at is not None)
    curve, count = [], 0
    for at in arrivals:                     # cumulative arrivals at the end of each minute
        count += 1
        bucket = at - at % CURVE_STEP_MS + CURVE_STEP_MS
        if curve and curve[-1][0] == bucket:
            curve[-1][1] = count
        else:
            curve.append([bucket, count])
    labels = category_labels(session, event_id)
    missing = [delegate_brief(d, by_id, labels) for d, at in people
               if at is None and (d.vip or d.category == "award_recipient" or d.award)]
    missing.sort(key=lambda b: (not b["vip"], b["bridge_point"], b["full_name"]))
    rows = [{"id": p.id, "short_name": p.short_name} for p in points]
    if any(d.bridge_point_id is None for d, _ in people):
        rows.append({"id": 0, "short_name": ""})      # delegates not yet given a bridge point
    return {
        "categories": [{"code": code, "label": label} for code, label in labels.items()],
        "points": rows,
        "expected": dict(expected),
        "arrived": arrived_counts(session, event_id),
        "curve": curve,
        "missing": missing,
        "flagged": flagged(session, event_id),
    }
