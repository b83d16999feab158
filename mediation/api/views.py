from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask import url_for

from mediation.access import acting_as
from mediation.access import get_visible_case
from mediation.access import handles_case
from mediation.api import bp
from mediation.api.auth import token_required
from mediation.api.serialise import case_json
from mediation.api.serialise import event_json
from mediation.api.serialise import stage_json
from mediation.errors import NotFound
from mediation.errors import ValidationFailed
from mediation.extensions import csrf
from mediation.extensions import limiter
from mediation.services import case_queries
from mediation.services import documents
from mediation.services import sealing
from mediation.services.transitions import apply_transition
from workflows.enums import DocumentKind

csrf.exempt(bp)  # bearer tokens, not cookies: no CSRF exposure


@bp.route('/cases/<int:case_id>')
@token_required
def get_case(case_id):
    return jsonify(case_json(get_visible_case(g.api_user, case_id), g.api_user))


@bp.route('/cases/<int:case_id>/events')
@token_required
def case_events(case_id):
    case = get_visible_case(g.api_user, case_id)
    return jsonify({'events': [event_json(e) for e in case_queries.case_events(case)]})


@bp.route('/cases/<int:case_id>/transitions', methods=['POST'])
@token_required
def post_transition(case_id):
    """Body: {"transition": "accept", "version": 3, "reason": "...", "data": {...}, "stage_id": optional}."""
    case = get_visible_case(g.api_user, case_id)
    body = request.get_json()  # 400 when it is not JSON, too deep or holds NaN/Infinity
    if not isinstance(body, dict) or not isinstance(body.get('transition'), str):
        raise ValidationFailed('请求体须为 JSON 对象，并包含 transition（操作名称）。')
    version = body.get('version')
    if not isinstance(version, int):
        raise ValidationFailed('须提供 version（读取案件时的版本号，整数），用于防止覆盖他人的修改。')
    stage = _stage_for(case, body.get('stage_id'))
    data = body.get('data', {})
    if not isinstance(data, dict):
        raise ValidationFailed('data 须为 JSON 对象。')
    event = apply_transition(stage, body['transition'], g.api_user, reason=str(body.get('reason') or ''),
                             data=data, expected_version=version)
    return jsonify({'event_id': event.id, 'stage': stage_json(stage, g.api_user)}), 201


def _stage_for(case, stage_id):
    """The named stage, or the newest stage at the user's own organisation."""
    if stage_id is not None:
        if not isinstance(stage_id, int) or isinstance(stage_id, bool):
            raise ValidationFailed('stage_id 须为整数（阶段编号）。')
        for stage in case.stages:
            if stage.id == stage_id:
                return stage
        raise NotFound('该案件没有这个阶段。')
    own = [stage for stage in case.stages if acting_as(g.api_user, stage)]
    if not own:
        raise NotFound('您的单位在该案件中没有可办理的阶段。')
    return own[-1]


@bp.route('/cases/<int:case_id>/documents')
@token_required
def case_documents(case_id):
    """The documents of the token user's stage of the case: kind, title, where to get it, sealed or not."""
    case = get_visible_case(g.api_user, case_id)
    stage = documents.documents_stage(case, g.api_user)
    entries = documents.applicable(stage) if stage is not None and handles_case(g.api_user, case) else []
    return jsonify({'documents': [{
        'kind': entry.kind.value, 'title': entry.title, 'sealed': entry.sealed, 'sha256': entry.sha256,
        'url': url_for('api.case_document', case_id=case.id, kind=entry.kind.value, _external=True),
    } for entry in entries]})


@bp.route('/cases/<int:case_id>/documents/<kind>')
@token_required
def case_document(case_id, kind):
    case = get_visible_case(g.api_user, case_id)
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise NotFound('没有这种文书（kind 须为 application、registration、rights_notice、session_record、agreement、'
                       'oral_agreement、follow_up、confirmation_application、termination_notice 或 dossier）。')
    pdf = documents.document_pdf(case, kind, g.api_user,
                                 public_base_url=current_app.config['PUBLIC_BASE_URL'] or request.host_url)
    return current_app.response_class(pdf, mimetype='application/pdf', headers={
        'Content-Disposition': f'inline; filename="{case.matter_code}-{kind.value}.pdf"'})


@bp.route('/verify', methods=['POST'])
@limiter.limit(lambda: current_app.config['VERIFY_RATE_LIMIT'])
def verify():
    """Body: the PDF bytes (Content-Type: application/pdf); no token. Never a 5xx for a bad file."""
    data = request.get_data(cache=False)
    if len(data) > current_app.config['MAX_UPLOAD_BYTES']:
        raise ValidationFailed('文件过大。')
    return jsonify(sealing.verify_document(data).as_dict())
