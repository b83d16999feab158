from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from mediation.auth import bp
from mediation.auth.forms import EmptyForm
from mediation.auth.forms import LoginForm
from mediation.extensions import db
from mediation.extensions import limiter
from mediation.extensions import login_manager
from mediation.models import User
from mediation.services import accounts
from mediation.web import remember_locale


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _login_rate_limit():
    return current_app.config['LOGIN_RATE_LIMIT']


@bp.route('/login', methods=['GET', 'POST'])
@limiter.limit(_login_rate_limit, methods=['POST'])
def login():
    if current_user.is_authenticated:
        return redirect(url_for('main.dashboard'))
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.username.data, form.password.data, request.remote_addr or '')
        if result.user is not None:
            locale = session.get('locale')
            session.clear()  # nothing from before sign-in carries over (no session fixation) …
            if locale:
                session['locale'] = locale  # … except the language the user chose
            login_user(result.user)
            return redirect(_safe_next(request.args.get('next')))
        flash(result.message, 'danger')
    return render_template('auth/login.html', form=form)


@bp.route('/logout', methods=['POST'])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        locale = session.get('locale')
        logout_user()
        session.clear()  # nothing of the signed-in session stays behind …
        if locale:
            session['locale'] = locale  # … except the language the user chose
        flash(_('您已安全退出。'), 'info')
    return redirect(url_for('auth.login'))


@bp.route('/locale/<code>', methods=['POST'])
def set_locale(code):
    response = redirect(_safe_next(request.form.get('next')))
    if EmptyForm().validate_on_submit() and code in current_app.config['LANGUAGES']:
        session['locale'] = code
        remember_locale(response, code)  # kept beyond this session (sign-out, expiry, a closed browser)
    return response


def _safe_next(target):
    """Only same-site relative paths: a login link must not send users elsewhere."""
    if target and target.startswith('/') and not target.startswith('//') and '\\' not in target:
        return target
    return url_for('main.dashboard')
