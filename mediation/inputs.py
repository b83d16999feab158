"""What the app accepts from outside, decided once at the boundary: forms, query strings, JSON bodies, CLI arguments.

- Text loses NUL characters and unpaired surrogates, which PostgreSQL cannot store and no one
  types on purpose; everything else a user typed is kept.
- Whole numbers are read only up to ``MAX_DIGITS`` digits, before any conversion, and must be
  finite; amounts of money are finite decimals.
- Dates lie within ``DATE_RANGE`` (the calendar covers nothing outside it).
- JSON bodies are parsed with a depth limit, refuse NaN and Infinity, and have their strings cleaned.

``MediationRequest`` applies the text rule to every form field and query argument, and
``StrictJSONProvider`` the JSON rules to every body, so no view or service meets such input.
"""
import json
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

#: The days the app deals in: holiday data, deadlines and dates typed into forms.
DATE_RANGE = (date(1990, 1, 1), date(2100, 12, 31))
#: Birth dates reach further back than the calendar.
BIRTH_DATE_MIN = date(1900, 1, 1)
#: Longest whole number read from text; ids, years, counts and periods are all far shorter.
MAX_DIGITS = 9
#: JSON nested deeper than this is refused (the API's bodies are two levels deep).
MAX_JSON_DEPTH = 20
#: A JSON body larger than this is refused before it is parsed (uploads are files, not JSON).
MAX_JSON_BYTES = 1024 * 1024

_UNSTORABLE = {0: None, **{code: None for code in range(0xD800, 0xE000)}}


def clean_text(value: str) -> str:
    """``value`` without NUL characters and unpaired surrogates."""
    return value.translate(_UNSTORABLE)


def clean_json(value):
    """Every string in a parsed JSON value (keys too) cleaned with :func:`clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_json(item) for key, item in value.items()}
    return value


class InputError(ValueError):
    """Input outside what the app accepts; ``message`` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def whole_number(text, *, max_digits: int = MAX_DIGITS) -> int:
    """A whole number typed as text (an optional sign and at most ``max_digits`` digits)."""
    text = str(text).strip()
    digits = text[1:] if text[:1] in '+-' else text
    if not digits.isascii() or not digits.isdigit():
        raise InputError('请输入整数。')
    if len(digits.lstrip('0')) > max_digits:
        raise InputError('数字过大。')
    return int(text)


def money(text) -> Decimal | None:
    """An amount of money in yuan (commas allowed), two decimals; None when empty."""
    if text is None or not str(text).strip():
        return None
    cleaned = str(text).replace(',', '').replace('，', '').strip()
    if len(cleaned) > 20:
        raise InputError('涉及金额超出范围。')
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InputError('涉及金额须为数字（单位：元）。') from None
    if not amount.is_finite():
        raise InputError('涉及金额须为数字（单位：元）。')
    if amount < 0 or amount >= Decimal('1e12'):
        raise InputError('涉及金额超出范围。')
    return abs(amount.quantize(Decimal('0.01')))  # abs: -0 is 0


def check_date(day: date, *, earliest: date = DATE_RANGE[0], latest: date = DATE_RANGE[1]) -> date:
    if not earliest <= day <= latest:
        raise InputError(date_range_text(earliest, latest))
    return day


def date_range_text(earliest: date, latest: date) -> str:
    if (earliest.month, earliest.day, latest.month, latest.day) == (1, 1, 12, 31):
        return f'日期须在 {earliest.year} 年至 {latest.year} 年之间。'
    return f'日期须在 {earliest.isoformat()} 至 {latest.isoformat()} 之间。'


def parse_date(text: str, **bounds) -> date:
    """A date typed as YYYY-MM-DD, within ``DATE_RANGE`` (or the given bounds)."""
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError('请输入有效日期（格式：2026-10-01）。') from None
    return check_date(day, **bounds)


def _reject_constant(name):
    raise ValueError(f'{name} is not a JSON number')


def _finite_float(text):
    number = float(text)
    if number in (float('inf'), float('-inf')):
        raise ValueError(f'{text} is out of range')
    return number


def _depth(value, limit, level=1):
    if level > limit:
        raise ValueError(f'JSON nested more than {limit} levels deep')
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        _depth(child, limit, level + 1)


class StrictJSONProvider(DefaultJSONProvider):
    """What ``request.get_json`` parses with: RFC 8259 numbers only, bounded depth, clean strings."""

    def loads(self, s, **kwargs):
        if len(s) > MAX_JSON_BYTES:
            raise ValueError('JSON body too large')
        try:
            value = json.loads(s, parse_constant=_reject_constant, parse_float=_finite_float)
        except RecursionError:
            raise ValueError('JSON nested too deeply') from None
        _depth(value, MAX_JSON_DEPTH)
        return clean_json(value)


class BadJSON(BadRequest):
    code = 400
    description = '请求体须为有效的 JSON（Content-Type: application/json），不能嵌套过深或含有 NaN/Infinity。'


class CleanMultiDict(ImmutableMultiDict):
    """Form fields and query arguments, their text cleaned as they are parsed."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(clean_text(key), clean_text(value) if isinstance(value, str) else value)
                          for key, value in pairs])


class MediationRequest(Request):
    parameter_storage_class = CleanMultiDict

    def on_json_loading_failed(self, e):
        raise BadJSON()  # not JSON, or not sent as application/json
