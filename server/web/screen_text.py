"""Strings the browser scripts show, translated on the server and handed to the page."""
from ..i18n import _

_TEXTS = {
    "lost": "Mất kết nối – đang kết nối lại",
    "reconnected": "Đã kết nối lại",
    "timeout": "Máy chủ không trả lời; lệnh có thể chưa được thực hiện.",
    "standby": "Chưa bắt đầu",
    "running": "Đang diễn ra",
    "paused": "Đang tạm dừng",
    "ended": "Đã kết thúc",
    "go": "BẮT ĐẦU",
    "next": "TIẾP",
    "resume": "Tiếp tục",
    "pause": "Tạm dừng",
    "goto": "Chuyển đến",
    "local": "Phần riêng",
    "local_title": "PHẦN RIÊNG TẠI ĐIỂM CẦU",
    "local_done": "Đã xong phần riêng – theo dõi chương trình chung",
    "local_waiting": "Chưa vào phần riêng",
    "not_started": "Hội nghị chưa bắt đầu",
    "show_ended": "Hội nghị đã kết thúc",
    "next_item": "Tiếp theo",
    "remaining": "Còn lại",
    "over": "Quá giờ",
    "early": "sớm",
    "late": "trễ",
    "on_time": "đúng giờ",
    "no_script": "(Chưa có lời dẫn cho mục này)",
    "main_hall": "Hội trường",
    "on_air": "ĐANG LÊN SÓNG",
    "on_standby": "CHUẨN BỊ LÊN SÓNG",
    "message_from_control": "Phòng điều hành",
}


def screen_texts() -> dict[str, str]:
    return {key: _(text) for key, text in _TEXTS.items()}
