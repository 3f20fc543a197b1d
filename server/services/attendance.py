"""Who has arrived: expected / arrived per bridge point and category, the arrival curve, the VIPs and
award recipients still missing, and the offline scans that need a look.

Where a delegate counts (`counted_point`, the one rule for the dashboard, the control room's tiles and
the report): at their own bridge point, so a delegate let in elsewhere by an override counts where
they were expected; with no point of their own, at the point whose gate checked them in; with
neither, on the row UNASSIGNED. Expected and arrived always compare like with like."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, CheckIn, Delegate, Scan, to_ms
from .check_in import delegate_brief
from .delegate_categories import labels as category_labels
from .text import vietnamese_name_key

CURVE_STEP_MS = 60_000
RECENT = 20         # the dashboard's "Vừa đến" keeps as many (static/js/attendance.js)
UNASSIGNED = lazy("Chưa xếp điểm cầu")      # the row of delegates with no point who have not come
# counted_point in SQL: the delegate's own point, else the point of the gate that checked them in.
COUNTED_POINT = func.coalesce(Delegate.bridge_point_id, CheckIn.bridge_point_id)


def counted_point(own_point_id: int | None, checked_in_at_point_id: int | None) -> int:
    """Where a delegate counts (0: UNASSIGNED); COUNTED_POINT says the same in SQL."""
    return own_point_id or checked_in_at_point_id or 0


def curve(arrivals_ms: list[int]) -> list[list[int]]:
    """Cumulative arrivals at the end of each minute that had one."""
    out: list[list[int]] = []
    for count, at in enumerate(sorted(arrivals_ms), start=1):
        bucket = at - at % CURVE_STEP_MS + CURVE_STEP_MS
        if out and out[-1][0] == bucket:
            out[-1][1] = count
        else:
            out.append([bucket, count])
    return out


def cell_key(bridge_point_id: int | None, category: str) -> str:
    return f"{bridge_point_id or 0}|{category}"


def arrived_counts(session: Session, event_id: int) -> dict[str, int]:
    """Arrived per (point, category) cell: sent whole with every arrival, so a dashboard that missed
    one message is right again with the next."""
    rows = session.execute(select(COUNTED_POINT, Delegate.category, func.count(CheckIn.id))
                           .join(CheckIn, CheckIn.delegate_id == Delegate.id)
                           .where(Delegate.event_id == event_id)
                           .group_by(COUNTED_POINT, Delegate.category))
    return {cell_key(point, category): n for point, category, n in rows}


def expected_counts(session: Session, event_id: int) -> dict[str, int]:
    """Expected per (counted point, category) cell; it moves when a walk-in is added or a delegate
    with no point comes in, so it travels with every arrival as the arrived counts do."""
    rows = session.execute(select(COUNTED_POINT, Delegate.category, func.count(Delegate.id))
                           .outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
                           .where(Delegate.event_id == event_id)
                           .group_by(COUNTED_POINT, Delegate.category))
    return {cell_key(point, category): n for point, category, n in rows}


def point_counts(session: Session, event_id: int, *, arrived: dict[str, int] | None = None,
                 only: list[int] | None = None) -> dict[str, list[int]]:
    """{point id: [arrived, expected]} for the control room's tiles: the dashboard's own cells
    (`arrived_counts`, passed in when already read) summed per point, so the two never disagree; two
    numbers a point, as the room may watch thousands. `only`: just these points (one arrival's).
    UNASSIGNED has no tile and is left out."""
    cells = arrived_counts(session, event_id) if arrived is None else arrived
    came = Counter()
    for key, n in cells.items():
        came[int(key.split("|", 1)[0])] += n
    query = (select(COUNTED_POINT, func.count(Delegate.id))
             .outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
             .where(Delegate.event_id == event_id, COUNTED_POINT.is_not(None))
             .group_by(COUNTED_POINT))
    if only is not None:
        query = query.where(COUNTED_POINT.in_(only))
    return {str(point): [came[point], n] for point, n in session.execute(query)}


def arrival_times(session: Session, event_id: int) -> dict[int, list[int]]:
    """Arrival times (ms) by counted point, for each point's curve in the report."""
    out: dict[int, list[int]] = {}
    for own, at_point, at in session.execute(select(Delegate.bridge_point_id, CheckIn.bridge_point_id, CheckIn.at)
                                             .join(CheckIn, CheckIn.delegate_id == Delegate.id)
                                             .where(Delegate.event_id == event_id)):
        out.setdefault(counted_point(own, at_point), []).append(to_ms(at))
    return out


def recent(session: Session, event_id: int, limit: int = RECENT) -> list[dict]:
    """The latest arrivals, newest first, as the dashboard's live list shows them (the delegate's own
    point, like the counts): a dashboard opened late still sees who just came."""
    rows = session.execute(select(CheckIn.at, Delegate.id, Delegate.full_name, BridgePoint.short_name)
                           .join(Delegate, Delegate.id == CheckIn.delegate_id)
                           .outerjoin(BridgePoint, BridgePoint.id == Delegate.bridge_point_id)
                           .where(CheckIn.event_id == event_id)
                           .order_by(CheckIn.at.desc(), CheckIn.id.desc()).limit(limit))
    return [{"delegate_id": delegate_id, "name": name, "point": point or "", "at": to_ms(at)}
            for at, delegate_id, name, point in rows]


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
    people = session.execute(select(Delegate, CheckIn.bridge_point_id, CheckIn.at)
                             .outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
                             .where(Delegate.event_id == event_id)).all()
    expected = expected_counts(session, event_id)
    labels = category_labels(session, event_id)
    missing = [delegate_brief(d, by_id, labels) for d, _, at in people
               if at is None and (d.vip or d.category == "award_recipient" or d.award)]
    missing.sort(key=lambda b: (not b["vip"], b["bridge_point"], vietnamese_name_key(b["full_name"])))
    rows = [{"id": p.id, "short_name": p.short_name} for p in points]
    if any(key.startswith("0|") for key in expected):
        rows.append({"id": 0, "short_name": str(UNASSIGNED)})
    return {
        "categories": [{"code": code, "label": label} for code, label in labels.items()],
        "points": rows,
        "expected": expected,
        "arrived": arrived_counts(session, event_id),
        "curve": curve([to_ms(at) for _, _, at in people if at is not None]),
        "missing": missing,
        "recent": recent(session, event_id),
        "flagged": flagged(session, event_id),
    }
