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

def worker_main(conn, wid: int, url: str, auth: dict, n: int, batch: int, connect_timeout: float,
                ramp_timeout: float, freeze_gc: bool) -> None:
    raise_fd_limit(4 * n + 256)
    try:
        asyncio.run(_worker(conn, wid, url, auth, n, batch, connect_timeout, ramp_timeout, freeze_gc))
    finally:
        conn.close()


async def _worker(conn, wid, url, auth, n, batch, connect_timeout, ramp_timeout, freeze_gc) -> None:
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

    def make_client():
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=http)
        got = asyncio.Event()
        sio.on("snapshot", lambda data: got.set())
        sio.on("patch", on_patch)

        def on_disconnect(*_):
            if got.is_set():
                state["live"] -= 1
                state["disconnects"] += 1
        sio.on("disconnect", on_disconnect)
        return sio, got

    async def connect_one(sio, got):
        async def attempt():
            await sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=connect_timeout)
            await got.wait()
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
        results = await asyncio.gather(*(connect_one(s, g) for s, g in group), return_exceptions=True)
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
    lat = [v for rev in measured for v in latencies.get(rev, ())]
    counts = {rev: len(latencies.get(rev, ())) for rev in measured}
    conn.send(("result", wid, {"latencies": lat, "counts": counts, "clients": len(clients),
                               "per_rev": {rev: latencies.get(rev, []) for rev in measured},
                               "disconnects": state["disconnects"],
                               "connected_first": min(connected_at, default=None),
                               "connected_last": max(connected_at, default=None),
                               "gc2_pauses_ms": gc_pauses}))
    loop.remove_reader(conn.fileno())
    try:
        await asyncio.wait_for(asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True), 15)
    except asyncio.TimeoutError:
        pass
    await http.close()


# ---------------------------------------------------------------- coordinator

async def run_phase(kind: str, n: int, args) -> dict:
    import socketio

    workdir = Path(tempfile.mkdtemp(prefix=f"fanout-{kind}-{n}-"))
    server = Server(kind, workdir, gc_log=args.server_gc_log)
    procs, conns, op = [], [], None
    result = {"kind": kind, "n": n}
    loop = asyncio.get_running_loop()
    try:
        t0 = time.monotonic()
        server.start()
        op_token, rx_token = server.token("dieuhanh"), server.token("xem")
        result["start_s"] = time.monotonic() - t0

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
        for wid, share in enumerate(shares):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=worker_main, daemon=True,
                            args=(child, wid, server.url, {"token": rx_token, "event": EVENT}, share, batch,
                                  args.connect_timeout, args.ramp_timeout, not args.client_gc))
            p.start()
            child.close()
            procs.append(p)
            conns.append(parent)
            loop.add_reader(parent.fileno(), on_readable, parent)

        async def collect(tag: str, timeout: float) -> dict:
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

        ready = await collect("ready", args.ramp_timeout + 60)
        result["connected"] = sum(r[0] for r in ready.values())
        result["connect_failed"] = n - result["connected"]
        result["ramp_s"] = max((r[2] for r in ready.values()), default=None)
        errors = [r[3] for r in ready.values() if r[3]]
        result["connect_error"] = errors[0] if errors else None

        # the operator: one more connection, not counted among the N receivers
        op = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        snap: asyncio.Future = loop.create_future()
        sample: dict = {}
        op.on("snapshot", lambda data: snap.done() or snap.set_result(data))
        op.on("patch", lambda data: sample.setdefault("patch", data))
        try:
            await asyncio.wait_for(op.connect(server.url, auth={"token": op_token, "event": EVENT},
                                              transports=["websocket"], wait_timeout=args.connect_timeout),
                                   args.connect_timeout)
            rev = (await asyncio.wait_for(snap, args.connect_timeout))["rev"]
        except (asyncio.TimeoutError, socketio.exceptions.ConnectionError) as exc:
            raise RuntimeError(f"the operator could not connect after {result['connected']} receivers "
                               f"({type(exc).__name__}: {exc})") from None

        sent_at: dict[int, float] = {}
        measured, acks, step_ms, cmd_errors, timeouts = [], [], [], [], 0
        cpu_server = cpu_clients = None
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
        results = await collect("result", 60)
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


def write_section(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
        text = text.replace(section + "## ", section + "\n## ")
    path.write_text(text)


async def main_async(args) -> list[dict]:
    results = []
    for n in args.sizes:
        for kind in args.servers:
            t0 = time.monotonic()
            print(f"[fanout] N={n} {kind} …", file=sys.stderr, flush=True)
            task = asyncio.ensure_future(run_phase(kind, n, args))
            try:
                r = await asyncio.wait_for(asyncio.shield(task), args.phase_timeout)
            except asyncio.TimeoutError:
                task.cancel()
                try:
                    await asyncio.wait_for(task, 60)     # its finally stops the server and the clients
                except BaseException:  # noqa: BLE001
                    pass
                r = {"kind": kind, "n": n, "error": f"phase timeout ({args.phase_timeout:g} s)"}
            print(f"[fanout] N={n} {kind}: p50 {fmt(r.get('p50'))} ms, p99 {fmt(r.get('p99'))} ms, "
                  f"max {fmt(r.get('max'))} ms, missed {r.get('missed', '–')}, connected {r.get('connected', '–')}, "
                  f"ramp {fmt(r.get('ramp_s'))} s, {time.monotonic() - t0:.0f} s"
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
    parser.add_argument("--markdown", type=Path, default=None,
                        help="write/replace the section in this file (e.g. docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also dump raw results here")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if any(s not in KINDS for s in args.servers):
        parser.error(f"--servers: choose from {', '.join(KINDS)}")
    raise_fd_limit(4 * max(args.sizes) + 1024)     # the servers inherit it

    started = time.monotonic()
    command = ".venv/bin/python bench/fanout.py " + " ".join(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # run the finally blocks: stop servers
    results = asyncio.run(main_async(args))
    profile = service_profile(args.service_profile) if args.service_profile and "diemcau" in args.servers else None
    section = markdown(results, args, command, profile, started)
    print(section)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "service_profile": profile}, indent=2,
                                        ensure_ascii=False))
    if args.markdown:
        write_section(args.markdown, section)
        print(f"[fanout] wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
