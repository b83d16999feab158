"""A dispute (case), its parties, and its stages (one per committee that handles it)."""
from typing import Optional

import sqlalchemy.orm as so

from mediation import schema
from mediation.models.base import Base
from mediation.models.org import Organisation


class Category(Base):
    """Dispute category (纠纷类型), two levels, seeded from domain.md §4.1 and editable by administrators."""

    __table__ = schema.category

    parent: so.Mapped[Optional['Category']] = so.relationship(
        remote_side=[schema.category.c.id], back_populates='children')
    children: so.Mapped[list['Category']] = so.relationship(back_populates='parent', order_by='Category.sort_order')

    @property
    def full_name(self) -> str:
        return f'{self.parent.name} / {self.name}' if self.parent else self.name


class Case(Base):
    """One dispute with its permanent matter code (一事一码), whichever committees handle it."""

    __table__ = schema.dispute_case

    category: so.Mapped[Category] = so.relationship()
    intake_committee: so.Mapped[Organisation] = so.relationship()
    parties: so.Mapped[list['Party']] = so.relationship(
        back_populates='case', order_by='Party.id', cascade='all, delete-orphan')
    stages: so.Mapped[list['Stage']] = so.relationship(
        back_populates='case', order_by='Stage.id', foreign_keys='Stage.case_id')

    @property
    def current_stage(self) -> Optional['Stage']:
        """The newest stage: where the case is now."""
        return self.stages[-1] if self.stages else None


class Party(Base):
    """A party. ID numbers and phones are stored encrypted plus a keyed hash for exact lookup."""

    __table__ = schema.party

    case: so.Mapped[Case] = so.relationship(back_populates='parties')


class Stage(Base):
    """The part of a case handled by one committee (or the court): its own number, clock and outcome."""

    __table__ = schema.stage

    # Manual versioning: a transition bumps it (services.transitions); a recomputed deadline
    # does not, so a calendar edit never turns an open form stale. UPDATEs still check it.
    __mapper_args__ = {'version_id_col': schema.stage.c.version, 'version_id_generator': False}

    case: so.Mapped[Case] = so.relationship(back_populates='stages', foreign_keys=[schema.stage.c.case_id])
    committee: so.Mapped[Organisation] = so.relationship(foreign_keys=[schema.stage.c.committee_id])
    court: so.Mapped[Optional[Organisation]] = so.relationship(foreign_keys=[schema.stage.c.court_id])
    previous_stage: so.Mapped[Optional['Stage']] = so.relationship(remote_side=[schema.stage.c.id])

    @property
    def case_number(self) -> Optional[str]:
        if self.number_serial is None:
            return None
        return f'（{self.number_year}）{self.number_prefix}人调字第{self.number_serial}号'

    def __repr__(self):
        return f'<Stage {self.id} case={self.case_id} {self.level.value} {self.state}>'
