"""The audit trail (which also makes the sweep idempotent) and in-app notices."""
from datetime import date
from datetime import datetime
from typing import Any
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.models._types import utcnow
from mediation.models.base import Base


class Event(Base):
    """Append-only history: who did what to which case, when and why.

    Written in the same transaction as the change it records; never updated or deleted
    (enforced in ``mediation.models.__init__``).

    An event the sweep writes when a deadline lapses carries a ``claim_key``
    (``expiry:<clock>:<due date>``), unique per stage: inserting it is how a sweep claims that
    lapse, so each deadline is acted on once however many sweeps run at the same time.
    """

    __tablename__ = 'event'
    __table_args__ = (sa.Index('uq_event_stage_id_claim_key', 'stage_id', 'claim_key', unique=True,
                               sqlite_where=sa.text('claim_key IS NOT NULL'),
                               postgresql_where=sa.text('claim_key IS NOT NULL')),)

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
    claim_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(60))

    actor = so.relationship('User')


class Notice(Base):
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
