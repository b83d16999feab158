import dataclasses
from functools import lru_cache

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
from markupsafe import Markup

from mediation.access import get_visible_case
from mediation.access import handles_case
from mediation.cases import bp
from mediation.cases.forms import TRIGGER_FIELDS
from mediation.cases.forms import CaseForm
from mediation.cases.forms import DisclosureForm
from mediation.cases.forms import RevealForm
from mediation.cases.forms import TransitionForm
from mediation.chinatime import today_in_china
from mediation.documents.qr import qr_svg
from mediation.errors import MediationError
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.formutil import choices
from mediation.models import Stage
from mediation.services import case_queries
from mediation.services import cases as case_service
from mediation.services import court as court_service
from mediation.services import court_checks
from mediation.services import documents
from mediation.services import records
from mediation.services.calendar import current_calendar
from mediation.services.court import confirmation_ceiling
from mediation.services.deadlines import explain
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from mediation.web import label as display_label
from mediation.web import select_locale
from workflows.diagram import stage_mermaid
from workflows.diagram import stage_path
from workflows.machine import TRIGGERS
from workflows.records import RecordKind

#: Transitions the agreement's pages perform (drafting, registering an oral agreement, sealing).
AGREEMENT_TRIGGERS = {'draft_agreement', 'register_oral_agreement', 'sign_agreement'}


@bp.route('/new', methods=['GET', 'POST'])
@login_required
def new():
    if not current_user.role.registers_cases:
        abort(403)
    form = CaseForm()
    form.set_categories(case_queries.categories())
    form.intake_level.choices = choices((org.level.value, _('%(level)s级受理', level=display_label(org.level)))
                                        for org in current_user.organisation.self_and_ancestors())
    if form.is_submitted() and request.form.get('add_party'):
        # One more party card, with everything typed so far kept; nothing is checked or saved yet.
        if len(form.parties) < form.parties.max_entries:
            form.parties.append_entry()
        return render_template('cases/new.html', form=form)
    if not form.is_submitted():
        return render_template('cases/new.html', form=form)
    # Every problem at once, each beside its field: the form's own checks and the service's
    # (identifiers, risk level, …) even when the form's failed.
    if form.validate():
        try:
            result = case_service.create_case(current_user, _case_input(form))
        except ValidationFailed as error:
            db.session.rollback()
            form.show_problems(error.details.get('errors') or {error.details.get('field', ''): [error.message]})
        else:
            flash(_('纠纷已登记，案件编码 %(code)s。', code=result.case.matter_code), 'success')
            for warning in result.warnings:
                flash(warning, 'warning')
            return redirect(url_for('cases.detail', case_id=result.case.id))
    else:
        form.show_problems(case_service.check_intake(current_user, _case_input(form)))
    return render_template('cases/new.html', form=form), 422


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


@bp.route('/<int:case_id>/disclose-records', methods=['POST'])
@login_required
def disclose_records(case_id):
    """Record that both parties agreed the court may see the transcripts and investigation records."""
    case = get_visible_case(current_user, case_id)
    form = DisclosureForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        court_service.record_disclosure(current_user, case, reason=form.reason.data or '')
    except MediationError as error:
        db.session.rollback()
        flash(error.message, 'danger')
        return _render_detail(get_visible_case(current_user, case_id), disclosure_form=form), error.status
    flash(_('已记录：双方当事人同意法院查阅调解记录和调查记录。'), 'success')
    return redirect(url_for('cases.detail', case_id=case.id))


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


def _render_detail(case, *, revealed=None, failed_form=None, failed_stage=None, disclosure_form=None):
    """The case page, in a fixed number of queries however many stages, parties, events and records it has."""
    today = today_in_china()
    calendar = current_calendar()  # one look-up for every stage on the page
    records.load_case(case)  # stages with their committees and courts, parties
    events = case_queries.case_events(case)  # the history below, and each stage's deadline facts
    agreements = records.agreements_of(case)
    bundles = records.case_records(case, events, agreements)
    english = select_locale() == 'en'
    stages = []
    handles = handles_case(current_user, case)
    own = documents.documents_stage(case, current_user) if handles else None
    # TY16 Art 22, CPLI Art 107: the transcripts are not for the court unless both parties agreed
    may_see_records = court_service.court_may_see_records(current_user, case)
    for stage in case.stages:
        stage_events = [event for event in events if event.stage_id == stage.id]
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
            _court_choices(form, stage, trigger)
            forms[trigger] = form
        path = stage_path((event.kind, event.from_state, event.to_state, event.at) for event in stage_events)
        stages.append({'stage': stage, 'forms': forms, 'agreement_steps': agreement_steps,
                       'agreement': agreements.get(stage.id) if handles else None,
                       'documents': [entry for entry in documents.applicable(stage, agreements.get(stage.id))
                                     if may_see_records or entry.kind not in court_service.TRANSCRIPT_DOCUMENTS]
                       if own is not None and stage.id == own.id else [],
                       'deadline': explain(stage, calendar, stage_events) if stage.clock else None,
                       'records': bundles[stage.id] if may_see_records else _without_transcripts(bundles[stage.id]),
                       'ceiling': confirmation_ceiling(stage, calendar),
                       'can_add': {kind.value: records.may_add(current_user, stage, kind) for kind in RecordKind},
                       'path': path,
                       'diagram': stage_mermaid(stage.level, stage.kind, stage.state, path, english=english)})
    font_problem = documents.font_problem() if own is not None else ''
    return render_template('cases/detail.html', case=case, stages=stages, today=today, triggers=TRIGGERS,
                           font_problem=font_problem,
                           trigger_fields=TRIGGER_FIELDS,
                           events=events, revealed=revealed,
                           handles=handles, reveal_form=RevealForm(), qr=_case_qr(case),
                           may_see_records=may_see_records,
                           disclosure_form=(disclosure_form or DisclosureForm(formdata=None))
                           if court_service.may_record_disclosure(current_user, case) else None,
                           hidden_reasons=set() if may_see_records else court_service.transcript_event_ids(events),
                           open_trigger=failed_form.trigger.data if failed_form is not None else None)


def _court_choices(form, stage, trigger) -> None:
    """The choices a court step's form offers: the court's roster, the court that confirms."""
    if trigger == 'send_down':
        form.committee_id.choices = [('', _('请选择'))] + [
            (str(org.id), org.committee_name) for org in court_checks.roster(stage.committee_id)]


def _without_transcripts(bundle):
    """A stage's records as a court officer sees them without the parties' consent: no transcripts."""
    return dataclasses.replace(bundle, sessions=[], investigations=[])


def _case_qr(case) -> dict:
    """The QR code of the case's matter code: it opens the case (for those who may see it) on any phone."""
    path = url_for('cases.by_code', code=case.matter_code)
    base = current_app.config['PUBLIC_BASE_URL'] or request.host_url
    url = base.rstrip('/') + path
    return {'url': url, 'svg': _qr_svg(url)}


@lru_cache(maxsize=512)
def _qr_svg(url: str) -> Markup:
    return Markup(qr_svg(url, size_mm=26, border=1))
