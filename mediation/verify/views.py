from flask import current_app
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length
from wtforms.validators import Optional

from mediation.extensions import limiter
from mediation.formutil import BaseForm
from mediation.services import sealing
from mediation.verify import bp


class VerifyForm(BaseForm):
    document = FileField(_l('上传协议 PDF 文件'))
    code = StringField(_l('或输入验证码'), validators=[Optional(), Length(max=40)])


def _verify_rate_limit():
    return current_app.config['VERIFY_RATE_LIMIT']


@bp.route('/verify', methods=['GET', 'POST'])
@limiter.limit(_verify_rate_limit, methods=['POST'])
def verify():
    """Upload a PDF or type the code printed on it; the answer names the committee, case number and date only."""
    form = VerifyForm() if request.method == 'POST' else VerifyForm(formdata=None, code=request.args.get('code', ''))
    checked = looked_up = None
    if request.method == 'POST' and form.validate():
        upload = form.document.data
        if upload and getattr(upload, 'filename', ''):
            data = upload.read(current_app.config['MAX_UPLOAD_BYTES'] + 1)
            if len(data) > current_app.config['MAX_UPLOAD_BYTES']:
                form.document.errors = [_l('文件过大。')]
            else:
                checked = sealing.verify_document(data)
        elif form.code.data:
            looked_up = sealing.lookup_code(form.code.data)
        else:
            form.document.errors = [_l('请上传 PDF 文件，或输入协议上印的验证码。')]
    elif request.method == 'GET' and form.code.data:
        looked_up = sealing.lookup_code(form.code.data)
    return render_template('verify/verify.html', form=form, checked=checked, looked_up=looked_up)
