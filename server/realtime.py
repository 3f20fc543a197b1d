"""Publishing: what a service changed goes to every screen of the event, as a patch with its revision.

Also the ticker of each server process: it shares the links of the screens connected here with the
other workers (server/link_board.py), rates every point, sends the control rooms connected here their
grid of tiles and list of screens, and, on the leading worker only, records link samples and closes
roll calls whose time is up.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, current_app

from sqlalchemy import select

from .extensions import socketio
from .link_board import make_board
from .models import Award, BridgePoint, ShowState, to_ms, utcnow
from .services import attendance, link_health, roll_calls
from .services.check_in import checked_in
from .services.revision import Change, show_changed
from .services.snapshot import point_ids

log = logging.getLogger(__name__)

TICK_S = 0.25            # how often links are rated
TILES_EVERY_S = 1.0      # the grid refreshes at least this often, and at once on any change of state
SAMPLE_EVERY_S = 5.0     # link samples kept for the report
POLICY_EVERY_S = 2.0     # thresholds re-read from the database
REVISIONS_EVERY_S = 1.0  # how soon a change made outside the server (the command line) reaches the screens


def event_room(event_id: int) -> str:
    return f"event:{event_id}"


def control_room(event_id: int) -> str:
    return f"control:{event_id}"


def attendance_room(event_id: int) -> str:
    return f"attendance:{event_id}"


def link_monitor() -> link_health.LinkMonitor:
    return current_app.extensions["diemcau.links"]


def _on_show_changed(change: Change) -> None:
    socketio.emit("patch", change.message(), to=event_room(change.event_id))


def _on_checked_in(event_id: int, *, session, result: dict, scan) -> None:
    """An arrival (or a flagged offline scan) to the attendance dashboards, with the arrived and
    expected counts of every cell, so a dashboard that missed a message is right again with the next;
    and to the control rooms, the arrived / expected of the point the delegate counts at."""
    now = to_ms(utcnow())          # read before the counts: a later reading never carries an older time
    arrived = attendance.arrived_counts(session, event_id)
    socketio.emit("arrival", {
        "result": result,
        "entered_at": {"bridge_point_id": scan.bridge_point_id, "gate": scan.gate},
        "arrived": arrived,
        # Expected moves only when a walk-in is added or someone with no point comes in (counted_point).
        "expected": attendance.expected_counts(session, event_id)
        if scan.method == "walk_in" or (result["delegate"] and result["delegate"]["bridge_point_id"] is None)
        else None,
        "flag": attendance.flag_part(scan, result["delegate"] and result["delegate"]["full_name"],
                                     session.get(BridgePoint, scan.bridge_point_id).short_name)
        if scan.conflict else None,
        "server_time": now,
    }, to=attendance_room(event_id))
    delegate = result["delegate"]
    if result["verdict"] == "welcome" and delegate:
        point = attendance.counted_point(delegate["bridge_point_id"], scan.bridge_point_id)
        socketio.emit("point_attendance", {"server_time": now, "points": attendance.point_counts(
            session, event_id, arrived=arrived, only=[point])}, to=control_room(event_id))
    if result["verdict"] == "welcome" and delegate and session.execute(
            select(Award.id).where(Award.delegate_id == delegate["id"]).limit(1)).first():
        # The desk, the prompter and the escorts flag recipients not yet arrived: tell them who came.
        socketio.emit("award_arrival", {"delegate_id": delegate["id"], "at": result["check_in"]["at"]},
                      to=event_room(event_id))


def init_realtime(app: Flask) -> None:
    settings = app.config["DIEMCAU"]
    app.extensions["diemcau.links"] = link_health.LinkMonitor(worker=settings.worker)
    app.extensions["diemcau.board"] = make_board(settings)
    show_changed.connect(_on_show_changed, weak=False)
    checked_in.connect(_on_checked_in, weak=False)


class Ticker:
    def __init__(self, app: Flask):
        self.app = app
        self.monitor: link_health.LinkMonitor = app.extensions["diemcau.links"]
        self.board = app.extensions["diemcau.board"]
        self.leading = True
        self.board_down = False
        self.policies: dict[int, link_health.Policy] = {}
        self.points: dict[int, list[int]] = {}
        self._policies_at = self._tiles_at = self._roll_calls_at = self._revisions_at = -1e9
        # The newest revision of each event this process published or told its screens about. With a
        # message queue the other workers publish too and this process cannot tell their patches from
        # an outside change, so the watch runs on a single process only (docs/deployment.md).
        self.watch_revisions = not app.config["DIEMCAU"].message_queue
        self.known_revs: dict[int, int] = {}
        show_changed.connect(self._published, weak=False)

    def run(self) -> None:
        while True:
            socketio.sleep(TICK_S)
            try:
                self.tick(time.monotonic())
            except Exception:                       # the ticker must outlive any one bad tick
                log.exception("link ticker failed")

    def share(self, now: float) -> None:
        """Post our screens, take the other workers'. A board that cannot be reached leaves this
        worker rating what it hears itself, and not leading, until it is back."""
        wall = to_ms(utcnow())
        try:
            self.board.post(self.monitor.export(now, wall), wall)
            self.monitor.take_remote(self.board.remote(self.monitor.event_ids(), wall), now, wall)
            self.leading = self.board.leader()
        except Exception as exc:
            if not self.board_down:                        # once per outage, not four times a second
                log.warning("link board unreachable: %s", exc)
            self.board_down, self.leading = True, False
        else:
            self.board_down = False

    def tick(self, now: float) -> None:
        db = self.app.extensions["diemcau.db"]
        self.share(now)
        with db.session() as s:
            events = self.monitor.event_ids()
            if now - self._policies_at >= POLICY_EVERY_S or events - set(self.policies):
                self.policies = link_health.load_policies(s, events)
                self.points = {e: point_ids(s, e) for e in events}
                self._policies_at = now
            if self.watch_revisions and now - self._revisions_at >= REVISIONS_EVERY_S:
                self._tell_outside_changes(s, events)
                self._revisions_at = now
            changed = self.monitor.rate(now, self.policies)
            if changed or now - self._tiles_at >= TILES_EVERY_S:
                self._send_tiles(now)
                self._tiles_at = now
            if not self.leading:
                return
            samples = self.monitor.samples_due(now, SAMPLE_EVERY_S, self.policies)
            if samples:
                link_health.record_samples(s, samples, utcnow())
            if now - self._roll_calls_at >= 1.0:
                roll_calls.close_due(s)
                self._roll_calls_at = now

    def _published(self, change: Change) -> None:
        self.known_revs[change.event_id] = max(change.rev, self.known_revs.get(change.event_id, 0))

    def _tell_outside_changes(self, s, events: set[int]) -> None:
        """A revision in the database that no patch of ours carried: screens take a fresh snapshot."""
        if not events:
            return
        for event_id, rev in s.execute(select(ShowState.event_id, ShowState.rev).where(ShowState.event_id.in_(events))):
            known = self.known_revs.setdefault(event_id, rev)
            if rev > known:
                self.known_revs[event_id] = rev
                socketio.emit("resync", {"rev": rev}, to=event_room(event_id), ignore_queue=True)

    def _send_tiles(self, now: float) -> None:
        wall = to_ms(utcnow())
        for event_id, ids in self.points.items():
            if not self.monitor.watched(event_id):
                continue
            policy = self.policies.get(event_id, link_health.Policy())
            socketio.emit("links", {
                "server_time": wall,
                "tiles": [self.monitor.tile(event_id, p, now, wall, policy) for p in ids],
                "screens": self.monitor.screens(event_id, now, wall, policy),
            }, to=control_room(event_id), ignore_queue=True)   # every worker sends its own control rooms


def start_ticker(app: Flask) -> None:
    socketio.start_background_task(Ticker(app).run)
