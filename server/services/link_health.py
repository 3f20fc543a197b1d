"""Link health of the bridge points.

Every screen sends a heartbeat every `beat_interval_ms` carrying the round trip it measured for its
previous one. The monitor rates each screen good / degraded / lost from the silence since its last
beat, the beats it missed, the median round trip and the jitter, against the event's thresholds; a
point is as good as its best screen, and a point whose screens all left turns lost once the
threshold has passed. The monitor never reads a clock: every call is given `now` (seconds, monotonic),
so tests drive it with their own clock.

With several workers each monitor hears only its own screens; it exports them (`export`) and takes
the other workers' (`take_remote`) through the link board (server/link_board.py), so every worker
rates every point from all of its screens.
"""
from __future__ import annotations

import secrets
import statistics
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import LinkPolicy, LinkSample
from . import revision
from .errors import Invalid
from .snapshot import LINK_POLICY_DEFAULTS, policy_part

RANK = {"good": 0, "degraded": 1, "lost": 2, "unknown": 3}
WINDOW = 10                     # round trips kept per screen for the median and the jitter
POLICY_RANGES = {
    "beat_interval_ms": (200, 60_000),
    "rtt_degraded_ms": (20, 10_000),
    "jitter_degraded_ms": (5, 10_000),
    "missed_degraded": (1, 20),
    "lost_after_ms": (500, 600_000),
}


@dataclass(frozen=True)
class Policy:
    beat_interval_ms: int = LINK_POLICY_DEFAULTS["beat_interval_ms"]
    rtt_degraded_ms: int = LINK_POLICY_DEFAULTS["rtt_degraded_ms"]
    jitter_degraded_ms: int = LINK_POLICY_DEFAULTS["jitter_degraded_ms"]
    missed_degraded: int = LINK_POLICY_DEFAULTS["missed_degraded"]
    lost_after_ms: int = LINK_POLICY_DEFAULTS["lost_after_ms"]


def load_policies(session: Session, event_ids) -> dict[int, Policy]:
    rows = session.execute(select(LinkPolicy).where(LinkPolicy.event_id.in_(list(event_ids)))).scalars()
    found = {row.event_id: Policy(**policy_part(row)) for row in rows}
    return {event_id: found.get(event_id, Policy()) for event_id in event_ids}


def set_policy(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    values = {}
    for key, (low, high) in POLICY_RANGES.items():
        value = args.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise Invalid(lazy("Ngưỡng %(key)s phải là số nguyên từ %(low)s đến %(high)s.", key=key, low=low, high=high))
        values[key] = value
    with revision.change(session, event_id):
        row = session.execute(select(LinkPolicy).where(LinkPolicy.event_id == event_id)).scalar_one_or_none()
        if row is None:
            row = LinkPolicy(event_id=event_id, **LINK_POLICY_DEFAULTS)
            session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        if row.lost_after_ms < 2 * row.beat_interval_ms:
            raise Invalid(lazy("Ngưỡng mất kết nối phải ít nhất gấp đôi chu kỳ nhịp (%(ms)s ms).",
                               ms=2 * row.beat_interval_ms))
        return revision.commit_change(session, event_id, actor, "link_policy", {"coord": {"policy": policy_part(row)}},
                                      **values)


def _rate_rtts(rtts, policy: Policy) -> tuple[int | None, int | None, bool]:
    """(median, jitter, too slow or too unsteady) over the last round trips."""
    if not rtts:
        return None, None, False
    median = int(statistics.median(rtts))
    jitter = int(statistics.fmean(abs(a - b) for a, b in zip(rtts, list(rtts)[1:]))) if len(rtts) > 1 else 0
    return median, jitter, median > policy.rtt_degraded_ms or jitter > policy.jitter_degraded_ms


@dataclass
class Screen:
    id: str
    sid: str
    event_id: int
    actor: str
    connected_at: float
    last_beat: float
    page: str = "other"
    bridge_point_id: int | None = None
    name: str = ""
    seq: int = -1
    beats: int = 0
    rtts: deque = field(default_factory=lambda: deque(maxlen=WINDOW))
    state: str = "good"
    worker: str = ""

    def export(self, now: float, wall_ms: int) -> dict:
        """The screen for the other workers, its times on the wall clock (their monotonic clocks differ)."""
        return {"id": self.id, "event_id": self.event_id, "actor": self.actor, "page": self.page,
                "bridge_point_id": self.bridge_point_id, "name": self.name, "seq": self.seq, "beats": self.beats,
                "rtts": list(self.rtts), "connected_at": int(wall_ms - (now - self.connected_at) * 1000),
                "last_beat": int(wall_ms - (now - self.last_beat) * 1000)}

    @classmethod
    def imported(cls, row: dict, worker: str, now: float, wall_ms: int) -> "Screen":
        return cls(id=row["id"], sid="", event_id=row["event_id"], actor=row["actor"], page=row["page"],
                   bridge_point_id=row["bridge_point_id"], name=row["name"], seq=row["seq"], beats=row["beats"],
                   rtts=deque(row["rtts"], maxlen=WINDOW), worker=worker,
                   connected_at=now - (wall_ms - row["connected_at"]) / 1000,
                   last_beat=now - (wall_ms - row["last_beat"]) / 1000)

    def missed(self, now: float, policy: Policy) -> int:
        """Beats not heard since the last one, allowing half an interval of lateness."""
        interval = policy.beat_interval_ms / 1000
        return max(0, int((now - self.last_beat - interval / 2) / interval))

    def rate(self, now: float, policy: Policy) -> str:
        if (now - self.last_beat) * 1000 > policy.lost_after_ms:
            return "lost"
        if self.missed(now, policy) >= policy.missed_degraded or _rate_rtts(self.rtts, policy)[2]:
            return "degraded"
        return "good"


@dataclass
class PointLink:
    state: str = "unknown"
    last_beat: float | None = None
    last_sample: float | None = None
    changed: bool = False


class LinkMonitor:
    """One per server process, for the screens connected to it."""

    def __init__(self, worker: str = ""):
        self.worker = worker
        self._lock = threading.Lock()
        self._screens: dict[str, Screen] = {}                    # by socket id
        self._remote: list[Screen] = []                          # the other workers' screens, as last heard
        self._points: dict[tuple[int, int], PointLink] = {}

    # --- screens come, say who they are, beat, go -----------------------------------------------
    def connect(self, sid: str, event_id: int, actor: str, now: float) -> Screen:
        with self._lock:
            screen = Screen(id=secrets.token_hex(6), sid=sid, event_id=event_id, actor=actor,
                            connected_at=now, last_beat=now, worker=self.worker)
            self._screens[sid] = screen
            return screen

    def hello(self, sid: str, page: str, bridge_point_id: int | None, name: str, now: float) -> Screen | None:
        """Saying hello is hearing from the point, like a beat."""
        with self._lock:
            screen = self._screens.get(sid)
            if screen is not None:
                screen.page, screen.bridge_point_id, screen.name = page, bridge_point_id, name
                screen.last_beat = now
                if bridge_point_id is not None:
                    self._points.setdefault((screen.event_id, bridge_point_id), PointLink()).last_beat = now
            return screen

    def beat(self, sid: str, seq: int, rtt_ms: int | None, now: float) -> Screen | None:
        with self._lock:
            screen = self._screens.get(sid)
            if screen is None or seq <= screen.seq:
                return screen                                     # a repeat or an old beat: nothing new
            screen.seq, screen.last_beat = seq, now
            screen.beats += 1
            if rtt_ms is not None:
                screen.rtts.append(rtt_ms)
            if screen.bridge_point_id is not None:
                self._points.setdefault((screen.event_id, screen.bridge_point_id), PointLink()).last_beat = now
            return screen

    def disconnect(self, sid: str) -> None:
        with self._lock:
            self._screens.pop(sid, None)

    def export(self, now: float, wall_ms: int) -> dict[int, list[dict]]:
        """This worker's screens by event, for the link board."""
        with self._lock:
            out: dict[int, list[dict]] = {}
            for screen in self._screens.values():
                out.setdefault(screen.event_id, []).append(screen.export(now, wall_ms))
            return out

    def take_remote(self, rows: list[tuple[str, dict]], now: float, wall_ms: int) -> None:
        """The other workers' screens (worker, exported screen), replacing those heard before. Their
        points count as heard from at their last beat, as if the screens were connected here."""
        remote = [Screen.imported(row, worker, now, wall_ms) for worker, row in rows]
        with self._lock:
            self._remote = remote
            for screen in remote:
                if screen.bridge_point_id is None:
                    continue
                link = self._points.setdefault((screen.event_id, screen.bridge_point_id), PointLink())
                if link.last_beat is None or screen.last_beat > link.last_beat:
                    link.last_beat = screen.last_beat

    def _all_screens(self) -> list[Screen]:
        return [*self._screens.values(), *self._remote]

    def watched(self, event_id: int) -> bool:
        """Whether a control room of the event is connected here (no one to send the grid to otherwise)."""
        with self._lock:
            return any(s.event_id == event_id and s.page == "control" for s in self._screens.values())

    def event_ids(self) -> set[int]:
        with self._lock:
            return {s.event_id for s in self._all_screens()} | {e for e, _p in self._points}

    # --- rating -----------------------------------------------------------------------------------
    def rate(self, now: float, policies: dict[int, Policy]) -> list[tuple[int, int, str, str]]:
        """Rates every screen and point; returns the points whose state changed (event, point, old, new)."""
        changes = []
        with self._lock:
            best: dict[tuple[int, int], str] = {}
            for screen in self._all_screens():
                screen.state = screen.rate(now, policies.get(screen.event_id, Policy()))
                if screen.bridge_point_id is not None:
                    key = (screen.event_id, screen.bridge_point_id)
                    if RANK[screen.state] < RANK[best.get(key, "unknown")]:
                        best[key] = screen.state
            for key, link in self._points.items():
                policy = policies.get(key[0], Policy())
                if key in best:
                    state = best[key]
                elif link.last_beat is None:
                    state = "unknown"
                elif (now - link.last_beat) * 1000 > policy.lost_after_ms:
                    state = "lost"
                else:
                    state = "degraded"                            # its screens left; waiting for them
                if state != link.state:
                    changes.append((key[0], key[1], link.state, state))
                    link.state, link.changed = state, True
        return changes

    def _point_screens(self, event_id: int, point_id: int) -> list[Screen]:
        return [s for s in self._all_screens() if s.event_id == event_id and s.bridge_point_id == point_id]

    def tile(self, event_id: int, point_id: int, now: float, wall_ms: int, policy: Policy) -> dict:
        with self._lock:
            link = self._points.get((event_id, point_id), PointLink())
            screens = self._point_screens(event_id, point_id)
            lead = min(screens, key=lambda s: (RANK[s.state], -s.last_beat), default=None)
            median, jitter, _slow = _rate_rtts(lead.rtts, policy) if lead else (None, None, False)
            return {"bridge_point_id": point_id, "state": link.state, "rtt_ms": median, "jitter_ms": jitter,
                    "missed": lead.missed(now, policy) if lead else 0, "screens": len(screens),
                    "rtts": list(lead.rtts) if lead else [],
                    "last_seen": None if link.last_beat is None else int(wall_ms - (now - link.last_beat) * 1000)}

    def screens(self, event_id: int, now: float, wall_ms: int, policy: Policy) -> list[dict]:
        with self._lock:
            rows = []
            for s in self._all_screens():
                if s.event_id != event_id:
                    continue
                median, jitter, _slow = _rate_rtts(s.rtts, policy)
                rows.append({"id": s.id, "page": s.page, "bridge_point_id": s.bridge_point_id, "name": s.name,
                             "actor": s.actor, "state": s.state, "rtt_ms": median, "jitter_ms": jitter,
                             "worker": s.worker,
                             "connected_at": int(wall_ms - (now - s.connected_at) * 1000),
                             "last_seen": int(wall_ms - (now - s.last_beat) * 1000)})
            return sorted(rows, key=lambda r: (r["bridge_point_id"] is None, r["bridge_point_id"] or 0, r["page"], r["id"]))

    def samples_due(self, now: float, every_s: float, policies: dict[int, Policy]) -> list[dict]:
        """Points to record now: those whose state changed and those not recorded for `every_s`."""
        due = []
        for (event_id, point_id), link in list(self._points.items()):
            if link.state == "unknown":
                continue
            if link.changed or link.last_sample is None or now - link.last_sample >= every_s:
                tile = self.tile(event_id, point_id, now, 0, policies.get(event_id, Policy()))
                due.append({"event_id": event_id, "bridge_point_id": point_id, "state": link.state,
                            "rtt_ms": tile["rtt_ms"], "jitter_ms": tile["jitter_ms"], "missed": tile["missed"],
                            "screens": tile["screens"]})
                link.changed, link.last_sample = False, now
        return due


def record_samples(session: Session, samples: list[dict], at: datetime) -> None:
    for sample in samples:
        session.add(LinkSample(at=at, **sample))
    session.commit()
