#!/usr/bin/env python3
"""Two workers behind nginx against one: check-in with 20 scanners and step fan-out, side by side.

    .venv/bin/python bench/workers.py [--sizes 1000,3000] [--scanners 20] [--screens 300] [--markdown docs/benchmarks.md]

Setups, each fresh and one after another in one run, with the same client harness:

- `one`: one eventlet worker on SQLite, clients straight to it (the embedded default, `python3 dev.py serve`);
- `one+nginx`: one eventlet worker on PostgreSQL with the Redis message queue, behind nginx;
- `two+nginx`: two eventlet workers on PostgreSQL with the Redis message queue, behind nginx, as
  docs/deployment.md sets them up (tests/deployment.py starts them: the machine's PostgreSQL and Redis,
  Debian's nginx with docs/deployment/nginx-diemcau.conf).

Check-in: bench/checkin.py's run (N scanners back to back while M screens are connected, one attendance
dashboard), its figures per setup. Fan-out: bench/fanout.py's phase (N receivers, 50 `goto` steps), its
p50/p99 per setup and N. Server CPU is the sum over the workers. Everything on 127.0.0.1: the clients,
nginx, PostgreSQL and Redis share the machine's CPUs with the workers. Prints figures, never fails on them.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import checkin  # noqa: E402  (bench/checkin.py)
import fanout  # noqa: E402  (bench/fanout.py)

from tests.deployment import Deployment  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402

SECTION = "## Two workers behind nginx against one"
READING = "\n### Reading the figures"          # hand-written, inside the section: a rerun keeps it
SETUPS = {
    "one": lambda workdir: ServerProcess(workdir, async_mode="eventlet"),
    "one+nginx": lambda workdir: Deployment(workdir, size=1),
    "two+nginx": lambda workdir: Deployment(workdir, size=2),
}
LABEL = {"one": "one worker, SQLite, direct", "one+nginx": "one worker, PostgreSQL + Redis, nginx",
         "two+nginx": "two workers, PostgreSQL + Redis, nginx"}


def run_checkin(setup: str, args) -> dict:
    cargs = checkin.make_parser().parse_args(["--scanners", str(args.scanners), "--screens", str(args.screens),
                                              "--scans", str(args.scans)])
    print(f"[workers] check-in, {setup} …", file=sys.stderr, flush=True)
    r = asyncio.run(checkin.run(cargs, SETUPS[setup]))
    r["setup"] = setup
    print(f"[workers]   {fanout.fmt(r.get('scans_per_s'))} scans/s, ack p50 {fanout.fmt(r.get('ack_p50'))} ms"
          + (f" — {r['error']}" if r.get("error") else ""), file=sys.stderr, flush=True)
    return r


def run_fanout(setup: str, n: int, args) -> dict:
    fargs = fanout.parse_args(["--steps", str(args.steps), "--servers", "diemcau",
                               "--ramp-timeout", str(args.ramp_timeout)])
    print(f"[workers] fan-out, {setup}, N = {n} …", file=sys.stderr, flush=True)
    r = asyncio.run(fanout.run_phase("diemcau", n, fargs, make_server=SETUPS[setup]))
    r["setup"] = setup
    print(f"[workers]   p50 {fanout.fmt(r.get('p50'))} ms, p99 {fanout.fmt(r.get('p99'))} ms"
          + (f" — {r['error']}" if r.get("error") else ""), file=sys.stderr, flush=True)
    return r


def ratio(a, b) -> str:
    return f"{a / b:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "–"


def markdown(checkins: list[dict], fanouts: list[dict], args, started: float) -> str:
    f = fanout.fmt
    lines = [SECTION, "",
             "The same client harness against three setups, each fresh, one after another in one run: "
             + "; ".join(f"`{k}` = {v}" for k, v in LABEL.items())
             + ". Check-in: bench/checkin.py's run (scanners back to back, the next scan once the previous is "
             "acked, while the screens are connected and one attendance dashboard listens). Fan-out: "
             "bench/fanout.py's phase (N receivers over 2 client processes, 50 `goto` steps after 3 warm-up "
             "ones). Server CPU = the sum over the workers (not nginx, PostgreSQL or Redis). Everything shares "
             "the machine's 2 CPUs: the clients, nginx, PostgreSQL and Redis too.", "",
             f"Command: `.venv/bin/python bench/workers.py {' '.join(sys.argv[1:])}`", "",
             f"Machine: {fanout.machine()}.", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s in all.", ""]
    if checkins:
        base = next((r for r in checkins if r["setup"] == "one"), {})
        lines += [f"Check-in, {args.scanners} scanners × {args.scans} scans, {args.screens} screens connected:", "",
                  "| setup | scans/s | × one | ack p50 | ack p99 | arrival p50 | arrival p99 | server CPU / scan | "
                  "consistent |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in checkins:
            lines.append(
                f"| {LABEL[r['setup']]} | {f(r.get('scans_per_s'))} | {ratio(r.get('scans_per_s'), base.get('scans_per_s'))} | "
                f"{f(r.get('ack_p50'))} ms | {f(r.get('ack_p99'))} ms | {f(r.get('arrival_p50'))} ms | "
                f"{f(r.get('arrival_p99'))} ms | {f(r.get('server_cpu_ms_per_scan'), 2)} ms | "
                f"{'yes' if r.get('consistent') else 'NO'} |")
        lines.append("")
    if fanouts:
        lines += ["Fan-out of one step:", "",
                  "| N | setup | connected | p50 | p99 | max | missed | ramp | server CPU / step |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in fanouts:
            lines.append(
                f"| {r['n']} | {LABEL[r['setup']]} | {r.get('connected', '–')} | {f(r.get('p50'))} ms | "
                f"{f(r.get('p99'))} ms | {f(r.get('max'))} ms | {r.get('missed', '–')} | {f(r.get('ramp_s'))} s | "
                f"{f(r.get('server_cpu_ms_per_step'))} ms |")
        lines.append("")
    notes = [note for r in checkins for note in fanout.error_notes(r, f"check-in, {LABEL[r['setup']]}")]
    notes += [note for r in fanouts for note in fanout.error_notes(r, f"fan-out, {LABEL[r['setup']]}, N = {r['n']}")]
    if notes:
        lines += ["Incidents:", "", *notes, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default=",".join(SETUPS), help="which setups, in order")
    parser.add_argument("--sizes", default="1000,3000", help="fan-out receivers (empty: no fan-out)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--ramp-timeout", type=float, default=240,
                        help="seconds for the fan-out receivers to connect (PostgreSQL makes a connection dearer)")
    parser.add_argument("--scanners", type=int, default=20)
    parser.add_argument("--screens", type=int, default=300)
    parser.add_argument("--scans", type=int, default=50, help="per scanner (0: no check-in)")
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    setups = [s for s in args.setups.split(",") if s]
    sizes = [int(n) for n in args.sizes.split(",") if n]
    fanout.raise_fd_limit(4 * max([*sizes, args.screens + args.scanners]) + 1024)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    checkins = [run_checkin(s, args) for s in setups] if args.scans else []
    fanouts = [run_fanout(s, n, args) for n in sizes for s in setups]
    text = markdown(checkins, fanouts, args, started)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"checkin": checkins, "fanout": fanouts}, indent=2, default=str))
    if args.markdown:
        fanout.write_section(args.markdown, text, SECTION)
        print(f"[workers] wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
