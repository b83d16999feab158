"""The audit trail (which also makes the sweep idempotent) and in-app notices."""
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

    actor = so.relationship('User')


class Notice(Base):
    """An in-app reminder or alert for the users of one organisation; kept off the legal record."""

    __table__ = schema.notice

    stage = so.relationship('Stage')
