"""The API's operations. Views stay thin: the services decide (intake, transitions, documents),
``mediation.access`` decides who sees what, and the case list is the pages' own keyset query
(``case_queries.case_page``)."""
from datetime import date
from datetime import datetime

from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask import url_for
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from mediation.access import acting_as
from mediation.access import get_visible_case
from mediation.access import handles_case
from mediation.api import BEARER
from mediation.api import bp
from mediation.api import schemas
from mediation.api.auth import token_required
from mediation.api.delegation import delegation_input
from mediation.api.package import build_package
from mediation.api.rows import load_api_rows
from mediation.api.serialise import case_json
from mediation.api.serialise import event_json
from mediation.api.serialise import public_base_url
from mediation.api.serialise import stage_json
from mediation.chinatime import today_in_china
from mediation.database import INTEGER_MAX
from mediation.errors import Conflict
from mediation.errors import InvalidCursor
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.errors import ValidationFailed
from mediation.extensions import csrf
from mediation.extensions import limiter
from mediation.services import case_queries
from mediation.services import cases as intake
from mediation.services import court
from mediation.services import documents
from mediation.services import sealing
from mediation.services.transitions import apply_transition
from workflows.enums import DeadlineStatus
from workflows.enums import DocumentKind
from workflows.enums import Role

csrf.exempt(bp)  # bearer tokens, not cookies: no CSRF exposure

#: The documented error responses, by status (every body is ``schemas.ErrorSchema``).
_ERRORS = {
    400: '请求体不是 JSON 或不合法（invalid_json），或翻页游标无效（invalid_cursor）。',
    401: '缺少或无效的访问令牌（unauthorised）。',
    403: '令牌的用户无权执行此操作（forbidden）。',
    404: '案件不存在，或不在令牌用户的管辖范围内（not_found）。',
    409: '阶段已被他人修改（stale_version）。',
    422: '参数或内容不正确（validation_failed、invalid_transition）。',
    429: '请求过于频繁（too_many_requests），见 Retry-After。',
}


def _errors(*statuses):
    return {str(status): {'description': _ERRORS[status], 'content': {
        'application/json': {'schema': schemas.ErrorSchema}}} for status in statuses}


_READ = (401, 404, 429)


# --------------------------------------------------------------------------- cases

@bp.route('/cases', methods=['GET'])
@token_required
@bp.arguments(schemas.CaseListArgs, location='query', as_kwargs=True)
@bp.response(200, schemas.CaseListSchema)
@bp.doc(security=BEARER, responses=_errors(400, *_READ, 422), summary='List cases (keyset pages)')
def list_cases(limit, cursor=None, **given):
    """The cases the token's user may see, newest first (due=…: earliest deadline first), a page
    at a time: pass ``next_cursor`` back as ``cursor`` until it is null. A cursor belongs to the
    list's order; keep the filters the same while paging."""
    user = g.api_user
    filters = _filters(given)
    order = case_queries.list_order(user, filters)
    after = _read_cursor(cursor, order) if cursor else None
    page = case_queries.case_page(user, filters, today_in_china(), after=after, per_page=limit, load=load_api_rows)
    return jsonify({'cases': [row.json for row in page.rows],
                    'next_cursor': _cursor(order, page.next_key) if page.next_key else None})


def _filters(given: dict) -> case_queries.CaseFilters:
    filters = case_queries.CaseFilters(
        view=given.get('view', ''), due=DeadlineStatus(given['due']) if given.get('due') else None,
        q=(given.get('q') or '').strip(), state=given.get('state', ''), level=given.get('level', ''),
        category_id=given.get('category'), source=given.get('source', ''), committee_id=given.get('committee'),
        registered_from=given.get('received_from'), registered_to=given.get('received_to'),
        risk=given.get('risk', ''), accepted_from=given.get('accepted_from'),
        accepted_to=given.get('accepted_to'), due_before=given.get('due_before'))
    found = case_queries.identifier_search(filters.q) if filters.q else None
    if found:  # a full ID number or phone: matched exactly by its keyed hash
        filters.q, filters.identifier_hash, filters.identifier_masked = '', found.hash, found.masked
    return filters


def _serializer():
    return URLSafeSerializer(current_app.secret_key, salt='api-case-list-cursor')


def _cursor(order: str, key: tuple) -> str:
    return _serializer().dumps([order, *(v.isoformat() if isinstance(v, (date, datetime)) else v for v in key)])


def _read_cursor(text: str, order: str) -> tuple:
    """The key a cursor holds; 400 when it was altered, cut short or belongs to another order."""
    invalid = InvalidCursor('cursor 无效：请原样传回上一页响应中的 next_cursor，并保持相同的筛选条件。')
    try:
        found = _serializer().loads(text)
    except BadSignature:
        raise invalid from None
    if not isinstance(found, list) or not found or found[0] != order:
        raise invalid
    values = found[1:]
    try:
        if order == case_queries.NEWEST_CASE and len(values) == 1:
            return (_key_id(values[0]),)
        if order == case_queries.NEWEST_REGISTERED and len(values) == 2 and isinstance(values[0], str):
            return (datetime.fromisoformat(values[0]), _key_id(values[1]))
        if order == case_queries.EARLIEST_DEADLINE and len(values) == 2 and isinstance(values[0], str):
            return (date.fromisoformat(values[0]), _key_id(values[1]))
    except (TypeError, ValueError):
        raise invalid from None
    raise invalid


def _key_id(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= INTEGER_MAX:
        raise ValueError(value)
    return value


@bp.route('/cases', methods=['POST'])
@token_required
@bp.arguments(schemas.CaseInputSchema)
@bp.response(201, schemas.CaseSchema)
@bp.doc(security=BEARER, responses=_errors(400, 401, 403, 422, 429), summary='Register a case')
def create_case(body):
    """A committee user's intake at their committee (or the higher level the risk rules allow);
    a court officer's 委派/委托 delegation to an invited committee (``delegation``). 422 names
    every problem (``errors``, by field)."""
    user = g.api_user
    if user.role == Role.COURT_OFFICER:
        return _delegate(user, body)
    if 'delegation' in body:
        raise ValidationFailed('delegation 只用于法院工作人员登记委派/委托调解。', field='delegation')
    missing = {name: ['必填。'] for name in ('category_id', 'source') if body.get(name) is None}
    if missing:
        raise ValidationFailed('请求体缺少以下字段：' + '、'.join(missing) + '。', errors=missing)
    parties = [intake.PartyInput(**party) for party in body.pop('parties')]
    result = intake.create_case(user, intake.CaseInput(**body, parties=parties))
    return _created(result.case, user, result.warnings)


def _delegate(user, body):
    """A court officer's 委派/委托 delegation, through ``mediation.services.court.delegate_case``."""
    case = court.delegate_case(user, delegation_input(court.DelegationInput, body))
    return _created(case, user, [])


def _created(case, user, warnings):
    cipher = current_app.extensions['field_cipher']
    # The registering user typed these: shown back in full, not logged as a view.
    revealed = {party.id: {'id_number': cipher.decrypt(party.id_number_encrypted),
                           'phone': cipher.decrypt(party.phone_encrypted)} for party in case.parties}
    body = case_json(case, user, revealed)
    body['warnings'] = warnings
    response = jsonify(body)
    response.status_code = 201
    response.headers['Location'] = url_for('api.get_case', case_id=case.id, _external=True)
    return response


@bp.route('/cases/<int:case_id>', methods=['GET'])
@token_required
@bp.response(200, schemas.CaseSchema)
@bp.doc(security=BEARER, responses=_errors(*_READ), summary='One case, its stages and parties')
def get_case(case_id):
    """Parties' ID numbers, phones and USCC are in full for the users who handle the case (each
    such read is logged as a ``pii_viewed`` event), masked for everyone else."""
    user = g.api_user
    case = get_visible_case(user, case_id)
    revealed = intake.reveal_identifiers(case, user) if handles_case(user, case) else None
    return jsonify(case_json(case, user, revealed))


@bp.route('/cases/<int:case_id>/events', methods=['GET'])
@token_required
@bp.response(200, schemas.EventListSchema)
@bp.doc(security=BEARER, responses=_errors(*_READ), summary='The case’s history, oldest first')
def case_events(case_id):
    case = get_visible_case(g.api_user, case_id)
    return jsonify({'events': [event_json(e) for e in case_queries.case_events(case)]})


# --------------------------------------------------------------------------- transitions

@bp.route('/cases/<int:case_id>/transitions', methods=['POST'])
@token_required
@bp.arguments(schemas.TransitionArgs)
@bp.response(201, schemas.TransitionResultSchema)
@bp.doc(security=BEARER, responses=_errors(400, 401, 403, 404, 409, 422, 429), summary='Start a transition')
def post_transition(body, case_id):
    """Start a workflow transition on a stage of the case (default: the newest stage at the
    token user's committee or court). 409 ``stale_version`` when the stage changed since the
    version was read; 422 ``invalid_transition`` with ``allowed`` when it may not happen now."""
    case = get_visible_case(g.api_user, case_id)
    stage = _stage_for(case, body.get('stage_id'))
    try:
        event = apply_transition(stage, body['transition'], g.api_user, reason=body['reason'],
                                 data=body['data'], expected_version=body['version'])
    except Conflict:
        raise StaleVersion(
            f'阶段已被修改：请求中的 version 为 {body["version"]}，当前为 {stage.version}。'
            f'请重新读取 GET /api/v1/cases/{case.id}，确认最新状态后用新的 version 重新提交。',
            current_version=stage.version) from None
    return jsonify({'event_id': event.id, 'stage': stage_json(stage, g.api_user)}), 201


def _stage_for(case, stage_id):
    """The named stage, or the newest stage at the user's own organisation."""
    if stage_id is not None:
        for stage in case.stages:
            if stage.id == stage_id:
                return stage
        raise NotFound('该案件没有这个阶段（stage_id）。')
    own = [stage for stage in case.stages if acting_as(g.api_user, stage)]
    if not own:
        raise NotFound('令牌用户的单位在该案件中没有可办理的阶段。')
    return own[-1]


# --------------------------------------------------------------------------- documents

@bp.route('/cases/<int:case_id>/documents', methods=['GET'])
@token_required
@bp.response(200, schemas.DocumentListSchema)
@bp.doc(security=BEARER, responses=_errors(*_READ), summary='The documents of the user’s stage')
def case_documents(case_id):
    """The documents of the token user's stage of the case: kind, title, where to get it, sealed
    or not (empty for users who do not handle the case)."""
    case = get_visible_case(g.api_user, case_id)
    stage = documents.documents_stage(case, g.api_user)
    entries = documents.applicable(stage) if stage is not None and handles_case(g.api_user, case) else []
    return jsonify({'documents': [{
        'kind': entry.kind.value, 'title': entry.title, 'sealed': entry.sealed, 'sha256': entry.sha256,
        'url': url_for('api.case_document', case_id=case.id, kind=entry.kind.value, _external=True),
    } for entry in entries]})


@bp.route('/cases/<int:case_id>/documents/<kind>', methods=['GET'])
@token_required
@bp.doc(security=BEARER, summary='One document as PDF', responses={
    '200': schemas.pdf_response('The PDF: the sealed copy if one was issued, else rendered now.'),
    **_errors(403, *_READ)})
@bp.doc(parameters=[{'in': 'path', 'name': 'kind', 'required': True, 'schema': {
    'type': 'string', 'enum': [kind.value for kind in DocumentKind]}}])
def case_document(case_id, kind):
    case = get_visible_case(g.api_user, case_id)
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise NotFound('没有这种文书（kind 须为 ' + '、'.join(k.value for k in DocumentKind) + '）。') from None
    pdf = documents.document_pdf(case, kind, g.api_user, public_base_url=public_base_url(request))
    return current_app.response_class(pdf, mimetype='application/pdf', headers={
        'Content-Disposition': f'inline; filename="{case.matter_code}-{kind.value}.pdf"'})


@bp.route('/cases/<int:case_id>/package', methods=['GET'])
@token_required
@bp.doc(security=BEARER, summary='The case transfer package (ZIP)', responses={
    '200': schemas.zip_response('manifest.json (case, stages, events, documents), documents/*.pdf, SHA256SUMS. '
                                'Mediation transcripts (and the dossier binding them) are left out.'),
    **_errors(403, *_READ)})
def case_package(case_id):
    """Everything a court system needs to take the case at once; only for the case's handlers."""
    case = get_visible_case(g.api_user, case_id)
    data = build_package(case, g.api_user, public_base_url=public_base_url(request))
    return current_app.response_class(data, mimetype='application/zip', headers={
        'Content-Disposition': f'attachment; filename="{case.matter_code}-package.zip"'})


# --------------------------------------------------------------------------- verification

def _verify_rate_limit():
    return current_app.config['VERIFY_RATE_LIMIT']


@bp.route('/verify', methods=['POST'])
@limiter.limit(_verify_rate_limit)
@bp.response(200, schemas.VerificationSchema)
@bp.doc(summary='Check a sealed PDF (no token)', security=[], requestBody={
    'required': True, 'content': {'application/pdf': {'schema': {'type': 'string', 'format': 'binary'}}}},
    responses=_errors(422, 429))
def verify():
    """Body: the PDF bytes (Content-Type: application/pdf). Whether this system sealed it, and
    whether it is intact; never a 5xx for a bad file."""
    data = request.get_data(cache=False)
    if len(data) > current_app.config['MAX_UPLOAD_BYTES']:
        raise ValidationFailed('文件过大。')
    return jsonify(sealing.verify_document(data).as_dict())
