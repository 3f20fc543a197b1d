"""`diemcau report SLUG --out DIR` writes what the report page offers: the workbook with one sheet per
table, one CSV per table and the PDF, from the event's database."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from server.app import create_app
from server.config import Settings
from server.demo import SLUG
from server.services.report_export import TABLES
from tests.conftest import need


def test_the_cli_writes_the_workbook_every_csv_and_the_pdf(tmp_path):
    need(shutil.which("pdftotext") is not None, "pdftotext is missing (apt-get install poppler-utils)")
    url = f"sqlite:///{tmp_path / 'su-kien.sqlite3'}"
    create_app(Settings(instance_dir=tmp_path, database_url=url, async_mode="threading", load_demo=True,
                        testing=True, secret_key="cli-test"))
    out = tmp_path / "bao-cao"
    done = subprocess.run([sys.executable, "-m", "server", "report", SLUG, "--out", str(out), "--database-url", url],
                          capture_output=True, text=True, timeout=120, env={"DIEMCAU_INSTANCE": str(tmp_path),
                                                                              "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(Path(line).name for line in done.stdout.split())      # it says what it wrote
    assert len([n for n in written if n.endswith(".csv")]) == len(TABLES)
    book = load_workbook(next(out.glob("*.xlsx")))
    assert len(book.sheetnames) == len(TABLES)
    programme = book.worksheets[0]
    assert programme.max_row >= 1 + 8                   # the header and the demo's eight items
    pdf = next(out.glob("*.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "BÁO CÁO" in text and "Tuyên bố lý do, giới thiệu đại biểu" in text

    missing = subprocess.run([sys.executable, "-m", "server", "report", "khong-co", "--out", str(out),
                              "--database-url", url], capture_output=True, text=True, timeout=120,
                             env={"DIEMCAU_INSTANCE": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert missing.returncode != 0 and "Không có hội nghị khong-co" in missing.stderr
