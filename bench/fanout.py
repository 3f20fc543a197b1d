#!/usr/bin/env python3
"""Step fan-out latency: from an accepted command to its receipt at N connected clients.

    .venv/bin/python bench/fanout.py --sizes 30,300,1000,3000 --steps 50 [--markdown docs/benchmarks.md]

For each N and each server (--servers, in this order by default) -- the product under eventlet
(`python -m server serve --async-mode eventlet`, demo event, SQLite in a fresh temporary instance), the
product under threading (`--async-mode threading`), bench/bare_server.py (python-socketio under eventlet
that only broadcasts: the library's own floor) and bench/node_server.js (the same bare server on Node.js
socket.io 4, the reference; socket.io is installed from the npm registry into a temporary folder at run
time, nothing of it is committed) -- a fresh server is started, N receiving clients connect (asyncio
`socketio.AsyncClient`, websocket transport only, split over --procs processes, ramped in batches) and
wait for their `snapshot`; one more client, the operator, then sends `--warmup` + `--steps` commands one
after another, each once every receiver has the previous patch (or after --step-timeout).

Memory per connected client (section "Memory per connected client", from the same phases): the server's
VmRSS (/proc/<pid>/status) with no client, after one short-lived receiver connected, took its snapshot and
left (the first connection's one-off costs: lazy imports, caches, pools), and again --rss-settle-s after
all N receivers have their snapshot; (RSS_N - RSS_0) / N.

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
import contextlib
import gc
import json
import math
import multiprocessing as mp
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.deployment import sticky_header  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402  (one way to start a server, shared with the tests)

EVENT = "quan9-chi-thi-05"
KINDS = ("diemcau", "diemcau-threading", "bare", "node")
LABEL = {"diemcau": "Điểm Cầu (eventlet)", "diemcau-threading": "Điểm Cầu (threading)",
         "bare": "bare python-socketio", "node": "Node.js socket.io"}
SERVER_NOTE = {
    "diemcau": "`python -m server serve --async-mode eventlet`, demo event, SQLite",
    "diemcau-threading": "`--async-mode threading`: Werkzeug's threaded server, a thread per connection",
    "bare": "bench/bare_server.py: python-socketio under eventlet that only broadcasts, the library's own floor",
    "node": "bench/node_server.js: the same bare server on Node.js socket.io, the reference",
}
NODE_PACKAGE = "socket.io@4"           # the reference, from the npm registry at run time
SECTION = "## Step fan-out latency"
MEMORY_SECTION = "## Memory per connected client"
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


def proc_status(pid: int, field: str) -> int | None:
    """A number from /proc/<pid>/status (Linux), e.g. VmRSS (KiB) or Threads."""
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith(field + ":"))
        return int(line.split()[1])
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def rss_kib(pid: int) -> int | None:
    """Resident set size of a process, KiB."""
    return proc_status(pid, "VmRSS")


def _summed(values: list) -> float | None:
    return sum(values) if values and None not in values else None


def server_cpu_ms(server) -> float | None:
    """User + system CPU of every process of the server (several for a deployment of workers)."""
    return _summed([cpu_ms(pid) for pid in server.pids])


def server_rss_kib(server) -> int | None:
    return _summed([rss_kib(pid) for pid in server.pids])


def server_threads(server) -> int | None:
    return _summed([proc_status(pid, "Threads") for pid in server.pids])


def issue_token(server, username: str) -> str:
    """A bearer token for a demo login, issued into the server's database (SQLite or PostgreSQL) by
    the product's own command; the bare servers take any."""
    if not getattr(server, "product", True):
        return "bare"
    out = subprocess.run(
        [sys.executable, "-m", "server", "issue-token", username, "--name", "bench",
         "--database-url", server.database_url],
        cwd=ROOT, env=dict(os.environ, DIEMCAU_INSTANCE=str(server.instance)),
        capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip().splitlines()[-1]


def exceptions(log: str) -> list[list]:
    """[count, exception line] of the tracebacks in a server's log, most frequent first."""
    found = Counter(line.strip()[:200] for line in log.splitlines()
                    if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Timeout|Exit)\w*(:|$)", line))
    return [[count, line] for line, count in found.most_common()]


def log_findings(server, result: dict) -> None:
    """Once the server has stopped: the tracebacks in its whole log (count, the first, their exception lines)."""
    log = server.log_tail(1 << 30)
    if "Traceback" in log:
        result["server_tracebacks"] = log.count("Traceback")
        result["server_log"] = log[log.index("Traceback"):][:3000]
        result["server_exceptions"] = exceptions(log)


@contextlib.contextmanager
def node_socketio(wanted: bool = True):
    """socket.io@4 installed from the npm registry into a temporary folder for this run only (nothing of
    node_modules is committed): yields (node_modules, "Node.js vX, socket.io Y"), or (None, None)."""
    if not wanted:
        yield None, None
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-node-"))
    try:
        print(f"[bench] npm install {NODE_PACKAGE} into {folder} …", file=sys.stderr, flush=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error",
                        NODE_PACKAGE], cwd=folder, check=True, timeout=300, stdout=subprocess.DEVNULL)
        modules = folder / "node_modules"
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
        version = json.loads((modules / "socket.io" / "package.json").read_text())["version"]
        yield modules, f"Node.js {node}, socket.io {version}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
_backlog = os.environ.get("BENCH_LISTEN_BACKLOG")
if _backlog:
    import eventlet, eventlet.convenience as _conv
    _listen = _conv.listen
    def _listen_with_backlog(addr, family=2, backlog=50, **kw):
        return _listen(addr, family, int(_backlog), **kw)
    _conv.listen = eventlet.listen = _listen_with_backlog
"""


class Server(ServerProcess):
    """One fresh server process of a kind (KINDS) in its own temporary directory; a given port restarts
    one where its clients expect it. The Node reference needs node_modules (from node_socketio()).

    Diagnostics through a sitecustomize.py on PYTHONPATH (no change to the server's code): with gc_log it
    logs the server's full (generation 2) garbage collections, wall time and pause; with listen_backlog
    an eventlet server's eventlet.listen() gets that backlog instead of its default 50."""

    def __init__(self, kind: str, workdir: Path, gc_log: bool = False, port: int | None = None,
                 node_modules: Path | None = None, listen_backlog: int | None = None):
        super().__init__(workdir, port=port)
        self.kind, self.workdir = kind, workdir
        self.gc_log = workdir / "gc2.log" if gc_log else None
        self.node_modules = node_modules
        if listen_backlog and kind not in ("diemcau", "bare"):
            raise ValueError("listen_backlog: only the eventlet servers (diemcau, bare)")
        self.listen_backlog = listen_backlog
        if kind == "node" and not node_modules:
            raise ValueError("the node server needs node_modules with socket.io (node_socketio())")

    @property
    def product(self) -> bool:
        return self.kind.startswith("diemcau")

    def command(self) -> list[str]:
        if self.product:
            # --max-connections stays at the runner's default (10 000): above every N here
            return [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--async-mode", "threading" if self.kind == "diemcau-threading" else "eventlet"]
        if self.kind == "node":
            return ["node", str(ROOT / "bench" / "node_server.js"), "--port", str(self.port)]
        return [sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(self.port)]

    def environment(self) -> dict:
        env = super().environment()
        if self.node_modules:
            env["NODE_PATH"] = str(self.node_modules)
        if self.gc_log or self.listen_backlog:
            probe = self.workdir / "gcprobe"
            probe.mkdir(exist_ok=True)
            (probe / "sitecustomize.py").write_text(GC_PROBE)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(probe), env.get("PYTHONPATH")]))
        if self.gc_log:
            env["FANOUT_GC_LOG"] = str(self.gc_log)
        if self.listen_backlog:
            env["BENCH_LISTEN_BACKLOG"] = str(self.listen_backlog)
        return env

    def gc_pauses(self, since: float, until: float) -> list[float]:
        if not self.gc_log or not self.gc_log.exists():
            return []
        rows = [line.split() for line in self.gc_log.read_text().splitlines() if line.strip()]
        return [float(ms) for at, ms in rows if since <= float(at) <= until]



# ---------------------------------------------------------------- client worker process

def start_workers(loop, inbox: asyncio.Queue, shares, procs, conns, worker_args, target=None,
                  on_message=None) -> None:
    """One client process per share (target, by default worker_main, its other arguments from
    worker_args(wid, share)), spawned; its messages go to inbox, or to on_message(msg) when that returns
    True. Appended to procs and conns, which stop_workers takes down."""
    ctx = mp.get_context("spawn")

    def on_readable(c):
        try:
            msg = c.recv()
        except (EOFError, OSError):
            loop.remove_reader(c.fileno())
            return
        if not (on_message and on_message(msg)):
            inbox.put_nowait(msg)

    for wid, share in enumerate(shares):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=target or worker_main, daemon=True, args=(child, *worker_args(wid, share)))
        p.start()
        child.close()
        procs.append(p)
        conns.append(parent)
        loop.add_reader(parent.fileno(), on_readable, parent)


def split(n: int, procs: int) -> tuple[int, list[int]]:
    """n clients over at most `procs` client processes: (how many processes, each one's share)."""
    k = max(1, min(procs, n))
    return k, [n // k + (1 if i < n % k else 0) for i in range(k)]


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


async def connect_batches(make_client, connect_one, n: int, batch: int, connect_timeout: float,
                          ramp_timeout: float | None = None) -> tuple[list, int, str | None]:
    """Connect n clients, `batch` at a time: make_client() -> (sio, got); connect_one(sio, got, i) for the
    i-th. Returns the connected ones, how many failed (or were not tried by ramp_timeout), the first error."""
    clients: list = []
    started = time.monotonic()
    failed, first_error = 0, None
    for start in range(0, n, batch):
        if ramp_timeout is not None and time.monotonic() - started > ramp_timeout:
            failed += n - start
            first_error = first_error or f"ramp timeout after {start} clients"
            break
        group = [make_client() for _ in range(min(batch, n - start))]
        results = await asyncio.gather(*(connect_one(s, g, start + j) for j, (s, g) in enumerate(group)),
                                       return_exceptions=True)
        for (sio, _got), result in zip(group, results):
            if isinstance(result, BaseException):
                try:                       # a half-open attempt must not linger as a connection
                    await asyncio.wait_for(sio.disconnect(), 2)
                except BaseException:  # noqa: BLE001
                    pass
                failed += 1
                first_error = first_error or (f"{type(result).__name__}: "
                                              f"{str(result) or f'no snapshot within {connect_timeout:g} s'}")
            else:
                clients.append(sio)
    return clients, failed, first_error


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
            # each client its own sticky value, so that nginx spreads them over the workers
            await sio.connect(url, auth=auth, headers=sticky_header(), transports=["websocket"],
                              wait_timeout=connect_timeout)
            await got.wait()
            if heartbeat_ms:
                await introduce(sio, sio.snap, index)
        await asyncio.wait_for(attempt(), connect_timeout)
        state["live"] += 1
        connected_at.append(time.time())

    started = time.monotonic()
    connected, failed, first_error = await connect_batches(
        make_client, lambda sio, got, i: connect_one(sio, got, first_index + i), n, batch, connect_timeout,
        ramp_timeout)
    clients += connected
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


async def warm_up(url: str, auth: dict, timeout: float) -> None:
    """One short-lived receiver: connect, take the snapshot, leave. The first connection's one-off costs
    (lazy imports, caches, pools) then sit in the idle RSS, not in the per-client figure."""
    import socketio

    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    snap = asyncio.get_running_loop().create_future()
    sio.on("snapshot", lambda data: snap.done() or snap.set_result(data))
    try:
        await asyncio.wait_for(sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=timeout), timeout)
        await asyncio.wait_for(snap, timeout)
    finally:
        await sio.disconnect()


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


async def run_phase(kind: str, n: int, args, hb: int = 0, make_server=None) -> dict:
    """One phase against a fresh server of `kind`, or the one `make_server(workdir)` gives (a product
    server; bench/workers.py passes deployments of several workers behind nginx)."""
    import socketio

    workdir = Path(tempfile.mkdtemp(prefix=f"fanout-{kind}-{n}-"))
    server = make_server(workdir) if make_server else \
        Server(kind, workdir, gc_log=args.server_gc_log, node_modules=args.node_modules)
    product = getattr(server, "product", True)
    procs, conns, op = [], [], None
    result = {"kind": kind, "n": n, "hb": hb}
    loop = asyncio.get_running_loop()
    try:
        t0 = time.monotonic()
        server.start()
        op_token, rx_token = issue_token(server, "dieuhanh"), issue_token(server, "xem")
        result["start_s"] = time.monotonic() - t0
        if hb and product:
            await set_link_policy(server.url, op_token, hb, args.connect_timeout)
        await warm_up(server.url, {"token": rx_token, "event": EVENT}, args.connect_timeout)
        await asyncio.sleep(args.rss_settle_s)
        result["rss0_kib"] = server_rss_kib(server)

        k, shares = split(n, args.procs)
        inbox: asyncio.Queue = asyncio.Queue()
        done = defaultdict(set)
        done_event = defaultdict(asyncio.Event)

        def on_done(msg) -> bool:
            if msg[0] != "done":
                return False
            done[msg[2]].add(msg[1])
            if len(done[msg[2]]) == k:
                done_event[msg[2]].set()
            return True

        batch = max(1, args.batch // k)
        start_workers(loop, inbox, shares, procs, conns, on_message=on_done, worker_args=lambda wid, share: (
            wid, server.url, {"token": rx_token, "event": EVENT}, share, batch, args.connect_timeout,
            args.ramp_timeout, not args.client_gc, hb, sum(shares[:wid])))

        ready = await collect(inbox, k, "ready", args.ramp_timeout + 60)
        result["connected"] = sum(r[0] for r in ready.values())
        result["connect_failed"] = n - result["connected"]
        result["ramp_s"] = max((r[2] for r in ready.values()), default=None)
        errors = [r[3] for r in ready.values() if r[3]]
        result["connect_error"] = errors[0] if errors else None
        await asyncio.sleep(args.rss_settle_s)
        result["rss_kib"] = server_rss_kib(server)
        result["threads"] = server_threads(server)

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
            cpu0, ccpu0 = server_cpu_ms(server), sum(cpu_ms(p.pid) or 0 for p in procs)
            await asyncio.sleep(args.idle_s)
            cpu1, ccpu1 = server_cpu_ms(server), sum(cpu_ms(p.pid) or 0 for p in procs)
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
                cpu_server = server_cpu_ms(server)
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
            result["server_cpu_ms_per_step"] = ((server_cpu_ms(server) or 0) - cpu_server) / steps_done
            result["clients_cpu_ms_per_step"] = (sum(cpu_ms(p.pid) or 0 for p in procs) - cpu_clients) / steps_done
            result["steps_wall_s"] = time.monotonic() - phase_started
            if getattr(server, "gc_log", None) and kind != "node":       # the probe is Python's
                pauses = server.gc_pauses(steps_wall_from, time.time())
                result["server_gc2"] = {"count": len(pauses), "max_ms": max(pauses, default=None),
                                        "total_ms": round(sum(pauses), 1)}
        await asyncio.sleep(args.grace)
        result["rss_after_steps_kib"] = server_rss_kib(server)

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
        if getattr(server, "gc_log", None) and "idle_window" in result:
            # full collections in the idle window: [seconds into it (at their end), pause ms]
            since, until = result["idle_window"]
            rows = [line.split() for line in server.gc_log.read_text().splitlines() if line.strip()] \
                if server.gc_log.exists() else []
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
        if server.exited() and "error" not in result:
            result["error"] = server.exited()
            result["server_log"] = server.log_tail()
        server.stop()
        log_findings(server, result)
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


def ratio(a, b) -> str:
    return "–" if a is None or not b else f"×{a / b:.2f}"


def error_notes(r: dict, label: str, keys=("error", "connect_error")) -> list[str]:
    """The incident lines every benchmark writes: its errors, and the tracebacks in the server's log."""
    notes = [f"- {label}: {key.replace('_', ' ')}: {r[key]}" for key in keys if r.get(key)]
    if r.get("server_tracebacks"):
        notes.append(f"- {label}: {r['server_tracebacks']} tracebacks in the server log; its exception lines "
                     "(chained ones too) are: "
                     + "; ".join(f"{count} × `{line}`" for count, line in r.get("server_exceptions", [])[:3]))
    return notes


def command_notes(r: dict, label: str, args) -> list[str]:
    notes = []
    if r.get("command_error_count"):
        notes.append(f"- {label}: {r['command_error_count']} refused commands, e.g. {r['command_errors'][0]}")
    if r.get("step_timeouts"):
        notes.append(f"- {label}: {r['step_timeouts']} steps hit the {args.step_timeout:g} s step timeout")
    return notes


def incidents(results: list[dict], args) -> list[str]:
    notes = []
    for r in results:
        label = f"{LABEL[r['kind']]}, N={r['n']}"
        notes += error_notes(r, label)
        if r.get("connect_failed"):
            notes.append(f"- {label}: {r['connect_failed']} of {r['n']} receivers did not connect")
        notes += command_notes(r, label, args)
        if r.get("disconnects"):
            notes.append(f"- {label}: {r['disconnects']} receivers were disconnected after their snapshot "
                         "(during the ramp or the steps)")
    return notes


def markdown(results: list[dict], args, command: str, profile: dict | None, started: float) -> str:
    by = {(r["kind"], r["n"]): r for r in results}
    gc_cols = any("server_gc2" in r for r in results)
    kinds = [k for k in KINDS if k in args.servers]

    def gc_cell(g):
        return " – |" if not g else f" {g['count']}, max {fmt(g['max_ms'])} ms |"

    sizes = sorted({r["n"] for r in results})
    lines = [SECTION, "",
             "Latency from an accepted command to its receipt at N connected clients, side by side in one run "
             "with the same clients: " + ", ".join(f"{LABEL[k]} ({SERVER_NOTE[k]})" for k in kinds) + ". "
             "Latency = receiver's `time.time()` in its `patch` handler − the patch's `server_time` (the "
             "server's clock at acceptance, whole ms; same machine). "
             f"{args.steps} commands per phase after {args.warmup} warm-up ones, each sent once all N have "
             "the previous patch; the command is `goto` alternating items 0 and 1 (each an accepted change "
             "of the shared cursor; the bare servers just bump a revision). Receivers: asyncio "
             "`socketio.AsyncClient`, websocket transport, "
             f"over {args.procs} client processes on the same machine; one more connection is the operator. "
             "Fresh server and instance directory per phase."
             + (f" Reference: {args.node_versions}, installed from the npm registry into a temporary folder at "
                "run time." if args.node_versions else ""), "",
             "The receivers share the machine's CPUs with the server, so at large N the absolute figures "
             "include the clients' own queueing (see clients CPU / step); the ratios compare servers under the "
             "same load. The client processes' garbage collector is frozen and off while measuring (its full "
             "collections were harness noise); the servers' is untouched (`--server-gc-log` logs the Python "
             "servers' full collections). ÷ Node and ÷ bare: this row's p50 (p99) divided by the Node.js "
             "reference's (the bare python-socketio server's) at the same N; only where both had all N "
             "receivers connected (a phase that connected fewer measured fewer receivers).", "",
             f"Command: `{command}`", "",
             f"Machine: {machine()}" + (f"; {args.node_versions}" if args.node_versions else "") + ".", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s in all.", "",
             "| N | server | connected | p50 | p99 | max | missed | p50 ÷ Node | p99 ÷ Node | p50 ÷ bare | p99 ÷ bare |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    def whole(r):           # ratios only between phases where all N connected
        return r if r.get("connected") == r.get("n") else {}

    for n in sizes:
        node, bare = whole(by.get(("node", n), {})), whole(by.get(("bare", n), {}))
        for kind in kinds:
            r = by.get((kind, n))
            if not r:
                continue
            w = whole(r)
            lines.append(
                f"| {n} | {LABEL[kind]} | {r.get('connected', '–')}/{n} | {fmt(r.get('p50'))} ms | "
                f"{fmt(r.get('p99'))} ms | {fmt(r.get('max'))} ms | {r.get('missed', '–')} | "
                f"{ratio(w.get('p50'), node.get('p50'))} | {ratio(w.get('p99'), node.get('p99'))} | "
                f"{ratio(w.get('p50'), bare.get('p50'))} | {ratio(w.get('p99'), bare.get('p99'))} |"
                + (" *error, see below* |" if r.get("error") and r.get("p50") is None else ""))
    ours = [(n, whole(by.get(("diemcau", n), {})), whole(by.get(("node", n), {})), whole(by.get(("bare", n), {})))
            for n in sizes]
    if any(a.get("p50") and (b.get("p50") or c.get("p50")) for _n, a, b, c in ours):
        lines += ["", f"{LABEL['diemcau']} against the references, p50 / p99: "
                  + "; ".join(f"N = {n}: ÷ Node {ratio(a.get('p50'), b.get('p50'))} / {ratio(a.get('p99'), b.get('p99'))}, "
                              f"÷ bare {ratio(a.get('p50'), c.get('p50'))} / {ratio(a.get('p99'), c.get('p99'))}"
                              for n, a, b, c in ours) + "."]
    lines += ["", "Per phase:", "",
              "| N | server | receipts | ramp | ack RTT p50 | send→last receipt p50 | "
              "server CPU / step | clients CPU / step | patch size |" + (" server full GCs |" if gc_cols else ""),
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|" + ("---|" if gc_cols else "")]
    for n in sizes:
        for kind in kinds:
            r = by.get((kind, n))
            if not r:
                continue
            lines.append(
                f"| {n} | {LABEL[kind]} | {r.get('receipts', '–')}/{r.get('expected', '–')} | "
                f"{fmt(r.get('ramp_s'))} s | {fmt(r.get('ack_p50'))} ms | {fmt(r.get('step_p50'))} ms | "
                f"{fmt(r.get('server_cpu_ms_per_step'))} ms | {fmt(r.get('clients_cpu_ms_per_step'))} ms | "
                f"{r.get('patch_bytes', '–')} B |" + (gc_cell(r.get("server_gc2")) if gc_cols else ""))
    notes = incidents(results, args)
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


def markdown_memory(results: list[dict], args, command: str, started: float) -> str:
    """The section "Memory per connected client", from the fan-out phases' RSS samples."""
    by = {(r["kind"], r["n"]): r for r in results}
    kinds = [k for k in KINDS if k in args.servers]
    sizes = sorted({r["n"] for r in results})

    def per_client(r):      # only where all N connected: otherwise the RSS holds the failed ones' leftovers
        if r.get("rss_kib") is None or r.get("rss0_kib") is None or r.get("connected") != r["n"]:
            return None
        return (r["rss_kib"] - r["rss0_kib"]) / r["connected"]

    lines = [MEMORY_SECTION, "",
             "Resident memory of the server process per connected client, from the phases of the fan-out run "
             f"above (same command, same run). RSS = VmRSS from /proc/<pid>/status. Idle: the fresh server after "
             f"one short-lived receiver connected, took its snapshot and left (the first connection's one-off "
             f"costs), {args.rss_settle_s:g} s later. With N: {args.rss_settle_s:g} s after all N receivers "
             "(websocket, snapshot received) are connected, before the operator and the steps; after the steps: "
             "once the steps are done, still with N. Per client = (RSS with N − RSS idle) / N connected. The "
             "Python servers' garbage collector runs when it likes, and freed memory is not always returned to "
             "the system, so this is what a server needs to hold N clients, garbage of the connect burst "
             "included. Threads: the server process's threads with N connected (/proc). Where not all N "
             "connected, no per-client figure.", "",
             f"Command: `{command}`", "",
             f"Machine: {machine()}" + (f"; {args.node_versions}" if args.node_versions else "") + ".", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}.", "",
             "| N | server | connected | RSS idle | RSS with N | RSS after the steps | per client | ÷ Node | threads |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        node = per_client(by.get(("node", n), {}))
        for kind in kinds:
            r = by.get((kind, n))
            if not r:
                continue
            pc = per_client(r)

            def mib(key):
                return "–" if r.get(key) is None else f"{r[key] / 1024:.1f} MiB"
            lines.append(f"| {n} | {LABEL[kind]} | {r.get('connected', '–')}/{n} | {mib('rss0_kib')} | "
                         f"{mib('rss_kib')} | {mib('rss_after_steps_kib')} | "
                         f"{'–' if pc is None else f'{pc:.1f} KiB'} | {ratio(pc, node)} | "
                         f"{r.get('threads', '–')} |")
    errors = [f"- {LABEL[r['kind']]}, N={r['n']}: {r['error']}" for r in results if r.get("error")]
    if errors:
        lines += ["", "Phases that did not finish (their RSS, if any, is from before the failure):", "", *errors]
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
        notes += error_notes(r, label, ("error", "connect_error", "first_hello_error", "operator_hello_error"))
        if r.get("hello_errors"):
            notes.append(f"- {label}: {r['hello_errors']} refused `hello`s")
        if r.get("hb") and r.get("beat_intervals") and r["beat_intervals"] != [r["hb"]]:
            notes.append(f"- {label}: the receivers beat every {r['beat_intervals']} ms (from their snapshot)")
        for window in ("beats_idle", "beats_steps"):
            if (r.get(window) or {}).get("unanswered"):
                notes.append(f"- {label}: {r[window]['unanswered']} heartbeats unanswered ({window[6:]})")
        notes += command_notes(r, label, args)
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
            if r.get("rss_kib") and r.get("rss0_kib"):
                extra += f", RSS {r['rss0_kib'] / 1024:.0f} → {r['rss_kib'] / 1024:.0f} MiB"
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,300,1000,3000",
                        help="numbers of receiving clients (default 30,300,1000,3000)")
    parser.add_argument("--steps", type=int, default=50, help="measured commands per phase")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured commands first")
    parser.add_argument("--servers", default=",".join(KINDS),
                        help=f"which servers, in order (default {','.join(KINDS)}; node installs {NODE_PACKAGE} "
                             "from the npm registry into a temporary folder)")
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
    parser.add_argument("--rss-settle-s", type=float, default=1.0,
                        help="wait before each RSS sample (idle after the warm-up connection, and with N)")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="write/replace the sections in this file (e.g. docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also dump raw results here")
    args = parser.parse_args(argv)
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
    args.node_modules = args.node_versions = None          # main() fills them when Node runs
    return args


def main() -> None:
    args = parse_args()
    heartbeats = any(args.heartbeat_ms)
    raise_fd_limit(4 * max(args.sizes) + 1024)     # the servers inherit it

    started = time.monotonic()
    command = ".venv/bin/python bench/fanout.py " + " ".join(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # run the finally blocks: stop servers
    with node_socketio("node" in args.servers) as (args.node_modules, args.node_versions):
        results = asyncio.run(main_async(args))
    profile = lprofile = None
    if heartbeats:
        if args.links_profile:
            points = next((r["points"] for r in results if r.get("points")), 8)
            lprofile = links_profile(args.sizes, max(args.heartbeat_ms), points, args.links_profile)
            if any(k.startswith("diemcau") for k in args.servers):
                lprofile[0]["dispatch"] = beat_dispatch_profile(100 * args.links_profile)
        section = markdown_links(results, args, command, lprofile, started)
    else:
        if args.service_profile and any(k.startswith("diemcau") for k in args.servers):
            profile = service_profile(args.service_profile)
        section = markdown(results, args, command, profile, started)
    print(section)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "service_profile": profile, "links_profile": lprofile},
                                        indent=2, ensure_ascii=False, default=str))
    memory = None if heartbeats else markdown_memory(results, args, command, started)
    if memory:
        print(memory)
    if args.markdown:
        write_section(args.markdown, section, LINKS_SECTION if heartbeats else SECTION)
        if memory:
            write_section(args.markdown, memory, MEMORY_SECTION)
        print(f"[fanout] wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
