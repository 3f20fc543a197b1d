"""Nominations (đề nghị khen thưởng, plans 003 and 004): base units send nominees with a short profile
(trích ngang) and achievements before the organisers' deadline; the organisers approve each one into
an award (making the recipient a delegate with an invitation) or return it with a reason, and the
unit corrects and sends it again while the deadline allows.

Who may act is checked here as well as on the pages: `user` and `actor` are the logged-in accounts.
A unit is its account's display name, so a unit sees and changes only the rows sent under that name.

On a refusal (a ServiceError) the session may hold part of the change: roll it back, as the pages do
through flash_failure.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Award, BridgePoint, Event, Nomination, User, row_id, utcnow
from . import awards, delegates, invitation_tokens, local_time, permissions
from .accounts import actor_name
from .errors import Invalid, NotFound
from .text import fold, short_text

# Single-line fields of the nominee, then the two texts the unit writes, with their limits. The
# achievements become the award's citation, whose limit they share.
LINE_FIELDS = {"full_name": 200, "position_title": 200, "organisation": 200, "collective": 200}
TEXT_FIELDS = {"profile": 2000, "achievements": awards.LIMITS["citation"]}
REASON_LIMIT = 1000
FIELD_LABELS = {
    "full_name": lazy("Họ và tên"), "position_title": lazy("Chức vụ"), "organisation": lazy("Đơn vị công tác"),
    "collective": lazy("Tên tập thể"), "profile": lazy("Trích ngang"), "achievements": lazy("Thành tích"),
}
REQUIRED = ("full_name", "profile", "achievements")
FIELDS = tuple(LINE_FIELDS) + tuple(TEXT_FIELDS) + ("kind_id",)
_TAG = re.compile(r"<[^>]*>")
_ASCII_DIGITS = re.compile(r"^[0-9]{1,10}$")
DEADLINE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%H:%M %d/%m/%Y", "%H:%M ngày %d/%m/%Y", "%d/%m/%Y %H:%M")


# --- the deadline -------------------------------------------------------------------------------------


def local_parts(event: Event, when: datetime) -> dict:
    """{"time": "17:00", "date": "08/03/2021"} in the event's time zone."""
    return {"time": local_time.clock(event, when), "date": local_time.day(event, when)}


def deadline_text(event: Event):
    """"17:00 ngày 08/03/2021", or None when no deadline is set."""
    if event.nomination_deadline is None:
        return None
    return lazy("%(time)s ngày %(date)s", **local_parts(event, event.nomination_deadline))


def parse_deadline(event: Event, value) -> datetime | None:
    """A deadline as typed, in the event's time zone: 2021-03-08T17:00 (a browser's date-time field),
    17:00 08/03/2021, 08/03/2021 17:00. Empty clears it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(lazy("Hạn cuối phải là ngày giờ, ví dụ 17:00 08/03/2021."))
    text = " ".join(value.split())
    for fmt in DEADLINE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise Invalid(lazy("Hạn cuối “%(value)s” không hợp lệ; ghi giờ và ngày, ví dụ 17:00 08/03/2021.", value=text))


def set_deadline(session: Session, event_id: int, when: datetime | None, actor: User) -> Event:
    """Sets (or, with None, clears) the deadline. A naive `when` is the event's local time; seconds are
    dropped, so the deadline enforced is the one the message shows (hh:mm)."""
    permissions.require(actor, "nominations.review")
    event = _event(session, event_id)
    if when is not None:
        if not isinstance(when, datetime):
            raise Invalid(lazy("Hạn cuối phải là ngày giờ, ví dụ 17:00 08/03/2021."))
        if not 2000 <= when.year <= 2100:
            raise Invalid(lazy("Hạn cuối phải trong khoảng năm 2000 đến 2100."))
        if when.tzinfo is None:
            when = when.replace(tzinfo=local_time.zone(event))
        when = when.replace(second=0, microsecond=0).astimezone(timezone.utc)
    event.nomination_deadline = when
    session.flush()
    return event


def window(event: Event, now: datetime | None = None) -> str:
    """"unset" (no deadline: not accepting), "open" or "closed"."""
    if event.nomination_deadline is None:
        return "unset"
    return "open" if (now or utcnow()) <= event.nomination_deadline else "closed"


def _check_open(event: Event, now: datetime) -> None:
    # No deadline, no submissions: the deadline is what the organisers announce when they call for
    # nominations (plan 003: "trước ngày 08/3/2021"), so an event that has none has not called for any
    # (plan 001 lists its badge recipients itself). Accepting meanwhile would let units send rows
    # whose editing window could then close at a time nobody was told.
    state = window(event, now)
    if state == "unset":
        raise Invalid(lazy("Ban tổ chức chưa mở nhận đề nghị khen thưởng (chưa đặt hạn cuối)."))
    if state == "closed":
        raise Invalid(lazy("Đã hết hạn gửi đề nghị: hạn cuối %(time)s ngày %(date)s.",
                           **local_parts(event, event.nomination_deadline)))


# --- what units send ----------------------------------------------------------------------------------


def _line(value, name: str) -> str:
    label = FIELD_LABELS[name]
    text = " ".join(short_text(value, LINE_FIELDS[name], label, required=name in REQUIRED).split())
    if _TAG.search(text):
        raise Invalid(lazy("%(label)s không được chứa mã định dạng “<…>”; hãy nhập chữ thường.", label=label))
    return text


def _text(value, name: str) -> str:
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    text = short_text(value, TEXT_FIELDS[name], FIELD_LABELS[name], required=name in REQUIRED)
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()


def _row_id(value, what) -> int | None:
    """An id from a form (ASCII digits) or a program (an int); None when empty."""
    if value is None or value == "":
        return None
    found = row_id(value, digits=True)
    if found is None:
        raise Invalid(lazy("%(what)s “%(value)s” không hợp lệ.", what=what, value=str(value)[:40]))
    return found


def _kind(session: Session, event_id: int, value):
    """The kind from its id (a number, or digits from a form) or its name as people write it; None if empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and not _ASCII_DIGITS.match(value.strip()):
        return awards.kind_of(session, event_id, short_text(value, 200, lazy("Hình thức khen thưởng")))
    return awards.kind_of(session, event_id, _row_id(value, lazy("Hình thức khen thưởng")))


def clean_fields(session: Session, event_id: int, data: dict) -> dict:
    """The nominee as the unit wrote it, validated; the message says what to fix."""
    if not isinstance(data, dict):
        raise Invalid(lazy("Đề nghị không đúng dạng."))
    out = {name: _line(data.get(name), name) for name in LINE_FIELDS}
    if not any(ch.isalpha() for ch in out["full_name"]):
        raise Invalid(lazy("Họ và tên “%(value)s” không hợp lệ.", value=out["full_name"]))
    out.update({name: _text(data.get(name), name) for name in TEXT_FIELDS})
    kind = _kind(session, event_id, data.get("kind_id"))
    out["kind_id"] = kind.id if kind else None
    point = _row_id(data.get("bridge_point_id"), lazy("Điểm cầu"))
    if point is not None:
        row = session.get(BridgePoint, point)
        if row is None or row.event_id != event_id:
            raise Invalid(lazy("Không tìm thấy điểm cầu %(id)s trong hội nghị này.", id=point))
    out["bridge_point_id"] = point
    return out


def unit_of(user: User) -> str:
    return (user.display_name or user.username).strip()


def _check_unique(session: Session, event_id: int, unit: str, fields: dict, exclude_id: int | None = None) -> None:
    """A unit nominates a person (or a collective) once; two units may both nominate someone, and the
    organisers decide."""
    key = (fold(fields["full_name"]), fold(fields["organisation"]), fold(fields["collective"]))
    for row in listing(session, event_id, unit=unit):
        if row.id != exclude_id and (fold(row.full_name), fold(row.organisation), fold(row.collective)) == key:
            raise Invalid(lazy("Đơn vị đã đề nghị khen thưởng %(name)s; hãy sửa đề nghị đó thay vì gửi thêm.",
                               name=row.full_name))


def submit(session: Session, event_id: int, user: User, data: dict, *, now: datetime | None = None) -> Nomination:
    """A new nomination from the user's unit, before the deadline."""
    permissions.require(user, "nominations.submit")
    now = now or utcnow()
    _check_open(_event(session, event_id), now)
    fields = clean_fields(session, event_id, data)
    if fields["bridge_point_id"] is None:
        fields["bridge_point_id"] = user.bridge_point_id
    unit = unit_of(user)
    _check_unique(session, event_id, unit, fields)
    nomination = Nomination(event_id=event_id, unit=unit, submitted_by=actor_name(user), status="submitted",
                            submitted_at=now, **fields)
    session.add(nomination)
    session.flush()
    return nomination


def own(session: Session, event_id: int, nomination_id, user: User) -> Nomination:
    """One of the user's unit's nominations; another unit's answers as not found (nothing is told)."""
    nomination = require(session, event_id, nomination_id)
    if nomination.unit != unit_of(user):
        raise NotFound(lazy("Không tìm thấy đề nghị %(id)s.", id=str(nomination_id)[:20]))
    return nomination


def _check_changeable(nomination: Nomination) -> None:
    if nomination.status == "approved":
        raise Invalid(lazy("Đề nghị khen thưởng %(name)s đã được duyệt; không sửa hay rút được nữa.",
                           name=nomination.full_name))


def update_own(session: Session, event_id: int, nomination_id, user: User, data: dict, *,
               now: datetime | None = None) -> Nomination:
    """The unit corrects its nomination before the deadline while it is not approved; a returned one is
    sent again (its status goes back to submitted; the last reason stays, for the reviewers)."""
    permissions.require(user, "nominations.submit")
    now = now or utcnow()
    nomination = own(session, event_id, nomination_id, user)
    _check_changeable(nomination)
    _check_open(_event(session, event_id), now)
    fields = clean_fields(session, event_id, data)
    if fields["bridge_point_id"] is None:
        fields["bridge_point_id"] = nomination.bridge_point_id
    _check_unique(session, event_id, nomination.unit, fields, exclude_id=nomination.id)
    # Conditional, so an approval that lands meanwhile is not overwritten.
    changed = session.execute(
        update(Nomination).where(Nomination.id == nomination.id, Nomination.status.in_(("submitted", "returned")))
        .values(status="submitted", submitted_at=now, submitted_by=actor_name(user), **fields)).rowcount
    _reload(session, nomination)
    if changed != 1:
        _check_changeable(nomination)
    return nomination


def withdraw(session: Session, event_id: int, nomination_id, user: User, *, now: datetime | None = None) -> None:
    """The unit takes back a nomination that is not approved, before the deadline."""
    permissions.require(user, "nominations.submit")
    nomination = own(session, event_id, nomination_id, user)
    _check_changeable(nomination)
    _check_open(_event(session, event_id), now or utcnow())
    gone = session.execute(delete(Nomination).where(Nomination.id == nomination.id,
                                                    Nomination.status.in_(("submitted", "returned")))).rowcount
    if gone != 1:
        _reload(session, nomination)
        _check_changeable(nomination)


# --- review -------------------------------------------------------------------------------------------


def _check_waiting(nomination: Nomination) -> None:
    if nomination.status == "approved":
        raise Invalid(lazy("Đề nghị khen thưởng %(name)s đã được duyệt rồi.", name=nomination.full_name))
    if nomination.status != "submitted":
        raise Invalid(lazy("Đề nghị khen thưởng %(name)s đã được trả lại cho %(unit)s; chờ đơn vị sửa và gửi lại.",
                           name=nomination.full_name, unit=nomination.unit))


def _claim(session: Session, nomination: Nomination, values: dict) -> None:
    """Moves a submitted nomination on, refusing if it is not (or no longer) waiting for review: the
    UPDATE is conditional, so two reviewers cannot both act on it."""
    done = session.execute(update(Nomination).where(Nomination.id == nomination.id,
                                                    Nomination.status == "submitted").values(**values)).rowcount
    _reload(session, nomination)
    if done != 1:
        _check_waiting(nomination)


def _reload(session: Session, nomination: Nomination) -> None:
    """The row as the database has it now; gone (withdrawn meanwhile) answers as not found."""
    row = session.execute(select(Nomination).where(Nomination.id == nomination.id)
                          .execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(lazy("Không tìm thấy đề nghị %(id)s.", id=nomination.id))


def approve(session: Session, event_id: int, nomination_id, data: dict, actor: User, *,
            now: datetime | None = None) -> Award:
    """The organisers' decision: kind (the proposed one unless chosen), level, decision number and date,
    the bridge point and the programme item (or a ward's local item) where it is presented. The nominee
    becomes a delegate (category award_recipient, with an invitation) unless already on the list."""
    permissions.require(actor, "nominations.review")
    if not isinstance(data, dict):
        raise Invalid(lazy("Quyết định duyệt không đúng dạng."))
    nomination = require(session, event_id, nomination_id)
    _check_waiting(nomination)
    kind = _kind(session, event_id, data.get("kind_id")) or (
        awards.kind_of(session, event_id, nomination.kind_id) if nomination.kind_id else None)
    if kind is None:
        raise Invalid(lazy("Chọn hình thức khen thưởng cho %(name)s.", name=nomination.full_name))
    for name, label in (("level", lazy("Cấp khen thưởng")), ("decision_number", lazy("Số quyết định"))):
        short_text(data.get(name), awards.LIMITS[name], label)
    awards.parse_date(data.get("decision_date"))
    point_id = _row_id(data.get("bridge_point_id"), lazy("Điểm cầu")) or nomination.bridge_point_id
    scope = {name: _row_id(data.get(name), label) for name, label in
             (("programme_item_id", lazy("Mục chương trình")), ("local_item_id", lazy("Mục riêng")))}
    person = delegates.clean_fields(session, event_id, {
        "full_name": nomination.full_name, "position_title": nomination.position_title,
        "organisation": nomination.organisation, "category": "award_recipient", "bridge_point_id": point_id})
    if scope["programme_item_id"] is None and scope["local_item_id"] is None:
        raise Invalid(lazy("Chọn mục chương trình (hoặc mục riêng của phường) mà khen thưởng này được trao."))
    existing = delegates.find_duplicate(session, event_id, person)
    if point_id is None and (existing is None or existing.bridge_point_id is None):
        raise Invalid(lazy("Chọn điểm cầu nơi trao khen thưởng cho %(name)s.", name=nomination.full_name))

    now = now or utcnow()
    _claim(session, nomination, {"status": "approved", "reviewed_at": now, "reviewed_by": actor_name(actor)})
    delegate = existing or delegates.add(session, event_id, {}, actor_name(actor), fields=person)
    award = awards.add(session, event_id, {
        "kind_id": kind.id, "level": data.get("level"), "decision_number": data.get("decision_number"),
        "decision_date": data.get("decision_date"), "collective": nomination.collective,
        "citation": nomination.achievements, "delegate_id": delegate.id, "bridge_point_id": point_id,
        **scope})
    if existing is None:
        invitation_tokens.issue(session, delegate)
    nomination.award_id = award.id
    nomination.kind_id = kind.id
    nomination.bridge_point_id = award.bridge_point_id
    session.flush()
    return award


def return_(session: Session, event_id: int, nomination_id, reason, actor: User, *,
            now: datetime | None = None) -> Nomination:
    """Back to the unit with what to fix; it may correct and send again before the deadline."""
    permissions.require(actor, "nominations.review")
    text = _text_reason(reason)
    nomination = require(session, event_id, nomination_id)
    _check_waiting(nomination)
    _claim(session, nomination, {"status": "returned", "reason": text, "reviewed_at": now or utcnow(),
                                 "reviewed_by": actor_name(actor)})
    return nomination


def _text_reason(reason) -> str:
    if isinstance(reason, str):
        reason = reason.replace("\r\n", "\n").replace("\r", "\n")
    return short_text(reason, REASON_LIMIT, lazy("Lý do trả lại"), required=True)


# --- reading ------------------------------------------------------------------------------------------


def require(session: Session, event_id: int, nomination_id) -> Nomination:
    try:
        row_id = _row_id(nomination_id, lazy("Mã đề nghị"))
    except Invalid:
        row_id = None
    nomination = session.get(Nomination, row_id) if row_id else None
    if nomination is None or nomination.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy đề nghị %(id)s.", id=str(nomination_id)[:20]))
    return nomination


def listing(session: Session, event_id: int, *, unit: str | None = None) -> list[Nomination]:
    """The event's nominations by unit, then in the order they came; only `unit`'s when given."""
    query = select(Nomination).where(Nomination.event_id == event_id)
    if unit is not None:
        query = query.where(Nomination.unit == unit)
    rows = list(session.execute(query).scalars())
    rows.sort(key=lambda n: (fold(n.unit), n.unit, n.submitted_at, n.id))
    return rows


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(lazy("Không tìm thấy hội nghị %(id)s.", id=str(event_id)[:20]))
    return event
