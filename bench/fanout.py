#!/usr/bin/env python3
"""Step fan-out latency: from an accepted command to its receipt at N connected clients.

    .venv/bin/python bench/fanout.py --sizes 30,300,1000 --steps 50 [--markdown docs/benchmarks.md]

For each N and each server -- the product (`python -m server serve --async-mode eventlet`, demo event,
SQLite in a fresh temporary instance) and bench/bare_server.py (python-socketio under eventlet that only
broadcasts: the library's own floor) -- a fresh server is started, N receiving clients connect (asyncio
`socketio.AsyncClient`, websocket transport only, split over --procs processes, ramped in batches) and
wait for their `snapshot`; one more client, the operator, then sends `--warmup` + `--steps` commands one
after another, each once every receiver has the previous patch (or after --step-timeout).

The command is `goto` alternating between items 0 and 1 (from standby the first goto starts the show):
each one is an accepted change of the shared cursor, broadcast as a `patch` to the event's room.

Latency = receiver's time.time() when its `patch` handler runs - the patch's `server_time` (epoch ms at
which the server accepted the command; same machine, same clock; truncated to whole ms by both servers,
so figures carry up to +1 ms of rounding). Figures: p50, p99, max over N x steps receipts (warm-up
excluded), missed = receipts that never arrived before the end of the phase.

The client processes' garbage collector is frozen and disabled while measuring (their full collections
stalled both workers for up to 450 ms: harness noise); the servers' is left alone (`--server-gc-log` logs
its full collections). A phase that cannot finish (e.g. more than 1023 connections: eventlet.wsgi's default
pool of 1024 greenthreads) ends at --phase-timeout with an error row.

Prints figures, never fails on them. Everything on 127.0.0.1. `--service-profile` also times the
product's command path in-process without sockets (where the time before the broadcast goes).

Link health, what the screens' heartbeats cost (section "Link health: the cost of heartbeats"):

    .venv/bin/python bench/fanout.py --sizes 30,300,1000 --heartbeat-ms 0,1000 --server-gc-log [--markdown docs/benchmarks.md]

runs every server at every N once per interval of --heartbeat-ms (0: no heartbeats). With an interval
the operator first sets it with the socket command `link_policy` {beat_interval_ms} (a short-lived
connection before the receivers connect, so their snapshot carries it); each receiver, after its
snapshot, says `hello` {page: "site", bridge_point_id: the snapshot's points round-robin, name: "bench"}
and sends `heartbeat` {seq, rtt_ms} every `coord.policy.beat_interval_ms` on a fixed cadence from a
random phase, carrying the previous round trip (as static/js/show-client.js `_beat`), and records each
ack's round trip. The bare server acks `hello` and `heartbeat` and does nothing else. In link mode the
operator says `hello` as the `control` page (so it gets `links`, with or without heartbeats), and before
the steps an idle window (--idle-s, default 10 s, after --settle-s) measures the server's CPU time per
second of wall time with no command. `--links-profile` also times the ticker's rating and `links`
payload in-process at each N, and one heartbeat through Flask-SocketIO's test client.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server_process import ServerProcess  # noqa: E402  (one way to start a server, shared with the tests)

EVENT = "quan9-chi-thi-05"
KINDS = ("diemcau", "bare")
LABEL = {"diemcau": "Điểm Cầu (eventlet)", "bare": "bare python-socketio"}
SECTION = "## Step fan-out latency"
LINKS_SECTION = "## Link health: the cost of heartbeats"
KEPT = "\n### Reading the figures"       # hand-written, inside a section: a rerun keeps it


# ---------------------------------------------------------------- helpers

def raise_fd_limit(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cpu_ms(pid: int) -> float | None:
    """User + system CPU time of a process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def pct(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    k = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[k - 1]


def fmt(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


GC_PROBE = """\
import gc, os, time
_path = os.environ.get("FANOUT_GC_LOG")
if _path:
    _log = open(_path, "a", buffering=1)
    _t = [0.0]
    def _probe(phase, info):
        if phase == "start":
            _t[0] = time.perf_counter()
        elif info.get("generation") == 2:
            _log.write(f"{time.time():.3f} {(time.perf_counter() - _t[0]) * 1000:.2f}\\n")
    gc.callbacks.append(_probe)
"""


class Server(ServerProcess):
    """One fresh server process, ours or the bare baseline, in its own temporary directory.

    With gc_log, a sitecustomize.py on PYTHONPATH (no change to the server's code) logs the server's full
    (generation 2) garbage collections: wall time and pause."""

    def __init__(self, kind: str, workdir: Path, gc_log: bool = False):
        super().__init__(workdir)
        self.kind, self.workdir = kind, workdir
        self.gc_log = workdir / "gc2.log" if gc_log else None

    def command(self) -> list[str]:
        if self.kind == "diemcau":
            return [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--async-mode", "eventlet"]
        return [sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(self.port)]

    def environment(self) -> dict:
        env = super().environment()
        if self.gc_log:
            probe = self.workdir / "gcprobe"
            probe.mkdir(exist_ok=True)
            (probe / "sitecustomize.py").write_text(GC_PROBE)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(probe), env.get("PYTHONPATH")]))
            env["FANOUT_GC_LOG"] = str(self.gc_log)
        return env

    def gc_pauses(self, since: float, until: float) -> list[float]:
        if not self.gc_log or not self.gc_log.exists():
            return []
        rows = [line.split() for line in self.gc_log.read_text().splitlines() if line.strip()]
        return [float(ms) for at, ms in rows if since <= float(at) <= until]

    def token(self, username: str) -> str:
        if self.kind != "diemcau":
            return "bare"
        out = subprocess.run(
            [sys.executable, "-m", "server", "issue-token", username, "--name", "fanout-bench",
             "--database-url", f"sqlite:///{self.workdir / 'diemcau.sqlite3'}"],
            cwd=ROOT, env=self.environment(), capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip().splitlines()[-1]

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


# ---------------------------------------------------------------- client worker process

def start_workers(ctx, loop, on_readable, shares, procs, conns, worker_args) -> None:
    """One client process per share (worker_main, its other arguments from worker_args(wid, share)),
    its pipe read by the loop; appended to procs and conns, which stop_workers takes down."""
    for wid, share in enumerate(shares):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=worker_main, daemon=True, args=(child, *worker_args(wid, share)))
        p.start()
        child.close()
        procs.append(p)
        conns.append(parent)
        loop.add_reader(parent.fileno(), on_readable, parent)


def stop_workers(loop, conns, procs) -> None:
    """The client processes: stop listening to their pipes, let them finish (kill the stuck), close."""
    for c in conns:
        try:
            loop.remove_reader(c.fileno())
        except (ValueError, OSError):
            pass
    for p in procs:
        p.join(20)
        if p.is_alive():
            p.kill()
            p.join(5)
    for c in conns:
        c.close()


async def collect(inbox: asyncio.Queue, k: int, tag: str, timeout: float) -> dict:
    """The `tag` messages of the k worker processes, by worker id (those that answered in time)."""
    got: dict = {}
    deadline = time.monotonic() + timeout
    while len(got) < k:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            msg = await asyncio.wait_for(inbox.get(), left)
        except asyncio.TimeoutError:
            break
        if msg[0] == tag:
            got[msg[1]] = msg[2:]
    return got


def worker_main(conn, wid: int, url: str, auth: dict, n: int, batch: int, connect_timeout: float,
                ramp_timeout: float, freeze_gc: bool, heartbeat_ms: int = 0, first_index: int = 0) -> None:
    raise_fd_limit(4 * n + 256)
    try:
        asyncio.run(_worker(conn, wid, url, auth, n, batch, connect_timeout, ramp_timeout, freeze_gc,
                            heartbeat_ms, first_index))
    finally:
        conn.close()


async def _worker(conn, wid, url, auth, n, batch, connect_timeout, ramp_timeout, freeze_gc,
                  heartbeat_ms=0, first_index=0) -> None:
    import random

    import aiohttp
    import socketio

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False))
    latencies: dict[int, list[float]] = defaultdict(list)
    reported: set[int] = set()
    state = {"live": 0, "disconnects": 0}
    clients: list = []
    connected_at: list[float] = []
    gc_pauses: list[float] = []
    gc_started = [0.0]
    # heartbeats (--heartbeat-ms): (epoch s at send, ack round trip ms or None if no ack, ack state)
    beats: list[tuple] = []
    beat_tasks: list[asyncio.Task] = []
    beating = {"on": True, "hello_errors": 0, "first_hello_error": None, "intervals": set()}

    def on_gc(phase, info):
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif info.get("generation") == 2:
            gc_pauses.append((time.perf_counter() - gc_started[0]) * 1000)

    def on_patch(data):
        now = time.time()
        rev = data["rev"]
        lst = latencies[rev]
        lst.append(now * 1000 - data["server_time"])
        if len(lst) >= state["live"] and rev not in reported:
            reported.add(rev)
            conn.send(("done", wid, rev))

    async def beat_loop(sio, interval_s: float):
        """Like the real screens (static/js/show-client.js `_beat`): a heartbeat every interval on a fixed
        cadence, from a random phase, carrying the round trip of the previous one."""
        await asyncio.sleep(random.uniform(0, interval_s))
        seq, rtt = 0, None
        next_at = loop.time()
        while beating["on"] and sio.connected:
            sent, t0 = time.time(), time.perf_counter()
            try:
                ack = await sio.call("heartbeat", {"seq": seq, "rtt_ms": rtt}, timeout=max(2 * interval_s, 2))
            except Exception:  # noqa: BLE001 - timed out or dropped: a missed beat, recorded as such
                beats.append((sent, None, None))
            else:
                took = (time.perf_counter() - t0) * 1000
                rtt = round(took)
                beats.append((sent, took, ack.get("state") if isinstance(ack, dict) and ack.get("ok") else "refused"))
            seq += 1
            next_at = max(next_at + interval_s, loop.time())
            await asyncio.sleep(next_at - loop.time())

    async def introduce(sio, snap: dict, index: int):
        """hello {page: site, bridge_point_id (round-robin over the snapshot's points), name}, then beat."""
        points = [p["id"] for p in snap.get("bridge_points", ()) if isinstance(p, dict)]
        policy = (snap.get("coord") or {}).get("policy") or {}
        interval_ms = policy.get("beat_interval_ms") or heartbeat_ms     # as the real clients: the policy's
        beating["intervals"].add(interval_ms)
        ack = await sio.call("hello", {"page": "site", "bridge_point_id": points[index % len(points)] if points else None,
                                       "name": "bench"}, timeout=connect_timeout)
        if not (isinstance(ack, dict) and ack.get("ok")):
            beating["hello_errors"] += 1
            beating["first_hello_error"] = beating["first_hello_error"] or json.dumps(ack, ensure_ascii=False)[:200]
        beat_tasks.append(asyncio.ensure_future(beat_loop(sio, interval_ms / 1000)))

    def make_client():
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=http)
        got = asyncio.Event()
        snap: dict = {}

        def on_snapshot(data):
            if not got.is_set() and isinstance(data, dict):
                snap.update(data)
            got.set()
        sio.on("snapshot", on_snapshot)
        sio.snap = snap
        sio.on("patch", on_patch)

        def on_disconnect(*_):
            if got.is_set():
                state["live"] -= 1
                state["disconnects"] += 1
        sio.on("disconnect", on_disconnect)
        return sio, got

    async def connect_one(sio, got, index):
        async def attempt():
            await sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=connect_timeout)
            await got.wait()
            if heartbeat_ms:
                await introduce(sio, sio.snap, index)
        try:
            await asyncio.wait_for(attempt(), connect_timeout)
        except BaseException:
            try:
                await asyncio.wait_for(sio.disconnect(), 2)
            except BaseException:  # noqa: BLE001
                pass
            raise
        state["live"] += 1
        connected_at.append(time.time())

    started = time.monotonic()
    failed, first_error = 0, None
    for start in range(0, n, batch):
        if time.monotonic() - started > ramp_timeout:
            failed += n - start
            first_error = first_error or f"ramp timeout after {start} clients"
            break
        group = [make_client() for _ in range(min(batch, n - start))]
        results = await asyncio.gather(*(connect_one(s, g, first_index + start + j) for j, (s, g) in enumerate(group)),
                                       return_exceptions=True)
        for (sio, got), result in zip(group, results):
            if isinstance(result, BaseException):
                failed += 1
                first_error = first_error or f"{type(result).__name__}: {result}"
            else:
                clients.append(sio)
    # Harness noise: a full collection over 500 clients' objects stalls a worker for 100s of ms (seen:
    # up to 450 ms, both workers at once). Freeze what the ramp made and keep the collector off while
    # measuring; the few cycles made per step wait for the end of the phase. Servers are left as they are.
    gc.collect()
    gc.freeze()
    gc.callbacks.append(on_gc)
    if freeze_gc:
        gc.disable()
    conn.send(("ready", wid, state["live"], failed, time.monotonic() - started, first_error))

    while True:
        msg = await inbox.get()
        if msg[0] == "finish":
            break
    measured = msg[1]
    beating["on"] = False
    for task in beat_tasks:
        task.cancel()
    await asyncio.gather(*beat_tasks, return_exceptions=True)
    lat = [v for rev in measured for v in latencies.get(rev, ())]
    counts = {rev: len(latencies.get(rev, ())) for rev in measured}
    conn.send(("result", wid, {"latencies": lat, "counts": counts, "clients": len(clients),
                               "per_rev": {rev: latencies.get(rev, []) for rev in measured},
                               "disconnects": state["disconnects"],
                               "connected_first": min(connected_at, default=None),
                               "connected_last": max(connected_at, default=None),
                               "gc2_pauses_ms": gc_pauses, "beats": beats,
                               "hello_errors": beating["hello_errors"],
                               "first_hello_error": beating["first_hello_error"],
                               "beat_intervals": sorted(beating["intervals"])}))
    loop.remove_reader(conn.fileno())
    try:
        await asyncio.wait_for(asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True), 15)
    except asyncio.TimeoutError:
        pass
    await http.close()


# ---------------------------------------------------------------- coordinator

async def set_link_policy(url: str, token: str, beat_interval_ms: int, timeout: float) -> dict:
    """As an operator would: the socket `command` link_policy {beat_interval_ms}, from a short-lived
    connection before the receivers connect (so their snapshot carries the interval)."""
    import socketio

    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    snap = asyncio.get_running_loop().create_future()
    sio.on("snapshot", lambda data: snap.done() or snap.set_result(data))
    try:
        await asyncio.wait_for(sio.connect(url, auth={"token": token, "event": EVENT}, transports=["websocket"],
                                           wait_timeout=timeout), timeout)
        rev = (await asyncio.wait_for(snap, timeout))["rev"]
        ack = await sio.call("command", {"action": "link_policy", "expected_rev": rev,
                                         "args": {"beat_interval_ms": beat_interval_ms}}, timeout=timeout)
    finally:
        await sio.disconnect()
    if not (isinstance(ack, dict) and ack.get("ok")):
        raise RuntimeError(f"link_policy refused: {json.dumps(ack, ensure_ascii=False)[:300]}")
    return ack


def beat_figures(beats: list[tuple], since: float, until: float) -> dict:
    """Heartbeats sent in [since, until): ack round trips (p50/p99/max), unanswered, states in the acks."""
    window = [b for b in beats if since <= b[0] < until]
    rtts = sorted(b[1] for b in window if b[1] is not None)
    states: dict[str, int] = defaultdict(int)
    for b in window:
        if b[1] is not None:
            states[str(b[2])] += 1
    return {"sent": len(window), "acked": len(rtts), "unanswered": len(window) - len(rtts),
            "p50": pct(rtts, 0.5), "p99": pct(rtts, 0.99), "max": rtts[-1] if rtts else None,
            "per_s": len(window) / (until - since) if until > since else None, "states": dict(states)}


def slow_bursts(beats: list[tuple], since: float, until: float, slow_ms: float = 50, gap_s: float = 0.5) -> list:
    """Diagnostic (--json): heartbeats slower than slow_ms sent in [since, until), grouped into bursts
    [seconds into the window, beats, slowest ms]: a stalled server shows as bursts, queueing as a smear."""
    bursts: list[list] = []
    for sent, rtt, _state in beats:
        if since <= sent < until and rtt is not None and rtt > slow_ms:
            if bursts and sent - since - bursts[-1][3] <= gap_s:
                b = bursts[-1]
                b[1], b[2], b[3] = b[1] + 1, max(b[2], round(rtt)), sent - since
            else:
                bursts.append([round(sent - since, 2), 1, round(rtt), sent - since])
    return [b[:3] for b in bursts]


async def run_phase(kind: str, n: int, args, hb: int = 0) -> dict:
    import socketio

    workdir = Path(tempfile.mkdtemp(prefix=f"fanout-{kind}-{n}-"))
    server = Server(kind, workdir, gc_log=args.server_gc_log)
    procs, conns, op = [], [], None
    result = {"kind": kind, "n": n, "hb": hb}
    loop = asyncio.get_running_loop()
    try:
        t0 = time.monotonic()
        server.start()
        op_token, rx_token = server.token("dieuhanh"), server.token("xem")
        result["start_s"] = time.monotonic() - t0
        if hb and kind == "diemcau":
            await set_link_policy(server.url, op_token, hb, args.connect_timeout)

        k = max(1, min(args.procs, n))
        shares = [n // k + (1 if i < n % k else 0) for i in range(k)]
        ctx = mp.get_context("spawn")
        inbox: asyncio.Queue = asyncio.Queue()
        done = defaultdict(set)
        done_event = defaultdict(asyncio.Event)

        def on_readable(c):
            try:
                msg = c.recv()
            except (EOFError, OSError):
                loop.remove_reader(c.fileno())
                return
            if msg[0] == "done":
                done[msg[2]].add(msg[1])
                if len(done[msg[2]]) == k:
                    done_event[msg[2]].set()
            else:
                inbox.put_nowait(msg)

        batch = max(1, args.batch // k)
        start_workers(ctx, loop, on_readable, shares, procs, conns, lambda wid, share: (
            wid, server.url, {"token": rx_token, "event": EVENT}, share, batch, args.connect_timeout,
            args.ramp_timeout, not args.client_gc, hb, sum(shares[:wid])))

        ready = await collect(inbox, k, "ready", args.ramp_timeout + 60)
        result["connected"] = sum(r[0] for r in ready.values())
        result["connect_failed"] = n - result["connected"]
        result["ramp_s"] = max((r[2] for r in ready.values()), default=None)
        errors = [r[3] for r in ready.values() if r[3]]
        result["connect_error"] = errors[0] if errors else None

        # the operator: one more connection, not counted among the N receivers
        op = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        snap: asyncio.Future = loop.create_future()
        sample: dict = {}
        links_seen: list[tuple[float, dict]] = []      # the control room's `links` events: (epoch s, payload)
        op.on("snapshot", lambda data: snap.done() or snap.set_result(data))
        op.on("patch", lambda data: sample.setdefault("patch", data))
        op.on("links", lambda data: links_seen.append((time.time(), data)))
        try:
            await asyncio.wait_for(op.connect(server.url, auth={"token": op_token, "event": EVENT},
                                              transports=["websocket"], wait_timeout=args.connect_timeout),
                                   args.connect_timeout)
            op_snapshot = await asyncio.wait_for(snap, args.connect_timeout)
            rev = op_snapshot["rev"]
        except (asyncio.TimeoutError, socketio.exceptions.ConnectionError) as exc:
            raise RuntimeError(f"the operator could not connect after {result['connected']} receivers "
                               f"({type(exc).__name__}: {exc})") from None
        if any(args.heartbeat_ms):
            # the control room's desk: only a screen that says hello as `control` gets the `links` event
            # (once a second), with or without heartbeats from the receivers
            ack = await op.call("hello", {"page": "control", "name": "bench operator"}, timeout=args.connect_timeout)
            if not (isinstance(ack, dict) and ack.get("ok")):
                result["operator_hello_error"] = json.dumps(ack, ensure_ascii=False)[:300]
        result["points"] = len(op_snapshot.get("bridge_points", ()))
        result["policy_beat_ms"] = ((op_snapshot.get("coord") or {}).get("policy") or {}).get("beat_interval_ms")

        if args.idle_s:
            # Idle but beating: no command for --idle-s; the server's and the clients' CPU over that window.
            await asyncio.sleep(args.settle_s)
            idle_from, links_from = time.time(), len(links_seen)
            cpu0, ccpu0 = cpu_ms(server.proc.pid), sum(cpu_ms(p.pid) or 0 for p in procs)
            await asyncio.sleep(args.idle_s)
            cpu1, ccpu1 = cpu_ms(server.proc.pid), sum(cpu_ms(p.pid) or 0 for p in procs)
            idle_to = time.time()
            result["idle_window"] = (idle_from, idle_to)
            if cpu0 is not None and cpu1 is not None:
                result["idle_server_cpu_ms_per_s"] = (cpu1 - cpu0) / (idle_to - idle_from)
                result["idle_clients_cpu_ms_per_s"] = (ccpu1 - ccpu0) / (idle_to - idle_from)
            idle_links = links_seen[links_from:]
            result["idle_links_per_s"] = len(idle_links) / (idle_to - idle_from)
            if idle_links:
                last = idle_links[-1][1]
                result["links_bytes"] = len(json.dumps(last, separators=(",", ":"), ensure_ascii=False).encode())
                result["links_screens"] = len(last.get("screens", ()))
                result["links_tiles"] = {t["bridge_point_id"]: t["state"] for t in last.get("tiles", ())}

        sent_at: dict[int, float] = {}
        measured, acks, step_ms, cmd_errors, timeouts = [], [], [], [], 0
        cpu_server = cpu_clients = None
        steps_wall_from = time.time()
        for i in range(args.warmup + args.steps):
            if i == args.warmup:
                cpu_server = cpu_ms(server.proc.pid)
                steps_wall_from = time.time()
                cpu_clients = sum(cpu_ms(p.pid) or 0 for p in procs)
                phase_started = time.monotonic()
            payload = {"action": "goto", "expected_rev": rev, "args": {"index": i % 2}}
            t_send = time.time()
            if i >= args.warmup:
                sent_at[rev + 1] = t_send
            try:
                ack = await op.call("command", payload, timeout=args.step_timeout)
            except Exception as exc:  # noqa: BLE001 - a figure, not a failure
                cmd_errors.append(f"{type(exc).__name__}: {exc}")
                timeouts += 1
                continue
            t_ack = time.time()
            if not isinstance(ack, dict) or not ack.get("ok"):
                cmd_errors.append(json.dumps(ack, ensure_ascii=False)[:300])
                current = (ack or {}).get("error", {}).get("current_rev") if isinstance(ack, dict) else None
                rev = current if isinstance(current, int) else rev
                continue
            rev = ack["rev"]
            try:
                await asyncio.wait_for(done_event[rev].wait(), args.step_timeout)
            except asyncio.TimeoutError:
                timeouts += 1
            if i >= args.warmup:
                measured.append(rev)
                acks.append((t_ack - t_send) * 1000)
                step_ms.append((time.time() - t_send) * 1000)
            if args.gap:
                await asyncio.sleep(args.gap)
        steps_done = len(measured)
        steps_wall_to = time.time()
        if cpu_server is not None and steps_done:
            result["server_cpu_ms_per_step"] = ((cpu_ms(server.proc.pid) or 0) - cpu_server) / steps_done
            result["clients_cpu_ms_per_step"] = (sum(cpu_ms(p.pid) or 0 for p in procs) - cpu_clients) / steps_done
            result["steps_wall_s"] = time.monotonic() - phase_started
            if args.server_gc_log:
                pauses = server.gc_pauses(steps_wall_from, time.time())
                result["server_gc2"] = {"count": len(pauses), "max_ms": max(pauses, default=None),
                                        "total_ms": round(sum(pauses), 1)}
        await asyncio.sleep(args.grace)

        for c in conns:
            c.send(("finish", measured))
        results = await collect(inbox, k, "result", 60)
        lat = sorted(v for r in results.values() for v in r[0]["latencies"])
        per_step = []
        phase_t0 = min(r[0]["connected_first"] or time.time() for r in results.values())
        result["connected_span_s"] = round(max(r[0]["connected_last"] or 0 for r in results.values()) - phase_t0, 2)
        pauses = sorted(v for r in results.values() for v in r[0]["gc2_pauses_ms"])
        result["client_gc2"] = {"count": len(pauses), "max_ms": round(pauses[-1], 1) if pauses else None,
                                "total_ms": round(sum(pauses), 1)}
        for rev in measured:
            values = sorted(v for r in results.values() for v in r[0]["per_rev"].get(rev, ()))
            per_step.append([rev, round(sent_at.get(rev, 0) - phase_t0, 2), len(values), *(round(x, 1) if x is not None else None
                                                 for x in (pct(values, 0.0), pct(values, 0.5),
                                                           values[-1] if values else None))])
        if hb:
            beats = sorted(b for r in results.values() for b in r[0]["beats"])
            if "idle_window" in result:
                result["beats_idle"] = beat_figures(beats, *result["idle_window"])
                result["slow_beat_bursts"] = slow_bursts(beats, *result["idle_window"])
            if steps_done:
                result["beats_steps"] = beat_figures(beats, steps_wall_from, steps_wall_to)
            result["beats_all"] = beat_figures(beats, min((b[0] for b in beats), default=0), time.time())
            result["hello_errors"] = sum(r[0]["hello_errors"] for r in results.values())
            result["first_hello_error"] = next((r[0]["first_hello_error"] for r in results.values()
                                                if r[0]["first_hello_error"]), None)
            result["beat_intervals"] = sorted({i for r in results.values() for i in r[0]["beat_intervals"]})
        if args.server_gc_log and "idle_window" in result:
            # full collections in the idle window: [seconds into it (at their end), pause ms]
            since, until = result["idle_window"]
            rows = [line.split() for line in server.gc_log.read_text().splitlines() if line.strip()] \
                if server.gc_log and server.gc_log.exists() else []
            result["idle_server_gc2"] = [[round(float(at) - since, 2), round(float(ms), 1)] for at, ms in rows
                                         if since <= float(at) <= until]
        expected = result["connected"] * len(measured)
        result.update(
            per_step=per_step, steps=len(measured), receipts=len(lat), expected=expected, missed=expected - len(lat),
            p50=pct(lat, 0.50), p99=pct(lat, 0.99), max=lat[-1] if lat else None, min=lat[0] if lat else None,
            ack_p50=pct(sorted(acks), 0.5), step_p50=pct(sorted(step_ms), 0.5), step_timeouts=timeouts,
            command_errors=cmd_errors[:5], command_error_count=len(cmd_errors),
            disconnects=sum(r[0]["disconnects"] for r in results.values()),
            patch_bytes=len(json.dumps(sample.get("patch", {}), separators=(",", ":"), ensure_ascii=False)
                            .encode()),
        )
    except Exception as exc:  # noqa: BLE001 - report and go on with the next phase
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["server_log"] = server.log_tail()
    finally:
        if op is not None:
            try:
                await asyncio.wait_for(op.disconnect(), 5)
            except Exception:  # noqa: BLE001
                pass
        stop_workers(loop, conns, procs)
        if server.proc and server.proc.poll() is not None and "error" not in result:
            result["error"] = f"server exited with {server.proc.returncode}"
            result["server_log"] = server.log_tail()
        server.stop()
        log = server.log_tail(1_000_000)
        if "Traceback" in log:
            result["server_tracebacks"] = log.count("Traceback")
            result["server_log"] = log[log.index("Traceback"):][:3000]
        shutil.rmtree(workdir, ignore_errors=True)
    return result


# ---------------------------------------------------------------- in-process service time (no sockets)

def service_profile(count: int) -> dict:
    """Time `commands.run(goto)` in-process on a fresh demo SQLite, as the socket handler calls it.

    Split at the moment the server stamps `server_time` (Change.at): before it (session, user, CAS update,
    state and programme loads: not in the measured latency) and after it up to publish (the transition,
    cue-log row, COMMIT, building the patch: in the measured latency)."""
    workdir = Path(tempfile.mkdtemp(prefix="fanout-service-"))
    os.environ["DIEMCAU_INSTANCE"] = str(workdir)
    try:
        from sqlalchemy import select

        from server.app import create_app
        from server.config import Settings
        from server.models import Event, User
        from server.services import commands, revision

        app = create_app(Settings(instance_dir=workdir, database_url=f"sqlite:///{workdir / 'diemcau.sqlite3'}",
                                  async_mode="threading", load_demo=True))
        db = app.extensions["diemcau.db"]
        published: list[float] = []
        revision.show_changed.connect(lambda change: published.append(time.time()), weak=False)
        with db.session() as s:
            event_id = s.execute(select(Event.id).where(Event.slug == EVENT)).scalar_one()
            uid = s.execute(select(User.id).where(User.username == "dieuhanh")).scalar_one()
            rev = revision.load_state(s, event_id).rev
        before, after, total = [], [], []
        for i in range(count + 3):
            t0 = time.time()
            with app.app_context(), db.session() as s:
                user = s.get(User, uid)
                change = commands.run(s, event_id, user, "goto", expected_rev=rev, args={"index": i % 2})
            t1 = time.time()
            rev = change.rev
            if i >= 3:
                stamp = change.at.timestamp()
                before.append((stamp - t0) * 1000)
                after.append((published[-1] - stamp) * 1000)
                total.append((t1 - t0) * 1000)
        return {"count": count, "before_stamp_p50": pct(sorted(before), .5),
                "stamp_to_publish_p50": pct(sorted(after), .5), "stamp_to_publish_p99": pct(sorted(after), .99),
                "total_p50": pct(sorted(total), .5), "total_p99": pct(sorted(total), .99)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def links_profile(sizes: list[int], beat_interval_ms: int, points: int, repeats: int) -> list[dict]:
    """The ticker's own work at N screens, in-process, without sockets or a database: the LinkMonitor
    filled with N screens spread over `points` bridge points (10 round trips each, as after 10 beats),
    then timed: `rate()` (every tick, 4 a second), the `links` payload (a tile per point + the list of
    screens) with its JSON encoding (every second, to the control room), and one `beat()`."""
    import random

    from server.realtime import TICK_S, TILES_EVERY_S
    from server.services import link_health

    policy = link_health.Policy(beat_interval_ms=beat_interval_ms)
    policies, ids = {1: policy}, list(range(1, max(1, points) + 1))
    rng = random.Random(7)

    def one(n: int) -> dict:
        monitor, now = link_health.LinkMonitor(), 1000.0
        for i in range(n):
            monitor.connect(f"s{i}", 1, "xem (viewer)", now)
            monitor.hello(f"s{i}", "site", ids[i % len(ids)], "bench", now)
        for seq in range(10):
            now += beat_interval_ms / 1000
            for i in range(n):
                monitor.beat(f"s{i}", seq, rng.randint(1, 40), now)
        monitor.rate(now, policies)

        def timed(fn) -> float:
            fn()
            runs = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                runs.append((time.perf_counter() - t0) * 1000)
            return pct(sorted(runs), 0.5)

        wall = int(time.time() * 1000)

        def payload() -> dict:
            return {"server_time": wall, "tiles": [monitor.tile(1, p, now, wall, policy) for p in ids],
                    "screens": monitor.screens(1, now, wall, policy)}

        seqs = iter(range(10, 10 + 10 * repeats + 10))
        rate_ms = timed(lambda: monitor.rate(now, policies))
        build_ms = timed(payload)
        encode_ms = timed(lambda: json.dumps(payload(), separators=(",", ":")))
        beat_us = timed(lambda: monitor.beat("s0", next(seqs), 12, now)) * 1000
        size = len(json.dumps(payload(), separators=(",", ":")).encode())
        return {"n": n, "points": len(ids), "rate_ms": rate_ms, "build_ms": build_ms, "build_encode_ms": encode_ms,
                "beat_us": beat_us, "bytes": size, "per_s_ms": rate_ms / TICK_S + encode_ms / TILES_EVERY_S}

    return [one(n) for n in sizes]


def beat_dispatch_profile(count: int) -> dict:
    """One `heartbeat` through Flask-SocketIO in-process (its test client: Socket.IO packet decoding, the
    request context, the product's handler, the ack) on a fresh demo SQLite, against a no-op handler
    registered on the same app for the comparison (in this process only). No engine.io, no websocket."""
    workdir = Path(tempfile.mkdtemp(prefix="fanout-beats-"))
    os.environ["DIEMCAU_INSTANCE"] = str(workdir)
    try:
        from sqlalchemy import select

        from server.app import create_app
        from server.config import Settings
        from server.extensions import socketio
        from server.models import User
        from server.services import accounts

        app = create_app(Settings(instance_dir=workdir, database_url=f"sqlite:///{workdir / 'diemcau.sqlite3'}",
                                  async_mode="threading", load_demo=True))
        with app.extensions["diemcau.db"].session() as s:
            token = accounts.issue_token(s, s.execute(select(User).where(User.username == "xem")).scalar_one(),
                                         "fanout-bench")
            s.commit()
        socketio.on_event("fanout_noop", lambda payload=None: {"ok": True, "seq": 0, "state": None})
        client = socketio.test_client(app, auth={"token": token, "event": EVENT})
        snap = next(m["args"][0] for m in client.get_received() if m["name"] == "snapshot")
        hello = client.emit("hello", {"page": "site", "bridge_point_id": snap["bridge_points"][0]["id"],
                                      "name": "bench"}, callback=True)

        def timed(event: str) -> float:
            runs = []
            for seq in range(1, count + 1):
                t0 = time.perf_counter()
                client.emit(event, {"seq": seq, "rtt_ms": 3}, callback=True)
                runs.append((time.perf_counter() - t0) * 1e6)
            return pct(sorted(runs), 0.5)

        timed("fanout_noop")                                      # warm-up
        noop_us, beat_us = timed("fanout_noop"), timed("heartbeat")
        last = client.emit("heartbeat", {"seq": count + 1, "rtt_ms": 3}, callback=True)
        client.disconnect()
        return {"count": count, "noop_us": noop_us, "heartbeat_us": beat_us,
                "ok": bool(isinstance(hello, dict) and hello.get("ok") and isinstance(last, dict) and last.get("ok"))}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- report

def machine() -> str:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), "?")
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "?")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for name in ("python-socketio", "python-engineio", "eventlet", "Flask-SocketIO", "Flask", "SQLAlchemy",
                 "aiohttp", "greenlet"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"{nproc} CPUs (nproc) · {model} · {int(mem) // 1024} MiB RAM · {platform.system()} "
            f"{platform.release()} · Python {platform.python_version()} · " + ", ".join(versions))


def markdown(results: list[dict], args, command: str, profile: dict | None, started: float) -> str:
    by = {(r["kind"], r["n"]): r for r in results}
    gc_cols = any("server_gc2" in r for r in results)

    def gc_cell(g):
        return " – |" if not g else f" {g['count']}, max {fmt(g['max_ms'])} ms |"

    sizes = sorted({r["n"] for r in results})
    lines = [SECTION, "",
             "Latency from an accepted command to its receipt at N connected clients, against a bare "
             "python-socketio server that only broadcasts (bench/bare_server.py, the library's own floor), "
             "in the same run. Latency = receiver's `time.time()` in its `patch` handler − the patch's "
             "`server_time` (the server's clock at acceptance; same machine). "
             f"{args.steps} commands per phase after {args.warmup} warm-up ones, each sent once all N have "
             "the previous patch; the command is `goto` alternating items 0 and 1 (each an accepted change "
             "of the shared cursor). Receivers: asyncio `socketio.AsyncClient`, websocket transport, "
             f"over {args.procs} client processes on the same machine; one more connection is the operator. "
             "Fresh server and instance directory per phase.", "",
             "The receivers share the machine's CPUs with the server, so at N = 300 and 1000 the absolute "
             "figures include the clients' own queueing (see clients CPU / step); what the product adds is the "
             "gap between the two columns. The client processes' garbage collector is frozen and off while "
             "measuring (its full collections were harness noise); the servers' is untouched, and one full "
             "collection in a server holding 1000 connections stalls it for 100–150 ms: that is most of p99 "
             "and max at N = 1000 (`--server-gc-log` shows it).", "",
             f"Command: `{command}`", "",
             f"Machine: {machine()}.", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s in all.", "",
             "| N | Điểm Cầu p50 | bare p50 | Điểm Cầu p99 | bare p99 | Điểm Cầu max | bare max | missed (ĐC / bare) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        a, b = by.get(("diemcau", n), {}), by.get(("bare", n), {})
        lines.append(f"| {n} | {fmt(a.get('p50'))} ms | {fmt(b.get('p50'))} ms | {fmt(a.get('p99'))} ms | "
                     f"{fmt(b.get('p99'))} ms | {fmt(a.get('max'))} ms | {fmt(b.get('max'))} ms | "
                     f"{a.get('missed', '–')} / {b.get('missed', '–')} |")
    lines += ["", "Per phase:", "",
              "| N | server | connected | receipts | ramp | ack RTT p50 | send→last receipt p50 | "
              "server CPU / step | clients CPU / step | patch size |" + (" server full GCs |" if gc_cols else ""),
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---|" if gc_cols else "")]
    for n in sizes:
        for kind in KINDS:
            r = by.get((kind, n))
            if not r:
                continue
            lines.append(
                f"| {n} | {LABEL[kind]} | {r.get('connected', '–')} | {r.get('receipts', '–')}/{r.get('expected', '–')} | "
                f"{fmt(r.get('ramp_s'))} s | {fmt(r.get('ack_p50'))} ms | {fmt(r.get('step_p50'))} ms | "
                f"{fmt(r.get('server_cpu_ms_per_step'))} ms | {fmt(r.get('clients_cpu_ms_per_step'))} ms | "
                f"{r.get('patch_bytes', '–')} B |" + (gc_cell(r.get("server_gc2")) if gc_cols else ""))
    notes = []
    for r in results:
        for key in ("error", "connect_error"):
            if r.get(key):
                notes.append(f"- {LABEL[r['kind']]}, N={r['n']}: {key.replace('_', ' ')}: {r[key]}")
        if r.get("command_error_count"):
            notes.append(f"- {LABEL[r['kind']]}, N={r['n']}: {r['command_error_count']} refused commands, "
                         f"e.g. {r['command_errors'][0]}")
        if r.get("step_timeouts"):
            notes.append(f"- {LABEL[r['kind']]}, N={r['n']}: {r['step_timeouts']} steps hit the "
                         f"{args.step_timeout:g} s step timeout")
        if r.get("server_tracebacks"):
            first = r["server_log"].strip().splitlines()[-1][:200]
            notes.append(f"- {LABEL[r['kind']]}, N={r['n']}: {r['server_tracebacks']} tracebacks in the server "
                         f"log, e.g. {first}")
        if r.get("disconnects"):
            notes.append(f"- {LABEL[r['kind']]}, N={r['n']}: {r['disconnects']} receivers disconnected mid-run")
    if notes:
        lines += ["", "Incidents:", "", *notes]
    if profile:
        lines += ["", f"Product command path in-process, no sockets ({profile['count']} `goto`s on the demo "
                      "SQLite, `--service-profile`): "
                      f"{fmt(profile['total_p50'], 2)} ms p50 / {fmt(profile['total_p99'], 2)} ms p99 per command, "
                      f"of which {fmt(profile['before_stamp_p50'], 2)} ms before `server_time` is stamped (session, "
                      "user, compare-and-set, state and programme loads: not in the latency above) and "
                      f"{fmt(profile['stamp_to_publish_p50'], 2)} ms p50 / {fmt(profile['stamp_to_publish_p99'], 2)} "
                      "ms p99 from the stamp to the broadcast (transition, cue-log row, COMMIT, patch: inside it)."]
    return "\n".join(lines) + "\n"


def markdown_links(results: list[dict], args, command: str, lprofile: list[dict] | None, started: float) -> str:
    """The section "Link health: the cost of heartbeats": each server without and with heartbeats."""
    by = {(r["kind"], r["n"], r.get("hb", 0)): r for r in results}
    sizes = sorted({r["n"] for r in results})
    on = max(args.heartbeat_ms)
    off = 0 if 0 in args.heartbeat_ms else None

    def pair(key, kind, n, digits=1):
        a = by.get((kind, n, off), {}) if off is not None else {}
        b = by.get((kind, n, on), {})
        return f"{fmt(a.get(key), digits)} → {fmt(b.get(key), digits)}" if off is not None else fmt(b.get(key), digits)

    def beats(r, window):
        f = r.get(window) or {}
        return f"{fmt(f.get('p50'))} / {fmt(f.get('p99'))} ms" if f else "–"

    def per_beat_us(kind, n):
        a, b = by.get((kind, n, off), {}), by.get((kind, n, on), {})
        rate = (b.get("beats_idle") or {}).get("per_s")
        if off is None or not rate or a.get("idle_server_cpu_ms_per_s") is None or b.get("idle_server_cpu_ms_per_s") is None:
            return "–"
        return f"{(b['idle_server_cpu_ms_per_s'] - a['idle_server_cpu_ms_per_s']) / rate * 1000:.0f} µs"

    def states(r):
        st = (r.get("beats_idle") or r.get("beats_all") or {}).get("states") or {}
        total = sum(st.values())
        if not total or set(st) <= {"None"}:
            return "–"
        return ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in sorted(st.items(), key=lambda kv: -kv[1]))

    lines = [LINKS_SECTION, "",
             "What the screens' heartbeats cost the server: the harness of the section above (bench/fanout.py: "
             "fresh server per phase, N receivers over "
             f"{args.procs} asyncio client processes, one more connection as the operator, {args.steps} `goto` steps "
             f"after {args.warmup} warm-up ones), run for each N once without heartbeats and once with them. "
             f"With heartbeats every receiver, after its snapshot, says `hello` `{{page: \"site\", bridge_point_id, "
             f"name: \"bench\"}}` (points taken round-robin from the snapshot's `bridge_points`) and then sends "
             f"`heartbeat` `{{seq, rtt_ms}}` every `beat_interval_ms` on a fixed cadence from a random phase, "
             "carrying the previous round trip, as static/js/show-client.js does; the interval is read from the "
             "snapshot's `coord.policy`, which the operator set beforehand with the socket command `link_policy` "
             f"`{{beat_interval_ms: {on}}}` ({on // 1000 if on % 1000 == 0 else on / 1000:g} s: "
             f"{5000 / on:g}× the default 5 s load), so the server rates links with the same interval. The operator "
             "says `hello` as the `control` page in both runs (the control room gets `links` once a second) "
             "and does not beat.", "",
             "The bare server (bench/bare_server.py) has no link health: it acks `hello` and `heartbeat` and "
             "does nothing else, so it carries the same heartbeat traffic and shows what the library itself "
             "costs per beat. Server CPU idle = the server process's user + system CPU time (from /proc) over "
             f"{args.idle_s:g} s without commands, {args.settle_s:g} s after the operator connected, per second "
             "of wall time; per beat = (on − off) / beats per second. Beat ack RTT = the client's round trip from "
             "`call(\"heartbeat\")` to its ack, over the beats sent in the idle window and over those sent "
             "while the steps ran. Fan-out latency as in the section above.", "",
             f"Command: `{command}`", "",
             f"Machine: {machine()}.", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s in all.", "",
             "Latencies:", "",
             "| N | server | fan-out p50 off → on | fan-out p99 off → on | beat ack RTT p50 / p99, idle | "
             "beat ack RTT p50 / p99, during steps | beats acked (idle) | acks' `state` (idle) |",
             "|---:|---|---:|---:|---:|---:|---:|---|"]
    for n in sizes:
        for kind in KINDS:
            r = by.get((kind, n, on))
            if not r:
                continue
            idle = r.get("beats_idle") or {}
            lines.append(
                f"| {n} | {LABEL[kind]} | {pair('p50', kind, n)} ms | {pair('p99', kind, n)} ms | "
                f"{beats(r, 'beats_idle')} | {beats(r, 'beats_steps')} | "
                f"{idle.get('acked', '–')}/{idle.get('sent', '–')} | {states(r)} |")
    gc_col = any("idle_server_gc2" in r for r in results)

    def gcs(kind, n, hb):
        g = by.get((kind, n, hb), {}).get("idle_server_gc2")
        return "–" if g is None else f"{len(g)}" + (f" (max {max(ms for _t, ms in g):.0f} ms)" if g else "")

    lines += ["", f"Cost while idle but beating ({args.idle_s:g} s without commands):", "",
              "| N | server | server CPU off → on (ms/s) | server CPU per beat | "
              + ("server full GCs off → on | " if gc_col else "")
              + "clients CPU off → on (ms/s) | ramp off → on |",
              "|---:|---|---:|---:|" + ("---:|" if gc_col else "") + "---:|---:|"]
    for n in sizes:
        for kind in KINDS:
            if (kind, n, on) not in by:
                continue
            lines.append(
                f"| {n} | {LABEL[kind]} | {pair('idle_server_cpu_ms_per_s', kind, n, 0)} | {per_beat_us(kind, n)} | "
                + (f"{gcs(kind, n, off) if off is not None else '–'} → {gcs(kind, n, on)} | " if gc_col else "")
                + f"{pair('idle_clients_cpu_ms_per_s', kind, n, 0)} | {pair('ramp_s', kind, n)} s |")
    dc = [(n, by.get(("diemcau", n, off), {}), by.get(("diemcau", n, on), {})) for n in sizes]
    if any(a.get("links_bytes") or b.get("links_bytes") for _n, a, b in dc):
        lines += ["", "The control room's `links` event (received by the operator during the idle window; "
                      "the receivers are viewers, not in the control room):", "",
                  "| N | `links` per s off → on | `links` size off → on | screens listed | tiles (on) |",
                  "|---:|---:|---:|---:|---|"]
        for n, a, b in dc:
            tiles = b.get("links_tiles") or {}
            count: dict[str, int] = defaultdict(int)
            for state in tiles.values():
                count[state] += 1
            lines.append(f"| {n} | {fmt(a.get('idle_links_per_s'), 2)} → {fmt(b.get('idle_links_per_s'), 2)} | "
                         f"{fmt((a.get('links_bytes') or 0) / 1024)} → {fmt((b.get('links_bytes') or 0) / 1024)} KiB | "
                         f"{a.get('links_screens', '–')} → {b.get('links_screens', '–')} | "
                         + (", ".join(f"{v} {k}" for k, v in sorted(count.items())) or "–") + " |")
    if lprofile:
        lines += ["", f"The ticker's own work in-process, without sockets or database (`--links-profile`: a "
                      f"LinkMonitor holding N screens over {lprofile[0].get('points', '?')} points, 10 round trips "
                      "each; median of repeated calls): `rate()` runs every tick (4 a second), the `links` payload "
                      "(tiles + the list of screens) is built and JSON-encoded once a second; the ticker's "
                      "SQLite work (policies every 2 s, link samples every 5 s) is not in it.", "",
                  "| N | `rate()` | `links` payload build | build + JSON encode | payload | ≈ ticker CPU (ms/s) | `beat()` |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for p in lprofile:
            lines.append(f"| {p['n']} | {fmt(p['rate_ms'], 2)} ms | {fmt(p['build_ms'], 2)} ms | "
                         f"{fmt(p['build_encode_ms'], 2)} ms | {p['bytes'] / 1024:.1f} KiB | {fmt(p['per_s_ms'])} | "
                         f"{fmt(p['beat_us'], 1)} µs |")
        d = lprofile[0].get("dispatch")
        if d:
            lines += ["", f"One `heartbeat` through Flask-SocketIO in-process (its test client: Socket.IO packet "
                          f"decoding, request context, handler, ack; no engine.io, no websocket; median of "
                          f"{d['count']}): {fmt(d['heartbeat_us'], 0)} µs, against {fmt(d['noop_us'], 0)} µs for a "
                          "no-op handler registered on the same app" + ("" if d["ok"] else " (the acks were not ok!)")
                          + "."]
    notes = []
    for r in results:
        label = f"{LABEL[r['kind']]}, N={r['n']}, " + (f"heartbeats {r.get('hb')} ms" if r.get("hb") else "no heartbeats")
        for key in ("error", "connect_error", "first_hello_error", "operator_hello_error"):
            if r.get(key):
                notes.append(f"- {label}: {key.replace('_', ' ')}: {r[key]}")
        if r.get("hello_errors"):
            notes.append(f"- {label}: {r['hello_errors']} refused `hello`s")
        if r.get("hb") and r.get("beat_intervals") and r["beat_intervals"] != [r["hb"]]:
            notes.append(f"- {label}: the receivers beat every {r['beat_intervals']} ms (from their snapshot)")
        for window in ("beats_idle", "beats_steps"):
            if (r.get(window) or {}).get("unanswered"):
                notes.append(f"- {label}: {r[window]['unanswered']} heartbeats unanswered ({window[6:]})")
        if r.get("command_error_count"):
            notes.append(f"- {label}: {r['command_error_count']} refused commands, e.g. {r['command_errors'][0]}")
        if r.get("step_timeouts"):
            notes.append(f"- {label}: {r['step_timeouts']} steps hit the {args.step_timeout:g} s step timeout")
        if r.get("server_tracebacks"):
            first = r["server_log"].strip().splitlines()[-1][:200]
            notes.append(f"- {label}: {r['server_tracebacks']} tracebacks in the server log, e.g. {first}")
        if r.get("disconnects"):
            notes.append(f"- {label}: {r['disconnects']} receivers disconnected mid-run")
        if r.get("missed"):
            notes.append(f"- {label}: {r['missed']} patch receipts missed")
    if notes:
        lines += ["", "Incidents:", "", *notes]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str, title: str = SECTION) -> None:
    """Replaces the section `title` (up to the next "## " heading, or up to a hand-written
    "### Reading the figures" inside it, which is kept) or appends it; the rest of the file is kept."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(title + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        ends = [e for e in (text.find("\n## ", start + len(title)), text.find(KEPT, start + len(title))) if e >= 0]
        end = min(ends) if ends else -1
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
        text = text.replace(section + "## ", section + "\n## ").replace(section + KEPT[1:], section + KEPT)
    path.write_text(text)


async def main_async(args) -> list[dict]:
    results = []
    for n in args.sizes:
        for kind, hb in [(kind, hb) for kind in args.servers for hb in args.heartbeat_ms]:
            t0 = time.monotonic()
            tag = f"{kind}" + (f" heartbeats {hb} ms" if hb else " no heartbeats" if any(args.heartbeat_ms) else "")
            print(f"[fanout] N={n} {tag} …", file=sys.stderr, flush=True)
            task = asyncio.ensure_future(run_phase(kind, n, args, hb))
            try:
                r = await asyncio.wait_for(asyncio.shield(task), args.phase_timeout)
            except asyncio.TimeoutError:
                task.cancel()
                try:
                    await asyncio.wait_for(task, 60)     # its finally stops the server and the clients
                except BaseException:  # noqa: BLE001
                    pass
                r = {"kind": kind, "n": n, "hb": hb, "error": f"phase timeout ({args.phase_timeout:g} s)"}
            extra = ""
            if "idle_server_cpu_ms_per_s" in r:
                extra += f", idle server CPU {fmt(r['idle_server_cpu_ms_per_s'])} ms/s"
            if r.get("beats_all"):
                extra += (f", beat RTT p50 {fmt(r['beats_all']['p50'])} ms p99 {fmt(r['beats_all']['p99'])} ms, "
                          f"{r['beats_all']['acked']}/{r['beats_all']['sent']} acked")
            print(f"[fanout] N={n} {tag}: p50 {fmt(r.get('p50'))} ms, p99 {fmt(r.get('p99'))} ms, "
                  f"max {fmt(r.get('max'))} ms, missed {r.get('missed', '–')}, connected {r.get('connected', '–')}, "
                  f"ramp {fmt(r.get('ramp_s'))} s{extra}, {time.monotonic() - t0:.0f} s"
                  + (f" — {r['error']}" if r.get("error") else ""), file=sys.stderr, flush=True)
            results.append(r)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,300,1000", help="numbers of receiving clients (default 30,300,1000)")
    parser.add_argument("--steps", type=int, default=50, help="measured commands per phase")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured commands first")
    parser.add_argument("--servers", default="diemcau,bare", help="which servers, in order")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--batch", type=int, default=40, help="connections in flight while ramping (all processes)")
    parser.add_argument("--connect-timeout", type=float, default=20)
    parser.add_argument("--ramp-timeout", type=float, default=90, help="per phase")
    parser.add_argument("--phase-timeout", type=float, default=240, help="whole phase, seconds")
    parser.add_argument("--step-timeout", type=float, default=5, help="per command, for the ack and all receipts")
    parser.add_argument("--gap", type=float, default=0.02, help="pause between commands, seconds")
    parser.add_argument("--grace", type=float, default=1.0, help="wait for stragglers after the last command")
    parser.add_argument("--service-profile", type=int, default=50, metavar="COUNT",
                        help="also time COUNT product commands in-process without sockets (0: skip)")
    parser.add_argument("--client-gc", action="store_true",
                        help="leave the clients' garbage collector on while measuring (off by default: its "
                             "full collections stall the client processes, which is harness noise)")
    parser.add_argument("--server-gc-log", action="store_true",
                        help="diagnostic: log the servers' full garbage collections during the steps "
                             "(via a sitecustomize.py on their PYTHONPATH)")
    parser.add_argument("--heartbeat-ms", default="0", metavar="MS[,MS...]",
                        help="heartbeat intervals to run each server at, 0 = none (default 0). With a non-zero "
                             "one each receiver says hello and beats every MS (the operator sets link_policy "
                             "beat_interval_ms to MS first), an idle window measures the server's CPU, and the "
                             "report is the section 'Link health: the cost of heartbeats'; e.g. 0,1000")
    parser.add_argument("--idle-s", type=float, default=None,
                        help="idle window before the steps: server CPU without commands (default 10 with "
                             "heartbeats, else 0)")
    parser.add_argument("--settle-s", type=float, default=2,
                        help="wait after the operator connects, before the idle window")
    parser.add_argument("--links-profile", type=int, default=30, metavar="REPEATS",
                        help="with heartbeats: also time the ticker's rating and `links` payload in-process "
                             "at each N (0: skip)")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="write/replace the section in this file (e.g. docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also dump raw results here")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    try:
        args.heartbeat_ms = sorted({int(s) for s in args.heartbeat_ms.split(",") if s.strip()}) or [0]
    except ValueError:
        parser.error("--heartbeat-ms: whole milliseconds, comma-separated")
    if any(hb and not 200 <= hb <= 60_000 for hb in args.heartbeat_ms):
        parser.error("--heartbeat-ms: 200 to 60000 (the policy's range), or 0")
    heartbeats = any(args.heartbeat_ms)
    if args.idle_s is None:
        args.idle_s = 10.0 if heartbeats else 0.0
    if any(s not in KINDS for s in args.servers):
        parser.error(f"--servers: choose from {', '.join(KINDS)}")
    raise_fd_limit(4 * max(args.sizes) + 1024)     # the servers inherit it

    started = time.monotonic()
    command = ".venv/bin/python bench/fanout.py " + " ".join(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # run the finally blocks: stop servers
    results = asyncio.run(main_async(args))
    profile = lprofile = None
    if heartbeats:
        if args.links_profile:
            points = next((r["points"] for r in results if r.get("points")), 8)
            lprofile = links_profile(args.sizes, max(args.heartbeat_ms), points, args.links_profile)
            if "diemcau" in args.servers:
                lprofile[0]["dispatch"] = beat_dispatch_profile(100 * args.links_profile)
        section = markdown_links(results, args, command, lprofile, started)
    else:
        if args.service_profile and "diemcau" in args.servers:
            profile = service_profile(args.service_profile)
        section = markdown(results, args, command, profile, started)
    print(section)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "service_profile": profile, "links_profile": lprofile},
                                        indent=2, ensure_ascii=False, default=str))
    if args.markdown:
        write_section(args.markdown, section, LINKS_SECTION if heartbeats else SECTION)
        print(f"[fanout] wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
