"""The court's list of invited mediation organisations (特邀调解组织名册, TY16 Arts 3–8)."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.org import Organisation


class InvitedOrganisation(Base):
    """A committee on a court's roster: the court may send cases down to it (委派 / 委托).

    Kept by administrators; a committee taken off the roster keeps the cases it has but gets
    no new ones (``active`` false, the row kept for the record).
    """

    __tablename__ = 'invited_organisation'

    court_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id', ondelete='CASCADE'), primary_key=True)
    committee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id', ondelete='CASCADE'),
                                                    primary_key=True, index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    added_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    added_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))

    court: so.Mapped[Organisation] = so.relationship(foreign_keys=[court_id])
    committee: so.Mapped[Organisation] = so.relationship(foreign_keys=[committee_id])
