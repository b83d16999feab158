"""What the API returns for cases, stages and events (ISO 8601 UTC times; identifiers in full only
for the case's handlers). The shapes are described by ``mediation.api.schemas``."""
from flask import current_app

from mediation.identifiers import MASK_CHAR
from mediation.services.transitions import allowed_triggers
from workflows.enums import PartyKind


def iso(value):
    return value.isoformat() + 'Z' if value else None


def mask_uscc(code):
    """A USCC masked like an ID number: first 6 and last 4 kept (``913301********123X``)."""
    if not code:
        return code
    if len(code) != 18:
        return MASK_CHAR * len(code)
    return code[:6] + MASK_CHAR * 8 + code[-4:]


def stage_json(stage, user):
    return {
        'id': stage.id, 'committee': stage.committee.committee_name, 'level': stage.level.value,
        'kind': stage.kind.value, 'state': stage.state.value, 'state_label': stage.state.label_zh,
        'case_number': stage.case_number, 'version': stage.version,
        'received_at': iso(stage.received_at), 'accepted_at': iso(stage.accepted_at),
        'due_on': stage.due_on.isoformat() if stage.due_on else None, 'due_provisional': stage.due_provisional,
        'allowed_transitions': allowed_triggers(stage, user),
    }


def party_json(party, revealed=None):
    """``revealed``: the party's decrypted identifiers (for the case's handlers), else masked."""
    organisation = party.kind == PartyKind.ORGANISATION
    return {
        'role': party.role.value, 'kind': party.kind.value, 'name': party.name,
        'id_number': None if organisation else (revealed['id_number'] if revealed else party.id_number_masked),
        'phone': revealed['phone'] if revealed else party.phone_masked,
        'uscc': (party.uscc if revealed is not None else mask_uscc(party.uscc)) if organisation else None,
        'legal_representative': party.legal_representative if organisation else None,
    }


def case_json(case, user, revealed=None):
    """``revealed``: party id → decrypted identifiers (``cases.reveal_identifiers``), for handlers."""
    return {
        'id': case.id, 'matter_code': case.matter_code, 'title': case.title, 'category': case.category.full_name_zh,
        'source': case.source.value, 'created_at': iso(case.created_at),
        'amount': str(case.amount) if case.amount is not None else None, 'people_involved': case.people_involved,
        'risk_level': case.risk_level.value if case.risk_level else None,
        'parties': [party_json(p, revealed.get(p.id, {}) if revealed is not None else None) for p in case.parties],
        'stages': [stage_json(stage, user) for stage in case.stages],
    }


def event_json(event):
    return {
        'id': event.id, 'stage_id': event.stage_id, 'at': iso(event.at), 'kind': event.kind,
        'actor': event.actor.username if event.actor else None, 'from_state': event.from_state,
        'to_state': event.to_state, 'reason': event.reason, 'data': event.data,
    }


def public_base_url(request) -> str:
    return current_app.config['PUBLIC_BASE_URL'] or request.host_url
