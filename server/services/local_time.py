"""Every date and time a person reads is the event's own: in its time zone (Asia/Ho_Chi_Minh unless
the organisers chose another), written one way on every screen, print and export.

One rounding rule: a time of day shows the minute (or second) that has begun, as a wall clock does:
02:44:59 reads 02:44 everywhere. The screens' JavaScript (ShowClient.hhmm and .clock, Intl's
formatting) truncates the same way; tests/fixtures/time_vectors.json holds the cases both must agree on.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from flask_babel import get_locale

from ..i18n import _
from ..models import Event, utcnow

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# Mid-sentence, as Vietnamese documents write them ("14 giờ 00 phút, thứ Hai, ngày 06/11/2023").
VI_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def zone(event: Event | None) -> ZoneInfo:
    return ZoneInfo((event.timezone if event is not None else None) or DEFAULT_TIMEZONE)


def zone_name(event_or_zone: Event | str | None, language: str | None = None) -> str:
    """"Giờ Việt Nam" / "Vietnam Time", never the zone's code (Asia/Ho_Chi_Minh) that staff do not know."""
    name = event_or_zone if isinstance(event_or_zone, str) else None
    locale = get_locale()
    return get_timezone_location(ZoneInfo(name) if name else zone(event_or_zone),
                                 locale=language or (locale.language if locale else "vi"))


def local(event: Event | None, moment: datetime | None) -> datetime | None:
    return moment.astimezone(zone(event)) if moment is not None else None


def local_start(event: Event) -> datetime | None:
    return local(event, event.starts_at)


def today(event: Event | None) -> date:
    """The date where the event is: an invitation printed at 02:30 in Vietnam carries Vietnam's date."""
    return utcnow().astimezone(zone(event)).date()


def clock(event: Event | None, moment: datetime | None, *, seconds: bool = False) -> str:
    """"02:44" (or "02:44:59"): the minute that has begun, never rounded up."""
    if moment is None:
        return ""
    return local(event, moment).strftime("%H:%M:%S" if seconds else "%H:%M")


def day(event: Event | None, moment: datetime | date | None) -> str:
    """"06/11/2023", the order Vietnamese documents write a date in, whatever the reader's language."""
    if moment is None:
        return ""
    return (local(event, moment) if isinstance(moment, datetime) else moment).strftime("%d/%m/%Y")


def weekday(on: date, language: str) -> str:
    return VI_WEEKDAYS[on.weekday()] if language == "vi" else format_date(on, "EEEE", locale=language)


def when(event: Event) -> str:
    """The start as an invitation writes it, all in the language being rendered (no English sentence
    with a Vietnamese weekday)."""
    start = local_start(event)
    if start is None:
        return ""
    locale = get_locale()
    return _("%(h)s giờ %(m)s phút, %(weekday)s, ngày %(date)s", h=f"{start:%H}", m=f"{start:%M}",
             weekday=weekday(start.date(), locale.language if locale else "vi"), date=day(event, start))
