"""A python-socketio client that follows one event's show exactly as a screen does.

Snapshot on connect, patches applied in revision order, a resync on any gap or reconnect. Used by the
site agent, the rehearsal simulator, the live tests and the benchmarks, so all of them exercise the
same protocol the browser does (static/js/show-client.js).
"""
from __future__ import annotations

import copy
import threading
import time
from typing import Callable

import secrets

import requests
import socketio

from server.config import STICKY_COOKIE


class ShowFollower:
    """With `page` the follower also introduces itself as a screen (and, with `bridge_point_id` or
    `point_code`, as a screen of that point) and sends heartbeats, so the control room sees its link.
    The server's answer to that introduction is kept in `hello_ack` and passed to `on_refused` when it
    is a refusal (a technician's token used for another point, say)."""

    def __init__(self, url: str, event: str, token: str, *, name: str = "", reconnection: bool = True,
                 page: str | None = None, bridge_point_id: int | None = None, point_code: str | None = None,
                 on_refused: Callable[[dict], None] | None = None, transports: tuple = ("websocket",)):
        self.url, self.event, self.token, self.name = url, event, token, name or event
        # Long-polling (a proxy that refuses websockets) needs every request on one worker: the
        # sticky value keeps this client on one through nginx, across its reconnections too.
        self.transports, self.sticky = list(transports), secrets.token_urlsafe(12)
        self.page, self.bridge_point_id, self.point_code = page, bridge_point_id, point_code
        self.screen_id: str | None = None
        self.hello_ack: dict | None = None
        self.on_refused = on_refused
        self.connect_error = ""                # the server's reason for refusing the socket (bad token...)
        self.link_state: str | None = None     # how the server rates this screen's link
        self.heartbeats_paused = False         # a rehearsal's way of going silent with the socket open
        self.beats_sent = 0
        self._beating = False
        self.links: dict | None = None         # the control room's grid and screens (coord.control only)
        self.state: dict | None = None
        self.rev = -1
        self.revs_seen: list[int] = []        # every revision applied from a patch, in order
        self.gaps = 0                          # resyncs caused by a missing revision
        self.snapshots = 0
        self.on_change: Callable[["ShowFollower"], None] | None = None
        self._cond = threading.Condition()
        http = requests.Session()        # every long-polling request carries the jar, not only the first
        http.cookies.set(STICKY_COOKIE, self.sticky)
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.5, http_session=http,
                                   reconnection_delay_max=3, randomization_factor=0.5)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._notify)
        self.sio.on("snapshot", self._on_snapshot)
        self.sio.on("patch", self._on_patch)
        self.sio.on("resync", self._on_resync)
        self.sio.on("links", self._on_links)
        self.sio.on("award_arrival", self._on_award_arrival)
        self.sio.on("connect_error", self._on_connect_error)

    # --- connection ----------------------------------------------------------------------------
    def connect(self, timeout: float = 15) -> "ShowFollower":
        self.sio.connect(self.url, auth={"token": self.token, "event": self.event},
                         transports=self.transports, wait_timeout=timeout)
        self.wait_for(lambda f: f.state is not None, timeout)
        return self

    def disconnect(self) -> None:
        self._beating = False
        self.sio.disconnect()

    @property
    def connected(self) -> bool:
        return "/" in self.sio.namespaces

    def _notify(self, *_args) -> None:
        with self._cond:
            self._cond.notify_all()

    def _on_connect(self) -> None:
        self._notify()
        if self.page:
            self.sio.start_background_task(self._introduce)

    def _on_connect_error(self, data=None) -> None:
        self.connect_error = str((data or {}).get("message", "") if isinstance(data, dict) else data or "")

    def _introduce(self) -> None:
        try:
            if self.point_code is not None:    # named by code: its id comes with the snapshot
                self.wait_for(lambda f: f.state is not None, 15)
                point = next((p for p in self.state["bridge_points"] if p["code"] == self.point_code), None)
                self.bridge_point_id = point and point["id"]
            if self.point_code is not None and self.bridge_point_id is None:
                ack = {"ok": False, "error": {"code": "unknown_point", "message": self.point_code}}
            else:
                ack = self.sio.call("hello", {"page": self.page, "bridge_point_id": self.bridge_point_id,
                                              "name": self.name[:60]}, timeout=10)
        except Exception:                      # timed out or dropped: the next connect says hello again
            return
        if not isinstance(ack, dict):
            ack = {"ok": False, "error": {"code": "no_answer", "message": str(ack)}}
        with self._cond:
            self.hello_ack = ack
            self.screen_id = ack.get("screen_id") if ack.get("ok") else None
            self._cond.notify_all()
        if not ack.get("ok"):
            if self.on_refused:
                self.on_refused(ack)
            return
        if not self._beating:
            self._beating = True
            self.sio.start_background_task(self._heartbeat_loop)

    def _heartbeat_loop(self) -> None:
        """One heartbeat per interval of the event's policy, carrying the previous round trip."""
        seq, rtt, interval = 0, None, 0.0
        while self._beating:
            time.sleep(interval)               # the first beat at once, then one per interval
            interval = ((self.state or {}).get("coord", {}).get("policy", {}).get("beat_interval_ms") or 5000) / 1000
            if self.heartbeats_paused or not self.connected:
                continue
            started = time.monotonic()
            try:
                ack = self.sio.call("heartbeat", {"seq": seq, "rtt_ms": rtt}, timeout=max(interval * 2, 2))
            except Exception:                   # timed out or dropped: the server counts it missed
                continue
            rtt = int((time.monotonic() - started) * 1000)
            seq += 1
            self.beats_sent += 1
            if ack and ack.get("ok"):
                with self._cond:
                    self.link_state = ack.get("state")
                    self._cond.notify_all()

    # --- state ---------------------------------------------------------------------------------
    def _on_snapshot(self, snap: dict) -> None:
        with self._cond:
            self.state = snap
            self.rev = snap["rev"]
            self.snapshots += 1
            self._cond.notify_all()
        self._changed()

    def _on_patch(self, patch: dict) -> None:
        with self._cond:
            if self.state is None or patch["rev"] <= self.rev:
                return
            if patch["rev"] != self.rev + 1:
                self.gaps += 1
                resync = True
            else:
                resync = False
                apply_patch(self.state, patch)
                self.rev = patch["rev"]
                self.revs_seen.append(patch["rev"])
                self._cond.notify_all()
        if resync:
            self.sio.start_background_task(self.resync)
        else:
            self._changed()

    def _on_resync(self, message: dict) -> None:
        """The server saw the revision move outside any patch (a change from the command line)."""
        if self.state is None or message.get("rev", 0) > self.rev:
            self.gaps += 1
            self.sio.start_background_task(self.resync)

    def _on_award_arrival(self, message: dict) -> None:
        with self._cond:
            if self.state is not None:
                award_arrival(self.state, message)
                self._cond.notify_all()

    def _on_links(self, links: dict) -> None:
        with self._cond:
            self.links = links
            self._cond.notify_all()

    def tile(self, bridge_point_id: int) -> dict | None:
        """This point's tile in the control room's grid, as last received."""
        tiles = (self.links or {}).get("tiles", [])
        return next((t for t in tiles if t["bridge_point_id"] == bridge_point_id), None)

    def resync(self) -> None:
        self.wait_for(lambda f: f.connected, 10)
        ack = self.sio.call("snapshot", {}, timeout=10)
        if ack and ack.get("ok"):
            self._on_snapshot(ack["snapshot"])

    def _changed(self) -> None:
        if self.on_change:
            self.on_change(self)

    def wait_for(self, predicate: Callable[["ShowFollower"], bool], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name}: condition not met at rev {self.rev}")
                self._cond.wait(left)

    def snapshot_copy(self) -> dict:
        with self._cond:
            return copy.deepcopy(self.state)

    # --- commands ------------------------------------------------------------------------------
    def command(self, action: str, args: dict | None = None, *, expected_rev: int | None = None,
                bridge_point_id: int | None = None, timeout: float = 10) -> dict:
        payload = {"action": action, "expected_rev": self.rev if expected_rev is None else expected_rev,
                   "args": args or {}}
        if bridge_point_id is not None:
            payload["bridge_point_id"] = bridge_point_id
        # The snapshot can arrive just before the client marks the namespace connected.
        self.wait_for(lambda f: f.connected, timeout)
        return self.sio.call("command", payload, timeout=timeout)

    # --- what a screen shows -------------------------------------------------------------------
    def current_item(self) -> dict | None:
        cursor = self.state["show"]["cursor"]
        items = self.state["items"]
        return items[cursor] if 0 <= cursor < len(items) else None

    def coord(self, key: str):
        return self.state["coord"][key]

    def point_id(self, code: str) -> int:
        return next(p["id"] for p in self.state["bridge_points"] if p["code"] == code)

    def site_cursor(self, bridge_point_id: int) -> dict | None:
        return site_cursor(self.state, bridge_point_id)


def site_cursor(state: dict, bridge_point_id: int) -> dict | None:
    """A point's active local cursor: its not-closed one opened last (show-client.js siteCursor)."""
    open_ = [c for c in state["sites"] if c["bridge_point_id"] == bridge_point_id and c["status"] != "closed"]
    return max(open_, key=lambda c: c["opened_at"] or 0) if open_ else None


def _merge_by_id(part: dict, changes: dict) -> None:
    """Lists take changed rows by id; anything else is replaced."""
    for key, value in changes.items():
        known = part.get(key)
        if isinstance(known, list) and isinstance(value, list):
            by_id = {row["id"]: i for i, row in enumerate(known)}
            for row in value:
                if row["id"] in by_id:
                    known[by_id[row["id"]]] = row
                else:
                    known.append(row)
        else:
            part[key] = value


def _earliest(a, b):
    """An arrival only ever moves earlier and is never undone (the earliest accepted scan)."""
    return b if a is None else a if b is None else min(a, b)


def award_arrival(state: dict, message: dict) -> None:
    """A recipient checked in: the flag "not yet arrived" goes from their awards."""
    for award in state["awards"]["awards"]:
        if award["delegate_id"] == message["delegate_id"]:
            award["checked_in_at"] = _earliest(award["checked_in_at"], message["at"])


def _merge_awards(state: dict, patch: dict) -> None:
    """Awards rows replace the known ones by id ("awards_all" the whole part), keeping an arrival
    already known: `award_arrival` is sent outside the revisions, so a patch read from the database
    just before the check-in was written can arrive after it and would bring the flag back."""
    arrived = {a["delegate_id"]: a["checked_in_at"] for a in state["awards"]["awards"]
               if a["checked_in_at"] is not None}
    if "awards_all" in patch:                      # the batches re-arranged: the whole part
        state["awards"] = {key: list(value) if isinstance(value, list) else value
                           for key, value in patch["awards_all"].items()}
    _merge_by_id(state["awards"], patch.get("awards", {}))
    rows = state["awards"]["awards"]
    for i, award in enumerate(rows):
        known = arrived.get(award["delegate_id"])
        if known is not None and _earliest(award["checked_in_at"], known) != award["checked_in_at"]:
            rows[i] = {**award, "checked_in_at": known}      # a copy: the patch itself stays as sent


def apply_patch(state: dict, patch: dict) -> None:
    """Merge a patch into a snapshot (the browser does the same in show-client.js)."""
    if "items" in patch:
        state["items"] = patch["items"]
    if "show" in patch:
        state["show"] = patch["show"]
    for timing in patch.get("timings", []):
        for item in state["items"]:
            if item["id"] == timing["id"]:
                item.update(timing)
    _merge_by_id(state["coord"], patch.get("coord", {}))
    _merge_awards(state, patch)
    for site in patch.get("sites", []):
        for i, known in enumerate(state["sites"]):
            if known["bridge_point_id"] == site["bridge_point_id"] and known["segment_id"] == site["segment_id"]:
                state["sites"][i] = site
                break
        else:
            state["sites"].append(site)
    state["rev"] = patch["rev"]
