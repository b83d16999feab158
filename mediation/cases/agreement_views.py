"""The agreement of a stage: drafting, preview, signing (pad or scan), sealing; and every document as a PDF."""
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

from mediation.access import acting_as
from mediation.access import get_visible_case
from mediation.access import handles_case
from mediation.cases import bp
from mediation.cases.agreement_forms import AgreementForm
from mediation.cases.agreement_forms import ScanForm
from mediation.cases.agreement_forms import SealForm
from mediation.cases.agreement_forms import SignatureForm
from mediation.chinatime import utcnow
from mediation.errors import MediationError
from mediation.errors import NotFound
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.formutil import choices
from mediation.services import agreements
from mediation.services import documents
from mediation.services import sealing
from mediation.services.events import record_event
from mediation.services.transitions import apply_transition
from workflows.enums import AgreementKind
from workflows.enums import DocumentKind
from workflows.enums import EventKind
from workflows.machine import HANDLER
from workflows.states import State


def _stage(case_id, stage_id):
    """The case (visible to the user) and its stage; the agreement pages are for the case's handlers."""
    case = get_visible_case(current_user, case_id)
    stage = next((stage for stage in case.stages if stage.id == stage_id), None)
    if stage is None:
        raise NotFound('该案件没有这个阶段。')
    if not handles_case(current_user, case):
        abort(403)
    return case, stage


@bp.route('/<int:case_id>/stages/<int:stage_id>/agreement', methods=['GET', 'POST'])
@login_required
def agreement(case_id, stage_id):
    case, stage = _stage(case_id, stage_id)
    saved = agreements.agreement_of(stage)
    editable = stage.state == State.MEDIATING and acting_as(current_user, stage) == HANDLER
    if request.method == 'POST':
        if not editable:
            abort(403)
        form = AgreementForm()
        if request.form.get('add_term'):
            if len(form.terms) < form.terms.max_entries:
                form.terms.append_entry()
            return _render(case, stage, saved, form, editable)
        if not form.validate():
            flash(_('请检查标红的项目后重新提交。'), 'danger')
            return _render(case, stage, saved, form, editable), 422
        try:
            saved = agreements.save_draft(stage, current_user, _agreement_input(form),
                                          expected_version=int(form.version.data or 0))
        except ValidationFailed as error:
            db.session.rollback()
            _attach(form, error)
            return _render(case, stage, agreements.agreement_of(stage), form, editable), 422
        except MediationError as error:
            db.session.rollback()
            flash(error.message, 'danger')
            return _render(case, stage, agreements.agreement_of(stage), form, editable), error.status
        trigger = {'finalise': 'draft_agreement', 'register_oral': 'register_oral_agreement'}.get(
            request.form.get('action'))
        if trigger is None:
            flash(_('协议草稿已保存。'), 'success')
            return redirect(url_for('cases.agreement', case_id=case.id, stage_id=stage.id))
        try:
            apply_transition(stage, trigger, current_user)
        except MediationError as error:
            # The draft is saved all the same (this answer commits it); the refusal says what is missing.
            flash(_('草稿已保存，但还不能定稿：%(why)s', why=error.message), 'warning')
            return redirect(url_for('cases.agreement', case_id=case.id, stage_id=stage.id))
        if trigger == 'draft_agreement':
            flash(_('协议已定稿，请各方签名后加盖印章。'), 'success')
            return redirect(url_for('cases.agreement_signing', case_id=case.id, stage_id=stage.id))
        flash(_('口头协议已登记，自登记时起生效。'), 'success')
        return redirect(url_for('cases.detail', case_id=case.id) + f'#stage-{stage.id}')
    if saved is not None:
        form = AgreementForm(formdata=None, data=_form_data(agreements.as_input(saved), saved.version))
    else:
        form = AgreementForm(formdata=None, data=_form_data(agreements.draft_from_case(stage, current_user), 0))
    return _render(case, stage, saved, form, editable)


def _render(case, stage, saved, form, editable):
    return render_template('cases/agreement.html', case=case, stage=stage, agreement=saved, form=form,
                           editable=editable, missing=agreements.missing_items(saved) if saved else None,
                           slots=agreements.signer_slots(saved) if saved else [],
                           signed={signature.slot: signature for signature in saved.signatures} if saved else {})


def _form_data(data: agreements.AgreementInput, version: int) -> dict:
    from dataclasses import asdict
    values = asdict(data)
    values['version'] = str(version)
    values['terms'] = values['terms'] or [{}]
    return values


def _agreement_input(form) -> agreements.AgreementInput:
    parties = []
    for entry in form.parties.entries:
        fields = entry.form
        try:
            party_id = int(fields.party_id.data)
        except (TypeError, ValueError):
            party_id = None
        parties.append(agreements.PartyLine(
            party_id=party_id, role=fields.role.data or '', kind=fields.kind.data or '', name=fields.name.data or '',
            sex=fields.sex.data or '', ethnicity=fields.ethnicity.data or '', age=fields.age.data,
            occupation=fields.occupation.data or '', address=fields.address.data or '',
            legal_representative=fields.legal_representative.data or '',
            representative_title=fields.representative_title.data or ''))
    terms = [agreements.TermInput(content=entry.form.content.data or '', manner=entry.form.manner.data or '',
                                  place=entry.form.place.data or '', deadline=entry.form.deadline.data or '')
             for entry in form.terms.entries]
    return agreements.AgreementInput(kind=form.kind.data, parties=parties, facts=form.facts.data or '',
                                     disputes=form.disputes.data or '', responsibility=form.responsibility.data or '',
                                     terms=terms, mediator=form.mediator.data or '', recorder=form.recorder.data or '')


def _attach(form, error: ValidationFailed):
    """A service's message beside its field (``parties-0-name``, ``terms-1-place``…), or as a banner."""
    field = form
    for part in (error.details.get('field') or '').split('-'):
        field = _child(field, part)
        if field is None:
            break
    if field is not None and field is not form and hasattr(field, 'errors'):
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, 'danger')


def _child(field, part):
    if part.isdigit():
        entries = getattr(field, 'entries', None)
        return entries[int(part)].form if entries and int(part) < len(entries) else None
    return getattr(field, part, None) if hasattr(field, part) else (field[part] if part in field else None)


@bp.route('/<int:case_id>/stages/<int:stage_id>/agreement/preview')
@login_required
def agreement_preview(case_id, stage_id):
    """The agreement as it will print, as an HTML page (drafts are marked as not yet effective)."""
    from mediation.documents.html import document_html
    from mediation.documents.render import BASE_CSS
    case, stage = _stage(case_id, stage_id)
    if agreements.agreement_of(stage) is None:
        raise NotFound('尚未制作协议。')
    # It prints the parties' full phone numbers: logged like opening the document itself (documents.document_pdf).
    record_event(stage, EventKind.DOCUMENT_OPENED, current_user, utcnow(),
                 data={'document': DocumentKind.AGREEMENT.value, 'preview': True})
    html = document_html(DocumentKind.AGREEMENT.value, documents.context_for(stage))
    screen = Markup(f'<style>{BASE_CSS}</style>'
                    f'<link rel="stylesheet" href="{url_for("static", filename="css/preview.css")}">')
    return html.replace('</head>', screen + '</head>', 1)


@bp.route('/<int:case_id>/stages/<int:stage_id>/agreement/sign')
@login_required
def agreement_signing(case_id, stage_id):
    case, stage = _stage(case_id, stage_id)
    saved = agreements.agreement_of(stage)
    if saved is None or saved.kind != AgreementKind.WRITTEN:
        return redirect(url_for('cases.agreement', case_id=case.id, stage_id=stage.id))
    return _render_signing(case, stage, saved)


def _render_signing(case, stage, saved, scan_form=None, status=200):
    slots = agreements.signer_slots(saved)
    scan_form = scan_form or ScanForm(formdata=None)
    scan_form.slots.choices = choices((slot.slot, f'{slot.label} {slot.name}') for slot in slots if slot.name)
    return render_template(
        'cases/agreement_sign.html', case=case, stage=stage, agreement=saved, slots=slots,
        signed={signature.slot: signature for signature in saved.signatures},
        paper_only=stage.case.category.needs_wet_signature, signature_form=SignatureForm(formdata=None),
        scan_form=scan_form, seal_form=SealForm(formdata=None, version=str(stage.version)),
        signing=stage.state == State.AGREEMENT_PENDING and acting_as(current_user, stage) == HANDLER), status


@bp.route('/<int:case_id>/stages/<int:stage_id>/agreement/signatures', methods=['POST'])
@login_required
def agreement_sign(case_id, stage_id):
    case, stage = _stage(case_id, stage_id)
    form = SignatureForm()
    if not form.validate():
        flash(' '.join(map(str, form.image.errors or form.slot.errors)) or _('签名未能保存，请重试。'), 'danger')
        return redirect(url_for('cases.agreement_signing', case_id=case.id, stage_id=stage.id))
    try:
        signature = agreements.record_screen_signature(stage, current_user, form.slot.data, form.png)
    except MediationError as error:
        db.session.rollback()
        flash(error.message, 'danger')
        return _render_signing(case, stage, agreements.agreement_of(stage), status=error.status)
    flash(_('%(name)s 已签名。', name=signature.name), 'success')
    return redirect(url_for('cases.agreement_signing', case_id=case.id, stage_id=stage.id) + '#signers')


@bp.route('/<int:case_id>/stages/<int:stage_id>/agreement/scan', methods=['POST'])
@login_required
def agreement_scan(case_id, stage_id):
    case, stage = _stage(case_id, stage_id)
    saved = agreements.agreement_of(stage)
    if saved is None:
        raise NotFound('尚未制作协议。')
    form = ScanForm()
    form.slots.choices = choices((slot.slot, slot.label) for slot in agreements.signer_slots(saved) if slot.name)
    if not form.validate():
        return _render_signing(case, stage, saved, scan_form=form, status=422)
    try:
        recorded = agreements.record_paper_signatures(stage, current_user, form.slots.data, form.scan.data.read())
    except ValidationFailed as error:
        db.session.rollback()
        target = form.scan if error.details.get('field') in ('scan', 'image') else form.slots
        target.errors = list(target.errors) + [error.message]
        return _render_signing(case, stage, agreements.agreement_of(stage), scan_form=form, status=422)
    except MediationError as error:
        db.session.rollback()
        flash(error.message, 'danger')
        return _render_signing(case, stage, agreements.agreement_of(stage), status=error.status)
    flash(_('已登记 %(count)s 人在纸质协议上签名，扫描件已存档。', count=len(recorded)), 'success')
    return redirect(url_for('cases.agreement_signing', case_id=case.id, stage_id=stage.id) + '#signers')


@bp.route('/<int:case_id>/stages/<int:stage_id>/agreement/seal', methods=['POST'])
@login_required
def agreement_seal(case_id, stage_id):
    case, stage = _stage(case_id, stage_id)
    form = SealForm()
    if not form.validate():
        abort(400)
    try:
        issued = sealing.seal_agreement(stage, current_user, expected_version=int(form.version.data),
                                        public_base_url=current_app.config['PUBLIC_BASE_URL'] or request.host_url)
    except (MediationError, ValueError) as error:
        db.session.rollback()
        flash(getattr(error, 'message', str(error)), 'danger')
        saved = agreements.agreement_of(stage)
        return _render_signing(case, stage, saved, status=getattr(error, 'status', 400))
    flash(_('协议已盖章生效，验证码 %(code)s。', code=issued.verification_code), 'success')
    return redirect(url_for('cases.detail', case_id=case.id) + f'#stage-{stage.id}')


@bp.route('/<int:case_id>/documents/<kind>')
@login_required
def document(case_id, kind):
    """A document of the user's stage of the case as a PDF, shown in the browser (print from there)."""
    case = get_visible_case(current_user, case_id)
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise NotFound('没有这种文书。')
    pdf = documents.document_pdf(case, kind, current_user,
                                 public_base_url=current_app.config['PUBLIC_BASE_URL'] or request.host_url)
    filename = f'{case.matter_code}-{kind.value}.pdf'
    response = current_app.response_class(pdf, mimetype='application/pdf')
    response.headers['Content-Disposition'] = f'{"attachment" if request.args.get("download") else "inline"}; ' \
                                              f'filename="{filename}"'
    response.headers['Cache-Control'] = 'private, no-store'
    return response
