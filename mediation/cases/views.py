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
from mediation.services import documents
from mediation.services.agreements import agreement_of
from mediation.services.calendar import current_calendar
from mediation.services.deadlines import explain
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from mediation.web import label as display_label
from workflows.enums import DeadlineStatus
from workflows.enums import Level
from workflows.machine import TRIGGERS
from workflows.states import State

#: Transitions the agreement's pages perform (drafting, registering an oral agreement, sealing).
AGREEMENT_TRIGGERS = {'draft_agreement', 'register_oral_agreement', 'sign_agreement'}


@bp.route('/', methods=['GET', 'POST'])
@login_required
def index():
    # The filter form posts, and the list answers with a redirect to its URL: an ID number or
    # phone typed into the search box is replaced there by its lookup hash and masked form.
    filters = _filters_from(request.form if request.method == 'POST' else request.args)
    found = case_queries.identifier_search(filters.q) if filters.q else None
    if found:
        filters.q, filters.identifier_hash, filters.identifier_masked = '', found.hash, found.masked
    if request.method == 'POST' or found:
        return redirect(url_for('cases.index', **filters.as_args()))
    page = request.args.get('page', 1, type=database_integer)
    today = today_in_china()
    cases, has_next = case_queries.search_cases(current_user, filters, today, page=page)
    args = filters.as_args()
    without_identifier = {name: value for name, value in args.items() if name not in ('qh', 'qm')}
    return render_template('cases/index.html', cases=cases, filters=filters, today=today, states=list(State),
                           levels=list(Level), categories=case_queries.categories(), page=page,
                           clear_identifier_url=url_for('cases.index', **without_identifier),
                           prev_url=url_for('cases.index', page=page - 1, **args) if page > 1 else None,
                           next_url=url_for('cases.index', page=page + 1, **args) if has_next else None)


def _filters_from(given) -> case_queries.CaseFilters:
    """The list's filters from a query string or the filter form; what is not a valid value is left out."""
    identifier_hash = given.get('qh', '')
    identifier_hash = identifier_hash if case_queries.is_lookup_hash(identifier_hash) else ''
    try:
        category_id = database_integer(given['category_id']) if given.get('category_id') else None
    except ValueError:
        category_id = None
    due = given.get('due', '')
    return case_queries.CaseFilters(
        q=given.get('q', '').strip()[:100], identifier_hash=identifier_hash,
        identifier_masked=given.get('qm', '')[:32] if identifier_hash else '',
        state=_one_of(given.get('state', ''), State), category_id=category_id,
        level=_one_of(given.get('level', ''), Level),
        due=DeadlineStatus(due) if due in (DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE) else None,
        mine=given.get('mine') == '1')


def _one_of(value, enum):
    """``value`` if it is one of ``enum``'s values, else '' (a stale link, a typing mistake)."""
    return value if value in {member.value for member in enum} else ''


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
    handles = handles_case(current_user, case)
    own = documents.documents_stage(case, current_user) if handles else None
    for stage in case.stages:
        forms, agreement_steps = {}, []
        for trigger in allowed_triggers(stage, current_user):
            if trigger in AGREEMENT_TRIGGERS:  # done on the agreement's own pages
                agreement_steps.append(trigger)
                continue
            if failed_form is not None and failed_stage is not None and failed_stage.id == stage.id \
                    and failed_form.trigger.data == trigger:
                form = failed_form
                form.version.data = str(stage.version)  # keep what was typed; the next submit uses the fresh version
            else:
                form = TransitionForm(formdata=None, trigger=trigger, version=str(stage.version))
            forms[trigger] = form
        stages.append({'stage': stage, 'forms': forms, 'agreement_steps': agreement_steps,
                       'agreement': agreement_of(stage) if handles else None,
                       'documents': documents.applicable(stage) if own is not None and stage.id == own.id else [],
                       'deadline': explain(stage, calendar, [e for e in events if e.stage_id == stage.id])
                       if stage.clock else None})
    font_problem = documents.font_problem() if own is not None else ''
    return render_template('cases/detail.html', case=case, stages=stages, today=today, triggers=TRIGGERS,
                           font_problem=font_problem,
                           trigger_fields=TRIGGER_FIELDS,
                           events=events, revealed=revealed,
                           handles=handles, reveal_form=RevealForm(),
                           open_trigger=failed_form.trigger.data if failed_form is not None else None)
