"""The forms of an agreement: its text (drafts), a signature from the pad, a scan of the signed paper, the seal."""
import base64
import binascii

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FieldList
from wtforms import FormField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from mediation.admin.forms import MultiCheckboxField
from mediation.formutil import BaseForm
from mediation.formutil import BaseSubform
from mediation.formutil import ChineseIntegerField
from mediation.formutil import choices
from mediation.services.agreements import LIMITS
from mediation.services.agreements import MAX_SIGNATURE_IMAGE
from mediation.services.agreements import MAX_TERMS
from workflows.enums import AgreementKind


class AgreementPartyForm(BaseSubform):
    party_id = HiddenField()
    role = HiddenField()
    kind = HiddenField()
    name = StringField(_l('姓名/名称'), validators=[Length(max=LIMITS['name'])])
    sex = SelectField(_l('性别'), choices=choices([('', _l('未填')), ('男', _l('男')), ('女', _l('女'))]),
                      validators=[Optional()])
    ethnicity = StringField(_l('民族'), validators=[Length(max=LIMITS['ethnicity'])])
    age = ChineseIntegerField(_l('年龄'), validators=[
        Optional(), NumberRange(min=0, max=150, message=_l('年龄须在 0 至 150 之间。'))])
    occupation = StringField(_l('职业或职务'), validators=[Length(max=LIMITS['occupation'])])
    address = StringField(_l('住址/住所'), validators=[Length(max=LIMITS['address'])])
    legal_representative = StringField(_l('法定代表人'), validators=[Length(max=LIMITS['legal_representative'])])
    representative_title = StringField(_l('职务'), validators=[Length(max=LIMITS['representative_title'])])


class TermForm(BaseSubform):
    content = TextAreaField(_l('协议内容'), validators=[Length(max=LIMITS['content'])])
    manner = StringField(_l('履行方式'), validators=[Length(max=LIMITS['manner'])])
    place = StringField(_l('履行地点'), validators=[Length(max=LIMITS['place'])])
    deadline = StringField(_l('履行期限'), validators=[Length(max=LIMITS['deadline'])])


class AgreementForm(BaseForm):
    version = HiddenField()
    kind = RadioField(_l('协议形式'), default=AgreementKind.WRITTEN.value, choices=choices([
        (AgreementKind.WRITTEN.value, _l('书面协议（人民调解协议书）')),
        (AgreementKind.ORAL.value, _l('口头协议（登记口头协议）'))]))
    parties = FieldList(FormField(AgreementPartyForm), min_entries=0, max_entries=20)
    facts = TextAreaField(_l('纠纷主要事实'), validators=[Length(max=LIMITS['facts'])])
    disputes = TextAreaField(_l('争议事项'), validators=[Length(max=LIMITS['disputes'])])
    responsibility = TextAreaField(_l('各方当事人的责任'), validators=[Length(max=LIMITS['responsibility'])])
    terms = FieldList(FormField(TermForm), min_entries=1, max_entries=MAX_TERMS)
    mediator = StringField(_l('人民调解员'), validators=[Length(max=LIMITS['mediator'])])
    recorder = StringField(_l('记录人'), validators=[Length(max=LIMITS['recorder'])])


class SignatureForm(BaseForm):
    """A signature drawn on the pad, sent as a PNG data URL."""

    slot = HiddenField(validators=[DataRequired()])
    image = HiddenField(validators=[DataRequired(_l('请先在签名框内签名。'))])

    def validate_image(self, field):
        self.png = image_bytes(field.data)
        if self.png is None:
            raise ValidationError(_l('签名图像无法读取，请清除后重新签名。'))


def image_bytes(data_url: str):
    """The PNG in a ``data:image/png;base64,…`` URL, or None."""
    prefix = 'data:image/png;base64,'
    if not data_url.startswith(prefix) or len(data_url) > MAX_SIGNATURE_IMAGE * 4 // 3 + len(prefix) + 4:
        return None
    try:
        return base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        return None


class ScanForm(BaseForm):
    """The scan of the printed agreement signed by hand, and who signed on it."""

    scan = FileField(_l('签名页扫描件（PDF、JPG 或 PNG）'))
    slots = MultiCheckboxField(_l('在纸质协议上签名的人员'), invalid_choice_message=_l('请勾选列表中的人员。'))

    def validate_scan(self, field):
        if not field.data or not getattr(field.data, 'filename', ''):
            raise ValidationError(_l('请选择要上传的扫描件。'))


class SealForm(BaseForm):
    version = HiddenField(validators=[DataRequired()])
