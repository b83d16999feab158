from flask import g
from flask import jsonify
from flask import request

from mediation.access import acting_as
from mediation.access import get_visible_case
from mediation.api import bp
from mediation.api.auth import token_required
from mediation.api.serialise import case_json
from mediation.api.serialise import event_json
from mediation.api.serialise import stage_json
from mediation.errors import NotFound
from mediation.errors import ValidationFailed
from mediation.extensions import csrf
from mediation.services import case_queries
from mediation.services.transitions import apply_transition

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
