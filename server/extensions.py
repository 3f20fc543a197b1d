"""Extension objects, bound to the app in create_app (no async mode chosen here: the runner does)."""
from flask_babel import Babel
from flask_socketio import SocketIO

socketio = SocketIO()
babel = Babel()
