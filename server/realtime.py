"""Publishing: what a service changed goes to every screen of the event, as a patch with its revision."""
from __future__ import annotations

from .extensions import socketio
from .services.revision import Change, show_changed


def event_room(event_id: int) -> str:
    return f"event:{event_id}"


def _on_show_changed(change: Change) -> None:
    socketio.emit("patch", change.message(), to=event_room(change.event_id))


def init_realtime() -> None:
    show_changed.connect(_on_show_changed, weak=False)
