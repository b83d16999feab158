"""Beijing time: deadlines are counted in China's calendar days, timestamps are stored in UTC."""
from datetime import date
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

CHINA = ZoneInfo('Asia/Shanghai')


def china_time(value: datetime | None) -> datetime | None:
    """A stored naive-UTC timestamp as an aware Beijing time."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(CHINA)


def china_date(value: datetime | None) -> date | None:
    """The Beijing calendar day of a stored naive-UTC timestamp."""
    local = china_time(value)
    return local.date() if local else None


def to_utc_naive(value: datetime) -> datetime:
    """An aware time (or a naive one meant as Beijing time) as the naive UTC the columns store."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def utcnow() -> datetime:
    """Naive UTC: every timestamp column stores UTC without a zone, the same on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today_in_china() -> date:
    return datetime.now(CHINA).date()
