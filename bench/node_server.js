// The reference: a bare Node.js socket.io server that behaves like bench/bare_server.py.
//
//     NODE_PATH=<dir>/node_modules node bench/node_server.js --port 5002
//
// bench/fanout.py installs socket.io@4 from the npm registry into a temporary folder at run time and
// points NODE_PATH at it (nothing of node_modules is committed). Same engine settings as the Python
// servers (ping 10 s / 10 s, 1 MB buffer; websocket transport, polling too); none of a product. Every
// client joins one room and gets a tiny `snapshot` {rev} on connect; on `command` the server takes the
// next revision, broadcasts `patch` {rev, server_time: epoch ms} to the room, then acks {ok: true, rev}.
// `hello` and `heartbeat` are acked and otherwise ignored.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const host = arg("--host", "127.0.0.1");
const port = parseInt(arg("--port", "5002"), 10);
const ROOM = "event:bare";

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: 10000,
  pingTimeout: 10000,
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
});

let rev = 0;
// the ack is the last argument when the client asked for one (with or without a payload)
const ack = (args, value) => {
  const fn = args[args.length - 1];
  if (typeof fn === "function") fn(value);
};

io.on("connection", (socket) => {
  socket.join(ROOM);
  socket.emit("snapshot", { rev });
  socket.on("command", (...args) => {
    rev += 1;
    io.to(ROOM).emit("patch", { rev, server_time: Date.now() });
    ack(args, { ok: true, rev });
  });
  socket.on("hello", (...args) => ack(args, { ok: true, screen_id: null }));
  socket.on("heartbeat", (...args) => {
    const payload = args[0];
    ack(args, { ok: true, seq: payload && typeof payload === "object" ? payload.seq ?? null : null, state: null });
  });
});

httpServer.listen(port, host, () => {
  console.log(`node socket.io ${require("socket.io/package.json").version} on http://${host}:${port}`);
});
