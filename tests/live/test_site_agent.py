"""The site agent against a real server, received by a real OSC server and a real HTTP server on
loopback: what a vision mixer or a tally light at the long-binh point would get."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer

from sites.agent import Agent, AgentError, load_config

pytestmark = pytest.mark.live

EVENT = "quan9-chi-thi-05"
TIMEOUT = 15


class Inbox:
    """What a receiver got, in arrival order, and a way to wait for it without sleeping."""

    def __init__(self):
        self.items: list = []
        self._cond = threading.Condition()

    def add(self, item) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, predicate, what: str):
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.items), TIMEOUT):
                raise AssertionError(f"not received: {what}; got {self.items}")
            return list(self.items)


@pytest.fixture
def osc_inbox():
    inbox = Inbox()
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(lambda address, *args: inbox.add((address, list(args))))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.port = server.server_address[1]
    yield inbox
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_inbox():
    """Answers 500 to the very first POST (the agent must try again), 204 afterwards."""
    inbox = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
            first = not inbox.items
            inbox.add({"path": self.path, "headers": dict(self.headers), "body": body, "refused": first})
            self.send_response(500 if first else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield inbox
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_agent(live_server, tokens, tmp_path):
    """run_agent(extra_toml, user=..., point=...) -> a started Agent reading a TOML file in tmp_path."""
    agents: list[Agent] = []

    def start(extra: str = "", user: str = "kt-long-binh", point: str = "long-binh", token: str = "") -> Agent:
        (tmp_path / "agent.token").write_text((token or tokens[user]) + "\n")
        path = tmp_path / "agent.toml"
        path.write_text(f'[server]\nurl = "{live_server.url}"\nevent = "{EVENT}"\ntoken_file = "agent.token"\n'
                        f'[point]\ncode = "{point}"\nname = "Tác tử thử"\n{extra}', encoding="utf-8")
        agent = Agent(load_config(path, env={}))
        agents.append(agent)
        return agent.start()

    yield start
    for agent in agents:
        agent.stop()


def ok(ack: dict) -> dict:
    assert ack and ack["ok"], ack
    return ack


def at(address: str):
    return lambda items: [args for a, args in items if a == address]


def test_osc_follows_tally_flash_and_the_programme(run_agent, follow, osc_inbox):
    run_agent(f'[[osc]]\nhost = "127.0.0.1"\nport = {osc_inbox.port}\n')
    op = follow("dieuhanh")
    me, other = op.point_id("long-binh"), op.point_id("hiep-phu")
    tally, program, preview = at("/diemcau/tally"), at("/diemcau/tally/program"), at("/diemcau/tally/preview")

    def tally_round(n: int, what: str):
        """n-th tally change fully received (the string and both ints) before the next command."""
        osc_inbox.wait_for(lambda m: len(tally(m)) >= n and len(program(m)) >= n and len(preview(m)) >= n, what)

    tally_round(1, "the initial tally")                          # the view at start
    ok(op.command("tally_preview", {"bridge_point_id": me}))
    tally_round(2, "preview")
    ok(op.command("tally_program", {"bridge_point_id": me}))
    tally_round(3, "program")
    ok(op.command("tally_program", {"bridge_point_id": other}))
    items = osc_inbox.wait_for(lambda m: len(tally(m)) >= 4 and len(preview(m)) >= 4, "off")
    assert tally(items) == [["off"], ["preview"], ["program"], ["off"]]
    assert program(items) == [[0], [0], [1], [0]]
    assert preview(items) == [[0], [1], [0], [0]]
    assert at("/diemcau/status")(items) == [["standby"]]
    assert at("/diemcau/item")(items) == [[0, ""]]

    ok(op.command("flash", {"bridge_point_id": other}))           # not ours: nothing ...
    ok(op.command("flash", {"bridge_point_id": me}))
    items = osc_inbox.wait_for(lambda m: at("/diemcau/flash")(m), "flash")
    assert at("/diemcau/flash")(items) == [[1]]                   # ... so exactly one flash

    ok(op.command("go"))
    first = op.state["items"][0]
    items = osc_inbox.wait_for(lambda m: len(at("/diemcau/item")(m)) >= 2, "item 1")
    assert at("/diemcau/item")(items)[-1] == [1, first["content"]]
    items = osc_inbox.wait_for(lambda m: len(at("/diemcau/status")(m)) >= 2, "running")
    assert at("/diemcau/status")(items)[-1] == ["running"]


def test_webhook_posts_json_and_retries(run_agent, follow, http_inbox):
    agent = run_agent(f'[[webhook]]\nurl = "{http_inbox.url}"\nevents = ["tally", "message"]\ntimeout = 2\n'
                      f'[webhook.headers]\nX-Diemcau-Key = "bi-mat"\n')
    op = follow("dieuhanh")
    me = op.point_id("long-binh")

    def delivered(items):
        return [r["body"] for r in items if not r["refused"]]

    # The first POST (the initial tally) is refused with a 500: the agent sends it again.
    items = http_inbox.wait_for(lambda m: len(delivered(m)) >= 1, "the initial tally, retried")
    assert items[0]["body"] == items[1]["body"]
    initial = items[1]
    assert initial["path"] == "/hook" and initial["headers"]["X-Diemcau-Key"] == "bi-mat"
    assert initial["headers"]["Content-Type"].startswith("application/json")
    assert initial["body"]["event"] == "tally" and initial["body"]["initial"] is True

    ok(op.command("tally_program", {"bridge_point_id": me}))
    tally = delivered(http_inbox.wait_for(lambda m: len(delivered(m)) >= 2, "tally"))[1]
    ok(op.command("go"))                                            # "item" is filtered out for this hook
    ok(op.command("message", {"bridge_point_id": None, "text": "Chuẩn bị lên sóng sau 1 phút"}))
    bodies = delivered(http_inbox.wait_for(lambda m: len(delivered(m)) >= 3, "message"))
    message = bodies[2]
    assert set(tally) == {"event", "point", "kind", "view", "at", "initial"}
    assert (tally["event"], tally["point"], tally["kind"], tally["initial"]) == ("tally", "long-binh", "ward", False)
    assert tally["view"] == {"tally": "program", "status": "standby", "item_number": None, "item_content": "",
                             "performer": "", "local_index": None, "local_count": None}
    assert isinstance(tally["at"], int)
    assert message["event"] == "message"
    assert message["message"]["text"] == "Chuẩn bị lên sóng sau 1 phút" and message["message"]["to_all"] is True
    assert message["view"]["item_number"] == 1                     # the go came first: the view has it
    assert [b["event"] for b in bodies] == ["tally", "tally", "message"]   # and no "item" post
    assert agent.error is None


def test_a_token_for_another_point_is_refused_loudly(run_agent, caplog):
    caplog.set_level(logging.ERROR, logger="diemcau.agent")
    with pytest.raises(AgentError) as caught:
        run_agent(user="kt-hiep-phu", point="long-binh")
    assert "'long-binh'" in str(caught.value) and "refused" in str(caught.value)
    assert any("long-binh" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_an_unknown_point_code_is_named(run_agent):
    with pytest.raises(AgentError, match="'long-binh-x' không có trong hội nghị"):
        run_agent(point="long-binh-x")


def test_a_bad_token_gets_the_servers_reason(run_agent):
    with pytest.raises(AgentError, match="mã truy cập không hợp lệ"):
        run_agent(token="dc_not-a-real-token")
