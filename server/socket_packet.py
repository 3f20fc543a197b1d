"""Socket.IO packets from outside, read without ever raising: a packet that cannot be read (nested
deeper than bounded_json allows, an ack id with a NUL in it, a payload that is not JSON) becomes an
event nobody listens to, noted in one log line, instead of a traceback from inside the library. The
socket that sent it stays connected; other screens never notice."""
from __future__ import annotations

import logging

from socketio import packet

from . import bounded_json

log = logging.getLogger(__name__)
UNREADABLE = "unreadable_packet"        # no handler listens to it


class SocketPacket(packet.Packet):
    json = bounded_json

    def decode(self, encoded_packet):
        try:
            return super().decode(encoded_packet)
        except (ValueError, TypeError, IndexError) as exc:        # bounded_json.TooDeep is a ValueError
            log.warning("refused an unreadable Socket.IO packet (%s): %.80r", exc, encoded_packet)
            self.packet_type, self.namespace, self.id, self.data = packet.EVENT, None, None, [UNREADABLE]
            return 0
