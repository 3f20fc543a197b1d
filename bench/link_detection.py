#!/usr/bin/env python3
"""How soon the control room sees a bridge point go lost, and come back, against the threshold set.

    .venv/bin/python bench/link_detection.py --trials 5 --beat-ms 1000 --lost-ms 5000

Starts the product (eventlet, demo event, fresh instance), connects the 15 bridge points through the
rehearsal simulator (sites/simulator.py) and an operator in the control room (`hello` as page
"control", so it receives the `links` grid). Then, per trial, one point either drops its socket or
goes silent with its socket open, and the operator's clock measures:

- lost after: from the point's last heartbeat (dropped: the moment it disconnected; silent: the
  moment heartbeats stopped) to the grid showing it lost. The threshold is `--lost-ms`; the rest is
  the ticker's period (250 ms) and the grid's delivery.
- good after: from the point starting to rejoin (or to beat again) to the grid showing it good.

Prints figures; never fails on them.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sites.follower import ShowFollower  # noqa: E402
from sites.simulator import Simulation  # noqa: E402
from tests.live.conftest import Tokens  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402

EVENT = "quan9-chi-thi-05"


def wait_state(op: ShowFollower, point_id: int, state: str, timeout: float = 60) -> float:
    op.wait_for(lambda f: (f.tile(point_id) or {}).get("state") == state, timeout)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--beat-ms", type=int, default=1000)
    parser.add_argument("--lost-ms", type=int, default=5000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="diemcau-links-") as tmp:
        server = ServerProcess(Path(tmp)).start()
        try:
            tokens = Tokens(server.database_url)
            op = ShowFollower(server.url, EVENT, tokens["dieuhanh"], page="control").connect()
            assert op.command("link_policy", {"beat_interval_ms": args.beat_ms, "lost_after_ms": args.lost_ms})["ok"]
            points = op.state["bridge_points"]
            sim = Simulation(server.url, EVENT, {p["code"]: tokens[f"kt-{p['code']}"] for p in points}, points).connect()
            try:
                results = {"dropped": ([], []), "silent": ([], [])}
                codes = [p["code"] for p in points if p["kind"] == "ward"]
                for trial in range(args.trials):
                    for how in ("dropped", "silent"):
                        point = sim[codes[(2 * trial + (how == "silent")) % len(codes)]]
                        wait_state(op, point.id, "good")
                        # Start the clock at the last beat the server can have heard.
                        beats = point.follower.beats_sent
                        point.follower.wait_for(lambda f: f.beats_sent > beats, 10)
                        if how == "dropped":
                            point.drop()
                        else:
                            point.go_silent()
                        gone = time.monotonic()
                        lost = wait_state(op, point.id, "lost")
                        back = time.monotonic()
                        if how == "dropped":
                            point.rejoin()             # a new connection: handshake, snapshot, hello
                        else:
                            point.speak_again()
                        good = wait_state(op, point.id, "good")
                        results[how][0].append((lost - gone) * 1000)
                        results[how][1].append((good - back) * 1000)
            finally:
                sim.close()
                op.disconnect()
        finally:
            server.stop()

    print(f"threshold: lost after {args.lost_ms} ms of silence, beats every {args.beat_ms} ms; "
          f"{args.trials} trials each; 15 simulated points connected")
    print("| how | lost seen after (min / median / max) | good again after (min / median / max) |")
    print("|---|---:|---:|")
    for how, (lost, good) in results.items():
        fmt = lambda xs: f"{min(xs):.0f} / {statistics.median(xs):.0f} / {max(xs):.0f} ms"  # noqa: E731
        print(f"| {how} | {fmt(lost)} | {fmt(good)} |")


if __name__ == "__main__":
    main()
