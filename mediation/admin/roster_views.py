"""The court's roster of invited mediation organisations (特邀调解组织名册), kept by administrators."""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation.admin import bp
from mediation.admin.forms import ConfirmForm
from mediation.database import database_integer
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Organisation
from mediation.services import court as court_service
from mediation.services import orgs as org_service
from workflows.enums import OrgKind


def _court(court_id) -> Organisation:
    court = db.session.get(Organisation, court_id)
    if court is None or court.kind != OrgKind.COURT:
        abort(404)
    return court


@bp.route('/courts/<int:court_id>/roster', methods=['GET', 'POST'])
def roster(court_id):
    court = _court(court_id)
    form = ConfirmForm()
    if request.method == 'POST':
        if not form.validate_on_submit():
            abort(400)
        try:
            committee_id = database_integer(request.form.get('committee_id', ''))
        except ValueError:
            abort(400)
        active = request.form.get('active') == '1'
        try:
            row = court_service.set_invited(current_user, court.id, committee_id, active)
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, 'danger')
        else:
            name = row.committee.committee_name
            flash(_('已将%(name)s列入名册。', name=name) if active else _('已将%(name)s移出名册。', name=name), 'success')
        return redirect(url_for('admin.roster', court_id=court.id))
    listed = {row.committee_id: row for row in court_service.roster_rows(court.id)}
    rows, _courts = org_service.tree_rows()
    return render_template('admin/roster.html', court=court, rows=rows, listed=listed, form=form)
