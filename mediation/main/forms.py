from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from mediation.formutil import choices
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange


class DeadlineCalculatorForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET calculator

    start = DateField('起算日（不计入）', validators=[DataRequired('请输入有效日期。')])
    unit = SelectField('期间单位', choices=choices([('months', '月（自然月）'), ('days', '日（自然日）'), ('workdays', '工作日')]))
    amount = IntegerField('期间长度', validators=[DataRequired('请输入期间长度。'),
                                              NumberRange(min=1, max=366, message='期间长度须在 1 至 366 之间。')])
