"""The audit trail: every change is recorded (who, when, what, why) in the transaction that makes it."""
from datetime import datetime
from typing import Optional

from mediation.extensions import db
from mediation.models import Event
from mediation.models import Stage
from mediation.models import User


def record_event(stage: Stage, kind: str, actor: Optional[User], now: datetime, *, from_state=None, to_state=None,
                 reason: str = '', data: Optional[dict] = None) -> Event:
    """Add one event about ``stage``; ``kind`` is a trigger's name or an ``EventKind``; actor None = the system."""
    event = Event(case_id=stage.case_id, stage_id=stage.id, actor_id=actor.id if actor else None, at=now,
                  kind=str(kind), from_state=_value(from_state), to_state=_value(to_state), reason=reason or '',
                  data=data or {})
    db.session.add(event)
    return event


def _value(state):
    return None if state is None else str(state)
