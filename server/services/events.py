"""Events of the organisers' own: create, edit, duplicate last month's, archive, reset after the
rehearsal, delete; and the list each signed-in person sees. The web pages, the `diemcau event` command
and the HTTP API all call these functions.

An event is data: its title, organiser, plan, place, date and time zone, its bridge points, programme,
delegate categories and award kinds are rows an organiser edits. The demo event is made through
`create` too (server/demo.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete as sql_delete, func, select, update as sql_update
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import (EVENT_LANGUAGES, ApiToken, Award, AwardBatch, AwardKind, BridgePoint, CheckIn, CheckMark,
                      CueLog, Delegate, DelegateCategory, Event, FloorRequest, Incident, LinkSample, LocalItem,
                      Nomination, PointMessage, ProgrammeItem, RollCall, Scan, ShowState, SignInLink,
                      SiteCursor, Tally, User, utcnow)
from . import audit, delegate_categories, revision
from .local_time import DEFAULT_TIMEZONE, local_start, zone
from .errors import Archived, ConfirmationNeeded, Invalid, NotFound
from .text import clean_cell, fold

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 60
# Field -> (limit, label). Texts a person types; too long is refused, never cut.
TEXTS = {
    "title": (2000, lazy("Tên hội nghị")), "organiser": (200, lazy("Cơ quan tổ chức")),
    "venue": (200, lazy("Địa điểm")), "plan_number": (60, lazy("Số kế hoạch")),
    "issuing_body": (200, lazy("Cơ quan ban hành giấy mời")), "document_number": (60, lazy("Số giấy mời")),
    "place_name": (120, lazy("Địa danh ghi trên giấy mời")), "banner": (2000, lazy("Băng rôn")),
}
EDITABLE = (*TEXTS, "slug", "plan_date", "date", "start", "timezone", "language", "press_guard_ms")
PRESS_GUARD_MAX_MS = 10_000


# ---------------------------------------------------------------- reading and checking fields

def slug_from_title(title: str) -> str:
    """"Lễ trao Huy hiệu Đảng đợt 19/5" -> "le-trao-huy-hieu-dang-dot-19-5", cut at a word under 60."""
    words = re.sub(r"[^a-z0-9]+", " ", fold(title)).split()
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > SLUG_MAX:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "hoi-nghi"


def _unique_slug(session: Session, wanted: str) -> str:
    slug, n = wanted, 1
    while session.execute(select(Event.id).where(Event.slug == slug)).first():
        n += 1
        slug = f"{wanted[:SLUG_MAX - len(str(n)) - 1]}-{n}"
    return slug


def check_slug(session: Session, slug, *, exclude_id: int | None = None) -> str:
    text = clean_cell(slug).lower()
    if not SLUG.match(text) or len(text) > SLUG_MAX:
        raise Invalid(lazy("Mã hội nghị “%(slug)s” không hợp lệ: chỉ chữ thường không dấu, số và dấu gạch ngang, "
                           "tối đa %(max)s ký tự (vd. le-trao-huy-hieu-dang-2023).", slug=text[:80], max=SLUG_MAX))
    other = session.execute(select(Event.id).where(Event.slug == text)).scalar_one_or_none()
    if other is not None and other != exclude_id:
        raise Invalid(lazy("Mã hội nghị “%(slug)s” đã có; chọn mã khác.", slug=text))
    return text


def check_timezone(value) -> str:
    name = clean_cell(value) or DEFAULT_TIMEZONE
    try:
        if name not in available_timezones():
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(lazy("Múi giờ “%(tz)s” không có; ghi theo dạng Châu_lục/Thành_phố, vd. Asia/Ho_Chi_Minh.",
                           tz=name[:64]))
    return name


def _date(value, label) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_cell(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise Invalid(lazy("%(label)s “%(value)s” không đọc được; ghi năm-tháng-ngày (2023-05-19) hoặc ngày/tháng/năm "
                       "(19/05/2023).", label=label, value=text[:40]))


def _time(value) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    text = clean_cell(value).lower().replace("h", ":").rstrip(":")
    try:
        hours, _, minutes = text.partition(":")
        return time(int(hours), int(minutes or 0))
    except ValueError:
        raise Invalid(lazy("Giờ bắt đầu “%(value)s” không đọc được; ghi giờ:phút, vd. 08:00.", value=str(value)[:20]))


def _press_guard(value) -> int:
    try:
        ms = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        ms = None
    if ms is None or not 0 <= ms <= PRESS_GUARD_MAX_MS:
        raise Invalid(lazy("Thời gian chống bấm hai lần phải là số mili giây từ 0 (tắt) đến %(max)s, vd. 1500.",
                           max=PRESS_GUARD_MAX_MS))
    return ms


def clean_fields(session: Session, data: dict, *, event: Event | None = None) -> dict:
    """Validated event fields from a form, the command line or an API body. With `event`, only the
    fields given change (a PATCH); the date and start are read in the event's time zone."""
    if not isinstance(data, dict):
        raise Invalid(lazy("Thông tin hội nghị phải là một đối tượng JSON."))
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise Invalid(lazy("Trường không có: %(names)s. Các trường: %(known)s.", names=", ".join(unknown)[:200],
                           known=", ".join(EDITABLE)))
    out: dict = {}
    for name, (limit, label) in TEXTS.items():
        if name in data or event is None:
            value = data.get(name)
            if value is not None and not isinstance(value, (str, int, float)):
                raise Invalid(lazy("%(label)s phải là văn bản.", label=label))
            text = clean_cell(value) if name != "banner" else str(value or "").strip()
            if len(text) > limit:
                raise Invalid(lazy("%(label)s dài %(length)s ký tự, tối đa %(limit)s; hãy rút gọn.", label=label,
                                   length=len(text), limit=limit))
            out[name] = text
    if "title" in out and not out["title"]:
        raise Invalid(lazy("Hãy nhập tên hội nghị."))
    if "slug" in data and clean_cell(data["slug"]):
        out["slug"] = check_slug(session, data["slug"], exclude_id=event.id if event else None)
    if "plan_date" in data:
        out["plan_date"] = _date(data["plan_date"], lazy("Ngày kế hoạch"))
    if "timezone" in data or event is None:
        out["timezone"] = check_timezone(data.get("timezone"))
    if "language" in data or event is None:
        language = clean_cell(data.get("language")) or "vi"
        if language not in EVENT_LANGUAGES:
            raise Invalid(lazy("Ngôn ngữ “%(lang)s” không có; chọn vi (tiếng Việt) hoặc en.", lang=language[:8]))
        out["language"] = language
    if "press_guard_ms" in data and str(data["press_guard_ms"]).strip() != "":
        out["press_guard_ms"] = _press_guard(data["press_guard_ms"])
    if "date" in data or "start" in data:
        zone = ZoneInfo(out.get("timezone") or (event.timezone if event else DEFAULT_TIMEZONE))
        old = local_start(event) if event and event.starts_at else None
        day = _date(data["date"], lazy("Ngày diễn ra")) if "date" in data else (old.date() if old else None)
        start = _time(data.get("start")) if "start" in data else (old.time() if old else None)
        if day is None and start is not None:
            raise Invalid(lazy("Có giờ bắt đầu thì cần cả ngày diễn ra."))
        out["starts_at"] = None if day is None else \
            datetime.combine(day, start or time(8, 0), tzinfo=zone).astimezone(timezone.utc)
    return out


# ---------------------------------------------------------------- finding and guarding

def require(session: Session, slug) -> Event:
    event = session.execute(select(Event).where(Event.slug == str(slug)[:80])).scalar_one_or_none()
    if event is None:
        raise NotFound(lazy("Không tìm thấy hội nghị “%(slug)s”.", slug=str(slug)[:80]))
    return event


def require_open(event: Event) -> None:
    """An archived event is kept to be read and reported on; nothing in it changes any more."""
    if event.archived_at is not None:
        raise Archived(lazy("Hội nghị “%(title)s” đã lưu trữ: chỉ xem và xuất báo cáo, không thay đổi được.",
                             title=event.title[:120]))


def require_open_id(session: Session, event_id: int) -> None:
    archived = session.execute(select(Event.archived_at).where(Event.id == event_id)).scalar_one_or_none()
    if archived is not None:
        require_open(session.get(Event, event_id))


# ---------------------------------------------------------------- create, edit, duplicate

def create(session: Session, data: dict, actor: str) -> Event:
    """A new event with its show state and the default delegate categories (flushes, does not commit)."""
    fields = clean_fields(session, data)
    fields["slug"] = fields.get("slug") or _unique_slug(session, slug_from_title(fields["title"]))
    event = Event(created_at=utcnow(), **fields)
    session.add(event)
    session.flush()
    session.add(ShowState(event_id=event.id))
    delegate_categories.add_defaults(session, event.id)
    audit.record(session, actor, "event_created", event_id=event.id, target=event.slug)
    session.flush()
    return event


def update(session: Session, event: Event, data: dict, actor: str = "") -> Event:
    require_open(event)
    fields = clean_fields(session, data, event=event)
    for name, value in fields.items():
        setattr(event, name, value)
    audit.record(session, actor, "event_updated", event_id=event.id, target=event.slug, detail=sorted(fields))
    session.flush()
    return event


def duplicate(session: Session, source: Event, data: dict, actor: str) -> Event:
    """Next month's event from this one: its fields, bridge points, programme (with local segments),
    delegate categories and award kinds; not its people, accounts or anything of the live show.
    `data` gives what differs (slug, title, date …)."""
    copied = {name: getattr(source, name) for name in TEXTS} | {
        "timezone": source.timezone, "language": source.language, "plan_date": source.plan_date}
    local = local_start(source)
    if local:
        copied |= {"date": local.date(), "start": local.time()}
    copied |= {"title": str(lazy("%(title)s (bản sao)", title=source.title))[:2000]} if "title" not in data else {}
    event = create(session, copied | data, actor)
    event.award_batch_size, event.press_guard_ms = source.award_batch_size, source.press_guard_ms
    for point in source.bridge_points:
        event.bridge_points.append(BridgePoint(code=point.code, name=point.name, short_name=point.short_name,
                                               kind=point.kind, position=point.position))
    session.execute(sql_delete(DelegateCategory).where(DelegateCategory.event_id == event.id))
    for category in delegate_categories.listing(session, source.id):
        session.add(DelegateCategory(event_id=event.id, code=category.code, label=category.label,
                                     position=category.position, vip=category.vip))
    for kind in session.execute(select(AwardKind).where(AwardKind.event_id == source.id)).scalars():
        session.add(AwardKind(event_id=event.id, name=kind.name, position=kind.position))
    items = session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == source.id)
                            .order_by(ProgrammeItem.position)).scalars()
    for item in items:
        session.add(ProgrammeItem(
            event_id=event.id, position=item.position, content=item.content, performer=item.performer,
            duration_s=item.duration_s, script=item.script, is_local_segment=item.is_local_segment,
            local_for=item.local_for,
            local_items=[LocalItem(position=li.position, content=li.content, performer=li.performer,
                                   duration_s=li.duration_s, script=li.script) for li in item.local_items]))
    audit.record(session, actor, "event_duplicated", event_id=event.id, target=event.slug, detail={"from": source.slug})
    session.flush()
    return event


# ---------------------------------------------------------------- archive, delete

def point_accounts(session: Session, event: Event) -> list[User]:
    """The accounts that work at one of the event's bridge points (technicians, door staff, scanners)."""
    return list(session.execute(select(User).join(BridgePoint, User.bridge_point_id == BridgePoint.id)
                                .where(BridgePoint.event_id == event.id).order_by(User.username)).scalars())


def archive(session: Session, event: Event, actor: str) -> int:
    """Read-only from now on: commands refused, the point accounts disabled and their sign-in links
    and tokens revoked. Returns how many accounts were disabled."""
    if event.archived_at is not None:
        return 0
    now = utcnow()
    event.archived_at = now
    users = point_accounts(session, event)
    for user in users:
        user.active = False
    ids = [u.id for u in users]
    audit.record(session, actor, "event_archived", event_id=event.id, target=event.slug,
                 detail={"accounts_disabled": len(ids)})
    if ids:
        session.execute(sql_update(SignInLink).where(SignInLink.user_id.in_(ids), SignInLink.revoked_at.is_(None))
                        .values(revoked_at=now))
        session.execute(sql_update(ApiToken).where(ApiToken.user_id.in_(ids), ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))
    session.flush()
    return len(users)


@dataclass
class Contents:
    """What an event holds: what deleting it loses, what a reset clears."""
    programme_items: int
    bridge_points: int
    delegates: int
    check_ins: int
    awards: int
    nominations: int
    accounts: int
    cue_log: int

    def lost(self) -> str:
        return str(lazy("%(items)s mục chương trình, %(points)s điểm cầu, %(delegates)s đại biểu và thư mời, "
                        "%(check_ins)s lượt điểm danh, %(awards)s khen thưởng, %(nominations)s đề nghị khen thưởng, "
                        "%(accounts)s tài khoản tại điểm cầu và %(cues)s dòng nhật ký điều hành",
                        items=self.programme_items, points=self.bridge_points, delegates=self.delegates,
                        check_ins=self.check_ins, awards=self.awards, nominations=self.nominations,
                        accounts=self.accounts, cues=self.cue_log))


def contents(session: Session, event: Event) -> Contents:
    def count(model) -> int:
        return session.execute(select(func.count()).select_from(model).where(model.event_id == event.id)).scalar()
    return Contents(count(ProgrammeItem), len(event.bridge_points), count(Delegate), count(CheckIn), count(Award),
                    count(Nomination), len(point_accounts(session, event)), count(CueLog))


def delete(session: Session, event: Event, confirm, actor: str = "") -> Contents:
    """Deletes the event and everything in it, its point accounts too. `confirm` must repeat the
    event's code: the message before says what will be lost."""
    lost = contents(session, event)
    if clean_cell(confirm) != event.slug:
        raise ConfirmationNeeded(lazy("Xóa hội nghị sẽ mất %(lost)s. Để xác nhận, nhập đúng mã hội nghị “%(slug)s”.",
                           lost=lost.lost(), slug=event.slug))
    for user in point_accounts(session, event):
        session.delete(user)
    # Awards first: an award's kind is RESTRICT, and the database's cascade order is its own.
    session.execute(sql_delete(Nomination).where(Nomination.event_id == event.id))
    session.execute(sql_delete(Award).where(Award.event_id == event.id))
    audit.record(session, actor, "event_deleted", target=event.slug, detail={"lost": lost.lost()})
    session.delete(event)
    session.flush()
    return lost


# ---------------------------------------------------------------- rehearsal reset

def reset(session: Session, event: Event, actor: str) -> revision.Change:
    """After the rehearsal: the live state, cue log, check-ins and scans, tally, floor requests,
    incidents, roll calls, technical checks, messages, link samples and award progress are cleared;
    programme, points, lists, delegates, invitations and awards stay. Every screen resyncs."""
    require_open(event)
    with revision.change(session, event.id):
        now = utcnow()
        for model in (CueLog, SiteCursor, CheckIn, Scan, Tally, FloorRequest, Incident, RollCall, CheckMark,
                      PointMessage, LinkSample):
            session.execute(sql_delete(model).where(model.event_id == event.id))
        session.execute(sql_update(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                        .values(actual_start=None, actual_end=None))
        session.execute(sql_update(Award).where(Award.event_id == event.id)
                        .values(status="pending", proxy_name="", marked_at=None, marked_by=""))
        session.execute(sql_update(AwardBatch).where(AwardBatch.event_id == event.id)
                        .values(status="waiting", called_at=None, done_at=None))
        session.execute(sql_update(ShowState).where(ShowState.event_id == event.id).values(
            status="standby", cursor=-1, item_started_at=None, paused_at=None, paused_ms=0, extra_ms=0,
            show_started_at=None, show_ended_at=None))
        event.reset_at = now
        audit.record(session, actor, "event_reset", event_id=event.id, target=event.slug)
        # Two revisions: every screen sees a gap in the patches and asks for a fresh snapshot, which
        # is what a reset needs (no patch can say "forget everything").
        revision.bump(session, event.id)
        rev = revision.bump(session, event.id)
        state = revision.load_state(session, event.id)
        state.cursor_rev = rev
        revision.log_cue(session, event.id, rev, now, actor, "reset")
        session.commit()
        return revision.publish(revision.Change(event.id, rev, now, {"reset": True}))


def run_kind(event: Event, state: ShowState | None) -> str:
    """What the live data of the event covers, for the report: "rehearsal" when the show started
    before the planned day (in the event's zone), "day" when on it or after, "not_started" before any
    GO. A rehearsal reset clears the data, so after one it covers the day."""
    started = state.show_started_at if state else None
    if started is None:
        return "not_started"
    start = local_start(event)
    if start is None:
        return "day"
    return "rehearsal" if started.astimezone(zone(event)).date() < start.date() else "day"


RUN_TEXTS = {
    "rehearsal": lazy("Số liệu của buổi chạy thử (diễn tập) trước ngày hội nghị; đặt lại sau diễn tập trước khi vào "
                      "buổi chính thức."),
    "day": lazy("Số liệu của buổi chính thức."),
    "not_started": lazy("Chương trình chưa bắt đầu: chưa có số liệu điều hành."),
}


# ---------------------------------------------------------------- the list a person sees

PHASES = ("running", "upcoming", "past")


def phase(event: Event, state: ShowState | None, now: datetime) -> str:
    """running: the show is on (or it is the day); upcoming: not yet; past: over, or archived."""
    if event.archived_at is not None or (state and state.status == "ended"):
        return "past"
    if state and state.status in ("running", "paused"):
        return "running"
    start = local_start(event)
    if start is None:
        return "upcoming"
    today = now.astimezone(zone(event)).date()
    return "running" if start.date() == today else "upcoming" if start.date() > today else "past"


def listing(session: Session, user: User | None, now: datetime | None = None) -> dict[str, list[Event]]:
    """The events a person sees, by phase, soonest first; an account bound to a bridge point sees
    only that point's event."""
    now = now or utcnow()
    query = select(Event, ShowState).outerjoin(ShowState, ShowState.event_id == Event.id)
    if user is not None and user.bridge_point_id is not None:
        query = query.join(BridgePoint, BridgePoint.event_id == Event.id).where(BridgePoint.id == user.bridge_point_id)
    out: dict[str, list[Event]] = {p: [] for p in PHASES}
    for event, state in session.execute(query):
        out[phase(event, state, now)].append(event)
    far = datetime.max.replace(tzinfo=timezone.utc)
    for name, events in out.items():
        events.sort(key=lambda e: (e.starts_at or far, e.id), reverse=name == "past")
    return out

