"""The library's own floor: a bare python-socketio server under eventlet that only broadcasts.

    python bench/bare_server.py --port 5001

Same stack and engine settings as `diemcau serve --async-mode eventlet` (python-socketio Server,
eventlet.wsgi.server on eventlet.listen, TCP_NODELAY on the listener, a pool of --max-connections green
threads instead of eventlet's default 1024, ping 10 s / 10 s), none of the product:
no Flask, no auth, no database. Every client joins one room and gets a tiny `snapshot` on connect
(so a harness can wait for it as it does with the product); on each `command` event the server takes
the next revision and immediately broadcasts `patch` {"rev": n, "server_time": epoch_ms} to the room,
then acks {"ok": true, "rev": n}. `server_time` is truncated to whole milliseconds like the product's.
`hello` and `heartbeat` are acked and otherwise ignored (no link health), so a harness can send the
bare server the same heartbeat traffic as the product (bench/fanout.py --heartbeat-ms).
"""
from __future__ import annotations

import argparse
import warnings

warnings.filterwarnings("ignore", message=".*Eventlet is deprecated.*")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import socket  # noqa: E402
import time  # noqa: E402

import eventlet.wsgi  # noqa: E402
import socketio  # noqa: E402

ROOM = "event:bare"


def make_server() -> socketio.Server:
    sio = socketio.Server(async_mode="eventlet", ping_interval=10, ping_timeout=10,
                          max_http_buffer_size=1_000_000)
    state = {"rev": 0}

    @sio.event
    def connect(sid, environ, auth=None):
        sio.enter_room(sid, ROOM)
        sio.emit("snapshot", {"rev": state["rev"]}, to=sid)

    @sio.on("command")
    def command(sid, payload=None):
        state["rev"] += 1
        rev = state["rev"]
        sio.emit("patch", {"rev": rev, "server_time": int(time.time() * 1000)}, to=ROOM)
        return {"ok": True, "rev": rev}

    @sio.on("hello")
    def hello(sid, payload=None):
        return {"ok": True, "screen_id": None}

    @sio.on("heartbeat")
    def heartbeat(sid, payload=None):
        seq = payload.get("seq") if isinstance(payload, dict) else None
        return {"ok": True, "seq": seq, "state": None}

    return sio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--max-connections", type=int, default=10000,
                        help="green threads in the pool: every open websocket holds one (as diemcau serve)")
    args = parser.parse_args()
    app = socketio.WSGIApp(make_server())
    print(f"bare python-socketio server on http://{args.host}:{args.port}", flush=True)
    listener = eventlet.listen((args.host, args.port))
    # as the product's runner: an ack written right after a patch leaves at once, not after a delayed ACK
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    eventlet.wsgi.server(listener, app, max_size=args.max_connections, log_output=False)


if __name__ == "__main__":
    main()
