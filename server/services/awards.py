"""The awards registry: the kinds an event presents (a configurable list, in ceremony order) and each
award, to a delegate or to a collective received by a delegate, with its decision (quyết định)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Award, AwardBatch, AwardKind, BridgePoint, Delegate, LocalItem, ProgrammeItem, row_id
from . import delegates, revision
from .errors import Invalid, NotFound
from .text import clean_cell, fold

# Kinds an event starts with (plans 000 and 001); organisers add, rename and reorder them.
DEFAULT_KINDS = tuple(f"Huy hiệu {n} năm tuổi Đảng" for n in (75, 70, 65, 60, 55, 50, 45, 40, 30)) + (
    "Bằng khen của Ủy ban nhân dân Thành phố", "Giấy khen của Quận ủy", "Giấy khen cấp quận", "Giấy khen cấp phường")
LEVELS = ("trung ương", "thành phố", "quận", "phường")       # cấp, highest first
LIMITS = {"collective": 200, "decision_number": 60, "citation": 2000, "level": 60}
FIELD_LABELS = {"collective": lazy("Tập thể"), "decision_number": lazy("Số quyết định"),
                "citation": lazy("Thành tích"), "level": lazy("Cấp")}


def kinds(session: Session, event_id: int) -> list[AwardKind]:
    """The event's kinds in ceremony order; the default list the first time it is asked for."""
    rows = list(session.execute(select(AwardKind).where(AwardKind.event_id == event_id)
                                .order_by(AwardKind.position, AwardKind.id)).scalars())
    if not rows:
        rows = [AwardKind(event_id=event_id, name=name, position=i) for i, name in enumerate(DEFAULT_KINDS)]
        session.add_all(rows)
        session.flush()
    return rows


def add_kind(session: Session, event_id: int, name) -> AwardKind:
    text = clean_cell(name)
    if not text or len(text) > 200:
        raise Invalid(lazy("Tên hình thức khen thưởng phải có từ 1 đến 200 ký tự."))
    if any(fold(k.name) == fold(text) for k in kinds(session, event_id)):
        raise Invalid(lazy("Hình thức khen thưởng “%(name)s” đã có.", name=text))
    last = session.execute(select(func.max(AwardKind.position)).where(AwardKind.event_id == event_id)).scalar() or 0
    kind = AwardKind(event_id=event_id, name=text, position=last + 1)
    session.add(kind)
    session.flush()
    return kind


def move_kind(session: Session, event_id: int, kind_id, delta) -> AwardKind:
    """One place up (-1) or down (+1) in the ceremony order; the next "Xếp đợt" follows it."""
    ordered = kinds(session, event_id)
    kind = next((k for k in ordered if isinstance(kind_id, int) and k.id == kind_id), None)
    if kind is None:
        raise NotFound(lazy("Không tìm thấy hình thức khen thưởng %(id)s.", id=str(kind_id)[:20]))
    index = ordered.index(kind)
    if delta not in (-1, 1) or isinstance(delta, bool) or not 0 <= index + delta < len(ordered):
        raise Invalid(lazy("Không thể chuyển hình thức khen thưởng ra ngoài danh sách."))
    ordered[index], ordered[index + delta] = ordered[index + delta], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position
    session.flush()
    return kind


def kind_of(session: Session, event_id: int, value) -> AwardKind:
    """A kind from its id or its name as people write it (matched without diacritics)."""
    for kind in kinds(session, event_id):
        if row_id(value, digits=True) == kind.id or (isinstance(value, str) and fold(clean_cell(value)) == fold(
                kind.name)):
            return kind
    raise Invalid(lazy("Hình thức khen thưởng “%(value)s” không có trong danh sách của hội nghị.",
                       value=str(value)[:200]))


def level_rank(level: str) -> int:
    folded = fold(level)
    for rank, name in enumerate(LEVELS):
        if fold(name) in folded:
            return rank
    return len(LEVELS)


def parse_date(value) -> date | None:
    """A decision date as written: 19/5/2023, 19-05-2023, 2023-05-19, or an Excel date cell."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_cell(value)
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid(lazy("Ngày quyết định “%(value)s” không hợp lệ; ghi ngày/tháng/năm, ví dụ 19/5/2023.", value=text))


def _item_scope(session: Session, event_id: int, data: dict, point: BridgePoint) -> tuple[int | None, int | None]:
    """(programme item, local item) the award belongs to. A ward-level award is presented during a
    local item, at the ward."""
    item_id, local_id = data.get("programme_item_id"), data.get("local_item_id")
    if local_id not in (None, ""):
        local = session.get(LocalItem, found) if (found := row_id(local_id, digits=True)) else None
        if local is None or local.segment.event_id != event_id:
            raise Invalid(lazy("Không tìm thấy mục riêng %(id)s của hội nghị.", id=str(local_id)[:20]))
        if point.kind != local.segment.local_for:
            raise Invalid(lazy("Mục riêng này chỉ diễn ra tại các điểm cầu phường; %(point)s không tham gia.",
                               point=point.short_name))
        return None, local.id
    if item_id not in (None, ""):
        item = session.get(ProgrammeItem, found) if (found := row_id(item_id, digits=True)) else None
        if item is None or item.event_id != event_id:
            raise Invalid(lazy("Không tìm thấy mục chương trình %(id)s.", id=str(item_id)[:20]))
        return item.id, None
    raise Invalid(lazy("Chọn mục chương trình (hoặc mục riêng của phường) mà khen thưởng này được trao."))


def clean_fields(session: Session, event_id: int, data: dict, *, recipient: Delegate | None = None) -> dict:
    """Validated award fields from a form or an import row. `recipient`: the delegate already found (an
    import row), or one not yet added (no id: "delegate_id" comes back None, for the importer to fill)."""
    out = {}
    for name, limit in LIMITS.items():
        value = clean_cell(data.get(name))
        if len(value) > limit:
            raise Invalid(lazy("%(field)s dài quá %(limit)s ký tự.", field=FIELD_LABELS[name], limit=limit))
        out[name] = value
    out["kind_id"] = kind_of(session, event_id, data.get("kind_id") or data.get("kind")).id
    out["decision_date"] = parse_date(data.get("decision_date"))
    delegate = recipient if recipient is not None else delegates.require(session, event_id, data.get("delegate_id"))
    out["delegate_id"] = delegate.id
    point_id = data.get("bridge_point_id") or delegate.bridge_point_id
    point = session.get(BridgePoint, found) if (found := row_id(point_id, digits=True)) else None
    if point is None or point.event_id != event_id:
        raise Invalid(lazy("Chọn điểm cầu nơi trao khen thưởng."))
    out["bridge_point_id"] = point.id
    out["programme_item_id"], out["local_item_id"] = _item_scope(session, event_id, data, point)
    return out


def add(session: Session, event_id: int, data: dict, *, fields: dict | None = None) -> Award:
    fields = fields or clean_fields(session, event_id, data)
    award = Award(event_id=event_id, **fields)
    session.add(award)
    session.flush()
    return award


def update(session: Session, event_id: int, award_id: int, data: dict) -> Award:
    """Edits an award. Moved to another point or item it leaves its waiting batch (the next "Xếp đợt"
    places it); one whose batch was already called keeps its place and cannot move."""
    award = require(session, event_id, award_id)
    fields = clean_fields(session, event_id, data)
    scope = ("bridge_point_id", "programme_item_id", "local_item_id")
    if any(fields[name] != getattr(award, name) for name in scope) and award.batch_id is not None:
        batch = session.get(AwardBatch, award.batch_id)
        if batch is not None and batch.status != "waiting":
            raise Invalid(lazy("Đợt của khen thưởng này đã được mời lên sân khấu; không đổi được điểm cầu "
                               "hay mục chương trình."))
        award.batch_id, award.stage_order = None, 0
    for name, value in fields.items():
        setattr(award, name, value)
    session.flush()
    return award


def publish(session: Session, event_id: int, actor: str, action: str = "awards_edited") -> revision.Change:
    """Commits a change of the registry (an award added, edited, imported, approved) and gives every
    screen the awards again, so the desk, the prompter and the escorts never read a stale list."""
    from .snapshot import awards_part
    with revision.change(session, event_id):
        return revision.commit_change(session, event_id, actor, action, {"awards_all": awards_part(session, event_id)})


def require(session: Session, event_id: int, award_id) -> Award:
    award = session.get(Award, award_id) if row_id(award_id) else None
    if award is None or award.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy khen thưởng %(id)s.", id=str(award_id)[:20]))
    return award


def decision_text(award: Award, kind: AwardKind) -> str:
    """What the MC reads before the names: the decision, then the kind."""
    parts = []
    if award.decision_number:
        parts.append(str(lazy("Quyết định số %(number)s", number=award.decision_number)))
    if award.decision_date:
        parts.append(str(lazy("ngày %(date)s", date=award.decision_date.strftime("%d/%m/%Y"))))
    parts.append(str(lazy("về việc tặng %(kind)s", kind=kind.name)))
    return " ".join(parts)
