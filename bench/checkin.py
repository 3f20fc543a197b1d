#!/usr/bin/env python3
"""Check-in under load: N scanners scanning back to back while M show screens are connected.

    .venv/bin/python bench/checkin.py [--async-mode eventlet|threading] [--scanners 20] [--screens 300]
                                      [--scans 50] [--markdown docs/benchmarks.md]

A fresh server (`python -m server serve --async-mode MODE`, demo event, SQLite in a temporary instance)
is started; the demo event has 174 delegates over 15 bridge points, each with an invitation, and the
bench adds generated delegates (with invitations, as the registry issues them) at the points that need
more, so that about --welcome-share of the scans are first arrivals. Then:

- M screens connect (plain show followers with the viewer's token: snapshot, then patches; asyncio
  `socketio.AsyncClient`, websocket only, over --procs processes: bench/fanout.py's worker);
- one attendance dashboard (the MC's token) sends `attendance` and from then on receives `arrival`;
- N scanners connect, each its own socket at a bridge point (round-robin over the 15 points; the first
  15 as the point's check-in staff `dt-<point>`, the others as the operator naming the point), each
  sends `scanner` (its station and offline roster), then all at once each sends --scans `scan`s one
  after another, each after the previous ack (no pause: a stress figure, a real door is a person every
  few seconds). Real invitation codes: a share of first arrivals (welcome), of repeats of someone this
  scanner already let in (already), and --invalid-share of damaged codes (one character of the
  signature changed, or a forged token: invalid).

Figures: scans per second over the whole window (first send to last ack), per-scan ack latency
(client's send → ack, p50/p95/p99/max), and the dashboard's `arrival` for each welcome (matched by
`result.scan_id`; send → the dashboard's handler, p50/p99/max; scanners and dashboard in one process, one
clock). Then the database and a fresh `attendance` summary are checked against what was sent (scan rows,
check-ins, arrived). Prints figures, never fails on them. Everything on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from fanout import (collect, fmt, log_findings, machine, pct, raise_fd_limit, server_cpu_ms, split,  # noqa: E402
                    start_workers, stop_workers)  # (bench/fanout.py)

from tests.live.checkin_helpers import EVENT, ServerData, new_scan_id, tamper  # noqa: E402
from tests.deployment import sticky_header  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402

TITLE = "## Check-in: {scanners} scanners while {screens} screens are connected"
READING = "### Reading the figures"          # hand-written, inside the section: a rerun keeps it


# ---------------------------------------------------------------- the plan: who scans what

def plan_scans(args, data: ServerData, rng: random.Random) -> tuple[list[dict], int]:
    """Each scanner's station (login, point, gate) and its list of (kind, code); tops up the points that
    have too few delegates. Returns (scanners, delegates added)."""
    points = sorted(data.point_ids().items(), key=lambda kv: kv[1])          # (code, id) in demo order
    scanners = []
    for i in range(args.scanners):
        code, point_id = points[i % len(points)]
        staff = i < len(points)
        scanners.append({"index": i, "login": f"dt-{code}" if staff else "dieuhanh", "point_code": code,
                         "bridge_point_id": point_id, "gate": f"Cổng {i // len(points) + 1}", "staff": staff})
    n_invalid = round(args.scans * args.invalid_share) if args.invalid_share else 0
    n_welcome = max(1, round(args.scans * args.welcome_share))
    n_welcome = min(n_welcome, args.scans - n_invalid)
    by_point = defaultdict(list)
    for s in scanners:
        by_point[s["bridge_point_id"]].append(s)
    added = 0
    for point_id, here in by_point.items():
        codes = data.codes(point_id)
        need = n_welcome * len(here) - len(codes)
        if need > 0:
            codes.update(data.add_delegates(point_id, need, tag="Khách Bench"))
            added += need
        people = sorted(codes.items())
        rng.shuffle(people)
        for k, s in enumerate(here):
            s["people"] = people[k * n_welcome:(k + 1) * n_welcome]
    for s in scanners:
        kinds = ["welcome"] * n_welcome + ["invalid"] * n_invalid + ["already"] * (args.scans - n_welcome - n_invalid)
        rng.shuffle(kinds)
        kinds.remove("welcome")
        kinds.insert(0, "welcome")                        # a repeat needs someone let in before
        fresh, seen, sequence = iter(s["people"]), [], []
        for kind in kinds:
            if kind == "welcome":
                delegate_id, code = next(fresh)
                seen.append((delegate_id, code))
            elif kind == "already":
                delegate_id, code = rng.choice(seen)
            else:
                delegate_id, code = None, (tamper(rng.choice(s["people"])[1], "signature") if rng.random() < 0.5 else
                                           f"DC1.{data.event_id}.{secrets.token_urlsafe(16)[:22]}."
                                           f"{secrets.token_urlsafe(16)[:22]}")
            sequence.append((kind, delegate_id, code))
        s["sequence"] = sequence
        del s["people"]
    return scanners, added


# ---------------------------------------------------------------- one run

async def run(args, make_server=None) -> dict:
    """One run against a fresh server: `make_server(workdir)` gives it (default: one `diemcau serve`
    process in --async-mode; bench/workers.py passes deployments of several workers behind nginx)."""
    import socketio

    workdir = Path(tempfile.mkdtemp(prefix=f"checkin-{args.async_mode}-"))
    server = (make_server or (lambda d: ServerProcess(d, async_mode=args.async_mode)))(workdir)
    loop = asyncio.get_running_loop()
    r: dict = {"async_mode": args.async_mode, "scanners": args.scanners, "screens": args.screens,
               "scans_per_scanner": args.scans}
    procs, conns, clients = [], [], []
    data = None
    try:
        t0 = time.monotonic()
        server.start()
        data = ServerData.of(server)
        r["start_s"] = time.monotonic() - t0
        rng = random.Random(args.seed)
        t0 = time.monotonic()
        scanners, r["delegates_added"] = plan_scans(args, data, rng)
        r["plan_s"] = time.monotonic() - t0
        screen_token, dash_token = data.token("xem"), data.token("mc")
        for s in scanners:
            s["token"] = data.token(s["login"])
        with data.db.session() as s:
            from sqlalchemy import func, select

            from server.models import Delegate
            r["delegates"] = s.execute(select(func.count()).select_from(Delegate)
                                       .where(Delegate.event_id == data.event_id)).scalar_one()

        # --- the screens: bench/fanout.py's receiving workers, in their own processes
        inbox: asyncio.Queue = asyncio.Queue()
        k, shares = split(args.screens, args.procs) if args.screens else (0, [])
        t0 = time.monotonic()
        start_workers(loop, inbox, shares, procs, conns, lambda wid, share: (
            wid, server.url, {"token": screen_token, "event": EVENT}, share, max(1, args.batch // k),
            args.connect_timeout, args.ramp_timeout, True, 0, sum(shares[:wid])))

        ready = await collect(inbox, k, "ready", args.ramp_timeout + 60)
        r["screens_connected"] = sum(v[0] for v in ready.values())
        r["screens_ramp_s"] = time.monotonic() - t0
        errors = [v[3] for v in ready.values() if v[3]]
        r["screens_error"] = errors[0] if errors else None

        # --- the dashboard and the scanners, in this process (one clock)
        arrived_at: dict[str, float] = {}
        arrivals = {"count": 0, "flags": 0, "last": None}

        def on_arrival(payload):
            now = time.time()
            arrivals["count"] += 1
            arrivals["last"] = payload
            if payload.get("flag"):
                arrivals["flags"] += 1
            scan_id = (payload.get("result") or {}).get("scan_id")
            if scan_id:
                arrived_at.setdefault(scan_id, now)

        async def connect(token: str) -> socketio.AsyncClient:
            sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
            await asyncio.wait_for(sio.connect(server.url, auth={"event": EVENT, "token": token},
                                               headers=sticky_header(), transports=["websocket"],
                                               wait_timeout=args.connect_timeout),
                                   args.connect_timeout)
            clients.append(sio)
            return sio

        dash = await connect(dash_token)
        dash.on("arrival", on_arrival)
        ack = await dash.call("attendance", {}, timeout=args.connect_timeout)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"attendance refused: {json.dumps(ack, ensure_ascii=False)[:300]}")
        roster_sizes = []
        for s in scanners:
            s["sio"] = await connect(s["token"])
            # staff stand at their own point; the operator names it
            s["station"] = {"gate": s["gate"]} if s["staff"] else {"bridge_point_id": s["bridge_point_id"],
                                                                   "gate": s["gate"]}
            ack = await s["sio"].call("scanner", s["station"], timeout=args.connect_timeout)
            if not (isinstance(ack, dict) and ack.get("ok")):
                raise RuntimeError(f"scanner refused for {s['login']}: {json.dumps(ack, ensure_ascii=False)[:300]}")
            roster_sizes.append(len(ack["roster"]))
        r["roster_sizes"] = [min(roster_sizes), max(roster_sizes)]
        await asyncio.sleep(args.settle_s)

        # --- the scans
        sent_at: dict[str, float] = {}
        acks: list[float] = []
        outcomes: Counter = Counter()
        mismatches: list[str] = []
        failures: list[str] = []
        welcome_ids: list[str] = []

        async def scan_all(s: dict) -> None:
            for kind, _delegate_id, code in s["sequence"]:
                scan_id = new_scan_id(f"b{s['index']}")
                payload = {**s["station"], "scan": {"scan_id": scan_id, "code": code}}
                t_send = time.time()
                sent_at[scan_id] = t_send
                try:
                    ack = await s["sio"].call("scan", payload, timeout=args.scan_timeout)
                except Exception as exc:  # noqa: BLE001 - a figure, not a failure
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                acks.append((time.time() - t_send) * 1000)
                if not (isinstance(ack, dict) and ack.get("ok")):
                    failures.append(json.dumps(ack, ensure_ascii=False)[:300])
                    continue
                verdict = ack["result"]["verdict"]
                outcomes[verdict] += 1
                if verdict != kind:
                    mismatches.append(f"{scan_id}: planned {kind}, got {verdict}")
                if verdict == "welcome":
                    welcome_ids.append(scan_id)

        cpu0 = server_cpu_ms(server)
        wall0 = time.time()
        await asyncio.gather(*(scan_all(s) for s in scanners))
        wall1 = time.time()
        cpu1 = server_cpu_ms(server)
        deadline = time.monotonic() + args.grace
        while time.monotonic() < deadline and not all(i in arrived_at for i in welcome_ids):
            await asyncio.sleep(0.05)

        total = sum(outcomes.values())
        lat = sorted(acks)
        arr = sorted((arrived_at[i] - sent_at[i]) * 1000 for i in welcome_ids if i in arrived_at)
        r.update(
            scans=total, failures=len(failures), first_failure=failures[0] if failures else None,
            verdicts=dict(outcomes), mismatches=len(mismatches), first_mismatch=mismatches[0] if mismatches else None,
            window_s=wall1 - wall0, scans_per_s=total / (wall1 - wall0) if wall1 > wall0 else None,
            ack_p50=pct(lat, .5), ack_p95=pct(lat, .95), ack_p99=pct(lat, .99), ack_max=lat[-1] if lat else None,
            arrivals_expected=len(welcome_ids), arrivals_matched=len(arr),
            arrival_p50=pct(arr, .5), arrival_p99=pct(arr, .99), arrival_max=arr[-1] if arr else None,
            arrival_events=arrivals["count"], arrival_flags=arrivals["flags"],
            arrival_bytes=len(json.dumps(arrivals["last"], separators=(",", ":"), ensure_ascii=False).encode())
            if arrivals["last"] else None,
            server_cpu_ms_per_scan=(cpu1 - cpu0) / total if total and cpu0 is not None and cpu1 is not None else None,
            server_cpu_share=(cpu1 - cpu0) / 1000 / (wall1 - wall0) if cpu0 is not None and cpu1 is not None else None,
        )

        # --- does the server agree?
        summary = (await dash.call("attendance", {}, timeout=args.connect_timeout))["summary"]
        rows, ins = data.counts()
        r["db_scan_rows"], r["db_check_ins"] = rows, ins
        r["summary_arrived"] = sum(summary["arrived"].values())
        r["consistent"] = rows == total and ins == outcomes["welcome"] == r["summary_arrived"]

        # --- the screens: still there?
        for c in conns:
            c.send(("finish", []))
        results = await collect(inbox, k, "result", 60)
        r["screens_disconnects"] = sum(v[0]["disconnects"] for v in results.values())
    except Exception as exc:  # noqa: BLE001 - reported
        r["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            await asyncio.wait_for(asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True), 15)
        except asyncio.TimeoutError:
            pass
        stop_workers(loop, conns, procs)
        if data is not None:
            data.close()
        if server.exited() and "error" not in r:
            r["error"] = server.exited()
        server.stop()
        log_findings(server, r)
        shutil.rmtree(workdir, ignore_errors=True)
    return r


# ---------------------------------------------------------------- report

def command_line() -> str:
    return ".venv/bin/python bench/checkin.py " + " ".join(sys.argv[1:])


def intro(args) -> str:
    return "\n".join([
        f"N scanners each send `scan`s back to back (the next once the previous is acked) while M show screens "
        f"are connected (plain followers with the viewer's token: snapshot, then patches; the show stays in "
        f"standby, as before a conference, so they receive nothing) and one attendance dashboard receives an "
        f"`arrival` for each first arrival. Fresh server and instance per run (demo event: 174 delegates over 15 "
        f"points; generated delegates with invitations are added where a point needs more, so that about "
        f"{args.welcome_share:.0%} of the scans are first arrivals). Scanners round-robin over the 15 points: "
        "the first 15 as that point's check-in staff, the rest as the operator naming the point (two gates at "
        "those points). Codes are real invitation codes: a first arrival (welcome), a repeat of someone the same "
        f"scanner let in before (already) or, {args.invalid_share:.0%} of them, a damaged or forged code "
        "(invalid). Screens: asyncio clients over 2 processes (bench/fanout.py's worker); scanners and dashboard: "
        "asyncio clients in the bench's own process. All on 127.0.0.1, sharing the machine's CPUs with the "
        "server.",
        "",
        "Scans/s = scans acked ÷ (first send → last ack). Ack = the scanner's send → its ack. Arrival = the "
        "scanner's send → the dashboard's `arrival` handler for that scan (matched by `result.scan_id`; same "
        "process, same clock), over the welcomes. Consistent = the database's scan rows equal the scans sent and "
        "its check-ins, the welcomes acked and the arrived count of a fresh `attendance` summary are all equal.",
    ])


def run_subsection(r: dict, args, started: float) -> str:
    title = f"### Under {r['async_mode']}"
    v = r.get("verdicts") or {}
    lines = [title, "", f"Command: `{command_line()}`", "", f"Machine: {machine()}.", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s in all "
             f"(server start {fmt(r.get('start_s'))} s; {r.get('delegates', '–')} delegates, "
             f"{r.get('delegates_added', '–')} of them added for the bench; screens ramp "
             f"{fmt(r.get('screens_ramp_s'))} s; scanners' rosters {r.get('roster_sizes', '–')} people).", ""]
    if r.get("error"):
        lines += [f"**The run failed:** {r['error']}", ""]
    lines += [
        "| async mode | scanners | screens connected | scans | welcome / already / invalid | scans/s | "
        "ack p50 | ack p95 | ack p99 | ack max | arrival p50 | arrival p99 | arrival max | server CPU / scan | "
        "consistent |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {r['async_mode']} | {r['scanners']} | {r.get('screens_connected', '–')}/{r['screens']} | "
        f"{r.get('scans', '–')} | {v.get('welcome', 0)} / {v.get('already', 0)} / {v.get('invalid', 0)} | "
        f"{fmt(r.get('scans_per_s'))} | {fmt(r.get('ack_p50'))} ms | {fmt(r.get('ack_p95'))} ms | "
        f"{fmt(r.get('ack_p99'))} ms | {fmt(r.get('ack_max'))} ms | {fmt(r.get('arrival_p50'))} ms | "
        f"{fmt(r.get('arrival_p99'))} ms | {fmt(r.get('arrival_max'))} ms | "
        f"{fmt(r.get('server_cpu_ms_per_scan'), 2)} ms | {'yes' if r.get('consistent') else 'NO'} |",
    ]
    notes = []
    if r.get("server_cpu_share") is not None:
        notes.append(f"- Server CPU over the window: {r['server_cpu_share']:.2f} CPU-seconds per second; window "
                     f"{fmt(r.get('window_s'))} s.")
    if r.get("arrivals_expected") is not None:
        notes.append(f"- Arrivals matched {r.get('arrivals_matched')}/{r.get('arrivals_expected')} welcomes "
                     f"({r.get('arrival_events')} `arrival` events, {r.get('arrival_flags')} with a flag; the last "
                     f"one {r.get('arrival_bytes')} B: it carries the arrived count of every cell).")
    if r.get("db_scan_rows") is not None:
        notes.append(f"- Database: {r['db_scan_rows']} scan rows, {r['db_check_ins']} check-ins; summary arrived "
                     f"{r.get('summary_arrived')}.")
    for key, label in (("failures", "scans not acked ok"), ("mismatches", "verdicts other than planned"),
                       ("screens_disconnects", "screens disconnected mid-run"),
                       ("server_tracebacks", "tracebacks in the server log")):
        if r.get(key):
            first = r.get("first_failure") if key == "failures" else r.get("first_mismatch") if key == "mismatches" \
                else (r.get("server_log") or "").strip().splitlines()[-1][:200] if key == "server_tracebacks" else ""
            notes.append(f"- {r[key]} {label}" + (f", e.g. {first}" if first else "") + ".")
    if r.get("screens_error"):
        notes.append(f"- Screens: {r['screens_error']}")
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def write_run(path: Path, title: str, intro_text: str, sub: str) -> None:
    """Within the section `title` (created after the last one if missing), replaces this async mode's
    "### Under <mode>" part or adds it before a hand-written "### Reading the figures"; the rest of the
    file, the section's introduction and any other parts are kept."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    sub_title = sub.splitlines()[0]
    start = text.find(title + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + f"{title}\n\n{intro_text}\n\n{sub}"
        path.write_text(text)
        return
    end = text.find("\n## ", start + len(title))
    end = len(text) if end < 0 else end + 1
    section = text[start:end]
    at = section.find(sub_title + "\n")
    if at >= 0:
        nxt = section.find("\n### ", at + len(sub_title))
        section = section[:at] + sub + ("\n" + section[nxt + 1:] if nxt >= 0 else "")
    else:
        keep = section.find("\n" + READING)
        if keep >= 0:
            section = section[:keep + 1] + sub + "\n" + section[keep + 1:]
        else:
            section = section.rstrip("\n") + "\n\n" + sub
    if end < len(text) and not section.endswith("\n\n"):
        section = section.rstrip("\n") + "\n\n"
    path.write_text(text[:start] + section + text[end:])


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--async-mode", choices=("eventlet", "threading"), default="eventlet")
    parser.add_argument("--scanners", type=int, default=20, help="scanner sockets, each at a bridge point")
    parser.add_argument("--screens", type=int, default=300, help="show screens connected meanwhile")
    parser.add_argument("--scans", type=int, default=50, help="scans per scanner")
    parser.add_argument("--welcome-share", type=float, default=0.6, help="share of first arrivals per scanner")
    parser.add_argument("--invalid-share", type=float, default=0.04, help="share of damaged or forged codes")
    parser.add_argument("--procs", type=int, default=2, help="processes for the screens")
    parser.add_argument("--batch", type=int, default=40, help="screen connections in flight while ramping")
    parser.add_argument("--connect-timeout", type=float, default=20)
    parser.add_argument("--ramp-timeout", type=float, default=90)
    parser.add_argument("--scan-timeout", type=float, default=30)
    parser.add_argument("--settle-s", type=float, default=1.0, help="pause after everyone connected")
    parser.add_argument("--grace", type=float, default=5.0, help="wait for the last arrivals, seconds")
    parser.add_argument("--seed", type=int, default=1105)
    parser.add_argument("--markdown", type=Path, default=None,
                        help="write this run into the section of this file (e.g. docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also dump the raw result here")
    return parser


def main() -> None:
    parser = make_parser()
    args = parser.parse_args()
    if not (0 < args.welcome_share <= 1 and 0 <= args.invalid_share < 1
            and args.welcome_share + args.invalid_share <= 1):
        parser.error("--welcome-share and --invalid-share: shares of one scanner's scans, together at most 1")
    raise_fd_limit(4 * (args.screens + args.scanners) + 1024)       # the server inherits it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))         # run the finally blocks: stop the server
    started = time.monotonic()
    print(f"[checkin] {args.async_mode}: {args.scanners} scanners × {args.scans} scans, {args.screens} screens …",
          file=sys.stderr, flush=True)
    r = asyncio.run(run(args))
    print(f"[checkin] {fmt(r.get('scans_per_s'))} scans/s, ack p50 {fmt(r.get('ack_p50'))} ms p99 "
          f"{fmt(r.get('ack_p99'))} ms, arrival p50 {fmt(r.get('arrival_p50'))} ms p99 {fmt(r.get('arrival_p99'))} ms"
          + (f" — {r['error']}" if r.get("error") else ""), file=sys.stderr, flush=True)
    sub = run_subsection(r, args, started)
    print(sub)
    if args.json:
        args.json.write_text(json.dumps(r, indent=2, ensure_ascii=False, default=str))
    if args.markdown:
        write_run(args.markdown, TITLE.format(scanners=args.scanners, screens=args.screens), intro(args), sub)
        print(f"[checkin] wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
