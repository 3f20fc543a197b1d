"""Site agent (tác tử điểm cầu): follows the show and one bridge point's tally from the point's PC and
fires outputs on each change — HTTP webhooks and OSC messages for a vision mixer or a tally light.

    diemcau agent agent.toml          (or: python -m sites.agent agent.toml)

Three layers, each testable alone:
  * config   — `load_config()` reads and checks the TOML file (stdlib `tomllib`);
  * core     — `PointTracker` turns successive show states into `Change`s for one point;
  * outputs  — `OscOutput`, `WebhookOutput`, `LogOutput` turn a `Change` into messages.
`Agent` wires them to a `ShowFollower`. See docs/site-agent.md and sites/agent.example.toml.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pythonosc.udp_client import SimpleUDPClient

from sites.follower import ShowFollower, site_cursor

log = logging.getLogger("diemcau.agent")

TOKEN_ENV = "DIEMCAU_TOKEN"
EVENTS = ("tally", "item", "status", "flash", "message")   # what an output can subscribe to
DEFAULT_PREFIX = "/diemcau"


# --- config ----------------------------------------------------------------------------------------

class ConfigError(Exception):
    """A config problem, always naming the file and the key, in Vietnamese then English."""

    def __init__(self, path: Path | str, key: str, vi: str, en: str):
        self.path, self.key = str(path), key
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(f"{where}{vi} / {en}")


@dataclass(frozen=True)
class OscConfig:
    host: str
    port: int
    prefix: str = DEFAULT_PREFIX
    events: frozenset[str] = frozenset(EVENTS)


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    events: frozenset[str] = frozenset(EVENTS)
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 3.0
    retries: int = 2


@dataclass(frozen=True)
class LogConfig:
    events: frozenset[str] = frozenset(EVENTS)


@dataclass(frozen=True)
class AgentConfig:
    path: Path
    url: str
    event: str
    token: str
    point: str                    # the bridge point's code, e.g. "long-binh"
    name: str                     # how the control room lists this agent
    osc: tuple[OscConfig, ...] = ()
    webhooks: tuple[WebhookConfig, ...] = ()
    log: LogConfig | None = None


# Keys allowed in each table: a typo is reported rather than silently ignored.
_KEYS = {
    "server": {"url", "event", "token", "token_file"},
    "point": {"code", "name"},
    "osc": {"host", "port", "prefix", "events"},
    "webhook": {"url", "events", "headers", "timeout", "retries"},
    "log": {"events"},
}


class _Reader:
    """Typed access to one table of the file, with errors that say where."""

    def __init__(self, path: Path, table: dict, kind: str, label: str | None = None):
        self.path, self.table, self.label = path, table, label or f"[{kind}]"
        unknown = sorted(set(table) - _KEYS[kind])
        if unknown:
            self.fail(unknown[0], f"khóa không hợp lệ (dùng: {', '.join(sorted(_KEYS[kind]))})", "unknown key")

    def fail(self, key: str, vi: str, en: str):
        raise ConfigError(self.path, f"{self.label} {key}", vi, en)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.table.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "phải là một chuỗi không rỗng", "must be a non-empty string")
        return value.strip()

    def required_text(self, key: str) -> str:
        if key not in self.table:
            self.fail(key, "thiếu (bắt buộc)", "missing (required)")
        return self.text(key)

    def url(self, key: str) -> str:
        value = self.required_text(key)
        if not value.startswith(("http://", "https://")):
            self.fail(key, f"phải bắt đầu bằng http:// hoặc https:// (đang là {value!r})",
                      "must start with http:// or https://")
        return value.rstrip("/")

    def events(self) -> frozenset[str]:
        value = self.table.get("events", list(EVENTS))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail("events", "phải là danh sách chuỗi", "must be a list of strings")
        unknown = [v for v in value if v not in EVENTS]
        if unknown:
            self.fail("events", f"sự kiện không hợp lệ {unknown[0]!r} (dùng: {', '.join(EVENTS)})",
                      f"unknown event {unknown[0]!r}")
        return frozenset(value)

    def number(self, key: str, default, low, high, whole: bool = False):
        value = self.table.get(key, default)
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            kind_vi, kind_en = ("số nguyên", "an integer") if whole else ("số", "a number")
            self.fail(key, f"phải là {kind_vi} từ {low} đến {high} (đang là {value!r})",
                      f"must be {kind_en} from {low} to {high}")
        return value


def load_config(path: str | Path, env: dict | None = None) -> AgentConfig:
    path = Path(path)
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "", "không tìm thấy tệp cấu hình", "config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"không đọc được tệp cấu hình ({exc})", "cannot read config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"TOML không hợp lệ: {exc}", "invalid TOML") from None

    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(path, f"[{unknown[0]}]",
                          "không biết loại đầu ra hay mục này (dùng: server, point, osc, webhook, log)",
                          "unknown output kind or section")
    for name in ("server", "point", "log"):
        if name in raw and not isinstance(raw[name], dict):
            raise ConfigError(path, f"[{name}]", "phải là một bảng [" + name + "]", "must be a table")
    for name in ("osc", "webhook"):
        if name in raw and not (isinstance(raw[name], list) and all(isinstance(t, dict) for t in raw[name])):
            raise ConfigError(path, f"[[{name}]]", f"phải viết là [[{name}]] (có thể lặp lại)",
                              f"must be an array of tables [[{name}]]")

    server = _Reader(path, raw.get("server", {}), "server")
    point = _Reader(path, raw.get("point", {}), "point")
    url = server.url("url")
    event = server.required_text("event")
    code = point.required_text("code")

    osc = []
    for i, table in enumerate(raw.get("osc", [])):
        r = _Reader(path, table, "osc", f"[[osc]] #{i + 1}")
        prefix = r.text("prefix", DEFAULT_PREFIX).rstrip("/")
        if not prefix.startswith("/") or any(c in prefix for c in " #*,?[]{}"):
            r.fail("prefix", "phải bắt đầu bằng '/' và không có khoảng trắng hay # * , ? [ ] { }",
                   "must start with '/' and contain no spaces or OSC pattern characters")
        osc.append(OscConfig(host=r.required_text("host"), port=r.number("port", None, 1, 65535, whole=True),
                             prefix=prefix, events=r.events()))
    hooks = []
    for i, table in enumerate(raw.get("webhook", [])):
        r = _Reader(path, table, "webhook", f"[[webhook]] #{i + 1}")
        headers = table.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            r.fail("headers", "phải là bảng tên = \"giá trị\"", "must be a table of name = \"value\" strings")
        hooks.append(WebhookConfig(url=r.url("url"), events=r.events(), headers=dict(headers),
                                   timeout=r.number("timeout", 3.0, 0.1, 30),
                                   retries=r.number("retries", 2, 0, 10, whole=True)))
    log_config = LogConfig(events=_Reader(path, raw["log"], "log").events()) if "log" in raw else None

    return AgentConfig(path=path, url=url, event=event, token=_token(path, server, env), point=code,
                       name=point.text("name", f"Tác tử {code}"), osc=tuple(osc), webhooks=tuple(hooks),
                       log=log_config)


def _token(path: Path, server: _Reader, env) -> str:
    """From the file, a token file next to it, or the environment: a token in the file is easy to
    leak (commit, screenshot), so the example uses token_file and the docs say so."""
    if "token" in server.table and "token_file" in server.table:
        server.fail("token", "chỉ dùng một trong token hoặc token_file", "use either token or token_file, not both")
    if "token" in server.table:
        return server.text("token")
    if "token_file" in server.table:
        token_path = path.parent / server.text("token_file")
        try:
            token = token_path.read_text(encoding="utf-8").strip()
        except OSError:
            server.fail("token_file", f"không đọc được tệp {token_path}", f"cannot read {token_path}")
        if not token:
            server.fail("token_file", f"tệp {token_path} rỗng", f"{token_path} is empty")
        return token
    if env.get(TOKEN_ENV, "").strip():
        return env[TOKEN_ENV].strip()
    server.fail("token", f"thiếu mã truy cập: đặt token_file hoặc biến môi trường {TOKEN_ENV}",
                f"no token: set token_file or the {TOKEN_ENV} environment variable")


# --- core: what this point sees, and what changed -----------------------------------------------------

@dataclass(frozen=True)
class PointView:
    tally: str                    # "program" (on air) | "preview" (standby) | "off"
    status: str                   # the show: standby | running | paused | ended
    item_number: int | None       # the programme item's number (1-based); None before GO / after the end
    item_content: str
    performer: str
    local_index: int | None       # 1-based local item during this point's local segment, else None
    local_count: int | None

    def to_dict(self) -> dict:
        return asdict(self)


# Which view fields each event watches: an output hears of a change only when these move.
WATCHED = {
    "tally": ("tally",),
    "item": ("item_number", "item_content", "local_index"),
    "status": ("status",),
}


@dataclass(frozen=True)
class Change:
    event: str                    # one of EVENTS
    view: PointView
    detail: dict | None = None    # flash: {at}; message: {id, text, sent_at, to_all}
    initial: bool = False         # the first view after start


def view_of(state: dict, point_id: int) -> PointView:
    """The same choice as static/js/site.js: during this point's running local segment its own local
    item, otherwise the shared programme's current item."""
    tally = state["coord"]["tally"]
    status = state["show"]["status"]
    tally_state = "program" if tally["program"] == point_id else "preview" if tally["preview"] == point_id else "off"
    cursor = site_cursor(state, point_id)
    if cursor and cursor["status"] == "running":
        segment = next((i for i in state["items"] if i["id"] == cursor["segment_id"]), None)
        if segment and 0 <= cursor["index"] < len(segment["local_items"]):
            local = segment["local_items"][cursor["index"]]
            return PointView(tally_state, status, segment["number"], local["content"], local["performer"] or "",
                             cursor["index"] + 1, len(segment["local_items"]))
    index = state["show"]["cursor"]
    items = state["items"]
    if status in ("running", "paused") and 0 <= index < len(items):
        item = items[index]
        return PointView(tally_state, status, item["number"], item["content"], item["performer"] or "", None, None)
    return PointView(tally_state, status, None, "", "", None, None)


def _flash_key(state: dict):
    flash = state["coord"].get("flash")
    return (flash["bridge_point_id"], flash["at"]) if flash else None


class PointTracker:
    """Turns successive states of the show into the changes one point cares about.

    Works on whole states, not on patches: the follower may call back after several patches at once
    (python-socketio handles each message in its own thread), so the latest state is the truth and
    quick successive changes coalesce into the last one. A flash stays in state["coord"]["flash"]
    after its patch, which is why it is recognised by its (point, at)."""

    def __init__(self, point_id: int):
        self.point_id = point_id
        self.view: PointView | None = None
        self.flash_key = None
        self.message_id = 0

    def start(self, state: dict) -> list[Change]:
        self.view = view_of(state, self.point_id)
        self.flash_key = _flash_key(state)
        self.message_id = max((m["id"] for m in state["coord"]["messages"]), default=0)
        return [Change(event, self.view, initial=True) for event in WATCHED]

    def update(self, state: dict) -> list[Change]:
        view = view_of(state, self.point_id)
        changes = [Change(event, view) for event, fields in WATCHED.items()
                   if any(getattr(view, f) != getattr(self.view, f) for f in fields)]
        self.view = view
        key = _flash_key(state)
        if key and key != self.flash_key and key[0] == self.point_id:
            changes.append(Change("flash", view, {"at": key[1]}))
        self.flash_key = key or self.flash_key
        # Messages sent while the link was down arrive with the reconnect snapshot: still new.
        for message in sorted(state["coord"]["messages"], key=lambda m: m["id"]):
            if message["id"] <= self.message_id:
                continue
            self.message_id = message["id"]
            if message["bridge_point_id"] in (None, self.point_id):
                changes.append(Change("message", view, {"id": message["id"], "text": message["text"],
                                                        "sent_at": message["sent_at"],
                                                        "to_all": message["bridge_point_id"] is None}))
        return changes


# --- outputs ---------------------------------------------------------------------------------------

class OscOutput:
    """OSC over UDP. Tally lights want ints, mixers' scripts like strings: both are sent."""

    def __init__(self, config: OscConfig, client=None):
        self.config, self.events = config, config.events
        self.name = f"OSC {config.host}:{config.port}"
        self.client = client or SimpleUDPClient(config.host, config.port)

    def messages(self, change: Change) -> list[tuple[str, list]]:
        p, view = self.config.prefix, change.view
        if change.event == "tally":
            return [(f"{p}/tally", [view.tally]),
                    (f"{p}/tally/program", [int(view.tally == "program")]),
                    (f"{p}/tally/preview", [int(view.tally == "preview")])]
        if change.event == "item":
            return [(f"{p}/item", [view.item_number or 0, view.item_content]),
                    (f"{p}/item/local", [view.local_index or 0, view.local_count or 0])]
        if change.event == "status":
            return [(f"{p}/status", [view.status])]
        if change.event == "flash":
            return [(f"{p}/flash", [1])]
        if change.event == "message":
            return [(f"{p}/message", [change.detail["text"]])]
        return []

    def send(self, change: Change) -> None:
        for address, args in self.messages(change):
            self.client.send_message(address, args)

    def close(self) -> None:
        pass


class WebhookOutput:
    """POSTs JSON from its own worker thread, in order: a slow or dead receiver must never hold up the
    socket thread (nor the other outputs)."""

    QUEUE_LIMIT = 200

    def __init__(self, config: WebhookConfig, point: dict):
        self.config, self.events, self.point = config, config.events, point
        self.name = f"webhook {config.url}"
        self._queue: queue.Queue = queue.Queue(self.QUEUE_LIMIT)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def payload(self, change: Change) -> dict:
        body = {"event": change.event, "point": self.point["code"], "kind": self.point["kind"],
                "view": change.view.to_dict(), "at": int(time.time() * 1000), "initial": change.initial}
        if change.detail is not None:
            body[change.event] = change.detail
        return body

    def send(self, change: Change) -> None:
        body = self.payload(change)
        try:
            self._queue.put_nowait(body)
        except queue.Full:                 # receiver down for a long time: the oldest news matters least
            self._queue.get_nowait()
            self._queue.put_nowait(body)
            log.warning("%s: hàng đợi đầy, bỏ tin cũ nhất / queue full, dropped the oldest", self.name)

    def _run(self) -> None:
        while True:
            body = self._queue.get()
            if body is None:
                return
            self._post(body)

    def _post(self, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "diemcau-agent",
                   **self.config.headers}
        for attempt in range(self.config.retries + 1):
            request = urllib.request.Request(self.config.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:         # the receiver refuses this request: trying again won't help
                    log.error("%s: %s bị từ chối (HTTP %s) / rejected", self.name, body["event"], exc.code)
                    return
                problem = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:    # refused, timed out, unreachable, bad answer
                problem = str(exc)
            log.warning("%s: gửi %s lỗi (lần %d): %s / post failed", self.name, body["event"], attempt + 1, problem)
            if self._closing.wait(0.5 * 2 ** attempt):
                break
        log.error("%s: bỏ qua %s sau %d lần thử / gave up", self.name, body["event"], attempt + 1)

    def close(self, timeout: float = 5) -> None:
        """Lets queued posts go out (without retry pauses) for up to `timeout` seconds."""
        self._closing.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(timeout)


TALLY_VI = {"program": "ĐANG LÊN SÓNG (program)", "preview": "chờ lên sóng (preview)", "off": "tắt (off)"}
STATUS_VI = {"standby": "chờ bắt đầu", "running": "đang chạy", "paused": "tạm dừng", "ended": "đã kết thúc"}


class LogOutput:
    """Prints each change in Vietnamese: a technician watching the agent's window sees what it sends."""

    name = "log"

    def __init__(self, config: LogConfig):
        self.events = config.events

    @staticmethod
    def describe(change: Change) -> str:
        view = change.view
        if change.event == "tally":
            return f"Tally: {TALLY_VI[view.tally]}"
        if change.event == "item":
            if view.item_number is None:
                return "Mục: không có mục nào đang chạy"
            if view.local_index:
                return f"Phần riêng {view.local_index}/{view.local_count} (mục {view.item_number}): {view.item_content}"
            return f"Mục {view.item_number}: {view.item_content}"
        if change.event == "status":
            return f"Chương trình: {STATUS_VI.get(view.status, view.status)} ({view.status})"
        if change.event == "flash":
            return "Phòng điều hành nháy đèn gọi điểm cầu này (flash)"
        if change.event == "message":
            return ("Tin nhắn chung: " if change.detail["to_all"] else "Tin nhắn: ") + change.detail["text"]
        return change.event

    def send(self, change: Change) -> None:
        log.info("%s", self.describe(change))

    def close(self) -> None:
        pass


# --- the agent -----------------------------------------------------------------------------------------

class AgentError(Exception):
    """The agent cannot run as configured (server unreachable, token refused, point not allowed)."""


class Agent:
    """Follows the show for one point and feeds every output. start() / stop(), or run() until Ctrl-C."""

    def __init__(self, config: AgentConfig, outputs: list | None = None):
        self.config = config
        self.outputs = outputs
        self.follower = ShowFollower(config.url, config.event, config.token, name=config.name, page="agent",
                                     point_code=config.point, on_refused=self._refused)
        self.follower.on_change = self._on_change
        self.point: dict | None = None
        self.tracker: PointTracker | None = None
        self.error: str | None = None
        self.stopped = threading.Event()
        self._lock = threading.Lock()      # one change at a time, in order, to every output
        self._snapshots = 0

    def start(self, timeout: float = 15) -> "Agent":
        cfg = self.config
        try:
            self.follower.connect(timeout)
        except Exception as exc:
            reason = str(self.follower.connect_error or exc).rstrip(".")
            raise self._fail(f"Không kết nối được {cfg.url} (hội nghị {cfg.event!r}): {reason}. Kiểm tra địa chỉ, "
                             f"mạng và mã truy cập. / Cannot connect to {cfg.url}: check the address, the "
                             f"network and the token.", stop=True) from None
        try:
            self.follower.wait_for(lambda f: f.hello_ack is not None, timeout)
        except TimeoutError:
            raise self._fail(f"Máy chủ không trả lời lời chào của tác tử điểm cầu {cfg.point!r}. / The server did "
                             f"not answer the agent's hello for point {cfg.point!r}.", stop=True) from None
        if not self.follower.hello_ack.get("ok"):
            raise self._fail(self._refusal_text(self.follower.hello_ack), stop=True)
        with self._lock:
            state = self.follower.snapshot_copy()
            self.point = next(p for p in state["bridge_points"] if p["code"] == cfg.point)
            self._snapshots = self.follower.snapshots
            self.tracker = PointTracker(self.point["id"])
            if self.outputs is None:
                self.outputs = self._build_outputs()
            log.info("Tác tử đang theo dõi %s (%s) tại %s / agent running", self.point["name"], cfg.point, cfg.url)
            self._emit(self.tracker.start(state))
        return self

    def _build_outputs(self) -> list:
        outputs: list = [LogOutput(self.config.log)] if self.config.log else []
        for osc in self.config.osc:
            try:
                outputs.append(OscOutput(osc))
            except OSError as exc:         # an unknown host name fails here, at once
                raise self._fail(f"Không dùng được đích OSC {osc.host}:{osc.port}: {exc} / bad OSC target",
                                 stop=True) from None
        outputs += [WebhookOutput(hook, self.point) for hook in self.config.webhooks]
        return outputs

    def _on_change(self, follower: ShowFollower) -> None:
        with self._lock:
            if self.tracker is None or self.stopped.is_set():
                return                     # before start() took the first view, or after stop()
            if follower.snapshots != self._snapshots:
                self._snapshots = follower.snapshots
                log.info("Đã đồng bộ lại với máy chủ / resynchronised with the server")
            self._emit(self.tracker.update(follower.snapshot_copy()))

    def _emit(self, changes: list[Change]) -> None:
        for change in changes:
            for output in self.outputs:
                if change.event not in output.events:
                    continue
                try:
                    output.send(change)
                except Exception as exc:   # one broken output must not silence the others or the agent
                    log.error("%s: không gửi được %s: %s / send failed", output.name, change.event, exc)

    def _refusal_text(self, ack: dict | None) -> str:
        error = (ack or {}).get("error") or {}
        point = self.config.point
        if error.get("code") == "unknown_point":
            codes = ", ".join(p["code"] for p in self.follower.state["bridge_points"])
            return (f"Điểm cầu {point!r} không có trong hội nghị {self.config.event!r} (có: {codes}). Sửa [point] code "
                    f"trong {self.config.path}. / Bridge point {point!r} is not in this event.")
        reason = error.get("message", "")
        return (f"Máy chủ từ chối tác tử cho điểm cầu {point!r}: {reason}. Mã truy cập phải thuộc tài khoản kỹ "
                f"thuật của chính điểm cầu này (diemcau issue-token kt-{point}). / The server refused the agent "
                f"for bridge point {point!r}: the token must belong to that point's technician (or an operator).")

    def _refused(self, ack: dict | None) -> None:
        """Refused on a reconnect (say, the account was moved to another point): stop loudly. The first
        refusal, during start(), is raised from there."""
        if self.tracker is not None:
            self._fail(self._refusal_text(ack))
            threading.Thread(target=self.stop, daemon=True).start()   # not from the socket's own thread

    def _fail(self, message: str, stop: bool = False) -> AgentError:
        self.error = message
        log.error("%s", message)
        if stop:                           # a failed start leaves nothing connected behind
            self.stop()
        return AgentError(message)

    def stop(self) -> None:
        self.stopped.set()
        try:
            self.follower.disconnect()
        except Exception:
            pass
        for output in self.outputs or []:
            output.close()

    def run(self) -> int:
        """Start, then follow until Ctrl-C or a fatal refusal. Returns the process exit code."""
        try:
            self.start()
            while not self.stopped.wait(1):
                pass
        except AgentError:
            return 1
        except KeyboardInterrupt:
            log.info("Dừng tác tử / stopping")
        finally:
            self.stop()
        return 1 if self.error else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="diemcau agent",
                                     description="Tác tử điểm cầu: theo dõi chương trình và tally, phát OSC / webhook")
    parser.add_argument("config", help="tệp cấu hình TOML (xem sites/agent.example.toml)")
    parser.add_argument("--check", action="store_true", help="chỉ kiểm tra tệp cấu hình rồi thoát")
    parser.add_argument("-v", "--verbose", action="store_true", help="in cả thông tin gỡ lỗi")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"Lỗi cấu hình / config error: {exc}", file=sys.stderr)
        sys.exit(2)
    if args.check:
        print(f"Cấu hình hợp lệ / config OK: {config.point} @ {config.url} ({config.event}); "
              f"{len(config.osc)} OSC, {len(config.webhooks)} webhook, log: {'có' if config.log else 'không'}")
        return
    sys.exit(Agent(config).run())


if __name__ == "__main__":
    main()
