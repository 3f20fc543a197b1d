"""The link board: how the workers of one deployment share what their screens tell them.

Each worker's ticker posts the screens connected to it (link_health.LinkMonitor.export) and reads the
other workers' back, so a control room on any worker sees every point's link. One worker at a time is
the leader and does the once-per-deployment chores (closing roll calls, recording link samples).

Alone (no message queue) the board is local: nothing to share and always the leader. With a Redis
message queue it is a hash per event in that Redis: field = worker, value = its screens and the time
it posted them. A worker that stops posting (killed, cut off) drops out after STALE_MS, and its
screens with it, as if they had disconnected.
"""
from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)

STALE_MS = 3000          # twelve ticks without a post: that worker's screens are gone
LEADER_MS = 3000         # the leader's lease; renewed every tick


class LocalBoard:
    """One process: every screen is here already."""

    def post(self, screens_by_event: dict[int, list[dict]], wall_ms: int) -> None:
        pass

    def remote(self, event_ids, wall_ms: int) -> list[tuple[str, dict]]:
        return []

    def leader(self) -> bool:
        return True


class RedisBoard:
    def __init__(self, url: str, channel: str, worker: str):
        import redis                        # only deployments with a message queue need it
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = f"{channel}:links"
        self.worker = worker
        self._posted: set[int] = set()

    def _key(self, event_id: int) -> str:
        return f"{self.prefix}:{event_id}"

    def post(self, screens_by_event: dict[int, list[dict]], wall_ms: int) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for event_id, screens in screens_by_event.items():
            pipe.hset(self._key(event_id), self.worker, json.dumps({"at": wall_ms, "screens": screens}))
            pipe.sadd(f"{self.prefix}:events", event_id)
        for event_id in self._posted - set(screens_by_event):      # our last screen of it left
            pipe.hdel(self._key(event_id), self.worker)
        pipe.execute()
        self._posted = set(screens_by_event)

    def remote(self, event_ids, wall_ms: int) -> list[tuple[str, dict]]:
        """(worker, screen) of every other live worker, for the given events and any other posted."""
        wanted = set(event_ids) | {int(e) for e in self.redis.smembers(f"{self.prefix}:events")}
        pipe = self.redis.pipeline(transaction=False)
        ordered = sorted(wanted)
        for event_id in ordered:
            pipe.hgetall(self._key(event_id))
        rows: list[tuple[str, dict]] = []
        for event_id, posts in zip(ordered, pipe.execute()):
            for worker, raw in posts.items():
                worker = worker.decode()
                if worker == self.worker:
                    continue
                try:
                    post = json.loads(raw)
                    at, screens = int(post["at"]), list(post["screens"])
                except (ValueError, KeyError, TypeError):
                    log.warning("link board: unreadable post from %s", worker)
                    continue
                if wall_ms - at > STALE_MS:
                    self.redis.hdel(self._key(event_id), worker)      # it stopped posting: gone
                    continue
                rows += [(worker, screen) for screen in screens]
        return rows

    def leader(self) -> bool:
        """Take or keep the lease; whoever holds it does the deployment's chores this tick."""
        key = f"{self.prefix}:leader"
        if self.redis.set(key, self.worker, nx=True, px=LEADER_MS):
            return True
        if self.redis.get(key) == self.worker.encode():
            self.redis.pexpire(key, LEADER_MS)
            return True
        return False


def make_board(settings) -> LocalBoard | RedisBoard:
    queue = settings.message_queue or ""
    if queue.startswith(("redis://", "rediss://", "unix://")):
        return RedisBoard(queue, settings.channel, settings.worker)
    return LocalBoard()
