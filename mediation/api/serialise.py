"""What the API returns for cases, stages and events (masked identifiers, ISO 8601 UTC times)."""
from mediation.services.transitions import allowed_triggers


def iso(value):
    return value.isoformat() + 'Z' if value else None


def stage_json(stage, user):
    return {
        'id': stage.id, 'committee': stage.committee.committee_name, 'level': stage.level.value,
        'kind': stage.kind.value, 'state': stage.state.value, 'state_label': stage.state.label_zh,
        'case_number': stage.case_number, 'version': stage.version,
        'received_at': iso(stage.received_at), 'accepted_at': iso(stage.accepted_at),
        'due_on': stage.due_on.isoformat() if stage.due_on else None, 'due_provisional': stage.due_provisional,
        'allowed_transitions': allowed_triggers(stage, user),
    }


def case_json(case, user):
    return {
        'id': case.id, 'matter_code': case.matter_code, 'title': case.title, 'category': case.category.full_name_zh,
        'source': case.source.value, 'created_at': iso(case.created_at),
        'amount': str(case.amount) if case.amount is not None else None, 'people_involved': case.people_involved,
        'parties': [{'role': p.role.value, 'kind': p.kind.value, 'name': p.name, 'id_number': p.id_number_masked,
                     'phone': p.phone_masked} for p in case.parties],
        'stages': [stage_json(stage, user) for stage in case.stages],
    }


def event_json(event):
    return {
        'id': event.id, 'stage_id': event.stage_id, 'at': iso(event.at), 'kind': event.kind,
        'actor': event.actor.username if event.actor else None, 'from_state': event.from_state,
        'to_state': event.to_state, 'reason': event.reason, 'data': event.data,
    }
