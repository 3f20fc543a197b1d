"""Extension objects, bound to the app in create_app (no async mode chosen here: the runner does)."""
from flask_babel import Babel
from flask_socketio import SocketIO

from . import bounded_json
from .socket_packet import SocketPacket

# Every packet's payload is bounded before it is parsed, and one that cannot be read is dropped quietly.
socketio = SocketIO(json=bounded_json, serializer=SocketPacket)
babel = Babel()
