"""A district office's first event on a blank install, through the command line and the HTTP API only:
a real `diemcau serve` with no demo, `diemcau` commands in their own processes beside it, a script
holding a bearer token. The same steps as tests/browser/test_first_event.py takes in the browser."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import requests

from tests.conftest import need
from tests.fixtures import first_event as plan
from tests.server_process import ServerProcess, diemcau

pytestmark = pytest.mark.live
PUBLIC = "http://192.0.2.15:5000"        # the address printed on the invitations (never contacted)


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("blank"), extra=["--no-demo"]).start()
    yield server
    server.stop()


def cli(server: ServerProcess, *argv: str, ok: bool = True, password: str = "") -> str:
    return diemcau(server.instance, *argv, ok=ok, env={"DIEMCAU_NEW_PASSWORD": password} if password else None)


def test_first_event_through_the_command_line_and_the_api(blank, tmp_path):
    # A blank install: the server says how to make the first admin, with its setup code.
    log = blank.log_tail(5000)
    assert re.search(r"Chưa có tài khoản nào\. Tạo quản trị viên đầu tiên tại \S+/setup với mã cài đặt "
                     r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", log), log
    assert "quan9" not in log                      # no demo event
    assert requests.get(f"{blank.url}/login", allow_redirects=False).headers["Location"].endswith("/setup")

    assert "Đã tạo tài khoản quantri (admin)" in cli(blank, "create-user", "quantri", "admin",
                                                         password="mat-khau-dai-du")
    token = cli(blank, "issue-token", "quantri", "--name", "kịch bản").strip().splitlines()[-1]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"

    # The event and its two bridge points through the API.
    response = api.post(f"{blank.url}/api/v1/events", json={
        "title": plan.TITLE, "organiser": plan.ORGANISER, "date": plan.DATE, "start": plan.START,
        "venue": "Hội trường Quận ủy Kiến An"})
    assert response.status_code == 201, response.text
    assert response.json()["event"]["slug"] == plan.SLUG
    for name, short, kind in plan.POINTS:
        response = api.post(f"{blank.url}/api/v1/events/{plan.SLUG}/points",
                            json={"name": name, "short_name": short, "kind": kind})
        assert response.status_code == 201, response.text
    points = api.get(f"{blank.url}/api/v1/events/{plan.SLUG}/points").json()["bridge_points"]
    assert [(p["short_name"], p["kind"]) for p in points] == [("Hội trường", "main"), ("Trần Thành Ngọ", "ward")]

    # The programme and the delegate list through the command line, from the organisers' files.
    (tmp_path / "chuong-trinh.csv").write_bytes(plan.programme_csv())
    (tmp_path / "dai-bieu.csv").write_bytes(plan.delegates_csv())
    assert "Đã nhập 5 mục chương trình" in cli(blank, "programme", "import", plan.SLUG,
                                                   str(tmp_path / "chuong-trinh.csv"))
    refused = cli(blank, "delegates", "import", plan.SLUG, str(tmp_path / "dai-bieu.csv"), ok=False)
    assert plan.NEW_CATEGORY in refused and "--create-categories" in refused
    assert "Đã nhập 20 đại biểu" in cli(blank, "delegates", "import", plan.SLUG, str(tmp_path / "dai-bieu.csv"),
                                            "--create-categories")

    # The invitations printed with the public address in their QR codes.
    pdf = tmp_path / "thu-moi.pdf"
    assert "Đã in 20 thư mời" in cli(blank, "delegates", "invitations", plan.SLUG, "--out", str(pdf),
                                         "--public-url", PUBLIC)
    assert pdf.read_bytes().startswith(b"%PDF")
    need(shutil.which("pdftotext") is not None, "pdftotext is missing (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count(f"{PUBLIC}/i/") == 20 and "127.0.0.1" not in text
    assert "Nguyễn Văn An" in text and plan.TITLE in text

    # The show GOes from a hardware button's request; the state says item 1 of 5 at the hall.
    state = api.get(f"{blank.url}/api/v1/events/{plan.SLUG}/state").json()
    assert state["show"]["status"] == "standby" and state["next"]["content"] == plan.PROGRAMME[0][0]
    response = api.post(f"{blank.url}/api/v1/events/{plan.SLUG}/go")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["show"]["status"] == "running" and body["current"]["number"] == 1
    assert body["next"]["content"] == plan.PROGRAMME[1][0]

    listed = cli(blank, "event", "list")
    assert plan.SLUG in listed and "2 điểm cầu" in listed

