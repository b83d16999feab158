from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange

from mediation.formutil import BaseForm
from mediation.formutil import ChineseDateField
from mediation.formutil import ChineseIntegerField
from mediation.formutil import choices


class DeadlineCalculatorForm(BaseForm):
    class Meta:
        csrf = False  # a read-only GET calculator

    start = ChineseDateField(_l('起算日（不计入）'), validators=[DataRequired(_l('请输入有效日期。'))])
    unit = SelectField(_l('期间单位'), choices=choices([
        ('months', _l('月（自然月）')), ('days', _l('日（自然日）')), ('workdays', _l('工作日'))]))
    amount = ChineseIntegerField(_l('期间长度'), validators=[
        DataRequired(_l('请输入期间长度。')), NumberRange(min=1, max=366, message=_l('期间长度须在 1 至 366 之间。'))])
