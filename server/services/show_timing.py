"""Timers derived from timestamps (never stored ticking): elapsed, remaining, over-run, drift, expected end.

The browser computes the same from the same fields with its own clock corrected to the server's
(static/js/show-client.js, `timing()`); the HTTP API uses this for Companion's variables.
"""
from __future__ import annotations

from datetime import datetime

from ..models import Event, ProgrammeItem, ShowState, to_ms


def timing(event: Event, state: ShowState, items: list[ProgrammeItem], now: datetime) -> dict:
    now_ms = to_ms(now)
    total_planned_ms = sum(i.duration_s for i in items) * 1000
    starts_ms = to_ms(event.starts_at)
    current = items[state.cursor] if 0 <= state.cursor < len(items) else None
    out = {"now": now_ms, "elapsed_ms": None, "remaining_ms": None, "over_ms": 0,
           "planned_end": starts_ms + total_planned_ms if starts_ms else None,
           "expected_end": None, "drift_ms": None}
    if state.status == "standby":
        out["expected_end"] = max(now_ms, starts_ms or now_ms) + total_planned_ms
    elif state.status == "ended":
        out["expected_end"] = to_ms(state.show_ended_at)
    elif current is not None:
        until = to_ms(state.paused_at) if state.paused_at else now_ms
        elapsed = until - to_ms(state.item_started_at) - state.paused_ms
        allowed = current.duration_s * 1000 + state.extra_ms
        later_ms = sum(i.duration_s for i in items[state.cursor + 1:]) * 1000
        out.update(elapsed_ms=elapsed, remaining_ms=allowed - elapsed, over_ms=max(0, elapsed - allowed),
                   expected_end=now_ms + max(0, allowed - elapsed) + later_ms)
    if out["planned_end"] is not None and out["expected_end"] is not None:
        out["drift_ms"] = out["expected_end"] - out["planned_end"]
    return out
