"""Printable invitations: the PDF's QR codes decode to the right URL on the right page, its text is
real Vietnamese text with an embedded subset of Noto Sans, the PNG and the bare QR decode too, and the
layout keeps every line on the page and out of the QR column.

Poppler (pdftoppm, pdftotext, pdffonts, pdfinfo) rasterises and reads the PDF as a printer would;
zxing-cpp is a decoder independent of the `qrcode` library that drew the codes."""
from __future__ import annotations

import hashlib
import io
import math
import re
import shutil
import subprocess
import tempfile
import unicodedata
from base64 import urlsafe_b64encode
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from server.services import invitation_print as ip
from server.services.invitation_print import (InvitationCard, InvitationEvent, InvitationHeader, date_line,
                                              invitation_png, invitations_pdf, qr_png)
from tests.conftest import need

zxingcpp = pytest.importorskip("zxingcpp")

POPPLER = ("pdftoppm", "pdftotext", "pdffonts", "pdfinfo")
DPI = 150

HEADER = InvitationHeader(issuing_body="Quận ủy Quận 9", document_number="Số 45-GM/QU",
                          place_name="Quận 9", issued_on=date(2026, 11, 23))
EVENT = InvitationEvent(
    title=("Hội nghị trực tuyến sơ kết 04 năm thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị gắn với biểu dương "
           "tập thể, cá nhân thực hiện tốt việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh "
           "năm 2019-2020"),
    starts_at_text="07 giờ 30 phút, thứ Hai, ngày 23/11/2026",
    venue="Hội trường Quận ủy Quận 9, lầu 2")

PEOPLE = [
    ("Nguyễn Văn Ân", "Bí thư Đảng ủy", "Đảng ủy phường Long Bình", "Đại biểu", "Khu A, Hàng 1, Ghế 3",
     "Hội trường Đảng ủy phường Long Bình", ""),
    ("Trần Thị Bích Ngọc", "Phó Chủ tịch Ủy ban nhân dân", "phường Phước Long B", "Cá nhân được khen thưởng",
     "Khu B, Hàng 3, Ghế 12", "", "Giấy khen của Ban Thường vụ Quận ủy"),
    ("Lê Đức Thọ", "Trưởng ban", "Ban Tuyên giáo Quận ủy", "Khách mời", "", "", ""),
    ("Phạm Thị Hương Giang", "Chi hội trưởng Chi hội Phụ nữ khu phố 4", "phường Tăng Nhơn Phú A",
     "Cá nhân được khen thưởng", "Khu B, Hàng 3, Ghế 13", "Hội trường Đảng ủy phường Tăng Nhơn Phú A",
     "Giấy khen và tiền thưởng 500.000 đồng"),
    ("Đặng Quốc Việt", "Đoàn viên", "Đoàn Thanh niên phường Hiệp Phú", "Đại biểu", "", "", ""),
]


def _part(seed: str) -> str:
    return urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).decode()[:22]


def _cards() -> list[InvitationCard]:
    return [InvitationCard(full_name=name, position_title=pos, organisation=org, category_label=cat, seat=seat,
                           bridge_point=bridge, award=award,
                           url=f"http://127.0.0.1:5000/i/DC1.7.{_part(name)}.{_part(name + '/sig')}")
            for name, pos, org, cat, seat, bridge, award in PEOPLE]


def _need_poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    need(not missing, f"poppler-utils is not installed ({', '.join(missing)} missing)")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _qr_codes(image: Image.Image):
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


@pytest.fixture(scope="module")
def cards():
    return _cards()


@pytest.fixture(scope="module")
def rendered(cards, tmp_path_factory):
    """The PDF of the five cards, and its pages rasterised at 150 dpi as a printer would."""
    _need_poppler()
    folder = tmp_path_factory.mktemp("invitations")
    pdf = invitations_pdf(HEADER, EVENT, cards)
    (folder / "cards.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(folder / "cards.pdf"), str(folder / "page")],
                   check=True, timeout=120)
    pages = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return pdf, folder / "cards.pdf", pages


def test_every_page_has_exactly_one_qr_with_its_url_in_order(rendered, cards):
    _, _, pages = rendered
    assert len(pages) == len(cards)
    decoded = []
    for page in pages:
        with Image.open(page) as image:
            codes = _qr_codes(image)
        assert len(codes) == 1, f"{page.name}: {len(codes)} QR codes"
        assert codes[0].valid and codes[0].ec_level == "M"
        decoded.append(codes[0].text)
    assert decoded == [card.url for card in cards]
    assert len(set(decoded)) == len(cards)


def test_qr_is_at_least_35_mm_with_a_clear_quiet_zone(rendered):
    _, _, pages = rendered
    px_per_mm = DPI / 25.4
    with Image.open(pages[0]) as image:
        grey = image.convert("L")
    (code,) = _qr_codes(grey)
    p = code.position
    side_px = math.dist((p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y))
    assert side_px / px_per_mm >= 35.0
    # Nothing printed within 3.5 mm around the symbol (the 4-module quiet zone is about 4 mm).
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    margin = round(3.5 * px_per_mm)
    box = (min(xs) - margin, min(ys) - margin, max(xs) + margin + 1, max(ys) + margin + 1)
    inner = (min(xs) - 3, min(ys) - 3, max(xs) + 4, max(ys) + 4)
    ring = grey.crop(box).copy()
    ring.paste(255, (inner[0] - box[0], inner[1] - box[1], inner[2] - box[0], inner[3] - box[1]))
    assert ring.getextrema()[0] > 200, "something dark inside the QR code's quiet zone"


def test_text_layer_has_header_title_and_names_with_diacritics(rendered, cards):
    _, path, _ = rendered
    text = unicodedata.normalize("NFC", _run("pdftotext", "-layout", str(path), "-"))
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "GIẤY MỜI", "QUẬN ỦY QUẬN 9", "Số 45-GM/QU",
                     "Quận 9, ngày 23 tháng 11 năm 2026", "Xuất trình mã QR này khi đến dự",
                     "Trân trọng kính mời", "Thời gian: 07 giờ 30 phút, thứ Hai, ngày 23/11/2026"):
        assert expected in text, expected
    for card in cards:
        assert f"Đồng chí {card.full_name}" in text, card.full_name
    pages = text.split("\f")
    for page, card in zip(pages, cards):
        assert card.full_name in page
        assert ("Chỗ ngồi: " + card.seat in page) if card.seat else ("Chỗ ngồi" not in page)
        assert ("Khen thưởng:" in page) == bool(card.award)
        place = card.bridge_point or EVENT.venue
        assert f"Địa điểm: {place}" in page


def test_pdf_embeds_noto_sans_subsets_and_loads_nothing_external(rendered, cards):
    pdf, path, _ = rendered
    assert pdf.startswith(b"%PDF-")
    assert b"NotoSans" in pdf
    for marker in (b"/URI", b"/Launch", b"/GoToR", b"/JavaScript", b"/ImportData", b"/SubmitForm",
                   b"/EmbeddedFile", b"/Helvetica", b"/Times-Roman", b"/Courier"):
        assert marker not in pdf, marker
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts, "no fonts listed"
    for row in fonts:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert "NotoSans" in name and (emb, sub, uni) == ("yes", "yes", "yes"), row
    info = dict(line.split(":", 1) for line in _run("pdfinfo", str(path)).splitlines() if ":" in line)
    assert int(info["Pages"]) == len(cards)
    assert info["JavaScript"].strip() == "no"
    width, height = (float(v) for v in info["Page size"].split()[0:3:2])
    assert (round(width), round(height)) == (595, 420)           # A5 landscape, in points
    assert len(pdf) < 60_000 * len(cards)                         # a subset, not three whole fonts


def test_png_card_decodes_to_its_url(cards):
    card = cards[1]
    data = invitation_png(HEADER, EVENT, card)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == (1240, 874)
        assert round(image.info["dpi"][0]) == DPI
        codes = _qr_codes(image)
    assert [c.text for c in codes] == [card.url]
    p = codes[0].position
    assert (p.top_right.x - p.top_left.x) / (DPI / 25.4) >= 35.0       # printed at its 150 dpi: still >= 35 mm


def test_qr_png_alone_decodes_with_error_correction_m(cards):
    url = cards[0].url
    data = qr_png(url)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        codes = _qr_codes(image.convert("L"))
        # 4-module quiet zone: the outermost 4 × box_size pixels are white all round.
        grey = image.convert("L")
        w, h = grey.size
        inner = grey.crop((32, 32, w - 32, h - 32)).copy()
        assert inner.getextrema()[0] == 0
        frame = grey.copy()
        frame.paste(255, (32, 32, w - 32, h - 32))
        assert frame.getextrema()[0] == 255
    assert [c.text for c in codes] == [url]
    assert codes[0].ec_level == "M"
    with Image.open(io.BytesIO(qr_png(url, box_size=3))) as small:
        assert small.size[0] < w


def test_decomposed_input_is_printed_as_nfc(tmp_path):
    _need_poppler()
    nfd = unicodedata.normalize("NFD", "Trần Thị Bích Ngọc")
    assert nfd != "Trần Thị Bích Ngọc"
    card = _cards()[1]
    card.full_name = nfd
    path = tmp_path / "nfd.pdf"
    path.write_bytes(invitations_pdf(HEADER, EVENT, [card]))
    text = _run("pdftotext", str(path), "-")
    assert "Đồng chí Trần Thị Bích Ngọc" in text           # NFC as extracted, not NFD


def test_date_line_pads_day_and_early_months():
    assert date_line("Quận 9", date(2026, 11, 23)) == "Quận 9, ngày 23 tháng 11 năm 2026"
    assert date_line("Kiến An", date(2023, 5, 19)) == "Kiến An, ngày 19 tháng 5 năm 2023"
    assert date_line("Cầu Giấy", date(2018, 2, 5)) == "Cầu Giấy, ngày 05 tháng 02 năm 2018"
    assert date_line("", date(2021, 1, 9)) == "ngày 09 tháng 01 năm 2021"


class _Recorder(ip._PngSurface):
    """The PNG surface (real font metrics) that also notes where every text went, in mm."""

    def __init__(self):
        super().__init__()
        self.boxes: list[tuple[float, float, float, float, str]] = []

    def text(self, x, baseline, text, style, size):
        w = self.width(text, style, size)
        self.boxes.append((x, baseline - size * ip.PT * 0.75, x + w, baseline + size * ip.PT * 0.22, text))
        super().text(x, baseline, text, style, size)


@pytest.mark.parametrize("long", [False, True], ids=["plain", "everything-long"])
def test_layout_stays_on_the_page_and_out_of_the_qr_column(long):
    header, event, card = HEADER, EVENT, _cards()[3]
    if long:
        header = InvitationHeader("Đảng bộ tỉnh Thừa Thiên Huế\nBan Thường vụ Đảng ủy Khối các cơ quan tỉnh",
                                  "Số 108-GM/ĐUK", "Thành phố Huế", date(2026, 2, 5))
        event = InvitationEvent(EVENT.title + "; phát động, hưởng ứng Cuộc thi trắc nghiệm trên Internet "
                                "“Hải Phòng làm theo lời Bác” và trao Huy hiệu Đảng đợt 19/5",
                                EVENT.starts_at_text, "Hội trường Trung tâm Văn hóa, Thông tin và Thể thao quận, "
                                "số 1 đường Trần Thành Ngọ, phường Trần Thành Ngọ")
        card.full_name = "Tôn Nữ Thị Hoàng Phương Uyên"
        card.position_title = "Phó Chủ tịch Ủy ban nhân dân, Ủy viên Ban Thường vụ Đảng ủy phường"
        card.award = ("Huy hiệu 50 năm tuổi Đảng và Bằng khen của Ủy ban nhân dân thành phố về thành tích "
                      "xuất sắc trong học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh")
        card.url = "https://diemcau.quan9.hochiminhcity.gov.vn/i/DC1.123456789." + "A" * 22 + "." + "b" * 22
    s = _Recorder()
    ip._draw_card(s, header, event, card, ip.qr_matrix(card.url))
    qr_col = ip.PAGE_W - ip.MARGIN_R - ip.QR_COL_W
    body_top = next(b for b in s.boxes if b[4] == "GIẤY MỜI")[3]
    for x0, y0, x1, y1, text in s.boxes:
        assert x0 >= 5 and x1 <= ip.PAGE_W - 5 and y0 >= 5 and y1 <= ip.PAGE_H - 5, text
        if y0 > body_top and x0 < qr_col - 1:                   # body text ends before the QR column
            assert x1 <= qr_col - ip.GUTTER + 0.5, text
    for i, a in enumerate(s.boxes):                              # no two texts overlap
        for b in s.boxes[i + 1:]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > 0.2 and min(a[3], b[3]) - max(a[1], b[1]) > 0.2
            assert not overlap, (a[4], b[4])
    texts = " ".join(b[4] for b in s.boxes)
    assert card.full_name in texts and "ĐẢNG CỘNG SẢN VIỆT NAM" in texts


def test_two_hundred_cards_in_one_pdf_without_temp_files(tmp_path, monkeypatch):
    """How long it takes is measured by the benchmarks, not asserted here (shared, noisy machines)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    base = _cards()
    cards = [InvitationCard(**{**vars(base[i % 5]), "url": f"{base[i % 5].url[:-3]}{i:03d}"}) for i in range(200)]
    pdf = invitations_pdf(HEADER, EVENT, cards)
    assert re.search(rb"/Count (\d+)", pdf).group(1) == b"200"
    assert list(scratch.iterdir()) == []


def test_font_folder_carries_licence_and_provenance():
    folder = Path(ip.FONT_DIR)
    for name in ip.FONT_FILES.values():
        assert (folder / name).stat().st_size > 100_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (folder / "OFL.txt").read_text(encoding="utf-8")
    assert "fonts-noto-core" in (folder / "VERSION").read_text(encoding="utf-8")
