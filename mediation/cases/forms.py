from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import FieldList
from wtforms import FormField
from wtforms import HiddenField
from wtforms import SelectChoice
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
from mediation.services.cases import ORGANISATION_FIELDS
from mediation.services.cases import PERSON_FIELDS
from mediation.web import lazy_label
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source
from workflows.enums import StageKind

#: A party's fields that only one kind has (the same split as ``services.cases``).
KIND_FIELDS = {'person': PERSON_FIELDS, 'organisation': ORGANISATION_FIELDS}


class PartyForm(BaseSubform):
    role = SelectField(_l('身份'), choices=choices([(r.value, lazy_label(r)) for r in PartyRole]))
    kind = SelectField(_l('类型'), choices=choices([(kind.value, lazy_label(kind)) for kind in PartyKind]))
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

    def label_for_kind(self, field) -> str:
        """A field's label as the card shows it for its kind (姓名 or 单位名称, 住址 or 住所)."""
        organisation = self.kind.data == PartyKind.ORGANISATION.value
        if field is self.name:
            return _('单位名称') if organisation else _('姓名')
        if field is self.address:
            return _('住所（经营场所）') if organisation else _('住址')
        return field.label.text

    def other_kind_fields(self) -> frozenset:
        """The fields of the kind not chosen: hidden on the page, not checked, ignored by the service."""
        return frozenset().union(*(names for kind, names in KIND_FIELDS.items() if kind != self.kind.data))

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        for name in self.other_kind_fields():
            self[name].errors = []  # e.g. a birth date typed before the card was switched to 单位
        return not any(field.errors for field in self)


class CaseForm(BaseForm):
    title = StringField(_l('纠纷名称'), validators=[DataRequired(_l('请填写纠纷名称。')), Length(max=200)])
    category_id = SelectField(_l('纠纷类型'), coerce=int, validators=[DataRequired(_l('请选择纠纷类型。'))])
    source = SelectField(_l('案件来源'), choices=choices([(s.value, lazy_label(s)) for s in Source if not s.court_sent]))
    handled_elsewhere = BooleanField(_l('本纠纷已被人民法院、公安机关或者其他行政机关受理或者解决'))
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
    risk_level = SelectField(_l('风险等级'), validators=[Optional()],
                             choices=choices([('', _l('无'))] + [(r.value, lazy_label(r)) for r in RiskLevel]))
    intake_level = SelectField(_l('受理层级'), validators=[Optional()])
    #: The first card is the applicant, the second the respondent (a card added later: applicant).
    parties = FieldList(FormField(PartyForm), min_entries=2, max_entries=20,
                        default=lambda: [{'role': PartyRole.APPLICANT.value, 'kind': PartyKind.PERSON.value},
                                         {'role': PartyRole.RESPONDENT.value, 'kind': PartyKind.PERSON.value}])

    #: The risk flags, in the order the page lists them.
    RISK_FLAGS = ('mzx_risk', 'group_dispute', 'petition_risk', 'major_difficult', 'cross_area', 'abnormal_death',
                  'minor_involved')

    #: Where a problem of no single input is shown: "at least one party" beside the first name.
    PROBLEM_PLACES = {'parties': 'parties-0-name'}

    def set_categories(self, categories) -> None:
        """The category choices: each top-level category, with its subcategories grouped under it
        (the parent itself first in its group, as "…（其他）")."""
        children = {}
        for category in categories:
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category)
        options = [SelectChoice(0, _('请选择'))]
        for category in categories:
            if category.parent_id is not None:
                continue
            subcategories = children.get(category.id)
            if not subcategories:
                options.append(SelectChoice(category.id, category.label))
                continue
            group = category.label
            options.append(SelectChoice(category.id, _('%(name)s（其他）', name=category.label), optgroup=group))
            options += [SelectChoice(child.id, child.label, optgroup=group) for child in subcategories]
        self.category_id.choices = options

    def show_problems(self, problems: dict) -> None:
        """Put the service's problems (field name → messages) beside their fields; a problem of no
        single field (``parties``) goes to ``general_errors``. A message already shown is not repeated."""
        fields = self.fields_by_name()
        self.general_errors = getattr(self, 'general_errors', [])
        for name, messages in problems.items():
            field = fields.get(self.PROBLEM_PLACES.get(name, name))
            if field is None:
                self.general_errors += [m for m in messages if m not in self.general_errors]
                continue
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors += [m for m in messages if m not in field.errors]

    def fields_by_name(self) -> dict:
        """Every input of the page by its HTML name, the party cards' included (``parties-1-id_number``)."""
        found = {}
        for field in self:
            if isinstance(field, FieldList):
                for entry in field.entries:
                    found.update((sub.name, sub) for sub in entry.form)
            else:
                found[field.name] = field
        return found

    def error_summary(self) -> list[tuple]:
        """(input id, party card number or None, field label) of every field with an error, in page order."""
        summary = []
        for field in self:
            if isinstance(field, FieldList):
                for number, entry in enumerate(field.entries, start=1):
                    summary += [(sub.id, number, entry.form.label_for_kind(sub)) for sub in entry.form if sub.errors]
            elif field.errors and field.type != 'CSRFTokenField':
                summary.append((field.id, None, field.label.text))
        return summary


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
    # the court's steps (docs/court.md)
    court_case_number = StringField(_l('法院案号'), validators=[Optional(), Length(max=64)])
    delegation = SelectField(_l('委派或委托'), choices=choices(
        [('', _l('请选择'))] + [(kind.value, lazy_label(kind)) for kind in StageKind if kind.court_sent]),
        validators=[Optional()])
    committee_id = SelectField(_l('受托调解组织（特邀调解组织名册）'), validators=[Optional()], validate_choice=False)
    approved_by = StringField(_l('批准延长的院长'), validators=[Optional(), Length(max=50)])

    def transition_data(self) -> dict:
        """Only what the trigger uses ends up in the audit event."""
        data = {}
        for name in ('requested_by', 'unit', 'court', 'court_case_number', 'delegation', 'committee_id',
                     'approved_by'):
            if getattr(self, name).data:
                data[name] = getattr(self, name).data
        if self.amount.data:
            data['amount'] = self.amount.data
        if self.consent.data:
            data['consent'] = True
        return data


class DisclosureForm(BaseForm):
    """Both parties agreed that the court may see the transcripts (TY16 Art 22): how they said so."""

    reason = TextAreaField(_l('双方当事人同意的方式和时间'), validators=[Optional(), Length(max=5000)])


class RevealForm(BaseForm):
    """POST-only button: show full ID numbers and phones (logged)."""


#: The extra inputs each transition's form shows (besides the reason).
TRIGGER_FIELDS = {
    'accept': ['consent'],
    'pause': ['requested_by'],
    'extend': ['unit', 'amount', 'consent'],
    'refer_up': ['consent'],
    'apply_judicial_confirmation': ['court'],
    'court_register': ['court_case_number'],
    'send_down': ['delegation', 'committee_id'],
    'jc_accept': ['court_case_number'],
    'jc_extend': ['approved_by'],
}
