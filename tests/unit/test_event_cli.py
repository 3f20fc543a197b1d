"""`diemcau event …`, `diemcau point …`, `diemcau delegates import` and `create-user` for every role,
run through the runner's own entry point against an SQLite file, as an organiser types them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import BridgePoint, Delegate, DelegateCategory, Event, User
from server.runner import main


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIEMCAU_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DIEMCAU_NEW_PASSWORD", "mat-khau-dai-du")
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def run(*argv: str, ok: bool = True) -> str:
        code = 0
        try:
            main([*argv, "--database-url", url])
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        text = out.out + (code if isinstance(code, str) else "") + out.err
        assert (code in (0, None)) == ok, text
        assert "Traceback" not in text
        return text

    run.db = Database(url)
    run.dir = tmp_path
    return run


def test_an_event_from_nothing_through_the_command_line(cli):
    out = cli("event", "create", "le-trao-huy-hieu", "--title", "Lễ trao Huy hiệu Đảng đợt 19/5/2023",
              "--date", "2023-05-19", "--start", "08:00", "--place", "Hội trường Quận ủy Kiến An")
    assert "08:00 19/05/2023 (Asia/Ho_Chi_Minh)" in out
    assert "hoi-truong" in cli("point", "add", "le-trao-huy-hieu", "Hội trường Quận ủy", "--kind", "main",
                               "--code", "hoi-truong")
    bad = cli.dir / "diem-cau.csv"
    bad.write_text("TT,Tên điểm cầu,Cấp\n1,Phường Bắc Sơn,phường\n2,,xã\n", encoding="utf-8")
    assert "Dòng 3" in cli("point", "import", "le-trao-huy-hieu", str(bad), ok=False)
    bad.write_text("TT,Tên điểm cầu,Tên ngắn,Cấp\n1,Phường Bắc Sơn,P. Bắc Sơn,phường\n", encoding="utf-8")
    cli("point", "import", "le-trao-huy-hieu", str(bad))
    with cli.db.session() as s:
        assert [p.code for p in s.execute(select(BridgePoint).order_by(BridgePoint.position)).scalars()] == \
            ["hoi-truong", "p-bac-son"]

    people = cli.dir / "dai-bieu.csv"
    people.write_text("Họ và tên,Thành phần,Điểm cầu\nNguyễn Văn An,Đảng viên nhận Huy hiệu 40 năm,P. Bắc Sơn\n"
                      "Trần Thị Bình,Báo chí,Hội trường Quận ủy\n", encoding="utf-8")
    refused = cli("delegates", "import", "le-trao-huy-hieu", str(people), ok=False)
    assert "Đảng viên nhận Huy hiệu 40 năm" in refused and "--create-categories" in refused
    with cli.db.session() as s:
        assert s.execute(select(Delegate)).first() is None
    assert "Đã nhập 2 đại biểu" in cli("delegates", "import", "le-trao-huy-hieu", str(people), "--create-categories")
    with cli.db.session() as s:
        labels = s.execute(select(DelegateCategory.label)).scalars().all()
        assert "Đảng viên nhận Huy hiệu 40 năm" in labels

    cli("create-user", "kt-bac-son", "site_tech", "--event", "le-trao-huy-hieu", "--point", "p-bac-son")
    cli("create-user", "dandat", "escort")
    cli("create-user", "donvi", "unit")
    assert "Không tìm thấy điểm cầu “nowhere”" in cli("create-user", "kt-x", "site_tech", "--event",
                                                      "le-trao-huy-hieu", "--point", "nowhere", ok=False)
    with cli.db.session() as s:
        roles = dict(s.execute(select(User.username, User.role)).all())
        assert roles == {"kt-bac-son": "site_tech", "dandat": "escort", "donvi": "unit"}

    assert "dot-2-9" in cli("event", "duplicate", "le-trao-huy-hieu", "dot-2-9", "--date", "2023-09-02")
    listing = cli("event", "list")
    assert "le-trao-huy-hieu" in listing and "dot-2-9" in listing and "02/09/2023" in listing
    cli("event", "reset", "le-trao-huy-hieu")
    assert "khóa 1 tài khoản" in cli("event", "archive", "le-trao-huy-hieu")
    assert "đã lưu trữ" in cli("point", "add", "le-trao-huy-hieu", "Phường mới", ok=False)
    lost = cli("event", "delete", "dot-2-9", ok=False)          # no terminal, no --yes: nothing deleted
    assert "2 điểm cầu" in lost and "--yes" in lost
    with cli.db.session() as s:
        assert s.execute(select(Event.slug).order_by(Event.slug)).scalars().all() == ["dot-2-9", "le-trao-huy-hieu"]
    cli("event", "delete", "dot-2-9", "--yes")
    with cli.db.session() as s:
        assert s.execute(select(Event.slug)).scalars().all() == ["le-trao-huy-hieu"]


@pytest.mark.parametrize("argv, words", [
    (["event", "create", "Có Dấu", "--title", "Hội nghị"], "không hợp lệ"),
    (["event", "create", "hn", "--title", "Hội nghị", "--timezone", "Sao/Hoa"], "Múi giờ"),
    (["event", "archive", "khong-co"], "Không tìm thấy hội nghị"),
    (["point", "add", "khong-co", "Phường 1"], "Không tìm thấy hội nghị"),
])
def test_bad_input_ends_with_what_to_fix(cli, argv, words):
    assert words in cli(*argv, ok=False)


def test_invitations_and_programme_from_the_command_line_say_what_to_fix(cli):
    cli("event", "create", "hn", "--title", "Hội nghị", "--date", "2027-05-19", "--start", "08:00")
    cli("point", "add", "hn", "Hội trường", "--kind", "main", "--code", "hoi-truong")
    people = cli.dir / "dai-bieu.csv"
    people.write_text("Họ và tên,Điểm cầu\nNguyễn Văn An,Hội trường\n", encoding="utf-8")
    cli("delegates", "import", "hn", str(people))
    pdf = cli.dir / "thu-moi.pdf"
    assert "Chưa có địa chỉ công khai" in cli("delegates", "invitations", "hn", "--out", str(pdf), ok=False)
    assert "không hợp lệ" in cli("delegates", "invitations", "hn", "--out", str(pdf), "--public-url",
                                 "192.168.1.10:5000", ok=False)
    assert not pdf.exists()
    assert "Đã in 1 thư mời" in cli("delegates", "invitations", "hn", "--out", str(pdf), "--public-url",
                                    "http://192.168.1.10:5000")
    assert pdf.read_bytes().startswith(b"%PDF")
    missing = cli("programme", "import", "hn", str(cli.dir / "khong-co.csv"), ok=False)
    assert "Không đọc được tệp" in missing
    table = cli.dir / "ct.csv"
    table.write_text("TT,Nội dung,Thời lượng\n1,Khai mạc,5\n1,Bế mạc,abc\n", encoding="utf-8")
    bad = cli("programme", "import", "hn", str(table), ok=False)
    assert "Dòng 3" in bad and "Không nhập được chương trình" in bad
    table.write_text("TT,Nội dung,Thời lượng\n1,Khai mạc,5\n2,Bế mạc,10\n", encoding="utf-8")
    assert "Đã nhập 2 mục chương trình" in cli("programme", "import", "hn", str(table))
