#!/usr/bin/env python3
"""Reconnect storm: N connected clients after their server is killed (-9) and restarted on the same port.

    .venv/bin/python bench/reconnect_storm.py [--clients 1000] [--servers diemcau,diemcau-threading,bare,node]
                                              [--reconnect-wait 1,20] [--down-s 0] [--listen-backlog N]
                                              [--markdown docs/benchmarks.md]

For each server (bench/fanout.py's kinds: the product under eventlet and under threading, the bare
python-socketio server, the Node.js socket.io reference installed from the npm registry at run time) a
fresh server is started and N clients connect (asyncio `socketio.AsyncClient`, websocket transport only,
split over --procs processes, ramped in batches; bench/fanout.py's process helpers) and take their
`snapshot`. Then the server is killed with SIGKILL (like a power cut: no goodbye to the clients) and,
after --down-s, started again on the same port with the same instance directory (same database, same
tokens). Every client reconnects by python-socketio's own automatic reconnection with its default
backoff (reconnection_delay 1 s, doubling up to reconnection_delay_max 5 s, each delay ± randomization_factor
0.5 s, unlimited attempts) and is resynced when a fresh `snapshot` arrives. Product clients authenticate as
the screens do: `auth={"token": <viewer's bearer token>, "event": ...}`.

How long a reconnect attempt waits for the server to accept the namespace (--reconnect-wait, each server
is run once per value): python-socketio's reconnection calls connect() with its default wait_timeout of
1 s, which it gives no way to change, so a client whose connection the server has not accepted within 1 s
gives up that attempt, disconnects and tries again after its next delay (our own Python clients, e.g.
sites/follower.py, behave so); the browsers' socket.io-client waits up to 20 s (its `timeout`). With a
value other than 1 the client class passes it as wait_timeout to the reconnection's connect() calls.

Figures, per server: the time from the restart (process start, and separately from the moment the port
accepts a TCP connection, polled every 10 ms) until the first / 50 % / 99 % / 100 % of the clients are
resynced; how many never were within --storm-timeout; connection attempts (each `connect()` call,
initial and automatic) and of the failed ones how many were refused (no server yet) or given up (not
accepted within the wait); clients that dropped again after their resync; the server's CPU time from
process start until the port accepts (its start-up) and from then until the last resync (mean and the
busiest 1 s window, in ms of CPU per s; 1000 = one core); the kernel's listen-queue overflows meanwhile.
--listen-backlog (a diagnostic) gives the eventlet servers another listen backlog than eventlet's 50.

Prints figures, never fails on them. Everything on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fanout import (EVENT, KINDS, LABEL, Server, collect, connect_batches, cpu_ms, error_notes, fmt,  # noqa: E402
                    issue_token, log_findings, machine, node_socketio, raise_fd_limit, split, start_workers,
                    stop_workers, write_section)

SECTION = "## Reconnect storm: {n} clients after a server restart"


# ---------------------------------------------------------------- client worker process

def storm_worker_main(conn, wid: int, url: str, auth: dict, n: int, batch: int, connect_timeout: float,
                      reconnect_wait: float) -> None:
    raise_fd_limit(4 * n + 256)
    try:
        asyncio.run(_storm_worker(conn, wid, url, auth, n, batch, connect_timeout, reconnect_wait))
    finally:
        conn.close()


async def _storm_worker(conn, wid, url, auth, n, batch, connect_timeout, reconnect_wait) -> None:
    import aiohttp
    import socketio

    class Client(socketio.AsyncClient):
        """Counts every connect() call (the first one and each automatic reconnection attempt) and its
        failures: `gave_up` when the namespace was not accepted within the wait (python-socketio then
        raises "Unexpected connection error"), `refused` for the rest (no server listening yet, a failed
        handshake). The reconnection passes no wait_timeout (so 1 s); another reconnect_wait is passed."""
        attempts = gave_up = refused = 0

        async def connect(self, *args, **kwargs):
            self.attempts += 1
            if reconnect_wait != 1:
                kwargs.setdefault("wait_timeout", reconnect_wait)     # the first connect() passes its own
            try:
                return await super().connect(*args, **kwargs)
            except socketio.exceptions.ConnectionError as exc:
                if str(exc) == "Unexpected connection error":
                    self.gave_up += 1
                else:
                    self.refused += 1
                raise

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    state = {"armed": False, "resynced": 0}
    clients: list = []

    def make_client():
        sio = Client(reconnection=True, handle_sigint=False, http_session=http)    # the library's backoff
        rec = {"dropped": None, "resynced": None, "drops": 0}
        got = asyncio.Event()

        def on_snapshot(_data=None):
            if not got.is_set():
                got.set()
            elif rec["dropped"] is not None and rec["resynced"] is None:
                rec["resynced"] = time.time()
                state["resynced"] += 1
                if state["resynced"] == len(clients):
                    conn.send(("all", wid, rec["resynced"]))

        def on_disconnect(*_):
            if state["armed"]:
                rec["drops"] += 1
                rec["dropped"] = rec["dropped"] or time.time()
        sio.on("snapshot", on_snapshot)
        sio.on("disconnect", on_disconnect)
        sio.rec = rec
        return sio, got

    async def connect_one(sio, got, _index):
        await asyncio.wait_for(sio.connect(url, auth=auth, transports=["websocket"],
                                           wait_timeout=connect_timeout), connect_timeout)
        await asyncio.wait_for(got.wait(), connect_timeout)

    started = time.monotonic()
    connected, failed, first_error = await connect_batches(make_client, connect_one, n, batch, connect_timeout)
    clients += connected
    # as in bench/fanout.py: a full collection over 500 clients stalls a worker for 100s of ms
    gc.collect()
    gc.freeze()
    gc.disable()
    state["armed"] = True
    conn.send(("ready", wid, len(clients), failed, time.monotonic() - started, first_error))

    while (await inbox.get())[0] != "finish":
        pass
    recs = [dict(c.rec, attempts=c.attempts, gave_up=c.gave_up, refused=c.refused, connected=c.connected)
            for c in clients]
    conn.send(("result", wid, recs))
    loop.remove_reader(conn.fileno())
    for c in clients:
        c.reconnection = False                 # leave quietly: no reconnection once the server stops
    try:
        # shutdown(): disconnects a connected client, stops a reconnecting one's attempts
        await asyncio.wait_for(asyncio.gather(*(c.shutdown() for c in clients), return_exceptions=True), 15)
    except asyncio.TimeoutError:
        pass
    await http.close()


# ---------------------------------------------------------------- coordinator

def reached(times: list[float], n: int, q: float) -> float | None:
    """When the ceil(q * n)-th client resynced (times sorted, seconds), or None if fewer did."""
    k = max(1, math.ceil(q * n))
    return times[k - 1] if k <= len(times) else None


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows,
    machine-wide: on this loopback bench, the server's)."""
    try:
        rows = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines() if line.startswith("TcpExt:")]
        return int(dict(zip(rows[0][1:], rows[1][1:]))["ListenOverflows"])
    except (OSError, IndexError, KeyError, ValueError):
        return None


async def first_accept(port: int, every: float = 0.01) -> tuple[float, float]:
    """(epoch s, monotonic s) of the first TCP connection the port accepts, polled every 10 ms (finer
    than ServerProcess.start's 0.1 s)."""
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(every)
            continue
        at = time.time(), time.monotonic()
        writer.close()
        return at


async def cpu_sampler(pid_of, samples: list, every: float = 0.1) -> None:
    """(monotonic s, server CPU ms) every `every` s, for the busiest-second figure."""
    while True:
        pid = pid_of()
        if pid:
            c = cpu_ms(pid)
            if c is not None:
                samples.append((time.monotonic(), c))
        await asyncio.sleep(every)


def busiest_second(samples: list, since: float, until: float) -> float | None:
    """The most CPU (ms) the server used in any 1 s window of [since, until] (from the 0.1 s samples)."""
    window = [(t, c) for t, c in samples if since <= t <= until]
    best = None
    j = 0
    for i, (t, c) in enumerate(window):
        while j < i and t - window[j][0] > 1.0:
            j += 1
        if t - window[j][0] >= 0.9:
            rate = (c - window[j][1]) / (t - window[j][0])
            best = rate if best is None else max(best, rate)
    return best


async def run_storm(kind: str, wait: float, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"storm-{kind}-"))
    server = Server(kind, workdir, node_modules=args.node_modules,
                    listen_backlog=args.listen_backlog if kind in ("diemcau", "bare") else None)
    n = args.clients
    procs, conns = [], []
    result = {"kind": kind, "n": n, "wait": wait}
    loop = asyncio.get_running_loop()
    samples: list = []
    sampler = probe = None
    try:
        server.start()
        rx_token = issue_token(server, "xem")
        k, shares = split(n, args.procs)
        inbox: asyncio.Queue = asyncio.Queue()
        batch = max(1, args.batch // k)
        start_workers(loop, inbox, shares, procs, conns, lambda wid, share: (
            wid, server.url, {"token": rx_token, "event": EVENT}, share, batch, args.connect_timeout, wait),
            target=storm_worker_main)
        ready = await collect(inbox, k, "ready", args.ramp_timeout)
        result["connected"] = sum(r[0] for r in ready.values())
        result["ramp_s"] = max((r[2] for r in ready.values()), default=None)
        errors = [r[3] for r in ready.values() if r[3]]
        result["connect_error"] = errors[0] if errors else None
        if len(ready) < k or not result["connected"]:
            raise RuntimeError(f"only {result['connected']} of {n} clients connected")
        await asyncio.sleep(args.settle_s)

        overflows_before = listen_overflows()
        t_kill = time.time()
        server.kill()
        await asyncio.sleep(args.down_s)
        sampler = asyncio.ensure_future(cpu_sampler(lambda: server.proc and server.proc.pid, samples))
        probe = asyncio.ensure_future(first_accept(server.port))
        t_spawn = time.time()
        await asyncio.to_thread(server.start)               # returns once the port accepts (polled every 0.1 s)
        cpu_at_accept = cpu_ms(server.proc.pid)
        t_accept, m_accept = await probe
        alls = await collect(inbox, k, "all", max(1.0, args.storm_timeout - (time.time() - t_spawn)))
        t_end, m_end = time.time(), time.monotonic()
        cpu_at_end = cpu_ms(server.proc.pid)
        overflows = listen_overflows()
        sampler.cancel()
        result.update(kill_to_spawn_s=t_spawn - t_kill, spawn_to_accept_s=t_accept - t_spawn,
                      all_resynced=len(alls) == k, startup_cpu_ms=cpu_at_accept,
                      storm_cpu_ms=(cpu_at_end - cpu_at_accept) if None not in (cpu_at_end, cpu_at_accept) else None,
                      storm_wall_s=t_end - t_accept,
                      busiest_1s_ms=busiest_second(samples, m_accept, m_end),
                      listen_overflows=overflows - overflows_before if None not in (overflows, overflows_before) else None)
        await asyncio.sleep(args.grace)     # a client dropped again right after its resync shows here

        for c in conns:
            c.send(("finish",))
        got = await collect(inbox, k, "result", 60)
        recs = [rec for r in got.values() for rec in r[0]]
        resynced = sorted(rec["resynced"] for rec in recs if rec["resynced"])
        from_spawn = [t - t_spawn for t in resynced]
        from_accept = [t - t_accept for t in resynced]
        dropped = [rec["dropped"] - t_kill for rec in recs if rec["dropped"]]
        n_live = len(recs)
        attempts = sum(rec["attempts"] for rec in recs)
        result.update(          # q = 0: the first client's
            clients=n_live, resynced=len(resynced), never=n_live - len(resynced),
            noticed_max_s=max(dropped, default=None), noticed_count=len(dropped),
            **{f"spawn_{q}": reached(from_spawn, n_live, q / 100) for q in (0, 50, 99, 100)},
            **{f"accept_{q}": reached(from_accept, n_live, q / 100) for q in (0, 50, 99, 100)},
            attempts=attempts, reconnect_attempts=attempts - n_live,
            # a successful reconnection per client that resynced; the rest of the reconnect attempts failed
            failed_attempts=attempts - n_live - len(resynced),
            gave_up=sum(rec["gave_up"] for rec in recs), refused=sum(rec["refused"] for rec in recs),
            max_attempts=max((rec["attempts"] for rec in recs), default=None),
            dropped_again=sum(1 for rec in recs if rec["drops"] > 1),
            connected_at_end=sum(1 for rec in recs if rec["connected"]))
    except Exception as exc:  # noqa: BLE001 - report and go on with the next server
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["server_log"] = server.log_tail()
    finally:
        for task in (sampler, probe):
            if task:
                task.cancel()
        stop_workers(loop, conns, procs)
        server.stop()
        log_findings(server, result)
        shutil.rmtree(workdir, ignore_errors=True)
    return result


async def main_async(args) -> list[dict]:
    results = []
    for kind, wait in [(kind, wait) for kind in args.servers for wait in args.reconnect_wait]:
        t0 = time.monotonic()
        tag = f"{kind}, reconnect attempts wait {wait:g} s"
        print(f"[storm] {tag}: {args.clients} clients …", file=sys.stderr, flush=True)
        task = asyncio.ensure_future(run_storm(kind, wait, args))
        try:
            r = await asyncio.wait_for(asyncio.shield(task), args.storm_timeout + args.ramp_timeout + 180)
        except asyncio.TimeoutError:
            task.cancel()
            try:
                await asyncio.wait_for(task, 60)
            except BaseException:  # noqa: BLE001
                pass
            r = {"kind": kind, "n": args.clients, "wait": wait, "error": "phase timeout"}
        print(f"[storm] {tag}: start→accept {fmt(r.get('spawn_to_accept_s'), 2)} s, resynced {r.get('resynced', '–')}"
              f"/{r.get('clients', '–')}, 50 % {fmt(r.get('spawn_50'), 2)} s, 100 % {fmt(r.get('spawn_100'), 2)} s "
              f"from process start, attempts {r.get('attempts', '–')} (refused {r.get('refused', '–')}, gave up "
              f"{r.get('gave_up', '–')}), "
              f"storm CPU {fmt(r.get('storm_cpu_ms'), 0)} ms, {time.monotonic() - t0:.0f} s"
              + (f" — {r['error']}" if r.get("error") else ""), file=sys.stderr, flush=True)
        results.append(r)
    return results


def wait_label(wait: float) -> str:
    return f"{wait:g} s" + (" (library)" if wait == 1 else " (as browsers)" if wait == 20 else "")


def markdown(results: list[dict], args, command: str, started: float) -> str:
    def s(v):       # a client can beat the 10 ms port probe: -0.00 is 0 within its resolution
        return "–" if v is None else f"{max(v, 0.0) if v > -0.02 else v:.2f} s"

    n = args.clients
    down = f" {args.down_s:g} s later" if args.down_s else ""
    lines = [SECTION.format(n=n), "",
             f"{n} clients (asyncio `socketio.AsyncClient`, websocket transport, over {args.procs} client "
             "processes: bench/fanout.py's harness) are connected to a fresh server and have their `snapshot`; "
             f"the server is killed with SIGKILL and{down} started again on the same port with the same instance "
             "directory. The clients reconnect by python-socketio's automatic reconnection with its default "
             "backoff (first attempt after 1 s, then 2, 4, 5, 5 … s, each ± 0.5 s at random); a client is "
             "resynced when a fresh `snapshot` arrives. The product's clients authenticate with a viewer's bearer "
             "token (`auth={token, event}`): every reconnection looks the token up and builds a full snapshot; "
             "the bare servers send `{rev}`. Listen backlog (connections the kernel queues before the server "
             "accepts them): " + (f"{args.listen_backlog} for the eventlet servers (`--listen-backlog`, a "
                                  "diagnostic through a sitecustomize.py)" if args.listen_backlog else
                                  "50 for the eventlet servers (eventlet.listen's default)")
             + ", 128 for threading (Werkzeug's), 511 for Node's http server.", "",
             "Attempt waits: how long a reconnect attempt waits for the server to accept the namespace before it "
             "gives up, disconnects and waits for its next delay. python-socketio's reconnection always waits "
             "its default 1 s (the library offers no setting; our Python clients such as sites/follower.py "
             "have it); the browsers' socket.io-client waits up to 20 s (its `timeout`), set here by passing "
             "`wait_timeout` to the reconnection's `connect()`. Each server is run once per value.", "",
             "From process start: since the new server process was spawned (it imports, migrates and loads its "
             "app first: start → port accepting). From port accepting: since a TCP connection to the port first "
             "succeeded (polled every 10 ms). Attempts: every `connect()` call (the "
             "initial ones included); of the reconnect attempts that failed, refused = no server listening yet "
             "(or a failed handshake), gave up = not accepted within the attempt's wait. Server CPU: "
             "user + system from /proc, during the start-up and from port accepting to the last resync or the "
             "timeout (1000 ms/s = one core). Listen overflows: connection attempts the kernel dropped because "
             "the server's listen queue was full (TcpExt ListenOverflows from the kill to the last resync; "
             "the client's TCP stack retries them after 1, 3, 7 … s).", "",
             f"Command: `{command}`", "",
             f"Machine: {machine()}" + (f"; {args.node_versions}" if args.node_versions else "") + ".", "",
             f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s in all.", "",
             "| server | attempt waits | connected | start → port accepting | resynced | never (in "
             f"{args.storm_timeout:g} s) | first | 50 % | 99 % | 100 % | dropped again |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {LABEL[r['kind']]} | {wait_label(r['wait'])} | {r.get('connected', '–')}/{n} | "
                     f"{s(r.get('spawn_to_accept_s'))} | {r.get('resynced', '–')} | {r.get('never', '–')} | "
                     f"{s(r.get('spawn_0'))} | {s(r.get('spawn_50'))} | {s(r.get('spawn_99'))} | "
                     f"{s(r.get('spawn_100'))} | {r.get('dropped_again', '–')} |")
    lines += ["", "From port accepting, and what the storm cost:", "",
              "| server | attempt waits | first | 50 % | 99 % | 100 % | attempts | refused / gave up | most by one client | "
              "server CPU, start-up | server CPU, storm | mean / busiest 1 s | listen overflows |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        mean = (r["storm_cpu_ms"] / r["storm_wall_s"]) if r.get("storm_cpu_ms") is not None and r.get("storm_wall_s") else None
        lines.append(f"| {LABEL[r['kind']]} | {wait_label(r['wait'])} | {s(r.get('accept_0'))} | "
                     f"{s(r.get('accept_50'))} | {s(r.get('accept_99'))} | {s(r.get('accept_100'))} | "
                     f"{r.get('attempts', '–')} | {r.get('refused', '–')} / {r.get('gave_up', '–')} | "
                     f"{r.get('max_attempts', '–')} | "
                     f"{fmt(r.get('startup_cpu_ms'), 0)} ms | {fmt(r.get('storm_cpu_ms'), 0)} ms over "
                     f"{s(r.get('storm_wall_s'))} | {fmt(mean, 0)} / {fmt(r.get('busiest_1s_ms'), 0)} ms/s | "
                     f"{r.get('listen_overflows', '–')} |")
    notes = []
    for r in results:
        label = f"{LABEL[r['kind']]}, attempts wait {r['wait']:g} s"
        notes += error_notes(r, label)
        if r.get("noticed_count") is not None and r["noticed_count"] < r.get("clients", 0):
            notes.append(f"- {label}: only {r['noticed_count']} of {r['clients']} clients noticed the kill")
        if r.get("connected_at_end") is not None and r["connected_at_end"] < r.get("clients", 0):
            notes.append(f"- {label}: {r['clients'] - r['connected_at_end']} clients not connected at the end")
    if notes:
        lines += ["", "Incidents:", "", *notes]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--servers", default=",".join(KINDS), help=f"which servers, in order (default {','.join(KINDS)})")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--batch", type=int, default=40, help="connections in flight while ramping (all processes)")
    parser.add_argument("--connect-timeout", type=float, default=20, help="initial connection, per client")
    parser.add_argument("--ramp-timeout", type=float, default=120)
    parser.add_argument("--settle-s", type=float, default=2, help="wait after the ramp, before the kill")
    parser.add_argument("--reconnect-wait", default="1,20", metavar="S[,S...]",
                        help="how long a reconnect attempt waits for the namespace, seconds; each server is run "
                             "once per value (1: python-socketio's fixed default; 20: socket.io-client's)")
    parser.add_argument("--listen-backlog", type=int, default=None,
                        help="diagnostic: give the eventlet servers' eventlet.listen() this backlog instead of "
                             "its default 50 (through a sitecustomize.py; no change to the server's code)")
    parser.add_argument("--down-s", type=float, default=0, help="wait between the kill and the restart")
    parser.add_argument("--storm-timeout", type=float, default=90,
                        help="from the restart: clients not resynced by then count as never")
    parser.add_argument("--grace", type=float, default=2, help="after the last resync, before counting")
    parser.add_argument("--markdown", type=Path, default=None, help="write/replace the section in this file")
    parser.add_argument("--json", type=Path, default=None, help="also dump raw results here")
    args = parser.parse_args()
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    try:
        args.reconnect_wait = [float(w) for w in args.reconnect_wait.split(",") if w.strip()] or [1.0]
    except ValueError:
        parser.error("--reconnect-wait: seconds, comma-separated")
    if any(s not in KINDS for s in args.servers):
        parser.error(f"--servers: choose from {', '.join(KINDS)}")
    raise_fd_limit(4 * args.clients + 1024)     # the servers inherit it
    started = time.monotonic()
    command = ".venv/bin/python bench/reconnect_storm.py " + " ".join(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # run the finally blocks: stop servers
    with node_socketio("node" in args.servers) as (args.node_modules, args.node_versions):
        results = asyncio.run(main_async(args))
    section = markdown(results, args, command, started)
    print(section)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    if args.markdown:
        write_section(args.markdown, section, SECTION.format(n=args.clients))
        print(f"[storm] wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
