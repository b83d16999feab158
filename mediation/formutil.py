"""What every form shares: stripped text, bounded numbers and dates, Chinese messages.

The request has already removed NUL characters and unpaired surrogates (``mediation.inputs``);
here text loses the blanks around it (passwords excepted), so a choice of " " is an empty choice.
"""
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import DateTimeLocalField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms.validators import StopValidation

from mediation.inputs import DATE_RANGE
from mediation.inputs import InputError
from mediation.inputs import whole_number


def choices(pairs):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class StrippingMeta:
    """Every field but a password gets its text stripped after it is read (lists and sub-forms
    through the fields inside them)."""

    def bind_field(self, form, unbound_field, options):
        if not issubclass(unbound_field.field_class, (PasswordField, FieldList, FormField)):
            options = {**options, 'filters': [*unbound_field.kwargs.get('filters', ()), _strip]}
        return unbound_field.bind(form=form, **options)


class BaseForm(FlaskForm):
    """The base of every page's form (CSRF from Flask-WTF)."""

    class Meta(StrippingMeta):
        pass


class BaseSubform(Form):
    """The base of a form repeated inside another (``FormField``), without its own CSRF token."""

    class Meta(StrippingMeta):
        pass


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
            self.data = self.parse(valuelist[0].strip())
        except InputError as error:
            self.data = None
            raise ValueError(error.message)
        except ValueError:
            self.data = None
            raise ValueError(str(self.parse_error))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class ChineseDateField(_ParseErrorOnly, DateField):
    """A date, YYYY-MM-DD, within ``earliest`` and ``latest`` (by default ``inputs.DATE_RANGE``;
    ``latest='today'`` for dates that cannot lie ahead, such as a birth date)."""

    parse_error = _l('请输入有效日期（格式：2026-10-01）。')

    def __init__(self, *args, earliest: date = DATE_RANGE[0], latest=DATE_RANGE[1], **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest, self.latest = earliest, latest

    def parse(self, text):
        day = date.fromisoformat(text)
        latest = date.today() if self.latest == 'today' else self.latest
        if not self.earliest <= day <= latest:
            if self.latest == 'today' and day > latest:
                raise InputError(_('日期不能晚于今天。'))
            if (self.earliest.month, self.earliest.day, latest.month, latest.day) == (1, 1, 12, 31):
                raise InputError(_('日期须在 %(first)s 年至 %(last)s 年之间。', first=self.earliest.year,
                                   last=latest.year))
            raise InputError(_('日期须在 %(first)s 至 %(last)s 之间。', first=self.earliest.isoformat(),
                               last=latest.isoformat()))
        return day


class ChineseIntegerField(_ParseErrorOnly, IntegerField):
    """A whole number of at most ``inputs.MAX_DIGITS`` digits, read without ever becoming a float."""

    parse_error = _l('请输入整数。')

    def parse(self, text):
        if not text.lstrip('+-').isdigit():
            raise ValueError(text)  # the field's own parse_error
        try:
            return whole_number(text)
        except InputError:
            raise InputError(_('数字过大。')) from None


class ChineseDateTimeField(_ParseErrorOnly, DateTimeLocalField):
    """A date and time of day as typed in China (``2026-03-05T09:30`` from the browser's picker, or
    ``2026-03-05 09:30``), kept naive in Beijing time: the view turns it into UTC (``chinatime.to_utc_naive``).
    ``latest='now'`` refuses a time more than a quarter of an hour ahead (a time cannot lie ahead)."""

    parse_error = _l('请输入有效的日期和时间（格式：2026-10-01 09:30）。')

    def __init__(self, *args, latest=None, **kwargs):
        kwargs.setdefault('format', ['%Y-%m-%dT%H:%M', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S'])
        super().__init__(*args, **kwargs)
        self.latest = latest

    def parse(self, text):
        from mediation.chinatime import CHINA
        for pattern in self.format:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
        if not DATE_RANGE[0] <= moment.date() <= DATE_RANGE[1]:
            raise InputError(_('日期须在 %(first)s 年至 %(last)s 年之间。', first=DATE_RANGE[0].year,
                               last=DATE_RANGE[1].year))
        if self.latest == 'now' and moment > datetime.now(CHINA).replace(tzinfo=None) + timedelta(minutes=15):
            raise InputError(_('时间不能晚于现在。'))
        return moment
