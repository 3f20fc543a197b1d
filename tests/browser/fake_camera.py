"""A fake camera picture for Chromium: `--use-fake-device-for-media-stream
--use-file-for-fake-video-capture=<file.y4m>` plays a YUV4MPEG2 file (in a loop) as the camera."""
from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image


def qr_image(text: str, size: tuple[int, int] = (640, 480), fill: float = 0.85) -> Image.Image:
    """A grayscale `size` picture, white, with the QR of `text` centred, as large as `fill` of the short
    side allows in whole pixels per module (the QR's own 4-module white quiet zone included)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    qr.add_data(text)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * qr.border
    box = max(1, int(min(size) * fill) // modules)
    qr.box_size = box
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    picture = Image.new("L", size, 255)
    picture.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    return picture


def write_y4m(path: str | Path, text: str, *, size: tuple[int, int] = (640, 480), frames: int = 30,
              fps: int = 30) -> Path:
    """Write `frames` identical 4:2:0 frames of the QR of `text`: Y from the grayscale picture, U = V = 128."""
    width, height = size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    luma = qr_image(text, size).tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    frame = b"FRAME\n" + luma + chroma + chroma
    path = Path(path)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(frame)
    return path
