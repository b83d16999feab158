"""Small helpers shared by the forms."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms.validators import StopValidation


def choices(pairs):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class _ParseErrorOnly:
    """What could not be read gets one message: WTForms' own is English, and the range or
    required checks after it would only repeat the problem. ``parse_error`` words it for the field."""

    def __init__(self, *args, parse_error=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parse_error is not None:
            self.parse_error = parse_error

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None  # left empty: for Optional or DataRequired to judge, not a parse error
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(self.parse_error))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class ChineseDateField(_ParseErrorOnly, DateField):
    parse_error = _l('请输入有效日期（格式：2026-10-01）。')


class ChineseIntegerField(_ParseErrorOnly, IntegerField):
    parse_error = _l('请输入整数。')
