"""The `diemcau event …`, `diemcau point …` and `diemcau delegates import` commands: the command-line
door to the same services the pages and the HTTP API call. Run by server/runner.py with an open
session; a ServiceError ends the command with its message, never a traceback.

Only the standard library at import: the runner builds its parser before an async mode is patched in.
"""
from __future__ import annotations

import sys
from pathlib import Path

ACTOR = "dòng lệnh"
# --flag -> event field
EVENT_FLAGS = {"title": "title", "date": "date", "start": "start", "timezone": "timezone", "place": "venue",
               "organiser": "organiser", "plan_number": "plan_number", "language": "language"}


def add_parsers(sub) -> None:
    event = sub.add_parser("event", help="hội nghị: tạo, liệt kê, nhân bản, lưu trữ, đặt lại sau diễn tập, xóa")
    ev = event.add_subparsers(dest="event_cmd", required=True)
    create = ev.add_parser("create", help="tạo hội nghị mới")
    create.add_argument("slug")
    create.add_argument("--title", required=True)
    duplicate = ev.add_parser("duplicate", help="hội nghị mới từ một hội nghị cũ (chương trình, điểm cầu, danh mục)")
    duplicate.add_argument("slug")
    duplicate.add_argument("new")
    duplicate.add_argument("--title")
    for p in (create, duplicate):
        p.add_argument("--date", help="YYYY-MM-DD")
        p.add_argument("--start", help="HH:MM, giờ của hội nghị")
    create.add_argument("--timezone", default=None, help="mặc định Asia/Ho_Chi_Minh")
    create.add_argument("--place", help="địa điểm")
    create.add_argument("--organiser", help="cơ quan tổ chức")
    create.add_argument("--plan-number", help="số kế hoạch, vd. Số 227-KH/QU")
    create.add_argument("--language", choices=["vi", "en"])
    ev.add_parser("list", help="các hội nghị: đang diễn ra, sắp tới, đã qua")
    for name, text in (("archive", "lưu trữ: chỉ xem, khóa tài khoản tại điểm cầu"),
                       ("reset", "đặt lại sau diễn tập: xóa trạng thái chạy, điểm danh, nhật ký; giữ danh sách")):
        ev.add_parser(name, help=text).add_argument("slug")
    delete = ev.add_parser("delete", help="xóa hội nghị và mọi dữ liệu của nó")
    delete.add_argument("slug")
    delete.add_argument("--yes", action="store_true", help="không hỏi lại")
    point = sub.add_parser("point", help="điểm cầu của một hội nghị")
    pt = point.add_subparsers(dest="point_cmd", required=True)
    add = pt.add_parser("add", help="thêm một điểm cầu")
    add.add_argument("slug")
    add.add_argument("name")
    add.add_argument("--kind", default="ward", choices=["main", "district", "ward", "commune"])
    add.add_argument("--short-name")
    add.add_argument("--code")
    imp = pt.add_parser("import", help="nhập danh sách điểm cầu từ tệp XLSX/CSV (tất cả hoặc không)")
    imp.add_argument("slug")
    imp.add_argument("file")
    pt.add_parser("list", help="các điểm cầu của hội nghị").add_argument("slug")
    people = sub.add_parser("delegates", help="danh sách đại biểu")
    dl = people.add_subparsers(dest="delegates_cmd", required=True)
    dimp = dl.add_parser("import", help="nhập danh sách đại biểu từ tệp XLSX/CSV, cấp thư mời")
    dimp.add_argument("slug")
    dimp.add_argument("file")
    dimp.add_argument("--create-categories", action="store_true", help="tạo các thành phần tệp có mà hội nghị chưa có")
    dinv = dl.add_parser("invitations", help="in thư mời (PDF, mỗi người một trang) cho đại biểu còn thư mời")
    dinv.add_argument("slug")
    dinv.add_argument("--out", required=True, help="tệp PDF sẽ ghi, vd. thu-moi.pdf")
    dinv.add_argument("--public-url", help="địa chỉ in trong mã QR (vd. http://192.168.1.10:5000); "
                                           "mặc định: địa chỉ công khai đã đặt (diemcau serve --public-url, /admin/)")
    dinv.add_argument("--point", help="chỉ đại biểu của điểm cầu này (mã điểm cầu)")
    prog = sub.add_parser("programme", help="chương trình của một hội nghị")
    pg = prog.add_subparsers(dest="programme_cmd", required=True)
    pimp = pg.add_parser("import", help="nhập chương trình từ tệp XLSX/CSV (thay chương trình chưa chạy)")
    pimp.add_argument("slug")
    pimp.add_argument("file")
    for p in (create, duplicate, ev.choices["list"], ev.choices["archive"], ev.choices["reset"], delete, add, imp,
              pt.choices["list"], dimp, dinv, pimp):
        p.add_argument("--database-url", default=None)


def _when(event) -> str:
    from .services.local_time import local_start
    start = local_start(event)
    return f"{start:%H:%M %d/%m/%Y} ({event.timezone})" if start else "chưa có ngày"


def _fail(exc) -> None:
    lines = [str(exc.message), *exc.details.get("errors", [])]
    sys.exit("\n".join(lines))


def event_command(session, args) -> None:
    from .services import events
    cmd = args.event_cmd
    if cmd == "list":
        for phase, label in (("running", "Đang diễn ra"), ("upcoming", "Sắp tới"), ("past", "Đã qua")):
            for event in events.listing(session, None)[phase]:
                mark = " [lưu trữ]" if event.archived_at else ""
                print(f"{label:<13} {event.slug:<40} {_when(event):<36} {len(event.bridge_points):>4} điểm cầu  "
                      f"{event.title[:80]}{mark}")
        return
    if cmd == "create":
        data = {field: getattr(args, flag) for flag, field in EVENT_FLAGS.items() if getattr(args, flag, None)}
        event = events.create(session, {"slug": args.slug, **data}, ACTOR)
        session.commit()
        print(f"Đã tạo hội nghị {event.slug}: {event.title} — {_when(event)}.")
        return
    event = events.require(session, args.slug)
    if cmd == "duplicate":
        data = {"slug": args.new} | {k: getattr(args, k) for k in ("title", "date", "start") if getattr(args, k)}
        copy = events.duplicate(session, event, data, ACTOR)
        session.commit()
        print(f"Đã nhân bản {event.slug} thành {copy.slug}: {len(copy.bridge_points)} điểm cầu, {_when(copy)}.")
    elif cmd == "archive":
        disabled = events.archive(session, event, ACTOR)
        session.commit()
        print(f"Đã lưu trữ {event.slug}; khóa {disabled} tài khoản tại điểm cầu.")
    elif cmd == "reset":
        change = events.reset(session, event, ACTOR)
        print(f"Đã đặt lại {event.slug} sau diễn tập (phiên bản {change.rev}); các màn hình tự tải lại.")
    elif cmd == "delete":
        confirm = event.slug if args.yes else None
        if confirm is None:
            print(f"Xóa hội nghị sẽ mất {events.contents(session, event).lost()}.")
            if not sys.stdin.isatty():
                sys.exit("Không xóa: chạy lại với --yes để xác nhận.")
            confirm = input(f"Nhập mã hội nghị “{event.slug}” để xác nhận: ")
        lost = events.delete(session, event, confirm, ACTOR)
        session.commit()
        print(f"Đã xóa {args.slug} ({lost.delegates} đại biểu, {lost.bridge_points} điểm cầu).")


def point_command(session, args) -> None:
    from .services import bridge_points, events
    event = events.require(session, args.slug)
    if args.point_cmd == "add":
        point = bridge_points.add(session, event, {"name": args.name, "kind": args.kind,
                                                   "short_name": args.short_name or "", "code": args.code or ""})
        session.commit()
        print(f"Đã thêm điểm cầu {point.code}: {point.name} ({point.kind}).")
    elif args.point_cmd == "import":
        path = Path(args.file)
        added = bridge_points.import_points(session, event, path.name, _read(path), ACTOR)
        print(f"Đã nhập {len(added)} điểm cầu từ {path.name}.")
    else:
        for point in event.bridge_points:
            print(f"{point.position + 1:>4}  {point.code:<30} {point.kind:<9} {point.name}")


def _signing_app(args):
    """Invitations are signed with the instance's key (DIEMCAU_INSTANCE / DIEMCAU_SECRET_KEY), as the
    server signs them, and their texts read in Vietnamese: an app context gives both."""
    from flask import Flask
    from .config import Settings
    from .extensions import babel
    app = Flask("diemcau-cli")
    app.config["SECRET_KEY"] = Settings(database_url=args.database_url or "").secret_key
    babel.init_app(app, locale_selector=lambda: "vi")
    return app


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        sys.exit(f"Không đọc được tệp {path}: {exc.strerror or exc}.")


def delegates_command(session, args) -> None:
    from .services import events
    event = events.require(session, args.slug)
    with _signing_app(args).app_context():
        if args.delegates_cmd == "import":
            from .services.delegate_import import import_delegates, parse_delegates
            path = Path(args.file)
            rows = parse_delegates(session, event.id, path.name, _read(path), create_categories=args.create_categories)
            count = import_delegates(session, event.id, rows, ACTOR)
            print(f"Đã nhập {count} đại biểu từ {path.name}, mỗi người một thư mời.")
        else:
            _print_invitations(session, event, args)


def _print_invitations(session, event, args) -> None:
    from sqlalchemy import select
    from .models import Delegate
    from .services import bridge_points, invitations, public_address
    from .services.invitation_print import invitations_pdf
    base = public_address.clean(args.public_url) if args.public_url else public_address.configured(session)
    if base is None:
        sys.exit("Chưa có địa chỉ công khai để in trong mã QR: chạy lại với --public-url http://IP-máy-chủ:5000, "
                 "hoặc đặt nó một lần (diemcau serve --public-url …, hoặc trang Quản trị).")
    query = select(Delegate).where(Delegate.event_id == event.id)
    if args.point:
        query = query.where(Delegate.bridge_point_id == bridge_points.get(session, event, args.point).id)
    people = list(session.execute(query.order_by(Delegate.id)).scalars())
    cards = invitations.cards(session, event, people, base + "/")
    if not cards:
        sys.exit("Không có đại biểu nào có thư mời còn hiệu lực.")
    pdf = invitations_pdf(*invitations.printed(event), cards)
    out = Path(args.out)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        sys.exit(f"Không ghi được tệp {out}: {exc.strerror or exc}.")
    invitations.mark_printed(session, event.id, [d.id for d in people])
    print(f"Đã in {len(cards)} thư mời vào {out} (mã QR mở {base}/i/…).")


def programme_command(session, args) -> None:
    from .services import events
    from .services.programme import replace_programme
    from .services.programme_import import parse_programme
    event = events.require(session, args.slug)
    path = Path(args.file)
    count = replace_programme(session, event.id, parse_programme(path.name, _read(path)), ACTOR)
    print(f"Đã nhập {count} mục chương trình từ {path.name}.")


COMMANDS = {"event": event_command, "point": point_command, "delegates": delegates_command,
            "programme": programme_command}


def run(session, args) -> None:
    from .services.errors import ServiceError
    try:
        COMMANDS[args.cmd](session, args)
    except ServiceError as exc:
        session.rollback()
        _fail(exc)
