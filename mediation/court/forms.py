"""The court officer's form: a case sent down to an invited organisation (委派 / 委托)."""
from flask_babel import lazy_gettext as _l
from wtforms import FieldList
from wtforms import FormField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from mediation.cases.forms import CaseForm
from mediation.cases.forms import PartyForm
from mediation.formutil import BaseForm
from mediation.formutil import choices
from mediation.web import lazy_label
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import StageKind


class DelegationForm(BaseForm):
    kind = SelectField(_l('委派或委托'), choices=choices(
        [(kind.value, lazy_label(kind)) for kind in StageKind if kind.court_sent]))
    court_case_number = StringField(_l('法院案号'), validators=[DataRequired(_l('请填写法院案号。')), Length(max=64)])
    committee_id = SelectField(_l('受托调解组织（特邀调解组织名册）'), coerce=int, validate_choice=False)
    title = StringField(_l('案由（纠纷名称）'), validators=[DataRequired(_l('请填写纠纷名称（案由）。')), Length(max=200)])
    category_id = SelectField(_l('纠纷类型'), coerce=int, validators=[DataRequired(_l('请选择纠纷类型。'))])
    facts = TextAreaField(_l('案情简介'), validators=[Optional(), Length(max=5000)])
    reason = TextAreaField(_l('委派（委托）说明'), validators=[Optional(), Length(max=5000)])
    parties = FieldList(FormField(PartyForm), min_entries=2, max_entries=20,
                        default=lambda: [{'role': PartyRole.APPLICANT.value, 'kind': PartyKind.PERSON.value},
                                         {'role': PartyRole.RESPONDENT.value, 'kind': PartyKind.PERSON.value}])

    PROBLEM_PLACES = {'parties': 'parties-0-name'}

    set_categories = CaseForm.set_categories
    show_problems = CaseForm.show_problems
    fields_by_name = CaseForm.fields_by_name
    error_summary = CaseForm.error_summary
