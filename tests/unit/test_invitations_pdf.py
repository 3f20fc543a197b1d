"""The invitations as printed: the PDF an organiser downloads for a filtered list, read back by an
independent decoder (zxing-cpp on pages rendered by pdftoppm), holds one QR per delegate with a live
invitation, and each QR gives a token the server accepts for that delegate."""
from __future__ import annotations

import shutil
import subprocess

from PIL import Image

from server.services import delegates, invitation_tokens
from tests.conftest import need
from tests.unit.test_authorisation import login

NAMES = ["Nguyễn Văn Ân", "Trần Thị Bích Ngọc", "Lê Đức Thọ", "Phạm Thu Hà", "Đặng Quốc Bảo"]


def decode_pages(pdf: bytes, tmp_path) -> list[list[str]]:
    import zxingcpp
    (tmp_path / "thu-moi.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "thu-moi.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    return [[r.text for r in zxingcpp.read_barcodes(Image.open(p)) if r.format == zxingcpp.BarcodeFormat.QRCode]
            for p in pages]


def test_every_qr_of_the_printed_invitations_is_accepted_by_the_server(app, session, make_event, make_user, tmp_path):
    need(shutil.which("pdftoppm") is not None, "pdftoppm is missing (apt-get install poppler-utils)")
    event = make_event(n=2)
    ward = event.bridge_points[1]
    with app.app_context():
        people = [delegates.add(session, event.id, {"full_name": name, "bridge_point_id": ward.id,
                                                    "seat_zone": "B", "seat_row": "2", "seat_number": str(i + 1)},
                                "test") for i, name in enumerate(NAMES)]
        for person in people:
            invitation_tokens.issue(session, person)
        other = delegates.add(session, event.id, {"full_name": "Hoàng Minh Khôi", "bridge_point_id": event.bridge_points[2].id}, "test")
        invitation_tokens.issue(session, other)            # another point: filtered out
        invitation_tokens.revoke(session, people[2])       # revoked: no invitation to print
        invitation_tokens.issue(session, people[3])        # re-issued: only the new code is printed
        session.commit()

    client = app.test_client()
    login(client, make_user("operator").username)
    response = client.get(f"/e/{event.slug}/delegates/invitations.pdf?point={ward.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = decode_pages(response.data, tmp_path)

    assert all(len(codes) == 1 for codes in pages), pages
    printed = [codes[0] for codes in pages]
    assert len(printed) == 4
    with app.app_context():
        readings = [invitation_tokens.read(session, event.id, url) for url in printed]
    assert [r.verdict for r in readings] == ["ok"] * 4
    assert {r.invitation.delegate_id for r in readings} == {p.id for p in people} - {people[2].id}
    assert all(url.startswith("http://localhost/i/DC1.") for url in printed)
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    for name in set(NAMES) - {NAMES[2]}:
        assert name in text
    assert NAMES[2] not in text and "Hoàng Minh Khôi" not in text
