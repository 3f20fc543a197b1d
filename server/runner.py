"""`diemcau` command: start the server (eventlet by default), create accounts, issue API tokens.

The only place eventlet is imported: application code stays neutral so another async mode runs it.
Only the standard library is imported before the async mode is chosen and patched in.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diemcau", description="Điểm Cầu – điều hành hội nghị trực tuyến")
    sub = parser.add_subparsers(dest="cmd")
    serve = sub.add_parser("serve", help="chạy máy chủ (mặc định)")
    serve.add_argument("--host", default=os.environ.get("DIEMCAU_HOST", "127.0.0.1"),
                       help="địa chỉ lắng nghe: 127.0.0.1 chỉ máy này (mặc định); 0.0.0.0 cho mọi máy trong mạng")
    serve.add_argument("--port", type=int, default=int(os.environ.get("DIEMCAU_PORT", "5000")))
    serve.add_argument("--database-url", default=None, help="mặc định: SQLite trong thư mục instance/")
    serve.add_argument("--message-queue", default=None, help="vd. redis://127.0.0.1:6379/0 khi chạy nhiều tiến trình")
    serve.add_argument("--channel", default=None,
                       help="kênh trên hàng đợi tin nhắn, chung cho mọi tiến trình của một hệ thống (mặc định diemcau)")
    serve.add_argument("--worker-name", default=None, help="tên tiến trình này (mặc định máy:cổng)")
    serve.add_argument("--async-mode", choices=["eventlet", "threading"],
                       default=os.environ.get("DIEMCAU_ASYNC_MODE", "eventlet"))
    serve.add_argument("--instance", default=None, help="thư mục dữ liệu (khóa bí mật, SQLite, mật khẩu demo)")
    # Production starts clean; `python3 dev.py serve` passes --demo for a first look.
    serve.add_argument("--demo", action="store_true", help="nạp hội nghị mẫu Quận 9 và các tài khoản demo")
    serve.add_argument("--no-demo", action="store_true", help=argparse.SUPPRESS)   # the default now; kept for old units
    serve.add_argument("--public-url", default=os.environ.get("DIEMCAU_PUBLIC_URL"),
                       help="địa chỉ công khai in trong mọi mã QR và đường dẫn (vd. http://192.168.1.10:5000); "
                            "lưu lại cho các lần chạy sau, quản trị viên đổi được tại /admin/")
    serve.add_argument("--max-connections", type=int, default=10000,
                       help="số kết nối đồng thời tối đa (eventlet mặc định chỉ 1024)")
    user = sub.add_parser("create-user", help="tạo tài khoản")
    user.add_argument("username")
    user.add_argument("role", choices=["admin", "operator", "mc", "site_tech", "checkin", "escort", "unit", "viewer"])
    user.add_argument("--bridge-point", type=int, default=None, help="id điểm cầu (cho site_tech, checkin)")
    user.add_argument("--event", default=None, help="mã hội nghị của điểm cầu (cùng --point)")
    user.add_argument("--point", default=None, help="mã điểm cầu, vd. long-binh (cùng --event)")
    user.add_argument("--database-url", default=None)
    sub.add_parser("agent", help="tác tử điểm cầu: theo dõi chương trình và tally, phát webhook / OSC (xem sites/agent.py)")
    sub.add_parser("simulate", help="diễn tập: giả lập N điểm cầu (xem sites/simulator.py)")
    token = sub.add_parser("issue-token", help="cấp mã truy cập API cho một tài khoản (in ra một lần)")
    token.add_argument("username")
    token.add_argument("--name", default="Companion")
    token.add_argument("--database-url", default=None)
    migrate = sub.add_parser("migrate", help="nâng cấu trúc cơ sở dữ liệu lên bản mới nhất (Alembic), rồi thoát")
    migrate.add_argument("--database-url", default=None)
    backup = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu và khóa bí mật vào một tệp zip (khi đang chạy)")
    backup.add_argument("target", help="tệp .zip, hoặc một thư mục (tên tệp theo ngày giờ)")
    restore = sub.add_parser("restore", help="khôi phục một bản sao lưu vào thư mục và cơ sở dữ liệu mới")
    restore.add_argument("source", help="tệp .zip do diemcau backup tạo")
    restore.add_argument("--replace", action="store_true", help="ghi đè cơ sở dữ liệu và khóa bí mật đã có")
    for p in (backup, restore):
        p.add_argument("--database-url", default=None)
        p.add_argument("--instance", default=None, help="thư mục dữ liệu (khóa bí mật, SQLite)")
    rep = sub.add_parser("report", help="xuất báo cáo sau hội nghị (XLSX, CSV, PDF) ra một thư mục")
    rep.add_argument("slug")
    rep.add_argument("--out", required=True, help="thư mục ghi tệp")
    rep.add_argument("--format", default="xlsx,csv,pdf", help="xlsx, csv, pdf, cách nhau bằng dấu phẩy")
    rep.add_argument("--database-url", default=None)
    cli.add_parsers(sub)
    return parser


COMMANDS = ("serve", "migrate", "backup", "restore", "create-user", "issue-token", "report", "event", "point", "delegates",
            "programme", "agent",
            "simulate", "-h", "--help")
# The bridge-point side: plain python-socketio clients, no server and no async mode of their own.
CLIENT_COMMANDS = {"agent": "sites.agent", "simulate": "sites.simulator"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        argv = ["serve", *argv]          # `diemcau --port 8000` means serve
    if argv[0] in CLIENT_COMMANDS:
        import importlib
        importlib.import_module(CLIENT_COMMANDS[argv[0]]).main(argv[1:])
        return
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "serve":
            _serve(args)
        elif args.cmd in ("backup", "restore"):
            _backup_command(args)
        else:
            _admin_command(args)
    except Exception as exc:
        from sqlalchemy.exc import ArgumentError, OperationalError   # here: after eventlet has patched
        if not isinstance(exc, (ArgumentError, OperationalError)):
            raise
        sys.exit(_database_error(exc, args.database_url or os.environ.get("DIEMCAU_DATABASE_URL", "")))


def _database_error(exc: Exception, url: str) -> str:
    """What to fix when the database cannot be opened, without a traceback and without the password."""
    from sqlalchemy.engine import make_url
    try:
        where = make_url(url).render_as_string(hide_password=True) if url else "SQLite trong thư mục instance/"
    except Exception:      # noqa: BLE001  (the URL itself is what is wrong)
        where = "(địa chỉ không đọc được)"
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
    return (f"Không mở được cơ sở dữ liệu {where}: {reason}\n"
            "Kiểm tra --database-url (hoặc DIEMCAU_DATABASE_URL), dạng postgresql://người_dùng:mật_khẩu@máy:5432/tên, "
            "và máy chủ PostgreSQL có đang chạy không (docs/deployment.md).")


def _settings(args, **extra):
    if getattr(args, "instance", None):
        os.environ["DIEMCAU_INSTANCE"] = args.instance
    from .config import Settings
    return Settings(database_url=args.database_url or "", **extra)


def _green_psycopg2() -> None:
    """psycopg2 waits for PostgreSQL inside C, which would stop every green thread; with this wait
    callback it hands the wait to eventlet's hub instead (psycopg2's documented hook for coroutines)."""
    import psycopg2
    from psycopg2 import extensions
    from eventlet.hubs import trampoline

    def wait(conn, timeout=None):
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state == extensions.POLL_READ:
                trampoline(conn.fileno(), read=True)
            elif state == extensions.POLL_WRITE:
                trampoline(conn.fileno(), write=True)
            else:
                raise psycopg2.OperationalError(f"unexpected poll state {state!r}")

    extensions.set_wait_callback(wait)


def _port_free(host: str, port: int) -> None:
    """Two servers on one port would split the screens between them without a word (SO_REUSEPORT):
    a port already taken stops this one with what to do."""
    import socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            sys.exit(f"Không mở được cổng {port} trên {host}: {exc.strerror or exc}. Có thể một máy chủ Điểm Cầu "
                     f"khác đang chạy trên cổng này; dừng nó, hoặc chạy với --port CỔNG_KHÁC.")


def _serve(args) -> None:
    _port_free(args.host, args.port)
    if args.async_mode == "eventlet":
        import warnings
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")   # known; DESIGN.md keeps a second mode
        import eventlet
        eventlet.monkey_patch()
        _green_psycopg2()
    from .app import create_app
    from .extensions import socketio

    settings = _settings(args, message_queue=args.message_queue, async_mode=args.async_mode,
                         load_demo=args.demo and not args.no_demo, channel=args.channel or "",
                         worker=args.worker_name or os.environ.get("DIEMCAU_WORKER") or f"{args.host}:{args.port}")
    app = create_app(settings)
    if args.public_url:
        _store_public_url(app, args.public_url)
    from .realtime import start_ticker
    start_ticker(app)
    _print_welcome(app, args.host, args.port)
    if args.async_mode == "eventlet":
        import socket
        import eventlet.wsgi
        listener = eventlet.listen((args.host, args.port), reuse_port=False)     # see _port_free
        # Accepted sockets inherit TCP_NODELAY: an ack written right after a patch leaves at once
        # instead of waiting ~40 ms for the client's delayed ACK.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Every open websocket holds one green thread; eventlet's default pool of 1024 would lock
        # out the operator desk once a thousand screens are connected.
        eventlet.wsgi.server(listener, app, max_size=args.max_connections, log_output=False)
    else:
        socketio.run(app, host=args.host, port=args.port, log_output=False, use_reloader=False,
                     allow_unsafe_werkzeug=True)


def _store_public_url(app, url: str) -> None:
    from .services import public_address
    from .services.errors import ServiceError
    with app.extensions["diemcau.db"].session() as s, app.app_context():
        try:
            public_address.store(s, url, "diemcau serve --public-url")
        except ServiceError as exc:
            sys.exit(str(exc.message))
        s.commit()


def _print_welcome(app, host: str, port: int) -> None:
    from sqlalchemy import select
    from .models import Event
    from .services import accounts, public_address

    listening = f"http://{host}:{port}"
    from sqlalchemy.engine import make_url
    settings = app.config["DIEMCAU"]
    where = make_url(settings.database_url).render_as_string(hide_password=True).split("?")[0]
    if settings.message_queue:
        where += f", {make_url(settings.message_queue).render_as_string(hide_password=True)}"
    lines = [f"Điểm Cầu đang chạy tại {listening}  ({where}; tiến trình {settings.worker})"]
    with app.extensions["diemcau.db"].session() as s:
        public = public_address.configured(s)
    base = public or listening
    if public:
        lines.append(f"Địa chỉ công khai (in trong mã QR): {public}")
    if not public or public_address.is_loopback(public):
        lines.append(f"Chú ý: mã QR và đường dẫn in ra đang dùng {base}, điện thoại không mở được. Để máy khác vào được:"
                     "\n  diemcau serve --host 0.0.0.0 --public-url http://IP-CỦA-MÁY-CHỦ:" + str(port) +
                     "  (xem README, mục Mạng hội trường)")
    with app.extensions["diemcau.db"].session() as s:
        for event in s.execute(select(Event)).scalars():
            lines.append(f"\n{event.title}")
            lines.append(f"  Điều hành:        {base}/e/{event.slug}/desk")
            lines.append(f"  Màn hình sân khấu: {base}/e/{event.slug}/stage")
            lines.append(f"  Dẫn chương trình: {base}/e/{event.slug}/prompter")
            lines.append(f"  Soạn chương trình: {base}/e/{event.slug}/programme/")
            lines.append(f"  Phòng điều phối:  {base}/e/{event.slug}/control")
            lines.append(f"  Phiếu điểm cầu (in, có mã QR): {base}/e/{event.slug}/sheet")
            lines.append(f"  Đại biểu, thư mời: {base}/e/{event.slug}/delegates/")
            lines.append(f"  Điểm danh:        {base}/e/{event.slug}/attendance")
            lines.append(f"  Quét mã tại cổng: {base}/e/{event.slug}/scan   (máy quét: {base}/e/{event.slug}/devices)")
            lines.append(f"  Khen thưởng:      {base}/e/{event.slug}/awards/   (đưa đón: {base}/e/{event.slug}/escort)")
            lines.append(f"  Đề nghị khen thưởng: {base}/e/{event.slug}/nominations/")
            lines.append(f"  Báo cáo sau hội nghị: {base}/e/{event.slug}/report   (PDF, XLSX, CSV)")
            lines.append("  Điểm cầu (màn hình / trang kỹ thuật):")
            for point in event.bridge_points:
                lines.append(f"    {point.short_name:<22} {base}/e/{event.slug}/site/{point.code}"
                             f"   {base}/e/{event.slug}/console/{point.code}")
    lines.append(f"  Quản trị:         {base}/admin/")
    with app.extensions["diemcau.db"].session() as s:
        if not accounts.has_accounts(s):
            code = accounts.setup_code(app.config["DIEMCAU"].secret_key)
            lines.append(f"\nChưa có tài khoản nào. Tạo quản trị viên đầu tiên tại {base}/setup với mã cài đặt {code}"
                         "\n(hoặc bằng dòng lệnh: diemcau create-user TÊN admin), rồi tạo hội nghị trên trang chủ"
                         "\nhoặc: diemcau event create MÃ --title \"Tên hội nghị\" --date 2023-05-19 --start 08:00")
    logins = app.config.get("DEMO_LOGINS") or []
    if logins:
        lines.append("\nTài khoản demo (tên / mật khẩu / vai trò), lưu ở instance/demo-logins.txt:")
        lines += [f"  {u:<22} {p:<16} {label}" for u, p, label in logins]
    print("\n".join(lines), flush=True)


def _backup_command(args) -> None:
    """Before any migration: a restore goes into an empty database."""
    from pathlib import Path
    from .db import Database
    from .services import backup
    from .services.errors import ServiceError

    # Restoring into a fresh folder must not make a key of its own first: the backup brings one.
    settings = _settings(args, **({"secret_key": "-"} if args.cmd == "restore" else {}))
    try:
        if args.cmd == "backup":
            db = Database(settings.database_url)
            path = backup.create(settings.database_url, settings.secret_key, db.current_revision(), Path(args.target))
            print(f"Đã sao lưu vào {path} (có khóa bí mật: giữ tệp này như giữ mật khẩu).")
            return
        manifest = backup.restore(Path(args.source), settings.database_url, settings.instance_dir,
                                  replace=args.replace)
    except ServiceError as exc:
        sys.exit(str(exc.message))
    db = Database(settings.database_url)
    with db.setup_lock():
        db.upgrade()
    print(f"Đã khôi phục bản sao lưu lúc {manifest['created_at'][:19]} vào {settings.instance_dir}; "
          f"cơ sở dữ liệu ở bản {db.current_revision()}. Chạy diemcau serve để tiếp tục.")


def _admin_command(args) -> None:
    import getpass
    from sqlalchemy import select
    from .db import Database
    from .models import User
    from .services import accounts
    from .services.errors import ServiceError

    db = Database(_settings(args).database_url)
    with db.setup_lock():
        db.upgrade()
    if args.cmd == "migrate":
        print(f"Cơ sở dữ liệu đã ở bản mới nhất ({db.current_revision()}).")
        return
    with db.session() as s:
        try:
            if args.cmd in cli.COMMANDS:
                cli.run(s, args)
            elif args.cmd == "create-user":
                point_id = args.bridge_point
                if args.point or args.event:
                    from .services import bridge_points, events
                    if not (args.point and args.event):
                        sys.exit("Cần cả --event (mã hội nghị) và --point (mã điểm cầu).")
                    point_id = bridge_points.get(s, events.require(s, args.event), args.point).id
                password = os.environ.get("DIEMCAU_NEW_PASSWORD") or getpass.getpass("Mật khẩu: ")
                accounts.create_user(s, args.username, password, args.role, bridge_point_id=point_id)
                s.commit()
                print(f"Đã tạo tài khoản {args.username} ({args.role}).")
            elif args.cmd == "issue-token":
                user = s.execute(select(User).where(User.username == args.username)).scalar_one_or_none()
                if user is None:
                    sys.exit(f"Không có tài khoản {args.username}.")
                token = accounts.issue_token(s, user, args.name)
                s.commit()
                print(token)
            elif args.cmd == "report":
                _report_command(s, args)
        except ServiceError as exc:
            sys.exit(str(exc.message))


def _report_command(session, args) -> None:
    """The same files the report page offers, written to a folder (for the Standing Committee's file)."""
    from pathlib import Path
    from sqlalchemy import select
    from .models import Event
    from .services.report import report
    from .services.report_export import write_files
    event = session.execute(select(Event).where(Event.slug == args.slug)).scalar_one_or_none()
    if event is None:
        sys.exit(f"Không có hội nghị {args.slug}.")
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    try:
        written = write_files(report(session, event.id), Path(args.out), formats,
                              issuing_body=event.issuing_body or None, place_name=event.place_name or None)
    except ValueError as exc:
        sys.exit(str(exc))
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
