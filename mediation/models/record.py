"""The records of a mediator's work (``workflows.records``): sessions, investigations, evidence,
performance of the agreement, follow-up visits and notes.

Each belongs to the stage at whose committee the work was done; adding or correcting one writes
an audit event in the same transaction (``services.records``).
"""
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.base import enum_type
from workflows.enums import EvidenceKind
from workflows.enums import PerformanceStatus
from workflows.enums import Satisfaction
from workflows.enums import SessionOutcome
from workflows.enums import VisitMethod


class _Record:
    """Columns every work record has: its case and stage, who wrote it and when."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)

    @so.declared_attr
    def case_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True)

    @so.declared_attr
    def stage_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True)

    @so.declared_attr
    def created_by_id(cls) -> so.Mapped[Optional[int]]:
        return so.mapped_column(sa.ForeignKey('user_account.id'))

    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @so.declared_attr
    def created_by(cls):
        return so.relationship('User', foreign_keys=[cls.created_by_id])


class _Correctable(_Record):
    """A record its committee may correct: optimistic locking like the stage's."""

    updated_at: so.Mapped[Optional[datetime]]
    version: so.Mapped[int] = so.mapped_column(default=1)

    @so.declared_attr.directive
    def __mapper_args__(cls):
        return {'version_id_col': cls.version}


class MediationSession(_Correctable, Base):
    """人民调解记录: one session — when and where, who took part, what each side said, the mediator's
    proposal, how it ended and what comes next."""

    __tablename__ = 'mediation_session'

    held_at: so.Mapped[datetime]
    place: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: the mediators present, and the recorder
    mediators: so.Mapped[str] = so.mapped_column(sa.String(200))
    recorder: so.Mapped[str] = so.mapped_column(sa.String(64), default='')
    #: the parties present (names), and others invited to help (参加人)
    parties_present: so.Mapped[str] = so.mapped_column(sa.String(500), default='')
    participants: so.Mapped[str] = so.mapped_column(sa.String(500), default='')
    #: each side's statement: [{party_id, name, text}]
    statements: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: the facts checked at the session and the mediator's proposal
    facts_checked: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    proposal: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    outcome: so.Mapped[SessionOutcome] = so.mapped_column(enum_type(SessionOutcome, 'session_outcome'))
    next_step: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    next_session_on: so.Mapped[Optional[date]]


class Investigation(_Correctable, Base):
    """人民调解调查记录: an interview or a visit to the site, and what was found."""

    __tablename__ = 'investigation'

    held_at: so.Mapped[datetime]
    place: so.Mapped[str] = so.mapped_column(sa.String(200))
    investigators: so.Mapped[str] = so.mapped_column(sa.String(200))
    recorder: so.Mapped[str] = so.mapped_column(sa.String(64), default='')
    #: the person interviewed (被调查人) and who they are (relation to the parties, address)
    subject: so.Mapped[str] = so.mapped_column(sa.String(100), default='')
    subject_details: so.Mapped[str] = so.mapped_column(sa.String(255), default='')
    content: so.Mapped[str] = so.mapped_column(sa.Text)


class Attachment(_Record, Base):
    """A piece of evidence or another paper, kept by its hash in the shared storage folder.

    Served only through a view that checks the case's access rules, under ``token`` (random, not
    the hash or the id), so a URL cannot be guessed from another.
    """

    __tablename__ = 'attachment'

    token: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    evidence_kind: so.Mapped[EvidenceKind] = so.mapped_column(enum_type(EvidenceKind, 'evidence_kind'))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    #: who provided it (a party, a witness, the committee's own photos)
    provided_by: so.Mapped[str] = so.mapped_column(sa.String(100), default='')
    file_sha256: so.Mapped[str] = so.mapped_column(sa.ForeignKey('stored_file.sha256'))
    #: the name it was uploaded under, for the download (never used as a path)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    #: the session or investigation it was produced at, if any
    session_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('mediation_session.id', ondelete='SET NULL'))
    investigation_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey('investigation.id', ondelete='SET NULL'))


class PerformanceRecord(_Record, Base):
    """One check of one agreed term (``term_no``, from 1): its status and when it falls due, or an
    urging (督促履行, PML Art 31). Rows are history; the latest status row of a term is its status."""

    __tablename__ = 'performance_record'

    agreement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('agreement.id', ondelete='CASCADE'), index=True)
    term_no: so.Mapped[int]
    #: None on an urging
    status: so.Mapped[Optional[PerformanceStatus]] = so.mapped_column(
        enum_type(PerformanceStatus, 'performance_status'))
    due_on: so.Mapped[Optional[date]]
    urged: so.Mapped[bool] = so.mapped_column(default=False)
    checked_on: so.Mapped[date]
    note: so.Mapped[str] = so.mapped_column(sa.Text, default='')


class FollowUpVisit(_Correctable, Base):
    """人民调解回访记录: the visit, the parties' situation, performance and satisfaction, risks found."""

    __tablename__ = 'follow_up_visit'

    visited_on: so.Mapped[date]
    method: so.Mapped[VisitMethod] = so.mapped_column(enum_type(VisitMethod, 'visit_method'))
    visitors: so.Mapped[str] = so.mapped_column(sa.String(100))
    person_visited: so.Mapped[str] = so.mapped_column(sa.String(100))
    situation: so.Mapped[str] = so.mapped_column(sa.Text)
    performance: so.Mapped[Optional[PerformanceStatus]] = so.mapped_column(
        enum_type(PerformanceStatus, 'visit_performance_status'))
    satisfaction: so.Mapped[Optional[Satisfaction]] = so.mapped_column(enum_type(Satisfaction, 'satisfaction'))
    #: whether a lawsuit followed and its result; signs of renewed conflict and what was done
    court_action: so.Mapped[str] = so.mapped_column(sa.String(500), default='')
    risks: so.Mapped[str] = so.mapped_column(sa.Text, default='')


class CaseNote(_Record, Base):
    """A working note on the case (a phone call, a reminder to oneself); part of the audit trail."""

    __tablename__ = 'case_note'

    text: so.Mapped[str] = so.mapped_column(sa.Text)


class NoticeRead(Base):
    """A user has read a notice (notices go to an organisation; each of its users reads them)."""

    __tablename__ = 'notice_read'

    notice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('notice.id', ondelete='CASCADE'), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('user_account.id', ondelete='CASCADE'), primary_key=True,
                                               index=True)
    read_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
