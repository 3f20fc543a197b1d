"""The award segment live, at the bridge point where a batch is presented: call a batch (the MC
prompter, the stage display and the escorts see it), mark each recipient presented, absent or
received on behalf (nhận thay), and close the batch. The main hall runs it from the operator desk,
each ward from its console during its local segment. Every step is one revision and one patch."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Award, AwardBatch, BridgePoint, row_id, utcnow
from . import revision
from .errors import Invalid, NotFound
from .snapshot import award_rows, batch_part
from .text import short_text



def _batch(session: Session, event_id: int, point: BridgePoint, batch_id) -> AwardBatch:
    batch = session.get(AwardBatch, batch_id) if row_id(batch_id) else None
    if batch is None or batch.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy đợt %(id)s.", id=str(batch_id)[:20]))
    if batch.bridge_point_id != point.id:
        raise Invalid(lazy("Đợt này được trao tại điểm cầu khác, không phải %(point)s.", point=point.short_name))
    return batch


def _award(session: Session, event_id: int, point: BridgePoint, args: dict) -> tuple[Award, AwardBatch]:
    award_id = args.get("award_id")
    award = session.get(Award, award_id) if row_id(award_id) else None
    if award is None or award.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy khen thưởng %(id)s.", id=str(award_id)[:20]))
    batch = _batch(session, event_id, point, award.batch_id) if award.batch_id else None
    if batch is None or batch.status != "called":
        raise Invalid(lazy("Chỉ đánh dấu được người trong đợt đang được mời lên sân khấu."))
    return award, batch


def _publish(session: Session, event_id: int, actor: str, action: str, batch: AwardBatch, **cue) -> revision.Change:
    return revision.commit_change(session, event_id, actor, action, {"awards": {
        "batches": [batch_part(batch)], "awards": award_rows(session, event_id, Award.batch_id == batch.id)}},
        bridge_point_id=batch.bridge_point_id, **cue)


def call(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
    """Mời đợt lên sân khấu. One batch at a time at a point: the one on stage is closed first."""
    with revision.change(session, event_id):
        batch = _batch(session, event_id, point, args.get("batch_id"))
        if batch.status != "waiting":
            raise Invalid(lazy("Đợt này đã được mời."))
        on_stage = session.execute(select(AwardBatch).where(AwardBatch.event_id == event_id,
                                                            AwardBatch.bridge_point_id == point.id,
                                                            AwardBatch.status == "called")).scalars().first()
        if on_stage is not None:
            raise Invalid(lazy("Đợt %(n)s đang trên sân khấu; bấm “Xong đợt” trước khi mời đợt sau.",
                               n=on_stage.position + 1))
        batch.status, batch.called_at = "called", utcnow()
        return _publish(session, event_id, actor, "award_call", batch, batch_id=batch.id)


def _mark(status: str, action: str):
    def run(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
        proxy = ""
        if status == "proxy":
            proxy = short_text(args.get("proxy_name"), 200, str(lazy("Người nhận thay")), required=True)
        with revision.change(session, event_id):
            award, batch = _award(session, event_id, point, args)
            award.status, award.proxy_name = status, proxy
            award.marked_at, award.marked_by = (utcnow(), actor) if status != "pending" else (None, "")
            return _publish(session, event_id, actor, action, batch, award_id=award.id, proxy_name=proxy)
    return run


present = _mark("presented", "award_present")
absent = _mark("absent", "award_absent")
proxy = _mark("proxy", "award_proxy")
reset = _mark("pending", "award_reset")


def done(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
    """Xong đợt: the batch leaves the stage. Recipients not marked stay pending, for the report."""
    with revision.change(session, event_id):
        batch = _batch(session, event_id, point, args.get("batch_id"))
        if batch.status != "called":
            raise Invalid(lazy("Đợt này không ở trên sân khấu."))
        batch.status, batch.done_at = "done", utcnow()
        return _publish(session, event_id, actor, "award_batch_done", batch, batch_id=batch.id)
