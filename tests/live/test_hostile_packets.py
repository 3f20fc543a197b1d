"""Hostile Socket.IO packets against a real server: one nested thousands deep, one whose ack id carries
a NUL, one that is not JSON. Each is dropped, the socket that sent it keeps working, the other screens
never notice, and the server's log has no traceback."""
from __future__ import annotations

import pytest
import socketio

from server.demo import SLUG
from tests.live.checkin_helpers import ServerData

pytestmark = pytest.mark.live


def test_unreadable_packets_are_dropped_without_a_traceback(live_server):
    data = ServerData.of(live_server)
    token = data.token("dieuhanh")
    sender, watcher = socketio.Client(), socketio.Client()
    try:
        for client in (sender, watcher):
            client.connect(live_server.url, auth={"token": token, "event": SLUG}, transports=["websocket"])
        deep: list = []
        level = deep
        for _ in range(200):
            level.append([])
            level = level[0]
        with pytest.raises(socketio.exceptions.TimeoutError):      # dropped: no answer, nothing done
            sender.call("command", {"action": "go", "expected_rev": 0, "args": {"x": deep}}, timeout=2)
        sender.eio.send('21\x002["command",{"action":"go","expected_rev":0}]')      # NUL after the ack id
        sender.eio.send('22["command", {not json')
        # GO on the revision before any of them: accepted, so none of them moved the show
        ack = sender.call("command", {"action": "go", "expected_rev": 0}, timeout=10)
        assert ack["ok"], ack
        assert watcher.call("command", {"action": "pause", "expected_rev": ack["rev"]}, timeout=10)["ok"]
    finally:
        for client in (sender, watcher):
            client.disconnect()
        data.close()
    log = live_server.log_tail(200_000)
    assert "Traceback" not in log
    assert log.count("refused an unreadable Socket.IO packet") == 3
