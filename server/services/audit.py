"""The audit log: who did what, when, from where. Entries are written by the services that make the
change (and by sign-in), in the same transaction, so a change that did not happen leaves none. The
show's own commands are already in each event's cue log; `entries` reads both, newest first, for the
admin page and its CSV export."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import AuditEntry, CueLog, Event, utcnow

# What an entry's action means, for people.
ACTIONS = {
    "sign_in": lazy("Đăng nhập"), "sign_in_failed": lazy("Đăng nhập sai"), "sign_in_locked": lazy("Bị khóa đăng nhập"),
    "sign_out": lazy("Đăng xuất mọi nơi"), "unlock": lazy("Mở khóa đăng nhập"),
    "sign_out_everywhere": lazy("Buộc đăng xuất mọi nơi"), "account_created": lazy("Tạo tài khoản"),
    "token_issued": lazy("Cấp mã truy cập"), "token_revoked": lazy("Thu hồi mã truy cập"),
    "public_url": lazy("Đổi địa chỉ công khai"), "event_created": lazy("Tạo hội nghị"),
    "event_updated": lazy("Sửa thông tin hội nghị"), "event_duplicated": lazy("Nhân bản hội nghị"),
    "event_archived": lazy("Lưu trữ hội nghị"), "event_reset": lazy("Đặt lại sau diễn tập"),
    "event_deleted": lazy("Xóa hội nghị"), "import": lazy("Nhập tệp"),
    "invitation_revoked": lazy("Thu hồi thư mời"), "invitation_reissued": lazy("Cấp lại thư mời"),
    "command": lazy("Lệnh điều hành"),
}
MAX_DETAIL = 4000


def record(session: Session, actor: str, action: str, *, event_id: int | None = None, target: str = "",
           detail: dict | None = None, address: str = "") -> None:
    """Adds an entry to the change being made (flushed with it, committed with it)."""
    text = json.dumps(detail, ensure_ascii=False, default=str)[:MAX_DETAIL] if detail else ""
    if not address and has_request_context():
        address = request.remote_addr or ""          # the pages and the API: who asked, from where
    session.add(AuditEntry(at=utcnow(), actor=str(actor)[:120], address=str(address or "")[:64], action=action,
                           event_id=event_id, target=str(target)[:200], detail=text))


@dataclass
class Entry:
    at: datetime
    actor: str
    address: str
    action: str
    event: str
    target: str
    detail: str

    @property
    def label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))


def entries(session: Session, *, event_id: int | None = None, limit: int = 500) -> list[Entry]:
    """The newest `limit` entries, audit and cue log together (the cue log only when an event is chosen
    or for every event)."""
    slugs = dict(session.execute(select(Event.id, Event.slug)).all())
    audit_q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    cue_q = select(CueLog).order_by(CueLog.at.desc(), CueLog.id.desc()).limit(limit)
    if event_id is not None:
        audit_q = audit_q.where(AuditEntry.event_id == event_id)
        cue_q = cue_q.where(CueLog.event_id == event_id)
    out = [Entry(a.at, a.actor, a.address, a.action, slugs.get(a.event_id, ""), a.target, a.detail)
           for a in session.execute(audit_q).scalars()]
    out += [Entry(c.at, c.actor, "", "command", slugs.get(c.event_id, ""), c.action, c.detail)
            for c in session.execute(cue_q).scalars()]
    out.sort(key=lambda e: e.at, reverse=True)
    return out[:limit]


def csv_text(rows: list[Entry], zone) -> str:
    """The export: one row an entry, times in `zone`, UTF-8 with a BOM so Excel reads the diacritics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Thời gian", "Người thực hiện", "Địa chỉ", "Việc", "Mã việc", "Hội nghị", "Đối tượng", "Chi tiết"])
    for e in rows:
        writer.writerow([e.at.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S"), e.actor, e.address, e.label, e.action,
                         e.event, e.target, e.detail])
    return "\ufeff" + buffer.getvalue()
