"""The court officer's pages (诉调对接): the inbox, the cases sent down, and sending one down.

What the court does to a case (receive, register, send down, file, confirm) is a transition on
the case page, like every committee's step; these pages list what waits and record a delegation.
"""
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from mediation.access import get_visible_case
from mediation.api.package import build_package
from mediation.api.serialise import public_base_url
from mediation.chinatime import today_in_china
from mediation.court import bp
from mediation.court.forms import DelegationForm
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.services import case_queries
from mediation.services import court as court_service
from mediation.services import court_checks
from mediation.services.cases import PartyInput
from workflows.enums import Role
from workflows.machine import TRIGGERS


@bp.before_request
@login_required
def require_court_officer():
    if current_user.role != Role.COURT_OFFICER:
        abort(403)


@bp.route('/')
def inbox():
    return render_template('court/inbox.html', items=court_service.inbox(current_user), today=today_in_china(),
                           triggers=TRIGGERS)


@bp.route('/sent')
def sent():
    return render_template('court/sent.html', rows=court_service.sent_down(current_user), today=today_in_china())


@bp.route('/delegate', methods=['GET', 'POST'])
def delegate():
    form = DelegationForm()
    form.set_categories(case_queries.categories())
    form.committee_id.choices = [SelectChoice(0, _('请选择'))] + [
        SelectChoice(org.id, org.committee_name) for org in court_checks.roster(current_user.organisation_id)]
    if form.is_submitted() and request.form.get('add_party'):
        if len(form.parties) < form.parties.max_entries:
            form.parties.append_entry()
        return render_template('court/delegate.html', form=form)
    if not form.is_submitted():
        return render_template('court/delegate.html', form=form)
    data = _input(form)
    if form.validate():
        try:
            case = court_service.delegate_case(current_user, data)
        except ValidationFailed as error:
            db.session.rollback()
            form.show_problems(error.details.get('errors') or {error.details.get('field', ''): [error.message]})
        else:
            flash(_('已委派（委托）调解，案件编码 %(code)s。', code=case.matter_code), 'success')
            return redirect(url_for('cases.detail', case_id=case.id))
    else:
        form.show_problems(court_service.check_delegation(current_user, data))
    return render_template('court/delegate.html', form=form), 422


@bp.route('/cases/<int:case_id>/package')
def package(case_id):
    """The case transfer package (移交包) as the API gives it: a ZIP the court's own system takes in."""
    case = get_visible_case(current_user, case_id)
    data = build_package(case, current_user, public_base_url=public_base_url(request))
    return current_app.response_class(data, mimetype='application/zip', headers={
        'Content-Disposition': f'attachment; filename="{case.matter_code}-package.zip"'})


@bp.route('/reports/<int:event_id>')
def closing_report(event_id):
    """The closing report (结案报告, TY16 Art 26) of a case that came back to this court."""
    report = court_service.closing_report(current_user, event_id)
    return render_template('court/closing_report.html', report=report)


def _input(form) -> court_service.DelegationInput:
    parties = [PartyInput(**{name: entry.form[name].data for name in entry.form._fields})
               for entry in form.parties.entries]
    return court_service.DelegationInput(
        kind=form.kind.data or '', court_case_number=form.court_case_number.data or '',
        committee_id=form.committee_id.data or None, title=form.title.data or '', facts=form.facts.data or '',
        category_id=form.category_id.data or None, parties=parties, reason=form.reason.data or '')
