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

import socketio


class ShowFollower:
    def __init__(self, url: str, event: str, token: str, *, name: str = "", reconnection: bool = True):
        self.url, self.event, self.token, self.name = url, event, token, name or event
        self.state: dict | None = None
        self.rev = -1
        self.revs_seen: list[int] = []        # every revision applied from a patch, in order
        self.gaps = 0                          # resyncs caused by a missing revision
        self.snapshots = 0
        self.on_change: Callable[["ShowFollower"], None] | None = None
        self._cond = threading.Condition()
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.5,
                                   reconnection_delay_max=3, randomization_factor=0.5)
        self.sio.on("connect", self._notify)
        self.sio.on("disconnect", self._notify)
        self.sio.on("snapshot", self._on_snapshot)
        self.sio.on("patch", self._on_patch)

    # --- connection ----------------------------------------------------------------------------
    def connect(self, timeout: float = 15) -> "ShowFollower":
        self.sio.connect(self.url, auth={"token": self.token, "event": self.event},
                         transports=["websocket"], wait_timeout=timeout)
        self.wait_for(lambda f: f.state is not None, timeout)
        return self

    def disconnect(self) -> None:
        self.sio.disconnect()

    @property
    def connected(self) -> bool:
        return "/" in self.sio.namespaces

    def _notify(self, *_args) -> None:
        with self._cond:
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

    def site_cursor(self, bridge_point_id: int) -> dict | None:
        open_ = [c for c in self.state["sites"] if c["bridge_point_id"] == bridge_point_id and c["status"] != "closed"]
        return max(open_, key=lambda c: c["opened_at"] or 0) if open_ else None


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
    for site in patch.get("sites", []):
        for i, known in enumerate(state["sites"]):
            if known["bridge_point_id"] == site["bridge_point_id"] and known["segment_id"] == site["segment_id"]:
                state["sites"][i] = site
                break
        else:
            state["sites"].append(site)
    state["rev"] = patch["rev"]
