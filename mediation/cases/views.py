from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from mediation.access import get_visible_case
from mediation.access import handles_case
from mediation.cases import bp
from mediation.cases.forms import TRIGGER_FIELDS
from mediation.cases.forms import CaseForm
from mediation.cases.forms import RevealForm
from mediation.cases.forms import TransitionForm
from mediation.chinatime import today_in_china
from mediation.database import database_integer
from mediation.errors import MediationError
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.formutil import choices
from mediation.models import Stage
from mediation.services import case_queries
from mediation.services import cases as case_service
from mediation.services.calendar import current_calendar
from mediation.services.deadlines import explain
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from mediation.web import label as display_label
from workflows.enums import DeadlineStatus
from workflows.enums import Level
from workflows.machine import TRIGGERS
from workflows.states import State

#: The list's filters, as they appear in its URLs (``qh``/``qm``: a searched ID number or phone).
FILTER_ARGS = ('q', 'qh', 'qm', 'state', 'category_id', 'level', 'due', 'mine')


@bp.route('/', methods=['GET', 'POST'])
@login_required
def index():
    # The filter form posts, and the list answers with a redirect to its URL: an ID number or
    # phone typed into the search box is replaced there by its lookup hash and masked form.
    given = request.form if request.method == 'POST' else request.args
    q = given.get('q', '').strip()[:100]
    found = case_queries.identifier_search(q) if q else None
    if request.method == 'POST' or found:
        args = {name: given[name] for name in FILTER_ARGS if given.get(name)}
        if found:
            del args['q']
            args.update(qh=found.hash, qm=found.masked)
        return redirect(url_for('cases.index', **args))
    identifier_hash = request.args.get('qh', '')
    identifier_hash = identifier_hash if case_queries.is_lookup_hash(identifier_hash) else ''
    filters = case_queries.CaseFilters(
        q=q, identifier_hash=identifier_hash,
        identifier_masked=request.args.get('qm', '')[:32] if identifier_hash else '',
        state=_choice('state', [s.value for s in State]),
        category_id=request.args.get('category_id', type=database_integer),
        level=_choice('level', [lv.value for lv in Level]),
        due=_status(_choice('due', [DeadlineStatus.DUE_SOON.value, DeadlineStatus.OVERDUE.value])),
        mine=request.args.get('mine') == '1')
    page = request.args.get('page', 1, type=database_integer)
    today = today_in_china()
    cases, has_next = case_queries.search_cases(current_user, filters, today, page=page)
    args = {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}
    without_identifier = {name: value for name, value in args.items() if name not in ('qh', 'qm')}
    return render_template('cases/index.html', cases=cases, filters=filters, today=today, states=list(State),
                           levels=list(Level), categories=case_queries.categories(), page=page,
                           clear_identifier_url=url_for('cases.index', **without_identifier),
                           prev_url=url_for('cases.index', page=page - 1, **args) if page > 1 else None,
                           next_url=url_for('cases.index', page=page + 1, **args) if has_next else None)


def _status(value):
    return DeadlineStatus(value) if value else None


def _choice(name, allowed):
    """A filter value from the query string, or '' when it is not one of ``allowed`` (a stale link)."""
    value = request.args.get(name, '')
    return value if value in allowed else ''


@bp.route('/new', methods=['GET', 'POST'])
@login_required
def new():
    if not current_user.role.registers_cases:
        abort(403)
    form = CaseForm()
    form.category_id.choices = choices([(0, _('请选择'))] + [(c.id, c.full_name) for c in case_queries.categories()])
    form.intake_level.choices = choices((org.level.value, _('%(level)s级受理', level=display_label(org.level)))
                                        for org in current_user.organisation.self_and_ancestors())
    error_field = None
    if form.is_submitted() and request.form.get('add_party'):
        # One more party card, with everything typed so far kept; nothing is checked or saved yet.
        if len(form.parties) < form.parties.max_entries:
            form.parties.append_entry()
        return render_template('cases/new.html', form=form, error_field=None)
    if form.validate_on_submit():
        try:
            result = case_service.create_case(current_user, _case_input(form))
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, 'danger')
            error_field = error.details.get('field')
        else:
            flash(_('纠纷已登记，案件编码 %(code)s。', code=result.case.matter_code), 'success')
            for warning in result.warnings:
                flash(warning, 'warning')
            return redirect(url_for('cases.detail', case_id=result.case.id))
    elif form.is_submitted():
        flash(_('请检查标红的项目后重新提交。'), 'danger')
    return render_template('cases/new.html', form=form, error_field=error_field), 422 if form.is_submitted() else 200


def _case_input(form) -> case_service.CaseInput:
    # Every card, blank ones included: the service skips those, and a card with an ID number or
    # a phone but no name is an error, never quietly dropped with what was typed in it.
    parties = [case_service.PartyInput(**{name: entry.form[name].data for name in entry.form._fields})
               for entry in form.parties.entries]
    data = {name: form[name].data for name in form._fields
            if name not in ('parties', 'csrf_token', 'submit')}
    data['parties'] = parties
    return case_service.CaseInput(**data)


@bp.route('/<int:case_id>')
@login_required
def detail(case_id):
    case = get_visible_case(current_user, case_id)
    return _render_detail(case)


@bp.route('/<int:case_id>/reveal', methods=['POST'])
@login_required
def reveal(case_id):
    """Full ID numbers and phones for the case's handlers; every view is logged."""
    case = get_visible_case(current_user, case_id)
    if not RevealForm().validate_on_submit():
        abort(400)
    revealed = case_service.reveal_identifiers(case, current_user)
    return _render_detail(case, revealed=revealed)


@bp.route('/<int:case_id>/stages/<int:stage_id>/transition', methods=['POST'])
@login_required
def transition(case_id, stage_id):
    case = get_visible_case(current_user, case_id)
    stage = db.get_or_404(Stage, stage_id)
    if stage.case_id != case.id:
        abort(404)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_('请检查标红的项目后重新提交。'), 'danger')
        return _render_detail(case, failed_form=form, failed_stage=stage), 422
    try:
        version = int(form.version.data)
    except ValueError:
        abort(400)
    try:
        apply_transition(stage, form.trigger.data, current_user, reason=form.reason.data or '',
                         data=form.transition_data(), expected_version=version)
    except MediationError as error:
        db.session.rollback()
        flash(error.message, 'danger')
        case = get_visible_case(current_user, case_id)
        return _render_detail(case, failed_form=form, failed_stage=db.session.get(Stage, stage_id)), error.status
    message = _('已完成“%(action)s”。', action=display_label(TRIGGERS[form.trigger.data]))
    if form.trigger.data == 'accept':
        message += _('案号：%(number)s', number=stage.case_number)
    flash(message, 'success')
    return redirect(url_for('cases.detail', case_id=case.id))


def _render_detail(case, *, revealed=None, failed_form=None, failed_stage=None):
    today = today_in_china()
    calendar = current_calendar()  # one look-up for every stage on the page
    events = case_queries.case_events(case)  # the history below, and each stage's deadline facts
    stages = []
    for stage in case.stages:
        forms = {}
        for trigger in allowed_triggers(stage, current_user):
            if failed_form is not None and failed_stage is not None and failed_stage.id == stage.id \
                    and failed_form.trigger.data == trigger:
                form = failed_form
                form.version.data = str(stage.version)  # keep what was typed; the next submit uses the fresh version
            else:
                form = TransitionForm(formdata=None, trigger=trigger, version=str(stage.version))
            forms[trigger] = form
        stages.append({'stage': stage, 'forms': forms,
                       'deadline': explain(stage, calendar, [e for e in events if e.stage_id == stage.id])
                       if stage.clock else None})
    return render_template('cases/detail.html', case=case, stages=stages, today=today, triggers=TRIGGERS,
                           trigger_fields=TRIGGER_FIELDS,
                           events=events, revealed=revealed,
                           handles=handles_case(current_user, case), reveal_form=RevealForm(),
                           open_trigger=failed_form.trigger.data if failed_form is not None else None)
