"""Rehearsal simulator: N virtual bridge points against a running server.

    diemcau simulate --sites 15                       # the demo event on http://127.0.0.1:5000
    diemcau simulate --sites 15 --url http://dieuhanh.local:5000 --tokens tokens.tsv --minutes 30

Each virtual point is a real python-socketio client (sites/follower.py) introduced as that point's
console: it heartbeats, passes its technical checks, answers roll calls, follows the programme and
steps through its local segment, and, at the rates given, drops and rejoins, asks for the floor and
reports incidents. Rehearsals use it before the day; the live tests and benchmarks drive the same
`VirtualPoint`s by hand.

Tokens: `--tokens FILE` (lines "code<TAB>token"), or, when the simulator runs beside the server,
tokens issued straight into its database for the points' technician accounts (kt-<code>) and revoked
when the simulation ends.
"""
from __future__ import annotations

import argparse
import logging
import queue
import random
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .follower import ShowFollower

log = logging.getLogger("diemcau.simulate")

CHECKS = ("network", "camera", "microphone", "speakers", "display", "backup_power", "video_call")
INCIDENT_KINDS = ("no_picture", "no_sound", "lost_connection", "other")
FLOOR_NOTES = ("Đại biểu xin phát biểu ý kiến", "Xin trình bày tham luận", "Xin hỏi về nội dung chỉ thị")
INCIDENT_NOTES = {"no_picture": "Máy chiếu không lên hình", "no_sound": "Không nghe tiếng từ hội trường",
                  "lost_connection": "Đường truyền chập chờn", "other": "Micrô đại biểu bị rè"}


class VirtualPoint:
    """One simulated bridge point. Every action runs on the point's own worker thread, so the socket
    thread that delivers patches never waits for an acknowledgement."""

    def __init__(self, url: str, event: str, token: str, point: dict, *, answer_roll_calls: bool = True,
                 roll_call_delay: tuple[float, float] = (0.1, 1.0), rng: random.Random | None = None):
        self.url, self.event, self.token, self.point = url, event, token, point
        self.code, self.id = point["code"], point["id"]
        self.answer_roll_calls = answer_roll_calls
        self.roll_call_delay = roll_call_delay
        self.rng = rng or random.Random()
        self.errors: list[dict] = []
        self.log: list[str] = []
        self._answered: set[int] = set()
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name=f"sim-{self.code}", daemon=True)
        self._worker.start()
        self.follower = self._new_follower()

    def _new_follower(self) -> ShowFollower:
        follower = ShowFollower(self.url, self.event, self.token, name=f"Mô phỏng {self.point['short_name']}",
                                page="console", bridge_point_id=self.id)
        follower.on_change = self._on_change
        return follower

    # --- the worker ------------------------------------------------------------------------------
    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception as exc:            # a dropped connection mid-call: note it, carry on
                self.errors.append({"code": "client", "message": str(exc)})

    def later(self, job: Callable[[], None], delay: float = 0) -> None:
        if delay:
            threading.Timer(delay, self._jobs.put, args=(job,)).start()
        else:
            self._jobs.put(job)

    def act(self, action: str, args: dict | None = None) -> dict:
        """Send one command for this point and keep any refusal (the simulation reports them)."""
        ack = self.follower.command(action, args or {}, bridge_point_id=self.id)
        if not ack or not ack.get("ok"):
            self.errors.append({"action": action, **((ack or {}).get("error") or {})})
        self.log.append(action)
        return ack

    # --- reacting to the show --------------------------------------------------------------------
    def _on_change(self, follower: ShowFollower) -> None:
        roll_call = follower.state["coord"]["roll_call"]
        if (self.answer_roll_calls and roll_call and roll_call["closed_at"] is None
                and roll_call["id"] not in self._answered and str(self.id) not in roll_call["answers"]):
            self._answered.add(roll_call["id"])
            self.later(lambda: self.act("roll_call_answer"), self.rng.uniform(*self.roll_call_delay))

    # --- what a technician does ------------------------------------------------------------------
    def connect(self) -> "VirtualPoint":
        self.follower.connect()
        self.follower.wait_for(lambda f: f.screen_id is not None)
        return self

    def pass_checks(self) -> None:
        for check in CHECKS:
            self.act("check_mark", {"check": check, "status": "pass"})

    def request_floor(self, note: str = "") -> dict:
        return self.act("floor_request", {"note": note or self.rng.choice(FLOOR_NOTES)})

    def report_incident(self, kind: str | None = None, note: str = "") -> dict:
        kind = kind or self.rng.choice(INCIDENT_KINDS)
        return self.act("incident_report", {"kind": kind, "note": note or INCIDENT_NOTES[kind]})

    def step_local(self) -> dict | None:
        cursor = self.follower.site_cursor(self.id)
        if cursor and cursor["status"] == "running":
            return self.act("local_next")
        return None

    def drop(self) -> None:
        """The link goes away: the socket closes and nothing more is heard from this point."""
        self.follower.disconnect()

    def rejoin(self) -> None:
        self.follower = self._new_follower()
        self.connect()

    def go_silent(self) -> None:
        """The socket stays open but no heartbeat gets through (a frozen tab, a saturated uplink)."""
        self.follower.heartbeats_paused = True

    def speak_again(self) -> None:
        self.follower.heartbeats_paused = False

    def close(self) -> None:
        """Finish what was asked (a rehearsal's last checks), then leave."""
        self._jobs.put(None)
        self._worker.join(30)
        self.follower.disconnect()


class Simulation:
    """N virtual points; `run()` lets them live on their own at the given rates."""

    def __init__(self, url: str, event: str, tokens: dict[str, str], points: list[dict], *, seed: int = 9,
                 answer_roll_calls: bool = True):
        self.rng = random.Random(seed)
        self.points = {p["code"]: VirtualPoint(url, event, tokens[p["code"]], p, answer_roll_calls=answer_roll_calls,
                                               rng=random.Random(self.rng.random()))
                       for p in points}

    def connect(self) -> "Simulation":
        threads = [threading.Thread(target=p.connect) for p in self.points.values()]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        return self

    def __getitem__(self, code: str) -> VirtualPoint:
        return self.points[code]

    def close(self) -> None:
        threads = [threading.Thread(target=p.close) for p in self.points.values()]
        [t.start() for t in threads]
        [t.join(30) for t in threads]

    def run(self, seconds: float, *, local_step_s: float = 20, drop_per_min: float = 0.05,
            floor_per_min: float = 0.05, incident_per_min: float = 0.03, tick_s: float = 1.0) -> None:
        """Each tick every point may step its local item, drop (and rejoin a few seconds later),
        ask for the floor or report an incident, with the given chances per minute."""
        for point in self.points.values():
            point.later(point.pass_checks)
        next_local = {code: time.monotonic() + self.rng.uniform(0.5, 1.5) * local_step_s for code in self.points}
        dropped: dict[str, float] = {}
        chance = lambda per_min: self.rng.random() < per_min * tick_s / 60   # noqa: E731
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(tick_s)
            now = time.monotonic()
            for code, point in self.points.items():
                if code in dropped:
                    if now >= dropped[code]:
                        del dropped[code]
                        log.info("%s kết nối lại", code)
                        point.later(point.rejoin)
                    continue
                if now >= next_local[code]:
                    next_local[code] = now + self.rng.uniform(0.5, 1.5) * local_step_s
                    point.later(point.step_local)
                if chance(drop_per_min):
                    dropped[code] = now + self.rng.uniform(3, 15)
                    log.info("%s mất kết nối", code)
                    point.later(point.drop)
                elif chance(floor_per_min):
                    log.info("%s xin phát biểu", code)
                    point.later(point.request_floor)
                elif chance(incident_per_min):
                    log.info("%s báo sự cố", code)
                    point.later(point.report_incident)


# --- command line ------------------------------------------------------------------------------------
def _read_tokens(path: Path) -> dict[str, str]:
    tokens = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise SystemExit(f"{path}:{number}: cần “mã điểm cầu<TAB>mã truy cập” / expected 'code<TAB>token'")
        tokens[parts[0].strip()] = parts[1].strip()
    return tokens


class LocalTokens:
    """Tokens issued straight into the server's database for the points' technicians, revoked after."""

    def __init__(self, database_url: str | None):
        from server.config import Settings
        from server.db import Database
        self.db = Database(Settings(database_url=database_url or "", load_demo=False).database_url)
        self.issued: list[int] = []

    def issue(self, event_slug: str, codes: list[str]) -> dict[str, str]:
        from sqlalchemy import select
        from server.models import BridgePoint, Event, User
        from server.services import accounts
        tokens = {}
        with self.db.session() as s:
            event = s.execute(select(Event).where(Event.slug == event_slug)).scalar_one_or_none()
            if event is None:
                raise SystemExit(f"Không có hội nghị “{event_slug}” trong cơ sở dữ liệu / no such event")
            for code in codes:
                point = s.execute(select(BridgePoint).where(BridgePoint.event_id == event.id,
                                                            BridgePoint.code == code)).scalar_one()
                user = s.execute(select(User).where(User.role == "site_tech", User.bridge_point_id == point.id,
                                                    User.active.is_(True))).scalars().first()
                if user is None:
                    raise SystemExit(f"Điểm cầu {code} chưa có tài khoản kỹ thuật / no technician account: "
                                     f"diemcau create-user kt-{code} site_tech --bridge-point {point.id}")
                tokens[code] = accounts.issue_token(s, user, "Mô phỏng diễn tập")
                self.issued.append(accounts.token_row(s, tokens[code]).id)
            s.commit()
        return tokens

    def revoke(self) -> None:
        from server.services import accounts
        with self.db.session() as s:
            for token_id in self.issued:
                accounts.revoke_token(s, token_id)


def _points(url: str, event: str, token: str) -> list[dict]:
    probe = ShowFollower(url, event, token, name="simulator", reconnection=False).connect()
    try:
        return probe.state["bridge_points"]
    finally:
        probe.disconnect()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="diemcau simulate", description="Diễn tập: giả lập các điểm cầu")
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--event", default="quan9-chi-thi-05")
    parser.add_argument("--sites", type=int, default=15, help="số điểm cầu giả lập (theo thứ tự trong hội nghị)")
    parser.add_argument("--tokens", type=Path, help="tệp “mã điểm cầu<TAB>mã truy cập”; mặc định cấp tạm trong CSDL")
    parser.add_argument("--database-url", default=None, help="CSDL của máy chủ, khi cấp mã tạm (mặc định instance/)")
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--local-step", type=float, default=20, help="giây cho mỗi mục phần riêng")
    parser.add_argument("--drop-rate", type=float, default=0.05, help="khả năng mất kết nối mỗi phút mỗi điểm")
    parser.add_argument("--floor-rate", type=float, default=0.05, help="khả năng xin phát biểu mỗi phút")
    parser.add_argument("--incident-rate", type=float, default=0.03, help="khả năng báo sự cố mỗi phút")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")

    local = None
    if args.tokens:
        tokens = _read_tokens(args.tokens)
    else:
        local = LocalTokens(args.database_url)
    try:
        if local:
            # Any technician token will do to read the event's points first.
            from sqlalchemy import select
            from server.models import BridgePoint, Event
            with local.db.session() as s:
                codes = list(s.execute(select(BridgePoint.code).join(Event).where(Event.slug == args.event)
                                       .order_by(BridgePoint.position)).scalars())
            tokens = local.issue(args.event, codes[:args.sites])
        first = next(iter(tokens.values()), None)
        if first is None:
            raise SystemExit("Không có mã truy cập nào / no tokens")
        points = [p for p in _points(args.url, args.event, first) if p["code"] in tokens][:args.sites]
        if len(points) < args.sites:
            raise SystemExit(f"Chỉ có {len(points)} điểm cầu có mã truy cập / only {len(points)} points have tokens")
        sim = Simulation(args.url, args.event, tokens, points, seed=args.seed).connect()
        log.info("%s điểm cầu giả lập đã kết nối tới %s", len(points), args.url)
        try:
            sim.run(args.minutes * 60, local_step_s=args.local_step, drop_per_min=args.drop_rate,
                    floor_per_min=args.floor_rate, incident_per_min=args.incident_rate)
        except KeyboardInterrupt:
            pass
        finally:
            sim.close()
        refused = [(code, e) for code, p in sim.points.items() for e in p.errors]
        for code, error in refused[:20]:
            log.info("%s: %s", code, error.get("message"))
        log.info("Kết thúc diễn tập: %s lệnh bị từ chối", len(refused))
    finally:
        if local:
            local.revoke()


if __name__ == "__main__":
    main(sys.argv[1:])
