"""The audit trail and the rows that make the sweep idempotent."""
from datetime import date
from datetime import datetime
from typing import Any
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.extensions import db
from mediation.models._types import utcnow


class Event(db.Model):
    """Append-only history: who did what to which case, when and why.

    Written in the same transaction as the change it records; never updated or deleted
    (enforced in ``mediation.models.__init__``).
    """

    __tablename__ = 'event'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True)
    stage_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True)
    #: NULL for the system (the sweep)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    #: a trigger name ('accept', 'refer_up', …) or another kind ('created', 'pii_viewed', …)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    from_state: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    to_state: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    actor = so.relationship('User')


class StageAction(db.Model):
    """One row per (stage, action): the unique key that lets an escalation happen exactly once."""

    __tablename__ = 'stage_action'
    __table_args__ = (sa.UniqueConstraint('stage_id', 'action'),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stage_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'))
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Notice(db.Model):
    """An in-app reminder or alert for the users of one organisation; kept off the legal record."""

    __tablename__ = 'notice'
    __table_args__ = (sa.UniqueConstraint('organisation_id', 'stage_id', 'kind', 'day'),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id', ondelete='CASCADE'))
    stage_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True)
    #: 'due_soon' | 'overdue' | 'escalated' | 'risk_alert' | 'calendar_missing' | …
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    day: so.Mapped[date]
    message: so.Mapped[str] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[Optional[datetime]]

    stage = so.relationship('Stage')
