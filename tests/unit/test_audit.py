"""The audit log: who did what, from where, in the same transaction as the change; the admin reads it
with the cue log's commands and exports it."""
from __future__ import annotations

from sqlalchemy import select

from server.models import AuditEntry
from server.services import events, show_control
from tests.unit.test_sign_in import try_password
from tests.unit.test_web_events import csrf_of


def actions(session) -> list[tuple[str, str, str]]:
    session.expire_all()
    return [(a.action, a.actor, a.address) for a in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_sign_ins_accounts_tokens_settings_and_events_are_recorded_with_who_and_where(app, session, make_user):
    admin = make_user("admin", "quantri")
    client = app.test_client()
    try_password(client, "quantri", "sai", "10.0.0.7")
    try_password(client, "quantri", "mat-khau-thu", "10.0.0.7")
    token = csrf_of(client, "/admin/")
    client.post("/admin/users", data={"csrf": token, "username": "dieuhanh2", "password": "mat-khau-dai-du",
                                      "role": "operator"}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    client.post("/admin/public-url", data={"csrf": token, "public_url": "http://192.168.1.10:5000"},
                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    client.post("/events/new", data={"csrf": csrf_of(client, "/events/new"), "title": "Hội nghị tháng 6"},
                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    got = actions(session)
    who = f"quantri ({admin.role})"
    assert got == [("sign_in_failed", "quantri", "10.0.0.7"), ("sign_in", who, "10.0.0.7"),
                   ("account_created", who, "10.0.0.7"), ("public_url", who, "10.0.0.7"),
                   ("event_created", who, "10.0.0.7")]


def test_a_refused_change_leaves_no_entry(app, session, make_user, make_event):
    event = make_event(n=1)
    before = len(actions(session))
    try:
        events.update(session, event, {"timezone": "Sao Hỏa"}, "test")
    except Exception:
        session.rollback()
    assert len(actions(session)) == before


def test_the_admin_reads_entries_and_commands_together_and_exports_them(app, session, make_user, make_event):
    event = make_event(n=3)
    show_control.command(session, event.id, "go", expected_rev=0, actor="dieuhanh (operator)")
    events.archive(session, event, "quantri (admin)")
    session.commit()
    client = app.test_client()
    try_password(client, make_user("admin").username, "mat-khau-thu")
    html = client.get(f"/admin/audit?event={event.id}").get_data(as_text=True)
    assert 'data-action="command"' in html and 'data-action="event_archived"' in html
    assert "Lưu trữ hội nghị" in html and "Lệnh điều hành" in html
    export = client.get(f"/admin/audit?event={event.id}&format=csv")
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/csv" and text.startswith("\ufeffThời gian,Người thực hiện")
    assert "event_archived" in text and ",command," in text
    viewer = app.test_client()
    try_password(viewer, make_user("operator").username, "mat-khau-thu", "10.3.3.3")
    assert viewer.get("/admin/audit").status_code == 403
