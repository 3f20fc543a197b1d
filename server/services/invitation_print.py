"""Printable invitations (giấy mời / thư mời): a PDF with one page per delegate, the same card as a PNG
to send by Zalo, and the bare QR code.

Plain data in, bytes out: no database, no Flask. The caller turns delegates and their invitation tokens
into `InvitationCard`s.

Page: A5 landscape (210 × 148 mm). A giấy mời is a short document (one addressee, a handful of lines), so
A4 would be mostly empty paper: two A5 cards come out of one A4 sheet cut in half, a card goes into a C5
envelope flat, and a delegate carries it in a pocket folded once. The QR column on the right keeps the code
at 37 mm (more than 35 mm, scannable from paper) without pushing the text onto a second page. The header
follows the Party document layout the plans use (Hướng dẫn 36-HD/VPTW): issuing body on the left, bold, "*" under it
and the number below; "ĐẢNG CỘNG SẢN VIỆT NAM" on the right, bold and underlined, with the place and date
in italics below. A5 landscape at 150 dpi is 1240 × 874 px, which is the PNG's size, so both outputs
share one layout, written once against a small drawing surface (`_Surface`) in millimetres.

The QR code is drawn in the PDF as vector squares (one filled path per card, no seams between modules),
so it stays sharp at any printer resolution and costs no image decoding; in the PNG it is drawn on
whole pixels. Either way the matrix is computed once per card, in memory. Font: Noto Sans from
static/vendor/fonts/noto-sans (OFL 1.1), embedded as a subset; nothing is read from the network.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import qrcode
from fpdf import FPDF
from fpdf.drawing import PaintedPath
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

FONT_DIR = Path(__file__).resolve().parents[2] / "static/vendor/fonts/noto-sans"
FONT_FILES = {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf", "I": "NotoSans-Italic.ttf"}
FAMILY = "NotoSans"

PAGE_W, PAGE_H = 210.0, 148.0        # A5 landscape, mm
PNG_DPI = 150                        # 210 mm at 150 dpi = 1240 px
PT = 25.4 / 72                       # one point in mm

MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 16.0, 14.0, 11.0, 9.0
QR_SYMBOL = 37.0                     # mm, the code itself; its 4-module quiet zone comes on top (~45 mm in all)
QR_COL_W = 50.0                      # the right column holding the QR, its caption and the URL
GUTTER = 6.0
BODY_SIZES = (11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0)   # tried in order until the body fits

QR_CAPTION = "Xuất trình mã QR này khi đến dự"
CLOSING = "Rất mong đồng chí đến dự đúng thời gian./."


@dataclass
class InvitationHeader:
    issuing_body: str        # "QUẬN ỦY QUẬN 9"; a line break puts the superior body above it, not bold:
                             # "ĐẢNG BỘ THÀNH PHỐ HỒ CHÍ MINH\nQUẬN ỦY QUẬN 9"
    document_number: str     # "Số 45-GM/QU"
    place_name: str          # "Quận 9" -> "Quận 9, ngày 23 tháng 11 năm 2026"
    issued_on: date


@dataclass
class InvitationCard:
    full_name: str
    position_title: str
    organisation: str
    category_label: str
    seat: str                # "Khu A, Hàng 3, Ghế 12" or ""
    bridge_point: str        # "Hội trường Đảng ủy phường Long Bình" or ""
    award: str               # "" or what they receive on stage
    url: str                 # the personal invitation URL the QR encodes


@dataclass
class InvitationEvent:
    title: str               # the event's full title, wrapped on the card
    starts_at_text: str      # "07 giờ 30 phút, thứ Hai, ngày 23/11/2026"
    venue: str


# --------------------------------------------------------------------------------------------- text

_SPACES = re.compile(r"[ \t\r\f\v]+")


def _nfc(value) -> str:
    """NFC, single spaces, no control characters (a name pasted from Excel may carry any of them)."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def _one_line(value) -> str:
    return _nfc(value).replace("\n", " ")


def date_line(place_name: str, issued_on: date) -> str:
    """'Quận 9, ngày 05 tháng 02 năm 2026': days below 10 and the months 1 and 2 take a leading zero,
    as Vietnamese document rules require (so nobody can add a digit in front)."""
    day = f"{issued_on.day:02d}"
    month = f"{issued_on.month:02d}" if issued_on.month <= 2 else str(issued_on.month)
    place = _one_line(place_name)
    prefix = f"{place}, " if place else ""
    return f"{prefix}ngày {day} tháng {month} năm {issued_on.year}"


# ------------------------------------------------------------------------------------------- QR code

def _qr(url: str, box_size: int = 1) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules, quiet zone (4 modules) included, True = dark."""
    return _qr(url).get_matrix()


def qr_png(url: str, box_size: int = 8) -> bytes:
    """The QR code alone (error correction M, 4-module quiet zone) as a 1-bit PNG."""
    image = _qr(_one_line(url), box_size).make_image()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _dark_runs(matrix: list[list[bool]]):
    """(row, first column, length) for each horizontal run of dark modules."""
    for r, row in enumerate(matrix):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                yield r, start, c - start
            else:
                c += 1


# ------------------------------------------------------------------------------------------ surfaces

class _Surface(Protocol):
    def width(self, text: str, style: str, size: float) -> float: ...      # mm
    def text(self, x: float, baseline: float, text: str, style: str, size: float) -> None: ...
    def hline(self, x1: float, x2: float, y: float, thickness: float) -> None: ...
    def qr(self, x: float, y: float, size: float, matrix: list[list[bool]]) -> None: ...


class _PdfSurface:
    def __init__(self, pdf: FPDF):
        self.pdf = pdf
        self._font: tuple[str, float] | None = None
        self._widths: dict[tuple[str, str, float], float] = {}   # the same words recur on every card

    def _use(self, style: str, size: float) -> None:
        if self._font != (style, size):
            self.pdf.set_font(FAMILY, style, size)
            self._font = (style, size)

    def width(self, text, style, size):
        key = (text, style, size)
        if key not in self._widths:
            self._use(style, size)
            self._widths[key] = self.pdf.get_string_width(text)
        return self._widths[key]

    def text(self, x, baseline, text, style, size):
        self._use(style, size)
        self.pdf.text(x, baseline, text)

    def hline(self, x1, x2, y, thickness):
        self.pdf.set_line_width(thickness)
        self.pdf.line(x1, y, x2, y)

    def qr(self, x, y, size, matrix):
        module = size / len(matrix)
        path = PaintedPath()
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        path.style.fill_opacity = None
        for r, c, length in _dark_runs(matrix):
            path.rectangle(x + c * module, y + r * module, length * module, module)
        self.pdf.draw_path(path, copy=False)


@lru_cache(maxsize=64)
def _pil_font(style: str, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[style]), size_px, layout_engine=ImageFont.Layout.BASIC)


class _PngSurface:
    def __init__(self, dpi: int = PNG_DPI):
        self.scale = dpi / 25.4          # px per mm
        self.dpi = dpi
        self.image = Image.new("RGB", (round(PAGE_W * self.scale), round(PAGE_H * self.scale)), "white")
        self.draw = ImageDraw.Draw(self.image)

    def _font(self, style, size):
        return _pil_font(style, size * self.dpi / 72)

    def width(self, text, style, size):
        return self._font(style, size).getlength(text) / self.scale

    def text(self, x, baseline, text, style, size):
        self.draw.text((x * self.scale, baseline * self.scale), text, fill="black",
                       font=self._font(style, size), anchor="ls")

    def hline(self, x1, x2, y, thickness):
        h = max(1, round(thickness * self.scale))
        top = round(y * self.scale - h / 2)
        self.draw.rectangle((round(x1 * self.scale), top, round(x2 * self.scale) - 1, top + h - 1), fill="black")

    def qr(self, x, y, size, matrix):
        n = len(matrix)
        module = max(1, round(size * self.scale / n))       # whole pixels per module: crisp edges
        left = round(x * self.scale + (size * self.scale - module * n) / 2)
        top = round(y * self.scale + (size * self.scale - module * n) / 2)
        for r, c, length in _dark_runs(matrix):
            self.draw.rectangle((left + c * module, top + r * module,
                                 left + (c + length) * module - 1, top + (r + 1) * module - 1), fill="black")


# ------------------------------------------------------------------------------------------- layout

Run = tuple[str, str]                      # (text, style)
_TOKEN = re.compile(r"\S+\s*|\s+")


def _wrap(s: _Surface, runs: list[Run], size: float, width: float,
          indent: float = 0.0) -> list[list[tuple[float, str, str]]]:
    """Greedy word wrap of styled runs into lines of (x offset, text, style) segments. Continuation
    lines start at `indent`. A word longer than a line (a URL) is broken between characters."""
    tokens: list[Run] = []
    for text, style in runs:
        tokens.extend((t, style) for t in _TOKEN.findall(text))
    lines: list[list[tuple[float, str, str]]] = []
    line: list[tuple[float, str, str]] = []
    x = 0.0

    def push(token: str, style: str, w: float):
        nonlocal x
        if line and line[-1][2] == style:
            ox, prev, _ = line[-1]
            line[-1] = (ox, prev + token, style)
        else:
            line.append((x, token, style))
        x += w

    def newline():
        nonlocal line, x
        if line:
            last_x, last, st = line[-1]
            line[-1] = (last_x, last.rstrip(), st)
        lines.append(line)
        line, x = [], indent

    for token, style in tokens:
        word = token.rstrip()
        if not word:                                     # bare spaces
            if line:
                push(token, style, s.width(token, style, size))
            continue
        w_word = s.width(word, style, size)
        if x + w_word > width and line:
            newline()
        if x + w_word > width:                           # still too long on its own: break it
            for ch in token:
                w = s.width(ch, style, size)
                if x + w > width and line and not ch.isspace():
                    newline()
                push(ch, style, w)
            continue
        push(token, style, s.width(token, style, size))
    if line:
        newline()
    return lines


def _centred(s: _Surface, text: str, style: str, size: float, left: float, width: float, baseline: float,
             line_gap: float) -> float:
    """Draw `text` wrapped and centred in [left, left+width]; returns the baseline of the last line."""
    y = baseline - line_gap
    for line in _wrap(s, [(text, style)], size, width):
        y += line_gap
        content = "".join(seg for _, seg, _ in line)
        s.text(left + (width - s.width(content, style, size)) / 2, y, content, style, size)
    return y


def _draw_header(s: _Surface, header: InvitationHeader) -> float:
    """The two-column header; returns the y (mm) of its lowest baseline."""
    size = 10.5
    gap = size * PT * 1.3
    left_w = 84.0
    left = MARGIN_L - 4.0
    right = left + left_w + 4.0
    right_w = PAGE_W - MARGIN_R + 4.0 - right
    top = MARGIN_T + size * PT

    # Left: superior body (regular, if given on a first line), issuing body bold, "*", number.
    y = top - gap
    lines = [line for line in _nfc(header.issuing_body).upper().split("\n") if line] or [""]
    for i, line in enumerate(lines):
        style = "B" if i == len(lines) - 1 else ""
        y = _centred(s, line, style, size, left, left_w, y + gap, gap)
    y = _centred(s, "*", "", size, left, left_w, y + gap * 1.1, gap)       # an asterisk sits high: a little more air
    left_bottom = _centred(s, _one_line(header.document_number), "", size - 0.5, left, left_w, y + gap * 0.95, gap)

    # Right: ĐẢNG CỘNG SẢN VIỆT NAM (bold, underlined), then place and date in italics.
    motto = "ĐẢNG CỘNG SẢN VIỆT NAM"
    mw = s.width(motto, "B", size)
    mx = right + (right_w - mw) / 2
    s.text(mx, top, motto, "B", size)
    s.hline(mx, mx + mw, top + 1.2, 0.3)
    right_bottom = _centred(s, date_line(header.place_name, header.issued_on), "I", size, right, right_w,
                            max(left_bottom, top + gap * 2.2), gap)
    return max(left_bottom, right_bottom)


def _body_paragraphs(event: InvitationEvent, card: InvitationCard) -> list[tuple[list[Run], float, bool]]:
    """(runs, extra size for the line, hanging under the name?) for each paragraph of the body."""
    name = _one_line(card.full_name)
    role = ", ".join(p for p in (_one_line(card.position_title), _one_line(card.organisation)) if p)
    place = _one_line(card.bridge_point) or _one_line(event.venue)
    paragraphs: list[tuple[list[Run], float, bool]] = [
        ([("Trân trọng kính mời: ", ""), ("Đồng chí ", "B"), (name, "B")], 1.5, False),
    ]
    if role:
        paragraphs.append(([(role, "I")], 0.0, True))
    paragraphs.append(([("Đến dự: ", "B"), (_one_line(event.title), "")], 0.0, False))
    paragraphs.append(([("Thời gian: ", "B"), (_one_line(event.starts_at_text), "")], 0.0, False))
    paragraphs.append(([("Địa điểm: ", "B"), (place, "")], 0.0, False))
    if _one_line(card.seat):
        paragraphs.append(([("Chỗ ngồi: ", "B"), (_one_line(card.seat), "")], 0.0, False))
    if _one_line(card.award):
        paragraphs.append(([("Khen thưởng: ", "B"), (_one_line(card.award), "")], 0.0, False))
    paragraphs.append(([(CLOSING, "I")], 0.0, False))
    return paragraphs


def _layout_body(s: _Surface, paragraphs, size: float, width: float):
    """[(baseline offset from the block top, x offset, text, style, size)] and the block's height."""
    ops = []
    y = 0.0
    hang = s.width("Trân trọng kính mời: ", "", size + paragraphs[0][1])
    for index, (runs, bigger, hanging) in enumerate(paragraphs):
        fs = size + bigger
        gap = fs * PT * 1.42
        indent = hang if hanging else 0.0
        lines = _wrap(s, runs, fs, width - indent)
        if index:
            y += size * PT * 0.55                          # space between paragraphs
        for line in lines:
            y += gap
            for ox, text, style in line:
                ops.append((y, indent + ox, text, style, fs))
    return ops, y + size * PT * 0.35


def _draw_card(s: _Surface, header: InvitationHeader, event: InvitationEvent, card: InvitationCard,
               matrix: list[list[bool]]) -> None:
    header_bottom = _draw_header(s, header)

    title_size = 22.0
    title_base = header_bottom + 7.5 + title_size * PT
    title = "GIẤY MỜI"
    s.text((PAGE_W - s.width(title, "B", title_size)) / 2, title_base, title, "B", title_size)

    # Body on the left, QR column on the right; the body shrinks until it fits above the bottom margin.
    body_top = title_base + 3.0
    body_w = PAGE_W - MARGIN_R - QR_COL_W - GUTTER - MARGIN_L
    paragraphs = _body_paragraphs(event, card)
    for size in BODY_SIZES:
        ops, height = _layout_body(s, paragraphs, size, body_w)
        if body_top + height <= PAGE_H - MARGIN_B:
            break
    for y, x, text, style, fs in ops:
        s.text(MARGIN_L + x, body_top + y, text, style, fs)

    # QR column: category label above, the code (quiet zone included), caption and URL below.
    # The quiet zone is part of the drawn square (white), so nothing else is ever printed inside it.
    col_x = PAGE_W - MARGIN_R - QR_COL_W
    qr_size = QR_SYMBOL * len(matrix) / (len(matrix) - 8)
    qr_x = col_x + (QR_COL_W - qr_size) / 2
    qr_y = body_top - 1.0
    category = _one_line(card.category_label).upper()
    if category:
        label_gap = 8.0 * PT * 1.25
        label_lines = len(_wrap(s, [(category, "B")], 8.0, QR_COL_W))
        _centred(s, category, "B", 8.0, col_x, QR_COL_W, qr_y + 8.0 * PT, label_gap)
        qr_y += 8.0 * PT + label_gap * (label_lines - 1) + 1.0      # below the descenders
    s.qr(qr_x, qr_y, qr_size, matrix)
    # Caption: its accents (up to ~1 em above the baseline) stay below the quiet zone.
    y = _centred(s, QR_CAPTION, "I", 8.5, col_x, QR_COL_W, qr_y + qr_size + 8.5 * PT * 1.05, 8.5 * PT * 1.3)
    url_size = 6.0
    y += url_size * PT * 1.6
    for text in _url_lines(s, _one_line(card.url), url_size, QR_COL_W):
        s.text(col_x + (QR_COL_W - s.width(text, "", url_size)) / 2, y, text, "", url_size)
        y += url_size * PT * 1.3


def _url_lines(s: _Surface, url: str, size: float, width: float) -> list[str]:
    """A URL cut into lines that fit, preferably just after a '/' or '.' in the second half of a line."""
    lines: list[str] = []
    rest = url
    while rest:
        end = len(rest)
        while end > 1 and s.width(rest[:end], "", size) > width:
            end -= 1
        if end < len(rest):
            cut = max(rest.rfind("/", 0, end), rest.rfind(".", 0, end)) + 1
            if cut > end // 2:
                end = cut
        lines.append(rest[:end])
        rest = rest[end:]
    return lines


# --------------------------------------------------------------------------------------------- API

def invitations_pdf(header: InvitationHeader, event: InvitationEvent, cards: list[InvitationCard]) -> bytes:
    """One A5-landscape page per card, in the order given, Noto Sans embedded as a subset. (No cards: fpdf2
    still writes one blank page.) A character the font lacks (an emoji) is left out, with a logged warning."""
    pdf = FPDF(orientation="L", unit="mm", format=(PAGE_H, PAGE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for style, file in FONT_FILES.items():
        pdf.add_font(FAMILY, style, FONT_DIR / file)
    pdf.set_lang("vi")
    pdf.set_title(f"Giấy mời – {_one_line(event.title)}"[:200])
    pdf.set_creator("Điểm Cầu")
    pdf.set_text_color(0)
    pdf.set_draw_color(0)
    surface = _PdfSurface(pdf)
    for card in cards:
        pdf.add_page()
        _draw_card(surface, header, event, card, qr_matrix(_one_line(card.url)))
    return bytes(pdf.output())


def invitation_png(header: InvitationHeader, event: InvitationEvent, card: InvitationCard) -> bytes:
    """The same card as a 1240 × 874 PNG (A5 at 150 dpi), to send by Zalo."""
    surface = _PngSurface()
    _draw_card(surface, header, event, card, qr_matrix(_one_line(card.url)))
    out = io.BytesIO()
    surface.image.convert("L").save(out, format="PNG", optimize=True, dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()
