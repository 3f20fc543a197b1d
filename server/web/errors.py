"""What a person (or a program) gets when a request is refused before any view answers: a Vietnamese
page (English if chosen) that says what happened and what to do, never the framework's bare English
one; a JSON error for the HTTP API, as its own refusals are."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..i18n import _


def _text(exc: HTTPException) -> tuple[str, str]:
    limit_mb = (request.max_content_length or 0) // (1024 * 1024)
    known = {
        400: (_("Yêu cầu không hợp lệ"), _("Trang gửi đi thiếu hoặc sai thông tin; tải lại trang rồi thử lại.")),
        403: (_("Không có quyền"), _("Tài khoản của bạn không được mở trang này hoặc làm thao tác này.")),
        404: (_("Không tìm thấy"), _("Không có trang này; kiểm tra lại địa chỉ.")),
        405: (_("Thao tác không hợp lệ"), _("Địa chỉ này không nhận thao tác đó.")),
        413: (_("Tệp quá lớn"), _("Tệp gửi lên lớn hơn %(mb)s MB, mức tối đa; chia nhỏ tệp hoặc bỏ bớt ảnh rồi gửi lại.",
                                   mb=limit_mb)),
        431: (_("Yêu cầu quá lớn"), _("Phần đầu của yêu cầu quá lớn; đăng nhập lại rồi thử lại.")),
    }
    title, default = known.get(exc.code, (_("Lỗi"), _("Không thực hiện được yêu cầu.")))
    # A description a view gave on purpose (abort(403, description=_(...))) says more than the default.
    given = exc.description if exc.description and exc.description != type(exc).description else None
    return title, str(given or default)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _refused(exc: HTTPException):
        if exc.code is None or exc.code < 400 or getattr(exc, "response", None) is not None:
            return exc
        title, text = _text(exc)
        if request.path.startswith("/api/"):
            codes = {401: "unauthorised", 403: "forbidden", 404: "not_found", 413: "too_large"}
            response = jsonify({"ok": False, "error": {"code": codes.get(exc.code, "invalid"), "message": text}})
        else:
            response = app.make_response(render_template("message.html", title=title, text=text,
                                                         back=url_for("pages.index")))
        response.status_code = exc.code
        return response
