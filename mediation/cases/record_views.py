"""The work records' pages: one form per kind of record, corrections, the evidence files, and the case's QR code.

Adding and correcting are for the stage's own handlers in the states ``workflows.records`` allows; a form
that cannot be saved comes back with the message beside its field and everything typed kept. Evidence
files are served only through ``evidence_file``, to users who may see the case, under a random token.
"""
import io

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from wtforms.fields.core import Label

from mediation.access import acting_as
from mediation.access import get_visible_case
from mediation.cases import bp
from mediation.cases.record_forms import EvidenceForm
from mediation.cases.record_forms import FollowUpForm
from mediation.cases.record_forms import InvestigationForm
from mediation.cases.record_forms import NoteForm
from mediation.cases.record_forms import PerformanceForm
from mediation.cases.record_forms import SessionForm
from mediation.chinatime import china_time
from mediation.chinatime import to_utc_naive
from mediation.chinatime import today_in_china
from mediation.chinatime import utcnow
from mediation.errors import Conflict
from mediation.errors import MediationError
from mediation.errors import NotFound
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.formutil import choices
from mediation.models import FollowUpVisit
from mediation.models import Investigation
from mediation.models import MediationSession
from mediation.models import PerformanceRecord
from mediation.services import records
from mediation.services import storage
from mediation.web import label
from workflows.machine import HANDLER
from workflows.records import RecordKind


def _stage(case_id, stage_id):
    case = get_visible_case(current_user, case_id)
    stage = next((stage for stage in case.stages if stage.id == stage_id), None)
    if stage is None:
        raise NotFound('该案件没有这个阶段。')
    return case, stage


def _allowed(case_id, stage_id, kind: RecordKind):
    """The case and stage, if the user may write a ``kind`` record there now (else the error page says why).

    A form sent back is checked by the service instead: if the stage moved on meanwhile (closed by a colleague),
    the form comes back with the reason and what was typed (``_save``).
    """
    case, stage = _stage(case_id, stage_id)
    if request.method == 'POST' and acting_as(current_user, stage) == HANDLER:
        return case, stage
    records.check(stage, current_user, kind)
    return case, stage


def _record(case, stage, model, record_id):
    record = records.record_of(case, model, record_id)
    if record is None or record.stage_id != stage.id:
        raise NotFound('找不到该记录。')
    return record


def _back(case, anchor=''):
    return url_for('cases.detail', case_id=case.id) + (f'#{anchor}' if anchor else '')


def _attach(form, error: ValidationFailed):
    """The service's message beside its field (``statements-0-text`` …), or above the form."""
    target = form
    for part in (error.details.get('field') or '').split('-'):
        if part.isdigit():
            entries = getattr(target, 'entries', None)
            target = entries[int(part)].form if entries and int(part) < len(entries) else None
        else:
            target = target[part] if target is not None and part in getattr(target, '_fields', {}) else None
        if target is None:
            break
    if target is not None and target is not form and hasattr(target, 'errors'):
        target.errors = list(target.errors) + [error.message]
    else:
        flash(error.message, 'danger')


def _local(moment):
    """A stored UTC time as the naive Beijing time the form shows."""
    return china_time(moment).replace(tzinfo=None) if moment else None


def _render(template, status=200, **context):
    return render_template(f'cases/records/{template}.html', **context), status


def _save(form, save, render, success, anchor):
    """Validate, save with the service, and answer: back to the case page, or the form again with what was typed."""
    if not form.validate():
        flash(_('请检查标红的项目后重新提交。'), 'danger')
        return render(422)
    try:
        record = save()
    except ValidationFailed as error:
        db.session.rollback()
        _attach(form, error)
        return render(422)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, 'danger')
        return render(409, conflict=True)
    except records.RecordRefused as error:
        db.session.rollback()
        flash(error.message, 'danger')
        return render(error.status)
    flash(success, 'success')
    return redirect(anchor(record))


# --------------------------------------------------------------------------- sessions

def _now_here():
    """Now in Beijing, to the minute, as a form shows it."""
    return china_time(utcnow()).replace(tzinfo=None, second=0, microsecond=0)


def _session_defaults(case, stage) -> dict:
    now = _now_here()
    return {'held_at': now, 'place': f'{stage.committee.committee_name}调解室', 'mediators': current_user.display_name,
            'parties_present': '、'.join(party.name for party in case.parties),
            'statements': [{'party_id': str(party.id)} for party in case.parties]}


def _session_data(record: MediationSession, case) -> dict:
    said = {statement.get('party_id'): statement.get('text', '') for statement in record.statements}
    parties = [party.id for party in case.parties]
    extra = [statement for statement in record.statements if statement.get('party_id') not in parties]
    return {'version': str(record.version), 'held_at': _local(record.held_at), 'place': record.place,
            'mediators': record.mediators, 'recorder': record.recorder, 'parties_present': record.parties_present,
            'participants': record.participants, 'facts_checked': record.facts_checked, 'proposal': record.proposal,
            'outcome': record.outcome.value, 'next_step': record.next_step, 'next_session_on': record.next_session_on,
            'statements': [{'party_id': str(party_id), 'text': said.get(party_id, '')} for party_id in parties]
            + [{'party_id': str(statement.get('party_id')), 'text': statement.get('text', '')} for statement in extra]}


def _label_statements(form, case):
    """Each statement box named after its party (role and name), whatever the order it came back in."""
    parties = {str(party.id): party for party in case.parties}
    for entry in form.statements.entries:
        party = parties.get(entry.form.party_id.data or '')
        text = _('%(role)s %(name)s 的陈述', role=label(party.role), name=party.name) if party else _('陈述')
        entry.form.text.label = Label(entry.form.text.id, text)


def _session_input(form) -> records.SessionInput:
    statements = []
    for entry in form.statements.entries:
        try:
            party_id = int(entry.form.party_id.data)
        except (TypeError, ValueError):
            party_id = None
        statements.append(records.StatementInput(party_id=party_id, text=entry.form.text.data or ''))
    return records.SessionInput(
        held_at=to_utc_naive(form.held_at.data) if form.held_at.data else None, place=form.place.data or '',
        mediators=form.mediators.data or '', recorder=form.recorder.data or '',
        parties_present=form.parties_present.data or '', participants=form.participants.data or '',
        statements=statements, facts_checked=form.facts_checked.data or '', proposal=form.proposal.data or '',
        outcome=form.outcome.data or '', next_step=form.next_step.data or '', next_session_on=form.next_session_on.data)


def _expected_version(form):
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1  # a form without its version is stale by definition


@bp.route('/<int:case_id>/stages/<int:stage_id>/sessions/new', methods=['GET', 'POST'])
@login_required
def new_session(case_id, stage_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.SESSION)
    if request.method == 'POST':
        form = SessionForm()
    else:
        form = SessionForm(formdata=None, data=_session_defaults(case, stage))
    _label_statements(form, case)

    def render(status=200, **extra):
        return _render('session', status, case=case, stage=stage, form=form, record=None, **extra)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.add_session(stage, current_user, _session_input(form)), render,
                 _('调解记录已保存。'), lambda record: _back(case, f'session-{record.id}'))


@bp.route('/<int:case_id>/stages/<int:stage_id>/sessions/<int:record_id>', methods=['GET', 'POST'])
@login_required
def edit_session(case_id, stage_id, record_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.SESSION)
    record = _record(case, stage, MediationSession, record_id)
    form = SessionForm() if request.method == 'POST' else SessionForm(formdata=None, data=_session_data(record, case))
    _label_statements(form, case)

    def render(status=200, conflict=False):
        if conflict:
            db.session.refresh(record)
            form.version.data = str(record.version)  # the next submit, after comparing, goes over the new text
        return _render('session', status, case=case, stage=stage, form=form, record=record, conflict=conflict)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.correct_session(record, current_user, _session_input(form),
                                                       expected_version=_expected_version(form)),
                 render, _('调解记录已更正。'), lambda saved: _back(case, f'session-{saved.id}'))


# --------------------------------------------------------------------------- investigations

def _investigation_input(form) -> records.InvestigationInput:
    return records.InvestigationInput(
        held_at=to_utc_naive(form.held_at.data) if form.held_at.data else None, place=form.place.data or '',
        investigators=form.investigators.data or '', recorder=form.recorder.data or '',
        subject=form.subject.data or '', subject_details=form.subject_details.data or '',
        content=form.content.data or '')


@bp.route('/<int:case_id>/stages/<int:stage_id>/investigations/new', methods=['GET', 'POST'])
@login_required
def new_investigation(case_id, stage_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.INVESTIGATION)
    form = InvestigationForm() if request.method == 'POST' else InvestigationForm(
        formdata=None, data={'held_at': _now_here(), 'investigators': current_user.display_name})

    def render(status=200, **extra):
        return _render('investigation', status, case=case, stage=stage, form=form, record=None, **extra)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.add_investigation(stage, current_user, _investigation_input(form)), render,
                 _('调查记录已保存。'), lambda record: _back(case, f'investigation-{record.id}'))


@bp.route('/<int:case_id>/stages/<int:stage_id>/investigations/<int:record_id>', methods=['GET', 'POST'])
@login_required
def edit_investigation(case_id, stage_id, record_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.INVESTIGATION)
    record = _record(case, stage, Investigation, record_id)
    names = ('place', 'investigators', 'recorder', 'subject', 'subject_details', 'content')
    data = {name: getattr(record, name) for name in names}
    data.update(version=str(record.version), held_at=_local(record.held_at))
    form = InvestigationForm() if request.method == 'POST' else InvestigationForm(formdata=None, data=data)

    def render(status=200, conflict=False):
        if conflict:
            db.session.refresh(record)
            form.version.data = str(record.version)
        return _render('investigation', status, case=case, stage=stage, form=form, record=record, conflict=conflict)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.correct_investigation(record, current_user, _investigation_input(form),
                                                             expected_version=_expected_version(form)),
                 render, _('调查记录已更正。'), lambda saved: _back(case, f'investigation-{saved.id}'))


# --------------------------------------------------------------------------- evidence

@bp.route('/<int:case_id>/stages/<int:stage_id>/evidence/new', methods=['GET', 'POST'])
@login_required
def new_evidence(case_id, stage_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.EVIDENCE)
    form = EvidenceForm() if request.method == 'POST' else EvidenceForm(
        formdata=None, data={'session_id': request.args.get('session', ''),
                             'investigation_id': request.args.get('investigation', '')})
    sessions = records.stage_records(stage, MediationSession)
    investigations = records.stage_records(stage, Investigation)
    form.session_id.choices += choices(
        (str(record.id), f'{china_time(record.held_at):%Y-%m-%d %H:%M} {record.place}') for record in sessions)
    form.investigation_id.choices += choices(
        (str(record.id), f'{china_time(record.held_at):%Y-%m-%d %H:%M} {record.subject}') for record in investigations)

    def render(status=200, **extra):
        return _render('evidence', status, case=case, stage=stage, form=form, max_size=records.max_upload(),
                       **extra)
    if request.method == 'GET':
        return render()

    def save():
        upload = form.file.data
        return records.add_evidence(stage, current_user, records.EvidenceInput(
            evidence_kind=form.evidence_kind.data or '', title=form.title.data or '',
            description=form.description.data or '', provided_by=form.provided_by.data or '',
            filename=upload.filename or '', data=form.file_bytes,
            session_id=form.session_id.data or None, investigation_id=form.investigation_id.data or None))
    return _save(form, save, render, _('证据材料已上传。'), lambda record: _back(case, f'evidence-{record.id}'))


#: Shown in the browser when opened (the rest is downloaded); nothing is ever run: see ``evidence_file``.
_INLINE = ('application/pdf', 'image/jpeg', 'image/png', 'audio/mpeg', 'audio/mp4', 'video/mp4')


@bp.route('/<int:case_id>/evidence/<token>')
@login_required
def evidence_file(case_id, token):
    """An evidence file, for users who may see the case; the same 404 for a wrong token and another jurisdiction."""
    case = get_visible_case(current_user, case_id)
    attachment = records.attachment_by_token(case, token)
    if attachment is None:
        raise NotFound('找不到该文件，或您无权查看。')
    try:
        data = storage.read(attachment.file_sha256)
    except OSError:
        current_app.logger.exception('evidence file %s of case %s unreadable', attachment.file_sha256, case.id)
        raise FileUnavailable('该文件暂时无法读取，请联系系统管理员。')
    inline = request.args.get('view') == '1' and attachment.content_type in _INLINE
    response = send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=not inline,
                         download_name=attachment.filename, max_age=0)
    response.headers['Content-Type'] = attachment.content_type  # as sniffed at upload, charset included
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['Cache-Control'] = 'private, no-store'
    if attachment.content_type != 'application/pdf':  # (the browser's PDF viewer refuses a sandbox; it runs nothing)
        # Whatever a file holds, the browser runs none of it as part of this site.
        response.headers['Content-Security-Policy'] = 'sandbox'
    return response


class FileUnavailable(MediationError):
    status = 503
    code = 'file_unavailable'


# --------------------------------------------------------------------------- performance

@bp.route('/<int:case_id>/stages/<int:stage_id>/performance', methods=['GET', 'POST'])
@login_required
def performance(case_id, stage_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.PERFORMANCE)
    try:
        agreement = records.agreement_in_force(stage)
    except records.RecordRefused:
        records.check(stage, current_user, RecordKind.PERFORMANCE)  # the state's reason, when it is the state
        raise
    table = records.performance_table(stage, agreement, records.stage_records(stage, PerformanceRecord))
    term = request.args.get('term', '')
    chosen = next((row for row in table.terms if str(row.term_no) == term), None)
    form = PerformanceForm() if request.method == 'POST' else PerformanceForm(formdata=None, data={
        'term_no': term if chosen else '', 'checked_on': today_in_china(),
        'due_on': chosen.due_on if chosen else None})
    form.term_no.choices += choices(
        (str(row.term_no), _('第 %(number)s 项：%(text)s', number=row.term_no, text=_short(row.content)))
        for row in table.terms)

    def render(status=200, **extra):
        return _render('performance', status, case=case, stage=stage, form=form, table=table,
                       today=today_in_china(), **extra)
    if request.method == 'GET':
        return render()

    def save():
        try:
            term_no = int(form.term_no.data)
        except (TypeError, ValueError):
            term_no = None
        return records.record_performance(stage, current_user, records.PerformanceInput(
            term_no=term_no, status=form.status.data or '', due_on=form.due_on.data,
            checked_on=form.checked_on.data, note=form.note.data or ''))
    return _save(form, save, render, _('履行情况已登记。'), lambda record: _back(case, f'performance-{stage.id}'))


def _short(text, length=30):
    return text if len(text) <= length else text[:length] + '…'


# --------------------------------------------------------------------------- follow-up visits

def _follow_up_input(form) -> records.FollowUpInput:
    return records.FollowUpInput(**{name: form[name].data or ('' if name != 'visited_on' else None) for name in (
        'visited_on', 'method', 'visitors', 'person_visited', 'situation', 'performance', 'satisfaction',
        'court_action', 'risks')})


def _people(case):
    return [party.name for party in case.parties]


@bp.route('/<int:case_id>/stages/<int:stage_id>/follow-ups/new', methods=['GET', 'POST'])
@login_required
def new_follow_up(case_id, stage_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.FOLLOW_UP)
    form = FollowUpForm() if request.method == 'POST' else FollowUpForm(formdata=None, data={
        'visited_on': today_in_china(), 'visitors': current_user.display_name,
        'person_visited': '、'.join(_people(case))})

    def render(status=200, **extra):
        return _render('follow_up', status, case=case, stage=stage, form=form, record=None, people=_people(case),
                       **extra)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.add_follow_up(stage, current_user, _follow_up_input(form)), render,
                 _('回访记录已保存。'), lambda record: _back(case, f'follow_up-{record.id}'))


@bp.route('/<int:case_id>/stages/<int:stage_id>/follow-ups/<int:record_id>', methods=['GET', 'POST'])
@login_required
def edit_follow_up(case_id, stage_id, record_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.FOLLOW_UP)
    record = _record(case, stage, FollowUpVisit, record_id)
    names = ('visited_on', 'visitors', 'person_visited', 'situation', 'court_action', 'risks')
    data = {name: getattr(record, name) for name in names}
    data.update(version=str(record.version), method=record.method.value,
                performance=record.performance.value if record.performance else '',
                satisfaction=record.satisfaction.value if record.satisfaction else '')
    form = FollowUpForm() if request.method == 'POST' else FollowUpForm(formdata=None, data=data)

    def render(status=200, conflict=False):
        if conflict:
            db.session.refresh(record)
            form.version.data = str(record.version)
        return _render('follow_up', status, case=case, stage=stage, form=form, record=record, people=_people(case),
                       conflict=conflict)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.correct_follow_up(record, current_user, _follow_up_input(form),
                                                         expected_version=_expected_version(form)),
                 render, _('回访记录已更正。'), lambda saved: _back(case, f'follow_up-{saved.id}'))


# --------------------------------------------------------------------------- notes

@bp.route('/<int:case_id>/stages/<int:stage_id>/notes/new', methods=['GET', 'POST'])
@login_required
def new_note(case_id, stage_id):
    case, stage = _allowed(case_id, stage_id, RecordKind.NOTE)
    form = NoteForm() if request.method == 'POST' else NoteForm(formdata=None)

    def render(status=200, **extra):
        return _render('note', status, case=case, stage=stage, form=form, **extra)
    if request.method == 'GET':
        return render()
    return _save(form, lambda: records.add_note(stage, current_user, form.text.data or ''), render,
                 _('备注已保存。'), lambda record: _back(case, f'note-{record.id}'))


# --------------------------------------------------------------------------- the case's QR code

@bp.route('/code/<code>')
@login_required
def by_code(code):
    """Where the QR code on the case page leads: the case with this matter code, if the user may see it."""
    case_id = records.case_id_by_code(current_user, code)
    if case_id is None:
        raise NotFound('找不到该案件，或该案件不在您的管辖范围内。')
    return redirect(url_for('cases.detail', case_id=case_id))
