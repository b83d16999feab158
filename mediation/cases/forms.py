from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import FieldList
from wtforms import FormField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from mediation.formutil import BaseForm
from mediation.formutil import BaseSubform
from mediation.formutil import ChineseDateField
from mediation.formutil import ChineseIntegerField
from mediation.formutil import choices
from mediation.inputs import BIRTH_DATE_MIN
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source


class PartyForm(BaseSubform):
    role = SelectField(_l('身份'), choices=choices([(r.value, r.label_zh) for r in PartyRole]))
    kind = SelectField(_l('类型'), choices=choices([(kind.value, kind.label_zh) for kind in PartyKind]))
    name = StringField(_l('姓名/名称'), validators=[Optional(), Length(max=100)])
    id_number = StringField(_l('公民身份号码'), validators=[Optional(), Length(max=30)])
    sex = SelectField(_l('性别'), choices=choices([('', _l('（由身份证号码自动识别）')), ('male', _l('男')), ('female', _l('女'))]),
                      validators=[Optional()])
    ethnicity = StringField(_l('民族'), validators=[Optional(), Length(max=20)])
    birth_date = ChineseDateField(_l('出生日期'), earliest=BIRTH_DATE_MIN, latest='today', validators=[Optional()])
    occupation = StringField(_l('职业或职务'), validators=[Optional(), Length(max=100)])
    address = StringField(_l('住址/住所'), validators=[Optional(), Length(max=255)])
    phone = StringField(_l('联系电话'), validators=[Optional(), Length(max=40)])
    phone_contact = StringField(_l('电话联系人（非本人时）'), validators=[Optional(), Length(max=50)])
    uscc = StringField(_l('统一社会信用代码'), validators=[Optional(), Length(max=30)])
    legal_representative = StringField(_l('法定代表人'), validators=[Optional(), Length(max=50)])


class CaseForm(BaseForm):
    title = StringField(_l('纠纷名称'), validators=[DataRequired(_l('请填写纠纷名称。')), Length(max=200)])
    category_id = SelectField(_l('纠纷类型'), coerce=int, validators=[DataRequired(_l('请选择纠纷类型。'))])
    source = SelectField(_l('案件来源'), choices=choices([(s.value, s.label_zh) for s in Source if not s.court_sent]))
    facts = TextAreaField(_l('纠纷简要情况'), validators=[DataRequired(_l('请填写纠纷简要情况。')), Length(max=20000)])
    requests = TextAreaField(_l('当事人申请事项'), validators=[Optional(), Length(max=10000)])
    place = StringField(_l('纠纷发生地'), validators=[Optional(), Length(max=200)])
    amount = StringField(_l('涉及金额（元）'), validators=[Optional(), Length(max=20)])
    people_involved = ChineseIntegerField(_l('涉及人数'), default=2, validators=[
        Optional(), NumberRange(min=0, max=100000, message=_l('涉及人数须在 0 至 100000 之间。'))])
    mzx_risk = BooleanField(_l('有民转刑风险'))
    group_dispute = BooleanField(_l('群体性纠纷'))
    petition_risk = BooleanField(_l('有信访（上访）风险'))
    major_difficult = BooleanField(_l('重大疑难纠纷'))
    cross_area = BooleanField(_l('跨地区、跨单位纠纷'))
    abnormal_death = BooleanField(_l('涉及非正常死亡'))
    minor_involved = BooleanField(_l('涉及未成年人'))
    risk_level = SelectField(_l('风险等级'), choices=choices([('', _l('无'))] + [(r.value, r.label_zh) for r in RiskLevel]),
                             validators=[Optional()])
    intake_level = SelectField(_l('受理层级'), validators=[Optional()])
    parties = FieldList(FormField(PartyForm), min_entries=2, max_entries=20)


class TransitionForm(BaseForm):
    """One form for every transition button; the service decides what each needs."""

    trigger = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l('原因/说明'), validators=[Optional(), Length(max=5000)])
    requested_by = SelectField(_l('申请方'), choices=choices([
        ('', _l('请选择')), ('parties', _l('双方当事人')), ('applicant', _l('申请人')), ('respondent', _l('被申请人')),
        ('committee', _l('调解委员会'))]), validators=[Optional()])
    unit = SelectField(_l('延长单位'), choices=choices([('days', _l('日')), ('months', _l('月')), ('workdays', _l('工作日'))]),
                       validators=[Optional()])
    amount = ChineseIntegerField(_l('延长长度'), validators=[
        Optional(), NumberRange(min=1, max=366, message=_l('延长长度须在 1 至 366 之间。'))])
    consent = BooleanField(_l('已征得当事人同意并记录'))
    court = StringField(_l('法院'), validators=[Optional(), Length(max=100)])
    result = SelectField(_l('结果'), choices=choices([
        ('', _l('请选择')), ('confirmed', _l('裁定确认有效')), ('rejected', _l('驳回申请')), ('withdrawn', _l('撤回申请'))]),
        validators=[Optional()])

    def transition_data(self) -> dict:
        """Only what the trigger uses ends up in the audit event."""
        data = {}
        for name in ('requested_by', 'unit', 'court', 'result'):
            if getattr(self, name).data:
                data[name] = getattr(self, name).data
        if self.amount.data:
            data['amount'] = self.amount.data
        if self.consent.data:
            data['consent'] = True
        return data


class RevealForm(BaseForm):
    """POST-only button: show full ID numbers and phones (logged)."""


#: The extra inputs each transition's form shows (besides the reason).
TRIGGER_FIELDS = {
    'accept': ['consent'],
    'pause': ['requested_by'],
    'extend': ['unit', 'amount', 'consent'],
    'refer_up': ['consent'],
    'apply_judicial_confirmation': ['court'],
    'record_judicial_confirmation': ['court', 'result'],
}
