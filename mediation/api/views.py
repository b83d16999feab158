import functools

from flask import g
from flask import jsonify
from flask import request

from mediation.access import acting_as
from mediation.access import get_visible_case
from mediation.api import bp
from mediation.errors import MediationError
from mediation.errors import NotFound
from mediation.errors import ValidationFailed
from mediation.web_extensions import csrf
from mediation.extensions import db
from mediation.services import case_queries
from mediation.services.tokens import user_for_token
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition

csrf.exempt(bp)  # bearer tokens, not cookies: no CSRF exposure


class Unauthorised(MediationError):
    status = 401
    code = 'unauthorised'


def token_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get('Authorization', '')
        scheme, _, token = header.partition(' ')
        user = user_for_token(token.strip()) if scheme.lower() == 'bearer' and token.strip() else None
        if user is None:
            raise Unauthorised('缺少或无效的访问令牌（Authorization: Bearer …）。')
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


def stage_json(stage, user):
    return {
        'id': stage.id, 'committee': stage.committee.committee_name, 'level': stage.level.value,
        'kind': stage.kind.value, 'state': stage.state.value, 'state_label': stage.state.label_zh,
        'case_number': stage.case_number, 'version': stage.version,
        'received_at': _iso(stage.received_at), 'accepted_at': _iso(stage.accepted_at),
        'due_on': stage.due_on.isoformat() if stage.due_on else None, 'due_provisional': stage.due_provisional,
        'allowed_transitions': allowed_triggers(stage, user),
    }


def case_json(case, user):
    return {
        'id': case.id, 'matter_code': case.matter_code, 'title': case.title, 'category': case.category.full_name,
        'source': case.source.value, 'created_at': _iso(case.created_at),
        'amount': str(case.amount) if case.amount is not None else None, 'people_involved': case.people_involved,
        'parties': [{'role': p.role.value, 'kind': p.kind.value, 'name': p.name, 'id_number': p.id_number_masked,
                     'phone': p.phone_masked} for p in case.parties],
        'stages': [stage_json(stage, user) for stage in case.stages],
    }


def _iso(value):
    return value.isoformat() + 'Z' if value else None


@bp.route('/cases/<int:case_id>')
@token_required
def get_case(case_id):
    return jsonify(case_json(get_visible_case(g.api_user, case_id), g.api_user))


@bp.route('/cases/<int:case_id>/events')
@token_required
def case_events(case_id):
    case = get_visible_case(g.api_user, case_id)
    return jsonify({'events': [{
        'id': e.id, 'stage_id': e.stage_id, 'at': _iso(e.at), 'kind': e.kind, 'actor': e.actor.username if e.actor else None,
        'from_state': e.from_state, 'to_state': e.to_state, 'reason': e.reason, 'data': e.data,
    } for e in case_queries.case_events(case)]})


@bp.route('/cases/<int:case_id>/transitions', methods=['POST'])
@token_required
def post_transition(case_id):
    """Body: {"transition": "accept", "version": 3, "reason": "...", "data": {...}, "stage_id": optional}."""
    case = get_visible_case(g.api_user, case_id)
    body = request.get_json(silent=True)
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
    db.session.commit()
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
