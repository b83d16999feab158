"""Sealing an agreement, and checking a sealed document afterwards.

When the last signature is in, the mediator applies the seal: the final copy is rendered once
with the signatures, the red committee stamp, and a verification code and QR code on every page;
it is signed with the committee's key (PAdES B-B, pyHanko), stored with its SHA-256, and the
stage moves to ``agreed`` in the same transaction — that moment is the agreement's effective date
(PML Art 29), from which the 30-day window to apply for judicial confirmation runs. The stored
file is what every later download serves.

Anyone may check a document (``verify_document``, ``lookup_code``): a PDF is valid when its
signature is intact, covers the whole file and chains to this system's root; the answer names
the committee, the case number and the date, never a party.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from mediation.access import acting_as
from mediation.chinatime import china_date
from mediation.chinatime import china_time
from mediation.chinatime import utcnow
from mediation.errors import Conflict
from mediation.errors import InvalidTransition
from mediation.errors import MediationError
from mediation.errors import PermissionDenied
from mediation.extensions import db
from mediation.models import IssuedDocument
from mediation.models import Organisation
from mediation.models import Stage
from mediation.models import User
from mediation.services import storage
from mediation.services.agreements import agreement_facts
from mediation.services.agreements import agreement_of
from mediation.services.agreements import signer_slots
from mediation.services.documents import agreement_view_of
from mediation.services.documents import context_for
from mediation.services.documents import render_settings
from mediation.services.documents import signature_images
from mediation.services.documents import verification_block
from mediation.services.transitions import STALE_VERSION
from mediation.services.transitions import apply_transition
from workflows.enums import DocumentKind
from workflows.enums import OrgKind
from workflows.machine import HANDLER
from workflows.states import State

_CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'


class SealingUnavailable(MediationError):
    """The set-up cannot seal yet (no keys, no usable font): the message says what to do."""

    status = 503
    code = 'sealing_unavailable'


def keys_dir() -> Path:
    return Path(current_app.config['SIGNING_KEYS_PATH'] or Path(current_app.instance_path) / 'keys')


def key_id(committee: Organisation) -> str:
    return f'org-{committee.id}'


def init_committee_keys() -> list[str]:
    """The root CA and a certificate for every committee (district, town, village), idempotently."""
    from mediation.documents.keys import init_keys
    committees = db.session.scalars(sa.select(Organisation).where(Organisation.kind != OrgKind.COURT)
                                    .order_by(Organisation.path)).all()
    return init_keys(keys_dir(), [(key_id(org), org.committee_name) for org in committees])


def new_verification_code() -> str:
    """Twelve Crockford base-32 characters in three groups: easy to read out and to type."""
    while True:
        raw = ''.join(secrets.choice(_CROCKFORD) for _ in range(12))
        code = '-'.join((raw[:4], raw[4:8], raw[8:]))
        if db.session.scalar(sa.select(IssuedDocument.id).where(IssuedDocument.verification_code == code)) is None:
            return code


def seal_agreement(stage: Stage, actor: User, *, public_base_url: str, expected_version: Optional[int] = None,
                   now: Optional[datetime] = None) -> IssuedDocument:
    """Render, stamp, sign and store the final agreement; the stage becomes ``agreed`` (effective now)."""
    from mediation.documents.fonts import FONT_FAMILY_STACK
    from mediation.documents.fonts import FontsMissing
    from mediation.documents.html import document_html
    from mediation.documents.keys import SigningKeyMissing
    from mediation.documents.keys import load_signer
    from mediation.documents.qr import qr_svg
    from mediation.documents.render import RenderError
    from mediation.documents.render import render_pdf
    from mediation.documents.seal import seal_pdf
    from mediation.documents.stamp import committee_stamp_svg
    now = now or utcnow()
    # Refused before anything is rendered, sealed or stored: a user who is not the stage's handler (the committee
    # that referred the case up, a court), or a page older than the stage.
    if acting_as(actor, stage) != HANDLER:
        raise PermissionDenied('只有该阶段所在调解组织的承办人员可以为调解协议盖章。')
    agreement = agreement_of(stage)
    if stage.state != State.AGREEMENT_PENDING or agreement is None:
        raise InvalidTransition('只有已定稿、等待签名盖章的书面协议可以盖章生效。', allowed=[])
    if expected_version is not None and stage.version != expected_version:
        raise Conflict(STALE_VERSION, current_version=stage.version)
    _check_signatures(stage, agreement)
    try:
        signer = load_signer(keys_dir(), key_id(stage.committee))
    except SigningKeyMissing:
        raise SealingUnavailable(f'{stage.committee.committee_name}尚无电子签章密钥，协议暂不能盖章。'
                                 '请系统管理员在服务器上运行 `mediation keys init` 创建密钥后再试。')
    code = new_verification_code()
    view = agreement_view_of(stage, agreement, sealed=True, signatures=signature_images(agreement),
                             effective_on=china_date(now),
                             stamp_svg=committee_stamp_svg(stage.committee.committee_name,
                                                           font_family=FONT_FAMILY_STACK),
                             verification_code=code, **verification_block(code, public_base_url, qr_svg))
    try:
        context = context_for(stage, agreement_view=view, today=china_date(now))
        pdf = render_pdf(document_html(DocumentKind.AGREEMENT.value, context), **render_settings())
    except (FontsMissing, RenderError) as error:
        raise SealingUnavailable(f'协议无法生成：{error}')
    sealed = seal_pdf(pdf, signer, reason=f'人民调解协议书 {stage.case_number}',
                      location=stage.committee.committee_name,
                      metadata={'case_number': stage.case_number, 'verification_code': code,
                                'committee': stage.committee.committee_name})
    stored = storage.store(sealed, 'application/pdf')
    issued = IssuedDocument(case_id=stage.case_id, stage_id=stage.id, kind=DocumentKind.AGREEMENT,
                            committee_id=stage.committee_id, case_number=stage.case_number, verification_code=code,
                            file_sha256=stored.sha256, issued_at=now, issued_by_id=actor.id)
    db.session.add(issued)
    db.session.flush()
    apply_transition(stage, 'sign_agreement', actor, data={'verification_code': code, 'sha256': stored.sha256},
                     expected_version=expected_version, now=now)
    return issued


def _check_signatures(stage: Stage, agreement) -> None:
    """Refuse before anything is rendered, naming who has not signed yet."""
    facts = agreement_facts(stage)
    signed = {signature.slot for signature in agreement.signatures}
    missing = [f'{slot.label}{slot.name}' for slot in signer_slots(agreement)
               if slot.required and slot.slot not in signed]
    if missing:
        raise InvalidTransition('以下人员尚未签名：' + '、'.join(missing), allowed=[])
    if stage.case.category.needs_wet_signature and not facts.parties_signed_on_paper:
        raise InvalidTransition('婚姻家庭、收养、继承纠纷的协议须由当事人在纸质协议上亲笔签名（《电子签名法》第三条）。',
                                allowed=[])


# --------------------------------------------------------------------------- checking afterwards

@dataclass(frozen=True)
class CheckResult:
    """What anyone may learn about a document: whose seal, which case, when, intact or not."""

    valid: bool
    intact: bool
    trusted: bool
    committee: Optional[str]
    case_number: Optional[str]
    verification_code: Optional[str]
    signed_at: Optional[str]
    reason: str
    #: the file is byte for byte the copy the system stored when it sealed it
    archived: bool = False

    @property
    def signed_at_text(self) -> str:
        """The sealing time as people read it: 2026年3月10日 09:30 (China time)."""
        if not self.signed_at:
            return ''
        moment = datetime.fromisoformat(self.signed_at)
        return f'{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}'

    def as_dict(self) -> dict:
        return {'valid': self.valid, 'intact': self.intact, 'trusted': self.trusted, 'committee': self.committee,
                'case_number': self.case_number, 'verification_code': self.verification_code,
                'signed_at': self.signed_at, 'reason': self.reason}


def verify_document(data: bytes) -> CheckResult:
    """Check an uploaded PDF; never raises (a garbage file gets ``valid=False`` and a reason)."""
    from mediation.documents.keys import root_certificate_pem
    from mediation.documents.verify import verify_pdf
    try:
        root = root_certificate_pem(keys_dir())
    except Exception:  # no keys yet: nothing this system sealed can exist
        return CheckResult(False, False, False, None, None, None, None,
                           '本系统尚未启用电子签章，无法验证文书。')
    result = verify_pdf(data, root)
    archived = False
    if result.valid and result.verification_code:
        issued = db.session.scalar(sa.select(IssuedDocument).where(
            IssuedDocument.verification_code == result.verification_code))
        archived = issued is not None and issued.file_sha256 == hashlib.sha256(data).hexdigest()
    return CheckResult(result.valid, result.intact, result.trusted, result.committee, result.case_number,
                       result.verification_code, result.signed_at, result.reason, archived)


@dataclass(frozen=True)
class CodeLookup:
    found: bool
    kind: str = ''
    committee: str = ''
    case_number: str = ''
    issued_on: str = ''


def lookup_code(code: str) -> CodeLookup:
    """A verification code as printed (any case, with or without dashes) → what was issued under it."""
    normalised = ''.join(ch for ch in (code or '').upper() if ch.isalnum())
    normalised = normalised.translate(str.maketrans('OIL', '011'))  # misread characters, as Crockford allows
    if len(normalised) != 12 or any(ch not in _CROCKFORD for ch in normalised):
        return CodeLookup(False)
    formatted = '-'.join((normalised[:4], normalised[4:8], normalised[8:]))
    issued = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.verification_code == formatted))
    if issued is None:
        return CodeLookup(False)
    return CodeLookup(True, issued.kind.label_zh, issued.committee.committee_name, issued.case_number,
                      china_time(issued.issued_at).strftime('%Y年%-m月%-d日'))
