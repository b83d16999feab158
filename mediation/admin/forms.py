"""Administrators' forms: organisations, users and the holiday calendar.

Choices that depend on the database (parents, organisations) are filled in by the views.
"""
import re
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from mediation.formutil import BaseForm
from mediation.formutil import ChineseDateField
from mediation.formutil import ChineseIntegerField
from workflows.enums import OrgKind


def strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (easier on a phone than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- organisations ---------------------------------------------------------------------------

class OrganisationForm(BaseForm):
    name = StringField(_l('名称'), filters=[strip], validators=[
        DataRequired(_l('请填写名称。')), Length(max=100, message=_l('名称不能超过 100 个字。'))])
    committee_name = StringField(_l('调解委员会全称'), filters=[strip], validators=[
        Optional(), Length(max=150, message=_l('全称不能超过 150 个字。'))])
    short_name = StringField(_l('简称（用于案号）'), filters=[strip], validators=[
        DataRequired(_l('请填写简称（用于案号）。')), Length(max=30, message=_l('简称不能超过 30 个字。'))])
    code = StringField(_l('编码'), filters=[strip], validators=[
        DataRequired(_l('请填写编码。')), Length(max=32, message=_l('编码不能超过 32 个字符。'))])
    parent_id = SelectField(_l('上级单位'), coerce=int, invalid_choice_message=_l('请选择列表中的上级单位。'))
    served_districts = MultiCheckboxField(
        _l('对接的区（县）'), coerce=int, invalid_choice_message=_l('请选择列表中的区（县）。'))


class NewOrganisationForm(OrganisationForm):
    kind = SelectField(_l('类别'), choices=[SelectChoice(kind.value, kind.label_zh) for kind in OrgKind],
                       invalid_choice_message=_l('请选择单位类别。'))


class EditOrganisationForm(OrganisationForm):
    active = BooleanField(_l('启用'))


# --- users -----------------------------------------------------------------------------------

class UserForm(BaseForm):
    display_name = StringField(_l('姓名'), filters=[strip], validators=[
        Optional(), Length(max=64, message=_l('姓名不能超过 64 个字。'))])
    role = SelectField(_l('角色'), invalid_choice_message=_l('请选择角色。'))
    organisation_id = SelectField(_l('所属单位'), coerce=int, invalid_choice_message=_l('请选择列表中的单位。'))


class NewUserForm(UserForm):
    username = StringField(_l('用户名'), filters=[strip], validators=[
        DataRequired(_l('请输入用户名。')), Length(max=64, message=_l('用户名不能超过 64 个字符。')),
        Regexp(r'^\S+$', message=_l('用户名不能包含空格。'))])
    password = PasswordField(_l('密码'), validators=[
        DataRequired(_l('请输入密码。')), Length(max=200, message=_l('密码不能超过 200 个字符。'))])
    confirm = PasswordField(_l('再次输入密码'), validators=[
        EqualTo('password', message=_l('两次输入的密码不一致。'))])


class EditUserForm(UserForm):
    active = BooleanField(_l('账号启用'))
    new_password = PasswordField(_l('新密码'), validators=[
        Optional(), Length(max=200, message=_l('密码不能超过 200 个字符。'))])
    confirm = PasswordField(_l('再次输入新密码'), validators=[
        EqualTo('new_password', message=_l('两次输入的密码不一致。'))])
    unlock = BooleanField(_l('解除登录锁定'))


# --- calendar --------------------------------------------------------------------------------

DAY_KINDS = {'holiday': False, 'workday': True}


class SetDayForm(BaseForm):
    day = ChineseDateField(_l('日期'), validators=[DataRequired(_l('请输入有效日期（格式：2026-10-01）。'))])
    kind = SelectField(_l('安排'), choices=[SelectChoice('holiday', _l('放假（休息日）')),
                                          SelectChoice('workday', _l('上班（调休工作日）'))],
                       invalid_choice_message=_l('请选择放假或上班。'))
    name = StringField(_l('名称'), filters=[strip], validators=[
        Optional(), Length(max=50, message=_l('名称不能超过 50 个字。'))])

    def validate_day(self, field):
        if not 1990 <= field.data.year <= 2100:
            raise ValidationError(_('日期须在 1990 年至 2100 年之间。'))


class RemoveDayForm(BaseForm):
    """Remove one day's entry, or every entry from ``day`` to ``until`` (a listed holiday block)."""

    day = ChineseDateField(_l('日期'), id='remove-day',
                           validators=[DataRequired(_l('请输入有效日期（格式：2026-10-01）。'))])
    until = ChineseDateField(_l('至'), id='remove-until', validators=[Optional()])

    def validate_until(self, field):
        if field.data is None or self.day.data is None:
            return
        if field.data < self.day.data:
            raise ValidationError(_('结束日期早于开始日期。'))
        if (field.data - self.day.data).days >= MAX_RANGE_DAYS:
            raise ValidationError(_('一次最多删除 %(days)s 天。', days=MAX_RANGE_DAYS))

    def days(self) -> list[date]:
        last = self.until.data or self.day.data
        return [self.day.data + timedelta(days=n) for n in range((last - self.day.data).days + 1)]


class ConfirmForm(BaseForm):
    """CSRF-only form for one-click POST buttons (unlock)."""


class LoadYearForm(BaseForm):
    year = ChineseIntegerField(_l('年份'), parse_error=_l('请输入年份。'), validators=[
        DataRequired(_l('请输入年份。')), NumberRange(min=1990, max=2100, message=_l('年份须在 1990 至 2100 之间。'))])


@dataclass(frozen=True)
class NoticeEntry:
    day: date
    is_workday: bool
    name: str
    line: int


#: Longest range one line may cover (the longest holiday block is 8–9 days; a month is plenty).
MAX_RANGE_DAYS = 31
MAX_NOTICE_DAYS = 400
_DATE = r'\d{4}-\d{1,2}-\d{1,2}'
_LINE = re.compile(rf'^({_DATE})(?:\s*[~～至]\s*({_DATE}))?\s+(\S+)(?:\s+(.+))?$')
_KIND_WORDS = {'holiday': False, '休': False, '放假': False, '休息': False,
               'workday': True, '班': True, '上班': True}


class NoticeForm(BaseForm):
    """A whole year's notice, one line per holiday block or make-up day:

    ``2027-02-06~2027-02-12 holiday 春节`` / ``2027-02-14 workday 春节调休上班``.
    Every line is checked before anything is saved; ``entries`` holds the parsed days.
    """

    text = TextAreaField(_l('通知内容（每行一项）'), validators=[
        DataRequired(_l('请填写节假日安排。')), Length(max=20000, message=_l('内容过长。'))])

    entries: list[NoticeEntry] = ()
    line_errors: list[str] = ()

    def validate_text(self, field):
        entries, errors, seen = [], [], {}
        for number, raw in enumerate(field.data.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            problem = None
            match = _LINE.match(line)
            if match is None:
                problem = _('格式应为“YYYY-MM-DD[~YYYY-MM-DD] holiday|workday 名称”。')
            else:
                start, end = _parse_date(match.group(1)), _parse_date(match.group(2) or match.group(1))
                kind = _KIND_WORDS.get(match.group(3).lower())
                name = (match.group(4) or '').strip()
                if start is None or end is None:
                    problem = _('日期无效。')
                elif not (1990 <= start.year <= 2100 and 1990 <= end.year <= 2100):
                    problem = _('日期须在 1990 年至 2100 年之间。')
                elif end < start:
                    problem = _('结束日期早于开始日期。')
                elif (end - start).days >= MAX_RANGE_DAYS:
                    problem = _('一行最多 %(days)s 天。', days=MAX_RANGE_DAYS)
                elif kind is None:
                    problem = _('安排须为 holiday（放假）或 workday（上班）。')
                elif len(name) > 50:
                    problem = _('名称不能超过 50 个字。')
                else:
                    day = start
                    while day <= end:
                        if day in seen:
                            problem = _('%(day)s 与第 %(other)s 行重复。', day=day.isoformat(), other=seen[day])
                            break
                        seen[day] = number
                        entries.append(NoticeEntry(day, kind, name, number))
                        day += timedelta(days=1)
            if problem:
                errors.append(_('第 %(line)s 行：%(problem)s', line=number, problem=problem))
        if errors:
            self.line_errors = errors
            raise ValidationError(_('以下各行有误，全部未保存，请改正后重新提交：'))
        if not entries:
            raise ValidationError(_('没有可录入的行。'))
        if len(entries) > MAX_NOTICE_DAYS:
            raise ValidationError(_('一次最多录入 %(days)s 天。', days=MAX_NOTICE_DAYS))
        self.entries = entries


def _parse_date(text):
    try:
        year, month, day = (int(part) for part in text.split('-'))
        return date(year, month, day)
    except ValueError:
        return None
