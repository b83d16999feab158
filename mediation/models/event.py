"""The audit trail (which also makes the sweep idempotent) and in-app notices."""
from datetime import date
from datetime import datetime
from typing import Any
from typing import Optional

import sqlalchemy.orm as so

from mediation import schema
from mediation.models.base import Base


class Event(Base):
    """Append-only history: who did what to which case, when and why.

    Written in the same transaction as the change it records; never updated or deleted
    (enforced in ``mediation.models.__init__``).

    An event the sweep writes when a deadline lapses carries a ``claim_key``
    (``expiry:<clock>:<due date>``), unique per stage: inserting it is how a sweep claims that
    lapse, so each deadline is acted on once however many sweeps run at the same time.
    """

    __table__ = schema.event

    id: so.Mapped[int]
    case_id: so.Mapped[int]
    stage_id: so.Mapped[Optional[int]]
    actor_id: so.Mapped[Optional[int]]
    at: so.Mapped[datetime]
    kind: so.Mapped[str]
    from_state: so.Mapped[Optional[str]]
    to_state: so.Mapped[Optional[str]]
    reason: so.Mapped[str]
    data: so.Mapped[dict[str, Any]]
    claim_key: so.Mapped[Optional[str]]

    actor = so.relationship('User')


class Notice(Base):
    """An in-app reminder or alert for the users of one organisation; kept off the legal record."""

    __table__ = schema.notice

    id: so.Mapped[int]
    organisation_id: so.Mapped[int]
    stage_id: so.Mapped[Optional[int]]
    kind: so.Mapped[str]
    day: so.Mapped[date]
    message: so.Mapped[str]
    created_at: so.Mapped[datetime]
    read_at: so.Mapped[Optional[datetime]]

    stage = so.relationship('Stage')
