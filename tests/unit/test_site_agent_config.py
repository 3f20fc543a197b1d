"""The site agent without a server: its config file's checks (each with its own message naming the file
and the key), the example config, and the core that turns show states into changes for one point."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sites.agent import (Change, ConfigError, LogOutput, OscConfig, OscOutput, PointTracker, PointView,
                         load_config, view_of)

EXAMPLE = Path(__file__).resolve().parents[2] / "sites" / "agent.example.toml"

GOOD = """
[server]
url = "http://127.0.0.1:5000/"
event = "quan9-chi-thi-05"
token = "dc_test"

[point]
code = "long-binh"
"""


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text: str, env: dict | None = None) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={} if env is None else env)
    message = str(caught.value)
    assert message.startswith(str(path)), message           # always names the file
    return message


def test_a_minimal_config_loads_with_defaults(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={})
    assert (config.url, config.event, config.token, config.point) == (
        "http://127.0.0.1:5000", "quan9-chi-thi-05", "dc_test", "long-binh")
    assert config.osc == () and config.webhooks == () and config.log is None


def test_the_example_config_is_valid(tmp_path):
    (tmp_path / "long-binh.token").write_text("dc_from_file\n")
    path = tmp_path / "agent.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(path, env={})
    assert config.token == "dc_from_file" and config.point == "long-binh"
    assert [o.prefix for o in config.osc] == ["/diemcau", "/longbinh"]
    assert config.osc[1].events == {"tally"}
    assert config.webhooks[0].headers == {"X-Diemcau-Point": "long-binh"}
    assert config.log is not None


def test_token_from_the_environment(tmp_path):
    text = GOOD.replace('token = "dc_test"\n', "")
    assert load_config(write(tmp_path, text), env={"DIEMCAU_TOKEN": " dc_env \n"}).token == "dc_env"


@pytest.mark.parametrize("text, expected", [
    ('[server\nurl = "x"', ["TOML không hợp lệ", "invalid TOML", "line 1"]),
    (GOOD.replace('url = "http://127.0.0.1:5000/"\n', ""), ["[server] url", "thiếu", "missing"]),
    (GOOD.replace('"http://127.0.0.1:5000/"', '"127.0.0.1:5000"'), ["[server] url", "http://", "must start"]),
    (GOOD.replace('event = "quan9-chi-thi-05"', "event = 9"), ["[server] event", "non-empty string"]),
    (GOOD.replace('code = "long-binh"', ""), ["[point] code", "missing"]),
    (GOOD.replace('token = "dc_test"', ""), ["[server] token", "DIEMCAU_TOKEN", "no token"]),
    (GOOD.replace('token = "dc_test"', 'token = "a"\ntoken_file = "t"'), ["[server] token", "not both"]),
    (GOOD.replace('token = "dc_test"', 'token_file = "missing.token"'), ["[server] token_file", "missing.token"]),
    (GOOD + '[[midi]]\nport = 1\n', ["[midi]", "unknown output kind"]),
    (GOOD.replace("[point]", "[point]\ncolour = 1"), ["[point] colour", "unknown key"]),
    (GOOD + '[[osc]]\nhost = "127.0.0.1"\nport = 70000\n', ["[[osc]] #1 port", "1 to 65535"]),
    (GOOD + '[[osc]]\nhost = "127.0.0.1"\nport = "9000"\n', ["[[osc]] #1 port", "an integer"]),
    (GOOD + '[[osc]]\nhost = "127.0.0.1"\n', ["[[osc]] #1 port", "an integer"]),
    (GOOD + '[[osc]]\nport = 9000\n', ["[[osc]] #1 host", "missing"]),
    (GOOD + '[[osc]]\nhost = "h"\nport = 9000\nprefix = "diemcau"\n', ["[[osc]] #1 prefix", "start with '/'"]),
    (GOOD + '[osc]\nhost = "h"\nport = 9000\n', ["[[osc]]", "array of tables"]),
    (GOOD + '[[osc]]\nhost = "h"\nport = 1\n[[osc]]\nhost = "h"\nport = 2\nevents = ["tally", "lights"]\n',
     ["[[osc]] #2 events", "'lights'"]),
    (GOOD + '[[webhook]]\nurl = "ftp://x"\n', ["[[webhook]] #1 url", "http://"]),
    (GOOD + '[[webhook]]\nurl = "http://x"\ntimeout = 0\n', ["[[webhook]] #1 timeout", "0.1 to 30"]),
    (GOOD + '[[webhook]]\nurl = "http://x"\nheaders = { X-Key = 1 }\n', ["[[webhook]] #1 headers"]),
    (GOOD + '[log]\nevents = "tally"\n', ["[log] events", "list of strings"]),
])
def test_each_bad_config_gets_its_own_message(tmp_path, text, expected):
    message = error_of(tmp_path, text)
    for part in expected:
        assert part in message, message


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="config file not found") as caught:
        load_config(tmp_path / "nowhere.toml", env={})
    assert "nowhere.toml" in str(caught.value)


# --- the core: one point's view of the show --------------------------------------------------------

POINT, OTHER = 4, 5


def state() -> dict:
    items = [{"id": 10 + i, "number": i + 1, "content": f"Mục {i + 1}", "performer": "BTC",
              "is_local_segment": i == 1,
              "local_items": [{"id": 90 + j, "content": f"Riêng {j + 1}", "performer": "Đảng ủy phường"}
                              for j in range(3)] if i == 1 else []} for i in range(3)]
    return {"rev": 0, "bridge_points": [{"id": POINT, "code": "long-binh"}, {"id": OTHER, "code": "hiep-phu"}],
            "items": items, "show": {"status": "standby", "cursor": -1}, "sites": [],
            "coord": {"tally": {"program": None, "preview": None}, "messages": []}}


def test_the_first_view_is_sent_once_for_every_watched_field():
    changes = PointTracker(POINT).start(state())
    assert [c.event for c in changes] == ["tally", "item", "status"]
    assert all(c.initial for c in changes)
    assert changes[0].view == PointView("off", "standby", None, "", "", None, None)


def test_only_watched_changes_fire():
    s = state()
    tracker = PointTracker(POINT)
    tracker.start(s)
    s["coord"]["tally"]["program"] = OTHER                  # someone else on air: nothing for us
    assert tracker.update(s) == []
    s["coord"]["tally"]["preview"] = POINT
    assert [(c.event, c.view.tally) for c in tracker.update(s)] == [("tally", "preview")]
    s["show"].update(status="running", cursor=0)
    assert [c.event for c in tracker.update(s)] == ["item", "status"]
    assert tracker.update(s) == []                          # same state again: silent


def test_during_its_local_segment_the_point_shows_its_own_item():
    s = state()
    s["show"].update(status="running", cursor=1)
    s["sites"] = [{"bridge_point_id": POINT, "segment_id": 11, "status": "running", "index": 1, "opened_at": 1}]
    view = view_of(s, POINT)
    assert (view.item_number, view.item_content, view.local_index, view.local_count) == (2, "Riêng 2", 2, 3)
    s["show"]["cursor"] = 2                                  # the main hall moves on; the ward does not
    assert view_of(s, POINT) == view
    assert view_of(s, OTHER).item_content == "Mục 3"
    s["sites"][0]["status"] = "done"
    assert view_of(s, POINT).item_content == "Mục 3"


def test_flash_and_messages_for_this_point_or_all():
    s = state()
    s["coord"]["messages"] = [{"id": 1, "bridge_point_id": None, "text": "cũ", "sent_at": 1}]
    tracker = PointTracker(POINT)
    tracker.start(s)
    s["coord"]["flash"] = {"bridge_point_id": OTHER, "at": 5}
    s["coord"]["messages"] += [{"id": 2, "bridge_point_id": OTHER, "text": "không phải", "sent_at": 2},
                               {"id": 3, "bridge_point_id": POINT, "text": "riêng", "sent_at": 3},
                               {"id": 4, "bridge_point_id": None, "text": "chung", "sent_at": 4}]
    assert [(c.event, c.detail["text"], c.detail["to_all"]) for c in tracker.update(s)] == [
        ("message", "riêng", False), ("message", "chung", True)]
    s["coord"]["flash"] = {"bridge_point_id": POINT, "at": 6}
    assert [(c.event, c.detail) for c in tracker.update(s)] == [("flash", {"at": 6})]
    assert tracker.update(copy.deepcopy(s)) == []           # the flash stays in the state: once only


def test_osc_messages_and_log_lines():
    sent = []

    class Client:                                           # stands in for SimpleUDPClient
        def send_message(self, address, args):
            sent.append((address, args))

    osc = OscOutput(OscConfig(host="127.0.0.1", port=9000, prefix="/dc"), client=Client())
    view = PointView("program", "running", 3, "Phát biểu", "", None, None)
    osc.send(Change("tally", view))
    osc.send(Change("item", view))
    assert sent == [("/dc/tally", ["program"]), ("/dc/tally/program", [1]), ("/dc/tally/preview", [0]),
                    ("/dc/item", [3, "Phát biểu"]), ("/dc/item/local", [0, 0])]
    assert LogOutput.describe(Change("tally", view)) == "Tally: ĐANG LÊN SÓNG (program)"
    assert LogOutput.describe(Change("item", view)) == "Mục 3: Phát biểu"
