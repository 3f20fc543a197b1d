from .base import Base, UTCDateTime, to_ms, utcnow
from .event import BRIDGE_POINT_KINDS, BridgePoint, Event
from .show import CueLog, LocalItem, ProgrammeItem, ShowState, SiteCursor
from .accounts import ROLES, ApiToken, User

__all__ = ["Base", "UTCDateTime", "to_ms", "utcnow", "BRIDGE_POINT_KINDS", "BridgePoint", "Event",
           "CueLog", "LocalItem", "ProgrammeItem", "ShowState", "SiteCursor", "ROLES", "ApiToken", "User"]
