"""Stage batches (đợt lên sân khấu): the recipients of one programme item (or of one ward's local item)
grouped in batches of the configured size, in ceremony order: by kind, then level, then Vietnamese name
order (given name, then the rest). Organisers re-arrange them by dragging; every change reaches the
screens as a patch."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Award, AwardBatch, AwardKind, BridgePoint, Delegate, Event, LocalItem, ProgrammeItem, row_id
from . import revision
from .awards import level_rank
from .errors import Invalid, NotFound
from .snapshot import awards_part
from .text import short_text, vietnamese_key, vietnamese_name_key

MAX_SIZE = 50


def recipient_key(collective: str | None, full_name: str) -> tuple:
    """Individuals first, by Vietnamese name order; then collectives by their name as written, word by word.
    The one rule for the stage order and for every list of recipients."""
    if collective:
        return 1, vietnamese_key(collective.split())
    return 0, vietnamese_name_key(full_name)


def stage_key(award: Award, kind: AwardKind, delegate: Delegate) -> tuple:
    """Ceremony order: kind, level, then `recipient_key`."""
    return (kind.position, kind.id, level_rank(award.level),
            *recipient_key(award.collective, delegate.full_name if delegate else ""))


def seat_block(delegates: list[Delegate]) -> str:
    """Where the escorts fetch the batch from: "Khu B, hàng 2–3"."""
    zones = sorted({d.seat_zone for d in delegates if d.seat_zone})
    rows = sorted({d.seat_row for d in delegates if d.seat_row}, key=lambda r: (len(r), r))
    parts = []
    if zones:
        parts.append(str(lazy("Khu %(zones)s", zones=", ".join(zones))))
    if rows:
        parts.append(str(lazy("hàng %(rows)s", rows=rows[0] if len(rows) == 1 else f"{rows[0]}–{rows[-1]}")))
    return ", ".join(parts)



def _same(column, value):
    return column.is_(None) if value is None else column == value


def _scope(session: Session, event_id: int, args: dict) -> tuple[BridgePoint, int | None, int | None]:
    point_id, item_id, local_id = args.get("bridge_point_id"), args.get("programme_item_id"), args.get("local_item_id")
    point = session.get(BridgePoint, point_id) if row_id(point_id) else None
    if point is None or point.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy điểm cầu %(id)s trong hội nghị này.", id=str(point_id)[:20]))
    if (item_id is None) == (local_id is None):
        raise Invalid(lazy("Chọn một mục chương trình hoặc một mục riêng để xếp đợt."))
    item = session.get(ProgrammeItem, item_id) if row_id(item_id) else None
    local = session.get(LocalItem, local_id) if row_id(local_id) else None
    if (item is None or item.event_id != event_id) and (local is None or local.segment.event_id != event_id):
        raise NotFound(lazy("Không tìm thấy mục chương trình này trong hội nghị."))
    return point, item_id, local_id


def build(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    """(Re)builds the waiting batches of one scope; batches already called or done stay as they are."""
    size = args.get("size")
    if size is None:                                  # not `or`: a size of 0 (or False) is refused, not defaulted
        size = session.get(Event, event_id).award_batch_size
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE:
        raise Invalid(lazy("Số người mỗi đợt phải từ 1 đến %(max)s.", max=MAX_SIZE))
    with revision.change(session, event_id):
        point, item_id, local_id = _scope(session, event_id, args)
        in_scope = (Award.event_id == event_id, Award.bridge_point_id == point.id,
                    _same(Award.programme_item_id, item_id), _same(Award.local_item_id, local_id))
        batches = list(session.execute(select(AwardBatch).where(
            AwardBatch.event_id == event_id, AwardBatch.bridge_point_id == point.id,
            _same(AwardBatch.programme_item_id, item_id), _same(AwardBatch.local_item_id, local_id))).scalars())
        kept = [b for b in batches if b.status != "waiting"]
        kept_ids = {b.id for b in kept}
        rows = session.execute(select(Award, AwardKind, Delegate).join(AwardKind, AwardKind.id == Award.kind_id)
                               .join(Delegate, Delegate.id == Award.delegate_id).where(*in_scope)).all()
        todo = sorted((r for r in rows if r[0].batch_id not in kept_ids), key=lambda r: stage_key(*r))
        presenters = {b.position: b.presenter for b in batches if b.status == "waiting"}
        dropped = [b.id for b in batches if b.status == "waiting"]
        # Detach the awards in the ORM before the batches go: SQLite reuses the freed ids, and an award
        # whose new batch got its old batch's id would look unchanged while the database's ON DELETE
        # SET NULL had emptied it.
        if dropped:
            for award in session.execute(select(Award).where(Award.batch_id.in_(dropped))).scalars():
                award.batch_id = None
        for b in batches:
            if b.status == "waiting":
                session.delete(b)
        session.flush()
        start = max((b.position for b in kept), default=-1) + 1
        for n, offset in enumerate(range(0, len(todo), size)):
            chunk = todo[offset:offset + size]
            batch = AwardBatch(event_id=event_id, bridge_point_id=point.id, programme_item_id=item_id,
                               local_item_id=local_id, position=start + n, presenter=presenters.get(start + n, ""),
                               seat_block=seat_block([d for _, _, d in chunk]))
            session.add(batch)
            session.flush()
            for order, (award, _, _) in enumerate(chunk):
                award.batch_id, award.stage_order = batch.id, order
        return revision.commit_change(session, event_id, actor, "award_batches_built",
                                      {"awards_all": awards_part(session, event_id)},
                                      bridge_point_id=point.id, item_id=item_id, size=size)


def _waiting_batch(session: Session, event_id: int, batch_id) -> AwardBatch:
    batch = session.get(AwardBatch, batch_id) if row_id(batch_id) else None
    if batch is None or batch.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy đợt %(id)s.", id=str(batch_id)[:20]))
    if batch.status != "waiting":
        raise Invalid(lazy("Đợt này đã được mời lên sân khấu; không xếp lại được."))
    return batch


def move(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    """Drag and drop: the award goes to `index` in batch `batch_id` (both batches must still wait)."""
    index = args.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise Invalid(lazy("Vị trí trong đợt phải là số không âm."))
    with revision.change(session, event_id):
        award = session.get(Award, args.get("award_id")) if row_id(args.get("award_id")) else None
        if award is None or award.event_id != event_id:
            raise NotFound(lazy("Không tìm thấy khen thưởng %(id)s.", id=str(args.get("award_id"))[:20]))
        target = _waiting_batch(session, event_id, args.get("batch_id"))
        if award.batch_id is not None:
            _waiting_batch(session, event_id, award.batch_id)
        if (target.bridge_point_id, target.programme_item_id, target.local_item_id) != \
                (award.bridge_point_id, award.programme_item_id, award.local_item_id):
            raise Invalid(lazy("Chỉ chuyển được sang một đợt của cùng mục và cùng điểm cầu."))
        source = award.batch_id
        members = list(session.execute(select(Award).where(Award.batch_id == target.id, Award.id != award.id)
                                       .order_by(Award.stage_order)).scalars())
        members.insert(min(index, len(members)), award)
        for order, member in enumerate(members):
            member.batch_id, member.stage_order = target.id, order
        if source is not None and source != target.id:
            rest = session.execute(select(Award).where(Award.batch_id == source, Award.id != award.id)
                                   .order_by(Award.stage_order)).scalars()
            for order, member in enumerate(rest):
                member.stage_order = order
        return revision.commit_change(session, event_id, actor, "award_moved",
                                      {"awards_all": awards_part(session, event_id)}, bridge_point_id=award.bridge_point_id)


def set_presenter(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    presenter = short_text(args.get("presenter"), 200, str(lazy("Người trao")))
    with revision.change(session, event_id):
        batch = _waiting_batch(session, event_id, args.get("batch_id"))
        batch.presenter = presenter
        if "seat_block" in args:
            batch.seat_block = short_text(args.get("seat_block"), 120, str(lazy("Khu ghế")))
        return revision.commit_change(session, event_id, actor, "award_presenter",
                                      {"awards_all": awards_part(session, event_id)},
                                      bridge_point_id=batch.bridge_point_id, presenter=presenter)
