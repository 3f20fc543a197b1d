"""Compiles the .po catalogues into the instance folder at start, so no binary .mo is committed."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

HERE = Path(__file__).parent


def compile_catalogues(instance_dir: Path) -> Path:
    target = instance_dir / "translations"
    for po_path in HERE.glob("*/LC_MESSAGES/messages.po"):
        lang = po_path.parent.parent.name
        mo_path = target / lang / "LC_MESSAGES" / "messages.mo"
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as fh:
            catalogue = read_po(fh, locale=lang)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalogue)
    return target
