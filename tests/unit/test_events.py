"""Events of the organisers' own: create, duplicate, archive, reset, delete — each for what it keeps
and what it drops — and the list by phase, bridge points, categories, sign-in links, day accounts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.models import (ApiToken, Award, AwardBatch, AwardKind, BridgePoint, CheckIn, CheckMark, CueLog, Delegate,
                           DelegateCategory, Event, Incident, Invitation, LinkSample, ProgrammeItem, Scan, ShowState,
                           SignInLink, SiteCursor, Tally, User, utcnow)
from server.services import (accounts, bridge_points, check_in, commands, day_accounts, delegate_categories,
                             delegates, events, invitation_tokens, sign_in_links)
from server.services.delegate_import import ImportFailed, import_delegates, parse_delegates
from server.services.errors import Archived, ConfirmationNeeded, Invalid, NotFound


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def count(session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.execute(query).scalar()


@pytest.fixture
def lived(ctx, session, settings):
    """The reference event after a rehearsal: delegates, awards in batches, the show run to item 3
    with a local segment, check-ins, a tally, an incident, a check mark and link samples."""
    from server.demo import demo_awards, demo_delegates, load_reference_event
    event = load_reference_event(session)
    demo_delegates(session, event)
    demo_awards(session, event)
    operator = accounts.create_user(session, "dieuhanh-test", "mat-khau-thu", "operator")
    tech = accounts.create_user(session, "kt-test", "mat-khau-thu", "site_tech",
                                bridge_point_id=event.bridge_points[3].id)
    accounts.issue_token(session, tech, "agent")
    session.commit()

    def run(action, **kw):
        state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()
        session.refresh(state)
        return commands.run(session, event.id, operator, action, expected_rev=state.cursor_rev, **kw)

    for action in ("go", "next", "next", "next", "next"):
        run(action, args={"confirm": True})          # a script: past the double-press guard
    commands.run(session, event.id, tech, "local_next", expected_rev=10**6, bridge_point_id=tech.bridge_point_id)
    commands.run(session, event.id, operator, "tally_program", args={"bridge_point_id": event.bridge_points[1].id})
    commands.run(session, event.id, tech, "incident_report", args={"kind": "no_sound"},
                 bridge_point_id=tech.bridge_point_id)
    commands.run(session, event.id, tech, "check_mark", args={"check": "network", "status": "pass"},
                 bridge_point_id=tech.bridge_point_id)
    session.add(LinkSample(event_id=event.id, bridge_point_id=tech.bridge_point_id, at=utcnow(), state="good",
                           rtt_ms=20, jitter_ms=2))
    station = check_in.station_for(session, event.id, operator, event.bridge_points[0].id, "Cổng A")
    people = session.execute(select(Delegate).where(Delegate.bridge_point_id == event.bridge_points[0].id)
                             .limit(3)).scalars().all()
    for i, person in enumerate(people):
        token = invitation_tokens.token_for(invitation_tokens.current(session, person.id))
        assert check_in.scan(session, station, {"scan_id": f"rehearsal-{i:04d}", "code": token})["verdict"] == "welcome"
    batch = session.execute(select(AwardBatch).where(AwardBatch.event_id == event.id,
                                                     AwardBatch.bridge_point_id == event.bridge_points[0].id)
                            .order_by(AwardBatch.position)).scalars().first()
    commands.run(session, event.id, operator, "award_call", args={"batch_id": batch.id},
                 bridge_point_id=event.bridge_points[0].id)
    session.commit()
    return event, operator, tech


# --- create and the fields ---------------------------------------------------------------------------


def test_create_folds_the_title_into_a_code_and_reads_the_date_in_the_event_zone(ctx, session):
    event = events.create(session, {"title": "Lễ trao Huy hiệu Đảng đợt 19/5/2023", "date": "2023-05-19",
                                    "start": "08:00", "venue": "Hội trường Quận ủy Kiến An",
                                    "organiser": "Quận ủy Kiến An"}, "test")
    assert event.slug == "le-trao-huy-hieu-dang-dot-19-5-2023"
    # 08:00 in Vietnam is 01:00 UTC
    assert event.starts_at == datetime(2023, 5, 19, 1, 0, tzinfo=timezone.utc)
    assert events.local_start(event).strftime("%H:%M %d/%m/%Y") == "08:00 19/05/2023"
    assert event.timezone == "Asia/Ho_Chi_Minh" and event.language == "vi"
    labels = [c.label for c in delegate_categories.listing(session, event.id)]
    assert labels[:2] == ["Khách mời thành phố", "Lãnh đạo quận"] and len(labels) == 6
    again = events.create(session, {"title": "Lễ trao Huy hiệu Đảng đợt 19/5/2023"}, "test")
    assert again.slug == "le-trao-huy-hieu-dang-dot-19-5-2023-2"


@pytest.mark.parametrize("data, words", [
    ({"title": ""}, "tên hội nghị"),
    ({"title": "A", "slug": "Có Dấu"}, "không hợp lệ"),
    ({"title": "A", "timezone": "Asia/Hanoi_Khong_Co"}, "Múi giờ"),
    ({"title": "A", "date": "19.5.2023"}, "không đọc được"),
    ({"title": "A", "start": "tám giờ", "date": "2023-05-19"}, "Giờ bắt đầu"),
    ({"title": "A", "language": "fr"}, "Ngôn ngữ"),
    ({"title": "A", "colour": "red"}, "Trường không có: colour"),
    ({"title": "x" * 2001}, "tối đa 2000"),
])
def test_bad_fields_are_refused_with_what_to_fix(ctx, session, data, words):
    with pytest.raises(Invalid) as exc:
        events.create(session, data, "test")
    assert words in str(exc.value.message)
    assert count(session, Event) == 0


def test_a_taken_code_is_refused(ctx, session):
    events.create(session, {"title": "Hội nghị A", "slug": "hoi-nghi"}, "test")
    with pytest.raises(Invalid, match="đã có"):
        events.create(session, {"title": "Hội nghị B", "slug": "hoi-nghi"}, "test")


# --- duplicate ---------------------------------------------------------------------------------------


def test_duplicate_keeps_programme_points_lists_and_kinds_not_people_or_live_state(lived, session):
    source, _operator, _tech = lived
    delegate_categories.add(session, source.id, "Đảng viên nhận Huy hiệu 40 năm")
    session.commit()
    copy = events.duplicate(session, source, {"slug": "quan9-thang-sau", "title": "Hội nghị tháng sau",
                                              "date": "2030-01-15"}, "test")
    session.commit()
    assert copy.title == "Hội nghị tháng sau" and copy.organiser == source.organiser
    assert events.local_start(copy).date() == date(2030, 1, 15)
    assert [(p.code, p.kind) for p in copy.bridge_points] == [(p.code, p.kind) for p in source.bridge_points]
    source_items = session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == source.id)
                                   .order_by(ProgrammeItem.position)).scalars().all()
    copy_items = session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == copy.id)
                                 .order_by(ProgrammeItem.position)).scalars().all()
    assert [i.content for i in copy_items] == [i.content for i in source_items]
    assert [len(i.local_items) for i in copy_items] == [len(i.local_items) for i in source_items]
    assert all(i.actual_start is None for i in copy_items)
    assert "Đảng viên nhận Huy hiệu 40 năm" in delegate_categories.labels(session, copy.id).values()
    assert count(session, AwardKind, event_id=copy.id) == count(session, AwardKind, event_id=source.id) > 0
    for model in (Delegate, Award, CheckIn, CueLog, SiteCursor):
        assert count(session, model, event_id=copy.id) == 0, model.__name__
    state = session.execute(select(ShowState).where(ShowState.event_id == copy.id)).scalar_one()
    assert (state.status, state.cursor) == ("standby", -1)
    assert events.point_accounts(session, copy) == []


# --- archive -----------------------------------------------------------------------------------------


def test_archive_makes_the_event_read_only_and_disables_its_point_accounts(lived, session):
    event, operator, tech = lived
    link = sign_in_links.issue(session, tech, "test")
    assert events.archive(session, event, "test") == 1
    session.commit()
    session.refresh(tech)
    assert tech.active is False
    assert all(t.revoked_at is not None for t in session.execute(select(ApiToken).where(ApiToken.user_id == tech.id)).scalars())
    with pytest.raises(Archived):
        commands.run(session, event.id, operator, "next", expected_rev=10**6)
    with pytest.raises(Archived):
        check_in.station_for(session, event.id, operator, event.bridge_points[0].id, "Cổng A")
    with pytest.raises(Archived):
        events.update(session, event, {"title": "Đổi tên"})
    with pytest.raises(Archived):
        bridge_points.add(session, event, {"name": "Phường mới"})
    with pytest.raises(sign_in_links.SignInRefused):
        sign_in_links.redeem(session, link)
    assert operator.active is True                  # organisers are not the event's own accounts
    assert events.phase(event, None, utcnow()) == "past"
    assert count(session, CheckIn, event_id=event.id) == 3      # kept to be read and reported on


# --- reset -------------------------------------------------------------------------------------------


def test_reset_clears_the_rehearsal_and_keeps_the_preparation(lived, session):
    event, operator, tech = lived
    kept = {model: count(session, model, event_id=event.id)
            for model in (ProgrammeItem, BridgePoint, DelegateCategory, Delegate, Invitation, Award, AwardBatch)}
    assert count(session, CheckIn, event_id=event.id) == 3 and count(session, CueLog, event_id=event.id) > 5
    rev_before = session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar()
    seen = []
    from server.services.revision import show_changed
    show_changed.connect(seen.append, weak=False)
    try:
        change = events.reset(session, event, "test")
    finally:
        show_changed.disconnect(seen.append)
    session.expire_all()
    assert change.rev == rev_before + 2 and seen == [change]      # a gap: every screen asks for a snapshot
    for model in (CheckIn, Scan, SiteCursor, Tally, Incident, CheckMark, LinkSample):
        assert count(session, model, event_id=event.id) == 0, model.__name__
    assert [c.action for c in session.execute(select(CueLog).where(CueLog.event_id == event.id)).scalars()] == ["reset"]
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()
    assert (state.status, state.cursor, state.show_started_at) == ("standby", -1, None)
    assert state.cursor_rev == state.rev
    assert all(i.actual_start is None for i in session.execute(
        select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)).scalars())
    assert {a.status for a in session.execute(select(Award).where(Award.event_id == event.id)).scalars()} == {"pending"}
    assert {b.status for b in session.execute(select(AwardBatch).where(AwardBatch.event_id == event.id)).scalars()} \
        == {"waiting"}
    assert {model: count(session, model, event_id=event.id) for model in kept} == kept
    assert event.reset_at is not None
    # the day runs from the start again
    commands.run(session, event.id, operator, "go", expected_rev=state.cursor_rev)
    session.expire_all()
    assert session.execute(select(ShowState.cursor).where(ShowState.event_id == event.id)).scalar() == 0


def test_the_report_says_whether_it_covers_a_rehearsal_or_the_day(ctx, session, make_event):
    from server.services.report import report
    event = make_event(n=2)
    operator = accounts.create_user(session, "op-run", "mat-khau-thu", "operator")
    assert report(session, event.id)["event"]["run"] == "not_started"
    events.update(session, event, {"date": (utcnow() + timedelta(days=1)).astimezone(events.zone(event)).date()})
    commands.run(session, event.id, operator, "go", expected_rev=0)
    assert report(session, event.id)["event"]["run"] == "rehearsal"
    assert "diễn tập" in report(session, event.id)["event"]["run_text"]
    events.reset(session, event, "test")
    events.update(session, event, {"date": utcnow().astimezone(events.zone(event)).date()})
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()
    commands.run(session, event.id, operator, "go", expected_rev=state.cursor_rev)
    assert report(session, event.id)["event"]["run"] == "day"


# --- delete ------------------------------------------------------------------------------------------


def test_delete_says_what_is_lost_and_needs_the_code(lived, session):
    event, _operator, tech = lived
    other = events.create(session, {"title": "Hội nghị khác"}, "test")
    bridge_points.add(session, other, {"name": "Hội trường", "kind": "main"})
    session.commit()
    with pytest.raises(ConfirmationNeeded) as exc:
        events.delete(session, event, "xoa")
    message = str(exc.value.message)
    assert "174 đại biểu" in message and event.slug in message and "15 điểm cầu" in message
    session.rollback()
    assert session.get(Event, event.id) is not None
    lost = events.delete(session, event, event.slug)
    session.commit()
    assert lost.delegates == 174 and lost.check_ins == 3
    for model in (Delegate, Award, CheckIn, CueLog, BridgePoint, ProgrammeItem, AwardKind, DelegateCategory):
        assert count(session, model, event_id=event.id) == 0, model.__name__
    assert session.get(User, tech.id) is None                     # its point's accounts go with it
    assert count(session, BridgePoint, event_id=other.id) == 1    # nothing of the other event


# --- the list by phase -------------------------------------------------------------------------------


def test_listing_by_phase_and_a_point_account_sees_only_its_event(ctx, session):
    now = datetime(2026, 12, 4, 3, 0, tzinfo=timezone.utc)         # 10:00 in Vietnam
    today = events.create(session, {"title": "Hôm nay", "date": "2026-12-04", "start": "08:00"}, "t")
    later = events.create(session, {"title": "Tuần sau", "date": "2026-12-11"}, "t")
    before = events.create(session, {"title": "Tháng trước", "date": "2026-11-04"}, "t")
    undated = events.create(session, {"title": "Chưa có ngày"}, "t")
    point = bridge_points.add(session, later, {"name": "Phường 1"})
    tech = accounts.create_user(session, "kt-p1", "mat-khau-thu", "site_tech", bridge_point_id=point.id)
    seen = events.listing(session, None, now)
    assert [e.title for e in seen["running"]] == [today.title]
    assert [e.title for e in seen["upcoming"]] == [later.title, undated.title]
    assert [e.title for e in seen["past"]] == [before.title]
    assert events.listing(session, tech, now) == {"running": [], "upcoming": [later], "past": []}


# --- bridge points -----------------------------------------------------------------------------------


def test_points_add_edit_move_and_remove_refused_while_in_use(ctx, session):
    event = events.create(session, {"title": "Hội nghị"}, "t")
    main = bridge_points.add(session, event, {"name": "Hội trường Quận ủy", "kind": "main"})
    ward = bridge_points.add(session, event, {"name": "Hội trường Đảng ủy phường Long Bình",
                                              "short_name": "P. Long Bình", "kind": "phường"})
    assert (ward.code, ward.kind, ward.position) == ("p-long-binh", "ward", 1)
    with pytest.raises(Invalid, match="điểm cầu chính"):
        bridge_points.add(session, event, {"name": "Hội trường khác", "kind": "main"})
    with pytest.raises(Invalid, match="đã có"):
        bridge_points.add(session, event, {"name": "Phường khác", "code": "p-long-binh"})
    bridge_points.move(session, event, ward.code, -1)
    assert [p.code for p in sorted(event.bridge_points, key=lambda p: p.position)] == ["p-long-binh", main.code]
    bridge_points.update(session, event, ward.id, {"name": "Hội trường UBND phường Long Bình"})
    assert ward.code == "p-long-binh"                              # printed sheets keep working
    accounts.create_user(session, "kt-lb", "mat-khau-thu", "site_tech", bridge_point_id=ward.id)
    with pytest.raises(Invalid, match="1 tài khoản"):
        bridge_points.remove(session, event, ward.code)
    bridge_points.remove(session, event, main.code)
    assert [p.code for p in event.bridge_points] == ["p-long-binh"]


def test_points_import_is_all_or_nothing_with_line_numbers(ctx, session):
    event = events.create(session, {"title": "Hội nghị"}, "t")
    bad = "TT,Tên điểm cầu,Tên ngắn,Cấp\n1,Hội trường Quận ủy,Quận ủy,chính\n2,,P. 1,phường\n3,Phường 2,P. 2,tỉnh\n"
    with pytest.raises(ImportFailed) as exc:
        bridge_points.import_points(session, event, "diem-cau.csv", bad.encode())
    errors = exc.value.details["errors"]
    assert errors[0].startswith("Dòng 3") and errors[1].startswith("Dòng 4") and "tỉnh" in errors[1]
    assert count(session, BridgePoint, event_id=event.id) == 0
    good = "TT,Tên điểm cầu,Tên ngắn,Cấp\n1,Hội trường Quận ủy,Quận ủy,chính\n2,Hội trường xã An Lão,X. An Lão,xã\n"
    added = bridge_points.import_points(session, event, "diem-cau.csv", good.encode())
    assert [(p.code, p.kind) for p in added] == [("quan-uy", "main"), ("x-an-lao", "commune")]


# --- categories --------------------------------------------------------------------------------------


def test_an_import_with_unknown_categories_names_them_and_can_create_them(ctx, session, make_event):
    event = make_event(n=1)
    table = ("Họ và tên,Thành phần,Chỗ ngồi\nNguyễn Văn An,Đảng viên nhận Huy hiệu 40 năm,A1\n"
             "Trần Thị Bình,Khách mời,A2\nLê Văn Cường,đảng viên nhận huy hiệu 40 năm,Khu B - 12\n").encode()
    with pytest.raises(ImportFailed) as exc:
        parse_delegates(session, event.id, "ds.csv", table)
    assert exc.value.details["unknown_categories"] == ["Đảng viên nhận Huy hiệu 40 năm"]
    assert len(exc.value.details["errors"]) == 2 and "--create-categories" in exc.value.details["errors"][0]
    session.rollback()
    assert "Đảng viên nhận Huy hiệu 40 năm" not in delegate_categories.labels(session, event.id).values()
    rows = parse_delegates(session, event.id, "ds.csv", table, create_categories=True)
    import_delegates(session, event.id, rows, "test")
    people = {d.full_name: d for d in delegates.listing(session, event.id)}
    new = next(c for c in delegate_categories.listing(session, event.id) if c.label == "Đảng viên nhận Huy hiệu 40 năm")
    assert people["Nguyễn Văn An"].category == people["Lê Văn Cường"].category == new.code
    assert people["Trần Thị Bình"].category == "city_guest" and people["Trần Thị Bình"].vip is True
    assert delegates.seat_text(people["Lê Văn Cường"]) == "Khu B - 12"
    same_seat = "Họ và tên,Chỗ ngồi\nPhạm Văn Dũng,A 3\nHồ Thị Em,a3\n".encode()
    with pytest.raises(ImportFailed, match="1 lỗi") as exc:
        parse_delegates(session, event.id, "ds.csv", same_seat)
    assert "đã xếp cho dòng 2" in exc.value.details["errors"][0]


def test_categories_rename_move_and_remove_only_when_empty(ctx, session, make_event):
    event = make_event(n=1)
    cat = delegate_categories.add(session, event.id, "Cựu chiến binh")
    with pytest.raises(Invalid, match="đã có"):
        delegate_categories.add(session, event.id, "cuu chien binh")
    delegates.add(session, event.id, {"full_name": "Đỗ Văn Giang", "category": "Cựu chiến binh"}, "t")
    delegate_categories.update(session, event.id, cat.id, "Hội Cựu chiến binh", vip=True)
    delegate_categories.move(session, event.id, cat.id, -1)
    assert list(delegate_categories.labels(session, event.id))[-2] == cat.code
    with pytest.raises(Invalid, match="còn 1 đại biểu"):
        delegate_categories.remove(session, event.id, cat.id)
    with pytest.raises(NotFound):
        delegate_categories.update(session, event.id, 10**6, "X")


def test_default_categories_read_in_english_for_an_english_reader(app, session, make_event):
    event = make_event(n=1)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session as http_session
        http_session["lang"] = "en"
        labels = delegate_categories.labels(session, event.id)
    assert labels["press"] == "Press" and labels["city_guest"] != "Khách mời thành phố"


# --- one-time sign-in links and the accounts for the day ---------------------------------------------


def test_day_accounts_and_their_links_work_once_and_the_newest_sheet_counts(ctx, session, make_event):
    event = make_event(n=1, wards=2)
    logins = day_accounts.issue_all(session, event, "test")
    assert len(logins) == 6 and {l.role for l in logins} == {"site_tech", "checkin"}
    assert logins[0].user.username == f"kt-hoi-truong.{event.slug}"
    again = day_accounts.issue_all(session, event, "test")
    assert [l.user.id for l in again] == [l.user.id for l in logins]          # same accounts, new links
    with pytest.raises(sign_in_links.SignInRefused, match="thu hồi"):
        sign_in_links.redeem(session, logins[0].token)
    assert sign_in_links.redeem(session, again[0].token).id == logins[0].user.id
    with pytest.raises(sign_in_links.SignInRefused, match="đã được dùng"):
        sign_in_links.redeem(session, again[0].token)
    with pytest.raises(sign_in_links.SignInRefused, match="không đúng"):
        sign_in_links.redeem(session, "dcs_" + "x" * 43)
    later = utcnow() + timedelta(days=3)
    with pytest.raises(sign_in_links.SignInRefused, match="hết hạn"):
        sign_in_links.redeem(session, again[1].token, now=later)
    assert day_accounts.revoke_all(session, event) == 5
    stored = session.execute(select(SignInLink.token_hash)).scalars().all()
    assert all(len(h) == 64 for h in stored) and not any(l.token in stored for l in again)
