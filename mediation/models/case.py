"""A dispute (case), its parties, and its stages (one per committee that handles it)."""
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy.orm as so

from mediation import schema
from mediation.models.base import Base
from mediation.models.org import Organisation
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.states import State


class Category(Base):
    """Dispute category (纠纷类型), two levels, seeded from domain.md §4.1 and editable by administrators."""

    __table__ = schema.category

    id: so.Mapped[int]
    code: so.Mapped[str]
    name: so.Mapped[str]
    parent_id: so.Mapped[Optional[int]]
    sort_order: so.Mapped[int]
    active: so.Mapped[bool]
    requires_wet_signature: so.Mapped[bool]

    parent: so.Mapped[Optional['Category']] = so.relationship(
        remote_side=[schema.category.c.id], back_populates='children')
    children: so.Mapped[list['Category']] = so.relationship(back_populates='parent', order_by='Category.sort_order')

    @property
    def full_name(self) -> str:
        return f'{self.parent.name} / {self.name}' if self.parent else self.name


class Case(Base):
    """One dispute with its permanent matter code (一事一码), whichever committees handle it."""

    __table__ = schema.dispute_case

    id: so.Mapped[int]
    matter_code: so.Mapped[str]
    title: so.Mapped[str]
    category_id: so.Mapped[int]
    source: so.Mapped[Source]
    facts: so.Mapped[str]
    requests: so.Mapped[str]
    place: so.Mapped[str]
    amount: so.Mapped[Optional[Decimal]]
    people_involved: so.Mapped[int]
    mzx_risk: so.Mapped[bool]
    group_dispute: so.Mapped[bool]
    petition_risk: so.Mapped[bool]
    major_difficult: so.Mapped[bool]
    cross_area: so.Mapped[bool]
    abnormal_death: so.Mapped[bool]
    minor_involved: so.Mapped[bool]
    risk_level: so.Mapped[Optional[RiskLevel]]
    deadline_profile: so.Mapped[str]
    intake_committee_id: so.Mapped[int]
    created_by_id: so.Mapped[Optional[int]]
    created_at: so.Mapped[datetime]

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

    id: so.Mapped[int]
    case_id: so.Mapped[int]
    role: so.Mapped[PartyRole]
    kind: so.Mapped[PartyKind]
    name: so.Mapped[str]
    sex: so.Mapped[Optional[str]]
    ethnicity: so.Mapped[Optional[str]]
    birth_date: so.Mapped[Optional[date]]
    occupation: so.Mapped[Optional[str]]
    address: so.Mapped[Optional[str]]
    phone_encrypted: so.Mapped[Optional[str]]
    phone_hash: so.Mapped[Optional[str]]
    phone_contact: so.Mapped[Optional[str]]
    id_number_encrypted: so.Mapped[Optional[str]]
    id_number_hash: so.Mapped[Optional[str]]
    phone_masked: so.Mapped[Optional[str]]
    id_number_masked: so.Mapped[Optional[str]]
    uscc: so.Mapped[Optional[str]]
    legal_representative: so.Mapped[Optional[str]]

    case: so.Mapped[Case] = so.relationship(back_populates='parties')


class Stage(Base):
    """The part of a case handled by one committee (or the court): its own number, clock and outcome."""

    __table__ = schema.stage

    id: so.Mapped[int]
    case_id: so.Mapped[int]
    committee_id: so.Mapped[int]
    level: so.Mapped[Level]
    kind: so.Mapped[StageKind]
    state: so.Mapped[State]
    previous_stage_id: so.Mapped[Optional[int]]
    court_id: so.Mapped[Optional[int]]
    court_case_number: so.Mapped[Optional[str]]
    received_at: so.Mapped[datetime]
    accepted_at: so.Mapped[Optional[datetime]]
    number_year: so.Mapped[Optional[int]]
    number_serial: so.Mapped[Optional[int]]
    number_prefix: so.Mapped[Optional[str]]
    clock: so.Mapped[Optional[Clock]]
    deadline_rule: so.Mapped[Optional[str]]
    due_on: so.Mapped[Optional[date]]
    due_soon_on: so.Mapped[Optional[date]]
    due_provisional: so.Mapped[bool]
    next_check_on: so.Mapped[Optional[date]]
    flagged_at: so.Mapped[Optional[datetime]]
    agreement_effective_at: so.Mapped[Optional[datetime]]
    outcome: so.Mapped[Optional[str]]
    ended_at: so.Mapped[Optional[datetime]]
    version: so.Mapped[int]

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
