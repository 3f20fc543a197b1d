from .base import MAX_ROW_ID, Base, UTCDateTime, row_id, to_ms, utcnow
from .event import BRIDGE_POINT_KINDS, BridgePoint, Event
from .show import CueLog, LocalItem, ProgrammeItem, ShowState, SiteCursor
from .accounts import ROLES, ApiToken, User
from .people import DELEGATE_CATEGORIES, VIP_CATEGORIES, Delegate, Invitation
from .checkin import SCAN_METHODS, VERDICTS, CheckIn, Scan, ScannerDevice
from .awards import (AWARD_STATUSES, BATCH_STATUSES, NOMINATION_STATUSES, Award, AwardBatch, AwardKind,
                     Nomination)
from .coordination import (CHECK_STATUSES, CHECKS, FLOOR_STATUSES, INCIDENT_KINDS, INCIDENT_STATUSES, LINK_STATES,
                           CheckMark, FloorRequest, Incident, IncidentEntry, LinkPolicy, LinkSample, PointMessage,
                           RollCall, RollCallAnswer, Tally)

__all__ = ["MAX_ROW_ID", "Base", "UTCDateTime", "row_id", "to_ms", "utcnow", "BRIDGE_POINT_KINDS", "BridgePoint", "Event",
           "CueLog", "LocalItem", "ProgrammeItem", "ShowState", "SiteCursor", "ROLES", "ApiToken", "User",
           "CHECK_STATUSES", "CHECKS", "FLOOR_STATUSES", "INCIDENT_KINDS", "INCIDENT_STATUSES", "LINK_STATES",
           "CheckMark", "FloorRequest", "Incident", "IncidentEntry", "LinkPolicy", "LinkSample", "PointMessage",
           "RollCall", "RollCallAnswer", "Tally", "DELEGATE_CATEGORIES", "VIP_CATEGORIES", "Delegate",
           "Invitation", "SCAN_METHODS", "VERDICTS", "CheckIn", "Scan", "ScannerDevice", "AWARD_STATUSES",
           "BATCH_STATUSES", "NOMINATION_STATUSES", "Award", "AwardBatch", "AwardKind", "Nomination"]
