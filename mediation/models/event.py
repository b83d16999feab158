"""The audit trail (which also makes the sweep idempotent) and in-app notices."""
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.base import enum_type
from workflows.enums import EventKind
from workflows.enums import NoticeKind
from workflows.machine import TRIGGERS


class Event(Base):
    """Append-only history: who did what to which case, when and why.

    Written in the same transaction as the change it records; never updated or deleted
    (enforced in ``mediation.models``).

    An event the sweep writes when a deadline lapses carries a ``claim_key``
    (``expiry:<clock>:<due date>``), unique per stage: inserting it is how a sweep claims that
    lapse, so each deadline is acted on once however many sweeps run at the same time.
    """

    __tablename__ = 'event'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True)
    stage_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True)
    #: NULL for the system (the sweep)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    #: a trigger's name ('accept', 'refer_up', …) or an ``EventKind`` value ('created', …)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    from_state: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    to_state: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    data: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: ``expiry:<clock>:<due date>`` on the event of a lapsed deadline: inserting it claims the lapse
    claim_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(60))

    __table_args__ = (
        sa.Index('uq_event_stage_id_claim_key', 'stage_id', 'claim_key', unique=True,
                 sqlite_where=sa.text('claim_key IS NOT NULL'), postgresql_where=sa.text('claim_key IS NOT NULL')),
        # The statistics' few kinds of events (withdrawals, judicial confirmations) as sets of stages.
        sa.Index('ix_event_kind_stage_id', 'kind', 'stage_id'),
    )

    actor = so.relationship('User')

    @property
    def label(self):
        """What happened: the transition's or the event kind's labelled member."""
        return TRIGGERS.get(self.kind) or EventKind(self.kind)


class Notice(Base):
    """An in-app reminder or alert for the users of one organisation; kept off the legal record.

    Each user marks it read for themselves (``NoticeRead``).
    """

    __tablename__ = 'notice'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id', ondelete='CASCADE'))
    stage_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True)
    kind: so.Mapped[NoticeKind] = so.mapped_column(enum_type(NoticeKind, 'notice_kind'))
    day: so.Mapped[date]
    #: worded by ``services.notices`` in both languages when it is sent (the page shows the reader's)
    message: so.Mapped[str] = so.mapped_column(sa.String(500))
    message_en: so.Mapped[str] = so.mapped_column(sa.String(500), default='')
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint('organisation_id', 'stage_id', 'kind', 'day'),
        # An organisation's notices newest first: the notices page and the unread count read only these.
        sa.Index('ix_notice_organisation_id_created_at', 'organisation_id', 'created_at'),
    )

    stage = so.relationship('Stage')
