"""Agreements, their signatures, the files they keep, and the documents issued under seal."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.base import enum_type
from workflows.enums import AgreementKind
from workflows.enums import DocumentKind
from workflows.enums import PerformanceStatus
from workflows.enums import SignatureMethod


class StoredFile(Base):
    """A file kept outside the database by its SHA-256 (``services.storage``): signatures, scans, sealed PDFs.

    The same bytes are stored once; the name says nothing about the case, and files are only
    ever served through a view that checks the case's access rules.
    """

    __tablename__ = 'stored_file'

    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    size: so.Mapped[int]
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Agreement(Base):
    """The agreement a stage's parties reach: its text while drafted, then signed and sealed (or registered orally).

    Its life follows the stage: drafted while the stage mediates, final text while it awaits
    signatures (``agreement_pending``), effective once the stage is ``agreed``.
    """

    __tablename__ = 'agreement'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stage_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), unique=True)
    kind: so.Mapped[AgreementKind] = so.mapped_column(enum_type(AgreementKind, 'agreement_kind'),
                                                      default=AgreementKind.WRITTEN)
    #: the parties as the agreement names them, taken from the case and editable: a list of
    #: {party_id, role, kind, name, sex, ethnicity, age, occupation, address, legal_representative,
    #: representative_title}; phones and ID numbers stay in the (encrypted) party records
    parties: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    facts: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    disputes: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    responsibility: so.Mapped[str] = so.mapped_column(sa.Text, default='')
    #: the agreed terms: a list of {content, manner, place, deadline}
    terms: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    mediator: so.Mapped[str] = so.mapped_column(sa.String(64), default='')
    recorder: so.Mapped[str] = so.mapped_column(sa.String(64), default='')
    #: how the terms are being performed, kept from the performance records (``workflows.records.
    #: performance_summary``) so the lists show "履行中 2/3" without reading every record
    performance: so.Mapped[Optional[PerformanceStatus]] = so.mapped_column(
        enum_type(PerformanceStatus, 'agreement_performance'))
    terms_fulfilled: so.Mapped[int] = so.mapped_column(default=0)
    updated_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    #: optimistic locking: a draft saved over someone else's newer save is a conflict
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {'version_id_col': version}

    stage = so.relationship('Stage')
    signatures: so.Mapped[list['Signature']] = so.relationship(
        back_populates='agreement', order_by='Signature.id',
        primaryjoin='and_(Signature.agreement_id == Agreement.id, Signature.voided_at.is_(None))', viewonly=True)

    @property
    def copies(self) -> int:
        """PML Art 29: each party keeps one, the committee one."""
        return len(self.parties) + 1


class Signature(Base):
    """One signature on an agreement: who (``slot``: ``party:0``, ``mediator``, ``recorder``), when, how.

    A signature given on screen keeps its image; one given on paper points to the scan of the
    signed copy. Reopening the negotiation voids the signatures of the old text (kept, not deleted).
    """

    __tablename__ = 'signature'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agreement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('agreement.id', ondelete='CASCADE'), index=True)
    slot: so.Mapped[str] = so.mapped_column(sa.String(20))
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    method: so.Mapped[SignatureMethod] = so.mapped_column(enum_type(SignatureMethod, 'signature_method'))
    #: the image drawn on the pad (screen), or the scan of the signed paper copy (paper)
    file_sha256: so.Mapped[str] = so.mapped_column(sa.ForeignKey('stored_file.sha256'))
    signed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    recorded_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))
    voided_at: so.Mapped[Optional[datetime]]

    __table_args__ = (
        # one valid signature per signer and agreement (voided ones are kept beside it)
        sa.Index('uq_signature_agreement_id_slot', 'agreement_id', 'slot', unique=True,
                 sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL')),
    )

    agreement: so.Mapped[Agreement] = so.relationship(back_populates='signatures')


class IssuedDocument(Base):
    """A document issued under the committee's seal (PAdES): stored once, served as stored, verifiable.

    Its verification code is printed on every page and leads to the public verification page.
    """

    __tablename__ = 'issued_document'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True)
    stage_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True)
    kind: so.Mapped[DocumentKind] = so.mapped_column(enum_type(DocumentKind, 'document_kind'))
    committee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id'))
    case_number: so.Mapped[str] = so.mapped_column(sa.String(64))
    verification_code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    file_sha256: so.Mapped[str] = so.mapped_column(sa.ForeignKey('stored_file.sha256'))
    issued_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    issued_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('user_account.id'))

    __table_args__ = (sa.UniqueConstraint('stage_id', 'kind'),)

    committee = so.relationship('Organisation')
    file = so.relationship('StoredFile')
