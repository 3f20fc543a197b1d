from .base import MAX_ROW_ID, Base, UTCDateTime, row_id, to_ms, utcnow
from .event import BRIDGE_POINT_KINDS, EVENT_LANGUAGES, BridgePoint, Event
from .show import CueLog, LocalItem, ProgrammeItem, ShowState, SiteCursor
from .accounts import ROLES, ApiToken, SignInFailure, SignInLink, User
from .site import AuditEntry, SiteSetting
from .people import DELEGATE_CATEGORIES, VIP_CATEGORIES, Delegate, DelegateCategory, Invitation
from .checkin import SCAN_METHODS, VERDICTS, CheckIn, Scan, ScannerDevice
from .awards import (AWARD_STATUSES, BATCH_STATUSES, NOMINATION_STATUSES, Award, AwardBatch, AwardKind,
                     Nomination)
from .coordination import (CHECK_STATUSES, CHECKS, FLOOR_STATUSES, INCIDENT_KINDS, INCIDENT_STATUSES, LINK_STATES,
                           CheckMark, FloorRequest, Incident, IncidentEntry, LinkPolicy, LinkSample, PointMessage,
                           RollCall, RollCallAnswer, Tally)

__all__ = ["MAX_ROW_ID", "Base", "UTCDateTime", "row_id", "to_ms", "utcnow", "BRIDGE_POINT_KINDS", "EVENT_LANGUAGES", "BridgePoint", "Event",
           "CueLog", "LocalItem", "ProgrammeItem", "ShowState", "SiteCursor", "ROLES", "ApiToken", "SignInLink", "User",
           "CHECK_STATUSES", "CHECKS", "FLOOR_STATUSES", "INCIDENT_KINDS", "INCIDENT_STATUSES", "LINK_STATES",
           "CheckMark", "FloorRequest", "Incident", "IncidentEntry", "LinkPolicy", "LinkSample", "PointMessage",
           "RollCall", "RollCallAnswer", "Tally", "DELEGATE_CATEGORIES", "VIP_CATEGORIES", "Delegate", "DelegateCategory",
           "Invitation", "SCAN_METHODS", "VERDICTS", "CheckIn", "Scan", "ScannerDevice", "AWARD_STATUSES",
           "BATCH_STATUSES", "NOMINATION_STATUSES", "Award", "AwardBatch", "AwardKind", "Nomination", "SiteSetting", "SignInFailure", "AuditEntry"]
