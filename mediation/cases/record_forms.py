"""The forms of the work records: a session, an investigation, evidence, performance of a term, a follow-up
visit, a note. Each checks what it can by itself (beside the field, all at once); the service checks the rest."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FieldList
from wtforms import FormField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from mediation.errors import ValidationFailed
from mediation.formutil import BaseForm
from mediation.formutil import BaseSubform
from mediation.formutil import ChineseDateField
from mediation.formutil import ChineseDateTimeField
from mediation.formutil import choices
from mediation.services.records import LIMITS
from mediation.services.records import URGED
from mediation.services.records import sniff
from mediation.web import label
from workflows.enums import EvidenceKind
from workflows.enums import PerformanceStatus
from workflows.enums import Satisfaction
from workflows.enums import SessionOutcome
from workflows.enums import VisitMethod

TOO_LONG = _l('内容过长：不能超过 %(max)d 字。')
NOT_A_CHOICE = _l('请从列表中选择。')


def _length(name):
    return Length(max=LIMITS[name], message=TOO_LONG)


def _required(message):
    return DataRequired(message)


def _enum_choices(enum, first=None):
    pairs = [('', first)] if first is not None else []
    return choices(pairs + [(member.value, label(member)) for member in enum])


class _RecordForm(BaseForm):
    """Choice labels in the reader's language, set when the form is built (a request is running then)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices()

    def set_choices(self):
        pass


class StatementForm(BaseSubform):
    """One party's statement at the session: the party is fixed by the page, one box per party of the case."""

    party_id = HiddenField()
    text = TextAreaField(_l('陈述'), validators=[_length('statement')])


class SessionForm(_RecordForm):
    version = HiddenField()
    held_at = ChineseDateTimeField(_l('调解时间'), latest='now', validators=[_required(_l('请填写调解时间。'))])
    place = StringField(_l('调解地点'), validators=[_required(_l('请填写调解地点。')), _length('place')])
    mediators = StringField(_l('人民调解员'), validators=[
        _required(_l('请填写参加调解的人民调解员。')), _length('mediators')])
    recorder = StringField(_l('记录人'), validators=[_length('recorder')])
    parties_present = StringField(_l('到场当事人'), validators=[
        _required(_l('请填写到场的当事人。')), _length('parties_present')])
    participants = StringField(_l('参加人（邀请协助调解的人员）'), validators=[_length('participants')])
    statements = FieldList(FormField(StatementForm), min_entries=0, max_entries=50)
    facts_checked = TextAreaField(_l('核实的事实与风险告知'), validators=[_length('facts_checked')])
    proposal = TextAreaField(_l('调解意见（方案）'), validators=[_length('proposal')])
    outcome = SelectField(_l('调解结果'), validators=[_required(_l('请选择调解结果。'))],
                          invalid_choice_message=NOT_A_CHOICE)
    next_step = TextAreaField(_l('下一步工作'), validators=[_length('next_step')])
    next_session_on = ChineseDateField(_l('下次调解日期'), validators=[Optional()])

    def set_choices(self):
        self.outcome.choices = _enum_choices(SessionOutcome, _l('请选择'))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        entries = self.statements.entries
        if entries and not any((entry.form.text.data or '').strip() for entry in entries):
            entries[0].form.text.errors = list(entries[0].form.text.errors) + [_l('请至少填写一方当事人的陈述。')]
            valid = False
        return valid


class InvestigationForm(_RecordForm):
    version = HiddenField()
    held_at = ChineseDateTimeField(_l('调查时间'), latest='now', validators=[_required(_l('请填写调查时间。'))])
    place = StringField(_l('调查地点'), validators=[_required(_l('请填写调查地点。')), _length('place')])
    investigators = StringField(_l('调查人'), validators=[_required(_l('请填写调查人。')), _length('investigators')])
    recorder = StringField(_l('记录人'), validators=[_length('recorder')])
    subject = StringField(_l('被调查人'), validators=[_required(_l('请填写被调查人。')), _length('subject')])
    subject_details = StringField(_l('被调查人情况（与当事人关系、住址、联系方式）'),
                                  validators=[_length('subject_details')])
    content = TextAreaField(_l('调查内容（问答记录、现场情况）'),
                            validators=[_required(_l('请填写调查内容。')), _length('content')])


class EvidenceForm(_RecordForm):
    evidence_kind = SelectField(_l('证据类型'), validators=[_required(_l('请选择证据类型。'))],
                                invalid_choice_message=NOT_A_CHOICE)
    title = StringField(_l('证据名称'), validators=[_required(_l('请填写证据名称。')), _length('title')])
    provided_by = StringField(_l('提供人'), validators=[_length('provided_by')])
    description = TextAreaField(_l('证明内容或说明'), validators=[_length('description')])
    session_id = SelectField(_l('形成于哪次调解'), validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)
    investigation_id = SelectField(_l('形成于哪次调查'), validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)
    file = FileField(_l('文件'))

    def set_choices(self):
        self.evidence_kind.choices = _enum_choices(EvidenceKind, _l('请选择'))
        self.session_id.choices = choices([('', _l('（无）'))])
        self.investigation_id.choices = choices([('', _l('（无）'))])

    def validate_file(self, field):
        """A file chosen, of a type and size the case may keep (read from its bytes: ``records.sniff``), so its
        problem is told with the others' at once; the bytes are kept for the view (``file_bytes``)."""
        if not field.data or not getattr(field.data, 'filename', ''):
            raise ValidationError(_l('请选择要上传的文件。'))
        self.file_bytes = field.data.read()  # (the request is capped by MAX_CONTENT_LENGTH)
        try:
            sniff(self.file_bytes)
        except ValidationFailed as error:
            raise ValidationError(error.message)


class PerformanceForm(_RecordForm):
    term_no = SelectField(_l('协议条款'), validators=[_required(_l('请选择协议条款。'))],
                          invalid_choice_message=NOT_A_CHOICE)
    status = SelectField(_l('登记内容'), validators=[_required(_l('请选择履行情况。'))],
                         invalid_choice_message=NOT_A_CHOICE)
    due_on = ChineseDateField(_l('履行期限'), validators=[Optional()])
    checked_on = ChineseDateField(_l('核实日期'), latest='today', validators=[_required(_l('请填写核实日期。'))])
    note = TextAreaField(_l('情况说明'), validators=[_length('note')])

    def set_choices(self):
        self.term_no.choices = choices([('', _l('请选择'))])
        self.status.choices = _enum_choices(PerformanceStatus, _l('请选择')) + choices([(URGED, _l('督促履行'))])

    def validate_note(self, field):
        text = (field.data or '').strip()
        if self.status.data == URGED and not text:
            raise ValidationError(_l('请填写督促的方式和当事人的答复。'))
        if self.status.data in (PerformanceStatus.BREACHED.value, PerformanceStatus.PARTLY.value) and not text:
            raise ValidationError(_l('未履行或部分履行的，请说明情况。'))


class FollowUpForm(_RecordForm):
    version = HiddenField()
    visited_on = ChineseDateField(_l('回访日期'), latest='today', validators=[_required(_l('请填写回访日期。'))])
    method = SelectField(_l('回访方式'), validators=[_required(_l('请选择回访方式。'))],
                         invalid_choice_message=NOT_A_CHOICE)
    visitors = StringField(_l('回访人'), validators=[_required(_l('请填写回访人。')), _length('visitors')])
    person_visited = StringField(_l('被回访人'), validators=[
        _required(_l('请填写被回访人。')), _length('person_visited')])
    performance = SelectField(_l('协议履行情况'), validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)
    satisfaction = SelectField(_l('当事人意见'), validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)
    situation = TextAreaField(_l('回访情况'), validators=[_required(_l('请填写回访情况。')), _length('situation')])
    court_action = StringField(_l('是否反悔、起诉及结果'), validators=[_length('court_action')])
    risks = TextAreaField(_l('有无矛盾激化或其他隐患，采取的措施'), validators=[_length('risks')])

    def set_choices(self):
        self.method.choices = _enum_choices(VisitMethod, _l('请选择'))
        self.performance.choices = _enum_choices(PerformanceStatus, _l('（未问及）'))
        self.satisfaction.choices = _enum_choices(Satisfaction, _l('（未问及）'))


class NoteForm(_RecordForm):
    text = TextAreaField(_l('备注'), validators=[_required(_l('请填写备注内容。')), _length('text')])
