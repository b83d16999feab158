"""Helpers the service tests share: China times, stages brought to a state, firing, sweeping."""
from datetime import datetime
from datetime import timedelta

from mediation.cli import sweep_in_batches
from mediation.extensions import db
from mediation.services.deadlines import refresh_deadline
from mediation.services.transitions import apply_transition
from tests.factories import make_case
from workflows.enums import StageKind

#: China is UTC+8 all year.
CHINA_OFFSET = timedelta(hours=8)


def utc(year, month, day, hour=9, minute=0):
    """A China wall-clock time as the naive UTC the columns store."""
    return datetime(year, month, day, hour, minute) - CHINA_OFFSET


def accepted_stage(user, accepted_at, *, kind=StageKind.PEOPLE, court=None, **data):
    """A new case at ``user``'s committee, accepted at ``accepted_at`` (``data``: the transition's data).

    A ``kind`` other than people's mediation makes it a court-sent stage of ``court`` before acceptance.
    """
    stage = make_case(user, now=accepted_at).stages[0]
    if kind != StageKind.PEOPLE:
        stage.kind, stage.court_id = kind, court.id
        refresh_deadline(stage)
        db.session.commit()
    apply_transition(stage, 'accept', user, data=data, now=accepted_at)
    db.session.commit()
    return stage


def fire(stage, trigger, user, at, reason='', **data):
    """Fire ``trigger`` on ``stage`` at ``at`` and commit, as a request would."""
    apply_transition(stage, trigger, user, reason=reason, data=data, now=at)
    db.session.commit()
    return stage


def sweep(now, **kwargs):
    """The sweep as ``mediation sweep`` runs it (its own connection, a transaction per batch)."""
    db.session.commit()  # SQLite: the session must not hold the write lock the sweep needs
    report = sweep_in_batches(db.engine, now, **kwargs)
    db.session.expire_all()
    return report
