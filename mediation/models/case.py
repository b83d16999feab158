"""A dispute (case), its parties, and its stages (one per committee that handles it)."""
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.base import enum_type
from mediation.models.org import Organisation
from workflows.enums import Clock
from workflows.enums import DeadlineStatus
from workflows.enums import Level
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.enums import deadline_status
from workflows.states import OPEN_STATES
from workflows.states import State


def _english() -> bool:
    """The current request shows English (data labels follow the interface's language)."""
    from flask import has_request_context
    if not has_request_context():
        return False
    from flask_babel import get_locale
    locale = get_locale()
    return locale is not None and locale.language == 'en'


#: SQL for "the stage is open" (``workflows.states.OPEN_STATES``) as partial indexes spell it; the
#: queries that should use such an index spell it the same way (``services.case_queries``).
OPEN_PREDICATE = 'state IN ({})'.format(', '.join(f"'{state.value}'" for state in sorted(OPEN_STATES)))

#: Categories whose agreements settle an identity relation, which no court confirms (CPLI Art 355).
IDENTITY_RELATION_CATEGORIES = frozenset({'HY-HY', 'HY-SHY'})


class Category(Base):
    """Dispute category (纠纷类型), two levels, seeded from domain.md §4.1 and editable by administrators."""

    __tablename__ = 'category'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(50))
    #: the English name (shown in the English interface); empty: the Chinese name is shown
    name_en: so.Mapped[str] = so.mapped_column(sa.String(100), default='', server_default='')
    parent_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('category.id'), index=True)
    sort_order: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    #: Marriage/family, adoption and inheritance matters: the Electronic Signature Law does not apply.
    requires_wet_signature: so.Mapped[bool] = so.mapped_column(default=False)

    parent: so.Mapped[Optional['Category']] = so.relationship(remote_side=[id], back_populates='children')
    children: so.Mapped[list['Category']] = so.relationship(back_populates='parent', order_by='Category.sort_order')

    @property
    def label(self) -> str:
        """The name in the language of the page being shown (Chinese outside a request)."""
        return (self.name_en or self.name) if _english() else self.name

    @property
    def full_name(self) -> str:
        """Parent / child, in the language of the page being shown: for the screens."""
        return f'{self.parent.label} / {self.label}' if self.parent else self.label

    @property
    def full_name_zh(self) -> str:
        """Parent / child in Chinese whatever the page's language: for documents and the API."""
        return f'{self.parent.name} / {self.name}' if self.parent else self.name

    @property
    def confirmable(self) -> bool:
        """A court may confirm such an agreement: not one about an identity relation (marriage,
        adoption; CPLI Art 355)."""
        return self.code not in IDENTITY_RELATION_CATEGORIES

    @property
    def needs_wet_signature(self) -> bool:
        """This category or its parent is a personal-relations matter (Electronic Signature Law Art 3)."""
        return self.requires_wet_signature or bool(self.parent and self.parent.requires_wet_signature)


class Case(Base):
    """One dispute with its permanent matter code (一事一码), whichever committees handle it."""

    __tablename__ = 'dispute_case'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    matter_code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('category.id'), index=True)
    source: so.Mapped[Source] = so.mapped_column(enum_type(Source, 'case_source'))
    facts: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    requests: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    place: so.Mapped[str] = so.mapped_column(sa.String(200), default='')
    #: 涉及金额, yuan
    amount: so.Mapped[Optional[Decimal]] = so.mapped_column(sa.Numeric(14, 2))
    #: 涉及人数: statistics count persons as well as cases
    people_involved: so.Mapped[int] = so.mapped_column(default=0)
    mzx_risk: so.Mapped[bool] = so.mapped_column(default=False)
    group_dispute: so.Mapped[bool] = so.mapped_column(default=False)
    petition_risk: so.Mapped[bool] = so.mapped_column(default=False)
    major_difficult: so.Mapped[bool] = so.mapped_column(default=False)
    cross_area: so.Mapped[bool] = so.mapped_column(default=False)
    abnormal_death: so.Mapped[bool] = so.mapped_column(default=False)
    minor_involved: so.Mapped[bool] = so.mapped_column(default=False)
    risk_level: so.Mapped[Optional[RiskLevel]] = so.mapped_column(enum_type(RiskLevel, 'risk_level'))
    #: The deadline profile the case is counted under (workflows.deadlines.PROFILES)
    deadline_profile: so.Mapped[str] = so.mapped_column(sa.String(32), default='statutory')
    intake_committee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id'), index=True)
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    #: Both parties agreed that the court may see the mediation transcripts and investigation
    #: records (TY16 Art 22, CPLI Art 107: not for court use otherwise); the event records who said so
    records_disclosed_to_court: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

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

    __tablename__ = 'party'
    # A name typed into the case list's search box matches from its start (PostgreSQL: LIKE 'x%'
    # needs the pattern operators whatever the database's collation).
    __table_args__ = (sa.Index('ix_party_name', 'name', postgresql_ops={'name': 'text_pattern_ops'}),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True)
    role: so.Mapped[PartyRole] = so.mapped_column(enum_type(PartyRole, 'party_role'))
    kind: so.Mapped[PartyKind] = so.mapped_column(enum_type(PartyKind, 'party_kind'))
    #: A person's name, or an organisation's name
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    sex: so.Mapped[Optional[str]] = so.mapped_column(sa.String(8))
    ethnicity: so.Mapped[Optional[str]] = so.mapped_column(sa.String(20))
    birth_date: so.Mapped[Optional[date]]
    occupation: so.Mapped[Optional[str]] = so.mapped_column(sa.String(100))
    address: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255))
    phone_encrypted: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255))
    phone_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), index=True)
    #: Whose phone it is when a party gives a relative's number
    phone_contact: so.Mapped[Optional[str]] = so.mapped_column(sa.String(50))
    id_number_encrypted: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255))
    id_number_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), index=True)
    #: Masked forms kept beside the ciphertext so lists never need to decrypt
    phone_masked: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    id_number_masked: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    uscc: so.Mapped[Optional[str]] = so.mapped_column(sa.String(18))
    legal_representative: so.Mapped[Optional[str]] = so.mapped_column(sa.String(50))

    case: so.Mapped[Case] = so.relationship(back_populates='parties')


class Stage(Base):
    """The part of a case handled by one committee (or the court): its own number, clock and outcome."""

    __tablename__ = 'stage'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True)
    committee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id'))
    level: so.Mapped[Level] = so.mapped_column(enum_type(Level, 'stage_level'))
    kind: so.Mapped[StageKind] = so.mapped_column(enum_type(StageKind, 'stage_kind'))
    #: A State value; the state machine writes it (workflows.machine)
    state: so.Mapped[State] = so.mapped_column(enum_type(State, 'stage_state'), default=State.PENDING_ACCEPTANCE)
    previous_stage_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('stage.id'), index=True)
    #: The court that sent the case down (委派/委托) or to which it was referred
    court_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('organisation.id'), index=True)
    court_case_number: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    #: When the stage arrived at the committee (for court-sent cases: the mediator's receipt)
    received_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    accepted_at: so.Mapped[Optional[datetime]]
    #: Case-number parts: （{number_year}）{number_prefix}人调字第{number_serial}号
    number_year: so.Mapped[Optional[int]]
    number_serial: so.Mapped[Optional[int]]
    number_prefix: so.Mapped[Optional[str]] = so.mapped_column(sa.String(30))
    #: The clock running now and its deadline, derived from recorded events (services.deadlines)
    clock: so.Mapped[Optional[Clock]] = so.mapped_column(enum_type(Clock, 'stage_clock'))
    deadline_rule: so.Mapped[Optional[str]] = so.mapped_column(sa.String(48))
    due_on: so.Mapped[Optional[date]] = so.mapped_column(index=True)
    due_soon_on: so.Mapped[Optional[date]]
    due_provisional: so.Mapped[bool] = so.mapped_column(default=False)
    #: Next day the sweep must look at this stage; NULL when there is nothing left for it to do
    next_check_on: so.Mapped[Optional[date]]
    #: District stage past its deadline: waiting for a decision
    flagged_at: so.Mapped[Optional[datetime]]
    agreement_effective_at: so.Mapped[Optional[datetime]]
    outcome: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    ended_at: so.Mapped[Optional[datetime]]
    #: Bumped by every transition (optimistic locking, below)
    version: so.Mapped[int] = so.mapped_column(default=1)

    __table_args__ = (
        sa.UniqueConstraint('committee_id', 'number_year', 'number_serial'),
        # The sweep reads only rows whose next check is due: cost follows due stages, not open ones.
        # Partial: the millions of rows with nothing left to check are not in the index at all.
        sa.Index('ix_stage_next_check_on', 'next_check_on', sqlite_where=sa.text('next_check_on IS NOT NULL'),
                 postgresql_where=sa.text('next_check_on IS NOT NULL')),
        # The case lists (services.case_queries) walk these in case order, newest first, so a page
        # costs the same at ten thousand cases as at a million (migration 3b8e51c0d7a4).
        sa.Index('ix_stage_committee_id_state_case_id', 'committee_id', 'state', 'case_id'),
        sa.Index('ix_stage_committee_id_case_id', 'committee_id', 'case_id'),
        sa.Index('ix_stage_state_case_id', 'state', 'case_id'),
        # Overdue work (a lapsed acceptance or mediation clock): not the closed confirmation windows
        # of old agreements, which pile up over the years.
        sa.Index('ix_stage_work_due_on', 'due_on', sqlite_where=sa.text("clock <> 'jc_apply'"),
                 postgresql_where=sa.text("clock <> 'jc_apply'")),
        # Open stages per committee by arrival: the supervision page's oldest open cases (the state
        # too, so the index alone answers: SQLite checks the condition again on every row).
        sa.Index('ix_stage_open_received_at', 'committee_id', 'received_at', 'state',
                 sqlite_where=sa.text(OPEN_PREDICATE),
                 postgresql_where=sa.text(OPEN_PREDICATE)),
        # Stages that arrived by referral, by arrival: the cases referred up in a month.
        sa.Index('ix_stage_referral_received_at', 'received_at',
                 sqlite_where=sa.text('previous_stage_id IS NOT NULL'),
                 postgresql_where=sa.text('previous_stage_id IS NOT NULL')),
        # The statistics (services.statistics): a period's accepted stages, of everywhere or of
        # a few committees (migration d5b8e2f3a4c6).
        sa.Index('ix_stage_accepted_at', 'accepted_at', 'committee_id',
                 sqlite_where=sa.text('accepted_at IS NOT NULL'),
                 postgresql_where=sa.text('accepted_at IS NOT NULL')),
        sa.Index('ix_stage_committee_id_accepted_at', 'committee_id', 'accepted_at'),
        # The judicial confirmations opened from agreed stages (few among millions of stages).
        sa.Index('ix_stage_confirmation_previous_stage_id', 'previous_stage_id',
                 sqlite_where=sa.text("kind = 'judicial_confirmation'"),
                 postgresql_where=sa.text("kind = 'judicial_confirmation'")),
        # A case number typed into the search box: （2026）枫源人调字第3号.
        sa.Index('ix_stage_number_serial_year', 'number_serial', 'number_year',
                 sqlite_where=sa.text('number_serial IS NOT NULL'),
                 postgresql_where=sa.text('number_serial IS NOT NULL')),
    )
    # Manual versioning: a transition bumps it (services.transitions); a recomputed deadline
    # does not, so a calendar edit never turns an open form stale. UPDATEs still check it.
    __mapper_args__ = {'version_id_col': version, 'version_id_generator': False}

    case: so.Mapped[Case] = so.relationship(back_populates='stages', foreign_keys=[case_id])
    committee: so.Mapped[Organisation] = so.relationship(foreign_keys=[committee_id])
    court: so.Mapped[Optional[Organisation]] = so.relationship(foreign_keys=[court_id])
    previous_stage: so.Mapped[Optional['Stage']] = so.relationship(remote_side=[id])

    @property
    def case_number(self) -> Optional[str]:
        if self.number_serial is None:
            return None
        return f'（{self.number_year}）{self.number_prefix}人调字第{self.number_serial}号'

    def deadline_status(self, today: date) -> Optional[DeadlineStatus]:
        """Due soon, overdue, or a closed window today (``workflows.enums.deadline_status``)."""
        return deadline_status(self.clock, self.due_on, self.due_soon_on, today)

    @classmethod
    def deadline_status_clause(cls, status: DeadlineStatus, today: date, stage=None):
        """SQL twin of :meth:`deadline_status`: the stages (``stage``: this class or an alias) in ``status``."""
        stage = stage if stage is not None else cls
        if status is DeadlineStatus.DUE_SOON:
            return sa.and_(stage.due_soon_on <= today, stage.due_on >= today)
        is_window = stage.clock == Clock.JC_APPLY
        lapsed = stage.due_on < today
        if status is DeadlineStatus.WINDOW_CLOSED:
            return sa.and_(lapsed, is_window)
        return sa.and_(lapsed, sa.or_(stage.clock.is_(None), sa.not_(is_window)))

    def __repr__(self):
        return f'<Stage {self.id} case={self.case_id} {self.level.value} {self.state}>'
