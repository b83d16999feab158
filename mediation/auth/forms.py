from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from mediation.formutil import BaseForm


class LoginForm(BaseForm):
    username = StringField(_l('用户名'), validators=[DataRequired(_l('请输入用户名。')), Length(max=64)])
    password = PasswordField(_l('密码'), validators=[DataRequired(_l('请输入密码。')), Length(max=200)])
    submit = SubmitField(_l('登录'))


class EmptyForm(BaseForm):
    """CSRF-only form for POST buttons (sign out, language switch)."""
