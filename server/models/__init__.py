from .base import Base, UTCDateTime, to_ms, utcnow
from .event import BRIDGE_POINT_KINDS, BridgePoint, Event
from .show import CueLog, LocalItem, ProgrammeItem, ShowState, SiteCursor
from .accounts import ROLES, ApiToken, User
from .coordination import (CHECK_STATUSES, CHECKS, FLOOR_STATUSES, INCIDENT_KINDS, INCIDENT_STATUSES, LINK_STATES,
                           CheckMark, FloorRequest, Incident, IncidentEntry, LinkPolicy, LinkSample, PointMessage,
                           RollCall, RollCallAnswer, Tally)

__all__ = ["Base", "UTCDateTime", "to_ms", "utcnow", "BRIDGE_POINT_KINDS", "BridgePoint", "Event",
           "CueLog", "LocalItem", "ProgrammeItem", "ShowState", "SiteCursor", "ROLES", "ApiToken", "User",
           "CHECK_STATUSES", "CHECKS", "FLOOR_STATUSES", "INCIDENT_KINDS", "INCIDENT_STATUSES", "LINK_STATES",
           "CheckMark", "FloorRequest", "Incident", "IncidentEntry", "LinkPolicy", "LinkSample", "PointMessage",
           "RollCall", "RollCallAnswer", "Tally"]
