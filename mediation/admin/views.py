from flask import abort
from flask import render_template
from flask_login import current_user
from flask_login import login_required

from mediation.admin import bp


@bp.before_request
@login_required
def require_admin():
    if not current_user.is_admin:
        abort(403)


@bp.route('/organisations')
def organisations():
    return render_template('admin/organisations.html')


@bp.route('/users')
def users():
    return render_template('admin/users.html')


@bp.route('/calendar')
def calendar():
    return render_template('admin/calendar.html')
