"""Agreements: drafting the text, naming what is still missing, and collecting the signatures.

The items an agreement must hold are MOJ02 Arts 34–35 (domain.md §1.5): the parties' basic
details; the main facts, the points in dispute and each side's responsibility; the agreed terms,
each with the manner, place and time limit of its performance; and the mediator. ``missing_items``
names each one that is empty, and the state machine refuses to make the text final (or to
register an oral agreement) until there are none. Signatures are records, one per signer
(``party:N``, ``mediator``, ``recorder``), given on screen or on the printed copy (its scan kept).
"""
import io
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from mediation.access import acting_as
from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.errors import Conflict
from mediation.errors import InvalidTransition
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Agreement
from mediation.models import IssuedDocument
from mediation.models import Signature
from mediation.models import Stage
from mediation.models import User
from mediation.services import storage
from mediation.services.events import record_event
from workflows.enums import AgreementKind
from workflows.enums import DocumentKind
from workflows.enums import EventKind
from workflows.enums import PartyKind
from workflows.enums import SignatureMethod
from workflows.machine import HANDLER
from workflows.states import State

#: Longest text per field, as the form says.
LIMITS = {'facts': 5000, 'disputes': 3000, 'responsibility': 3000, 'content': 1000, 'manner': 200, 'place': 200,
          'deadline': 200, 'name': 100, 'address': 255, 'occupation': 100, 'ethnicity': 20, 'mediator': 64,
          'recorder': 64, 'legal_representative': 50, 'representative_title': 50, 'sex': 8}
MAX_TERMS = 30
#: A signature drawn on the pad is a small PNG.
MAX_SIGNATURE_IMAGE = 300 * 1024


@dataclass
class TermInput:
    content: str = ''
    manner: str = ''
    place: str = ''
    deadline: str = ''


@dataclass
class PartyLine:
    """A party as the agreement names it (editable; the case's party record keeps phone and ID number)."""

    party_id: Optional[int]
    role: str
    kind: str
    name: str = ''
    sex: str = ''
    ethnicity: str = ''
    age: Optional[int] = None
    occupation: str = ''
    address: str = ''
    legal_representative: str = ''
    representative_title: str = ''


@dataclass
class AgreementInput:
    kind: str = AgreementKind.WRITTEN.value
    parties: list[PartyLine] = field(default_factory=list)
    facts: str = ''
    disputes: str = ''
    responsibility: str = ''
    terms: list[TermInput] = field(default_factory=list)
    mediator: str = ''
    recorder: str = ''


def agreement_of(stage: Stage) -> Optional[Agreement]:
    return db.session.scalar(sa.select(Agreement).where(Agreement.stage_id == stage.id))


def _handle(stage: Stage, actor: User) -> None:
    if acting_as(actor, stage) != HANDLER:
        raise PermissionDenied('只有该阶段所在调解组织的承办人员可以制作和签署调解协议。')


def draft_from_case(stage: Stage, actor: User, today: Optional[date] = None) -> AgreementInput:
    """A first draft taken from the case: its parties, its facts and requests, the actor as mediator."""
    today = today or china_date(utcnow())
    case = stage.case
    parties = [PartyLine(
        party_id=party.id, role=party.role.value, kind=party.kind.value, name=party.name,
        sex={'male': '男', 'female': '女'}.get(party.sex or '', ''), ethnicity=party.ethnicity or '',
        age=_age(party.birth_date, today), occupation=party.occupation or '', address=party.address or '',
        legal_representative=party.legal_representative or '') for party in case.parties]
    return AgreementInput(parties=parties, facts=case.facts or '', disputes=case.requests or '',
                          terms=[TermInput()], mediator=actor.display_name)


def _age(birth_date: Optional[date], today: date) -> Optional[int]:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def as_input(agreement: Agreement) -> AgreementInput:
    return AgreementInput(kind=agreement.kind.value, parties=[PartyLine(**line) for line in agreement.parties],
                          facts=agreement.facts, disputes=agreement.disputes, responsibility=agreement.responsibility,
                          terms=[TermInput(**term) for term in agreement.terms], mediator=agreement.mediator,
                          recorder=agreement.recorder)


def save_draft(stage: Stage, actor: User, data: AgreementInput, *, expected_version: Optional[int] = None,
               now: Optional[datetime] = None) -> Agreement:
    """Create or update the draft while the stage mediates; a stale ``expected_version`` is a Conflict."""
    now = now or utcnow()
    _handle(stage, actor)
    if stage.state != State.MEDIATING:
        raise InvalidTransition('只有调解中的案件可以修改协议草稿；协议已定稿待签的，请先“重新协商”。', allowed=[])
    values = _validated(stage, data)
    agreement = agreement_of(stage)
    if agreement is None:
        if expected_version not in (None, 0):
            raise Conflict('该协议草稿已被他人删除或尚未建立，请刷新页面后重试。')
        agreement = Agreement(stage_id=stage.id)
        db.session.add(agreement)
    elif expected_version is not None and agreement.version != expected_version:
        raise Conflict('该协议草稿已被他人修改（您看到的是旧版本），请刷新页面查看最新内容后再保存。',
                       current_version=agreement.version)
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.updated_by_id, agreement.updated_at = actor.id, now
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict('该协议草稿刚被他人修改，您的修改未保存，请刷新页面后重试。')
    record_event(stage, EventKind.AGREEMENT_DRAFTED, actor, now,
                 data={'kind': agreement.kind.value, 'version': agreement.version,
                       'missing': missing_items(agreement)})
    return agreement


def _validated(stage: Stage, data: AgreementInput) -> dict:
    try:
        kind = AgreementKind(data.kind)
    except ValueError:
        raise ValidationFailed('请选择书面协议或口头协议。', field='kind')
    case_party_ids = {party.id for party in stage.case.parties}
    parties = []
    for index, line in enumerate(data.parties):
        if line.party_id not in case_party_ids:
            raise ValidationFailed('协议中的当事人须为本案当事人。', field=f'parties-{index}-name')
        party = asdict(line)
        for name in ('name', 'sex', 'ethnicity', 'occupation', 'address', 'legal_representative',
                     'representative_title'):
            party[name] = _text(party[name], name, f'parties-{index}-{name}')
        if party['age'] is not None and not 0 <= party['age'] <= 150:
            raise ValidationFailed('年龄须在 0 至 150 之间。', field=f'parties-{index}-age')
        parties.append(party)
    if not parties:
        raise ValidationFailed('协议须列明当事人。', field='parties')
    terms = [{name: _text(value, name, f'terms-{index}-{name}') for name, value in asdict(term).items()}
             for index, term in enumerate(data.terms)]
    terms = [term for term in terms if any(term.values())]  # a blank row added but not used
    if len(terms) > MAX_TERMS:
        raise ValidationFailed(f'协议内容最多 {MAX_TERMS} 项。', field='terms')
    return {'kind': kind, 'parties': parties, 'terms': terms,
            **{name: _text(getattr(data, name), name, name)
               for name in ('facts', 'disputes', 'responsibility', 'mediator', 'recorder')}}


def _text(value, name: str, field_name: str) -> str:
    text = (value or '').strip() if isinstance(value, str) else ''
    if len(text) > LIMITS[name]:
        raise ValidationFailed(f'内容过长：不能超过 {LIMITS[name]} 字。', field=field_name)
    return text


def missing_items(agreement: Agreement) -> list[str]:
    """The required items (MOJ02 Arts 34–35) still empty, named as a mediator names them."""
    missing = []
    if not agreement.parties:
        missing.append('当事人')
    for index, party in enumerate(agreement.parties, start=1):
        who = f'第{index}位当事人（{party.get("name") or "未填姓名"}）'
        needed = [('name', '姓名或名称'), ('address', '住址或住所')]
        if party.get('kind') == PartyKind.ORGANISATION.value:
            needed.append(('legal_representative', '法定代表人'))
        else:
            needed += [('sex', '性别'), ('age', '年龄')]
        gaps = [label for key, label in needed if party.get(key) in (None, '')]
        if gaps:
            missing.append(f'{who}的{"、".join(gaps)}')
    for key, label in (('facts', '纠纷主要事实'), ('disputes', '争议事项'), ('responsibility', '各方当事人的责任')):
        if not getattr(agreement, key):
            missing.append(label)
    if not agreement.terms:
        missing.append('协议内容')
    for index, term in enumerate(agreement.terms, start=1):
        gaps = [label for key, label in (('content', '内容'), ('manner', '履行方式'), ('place', '履行地点'),
                                         ('deadline', '履行期限')) if not term.get(key)]
        if gaps:
            missing.append(f'第{index}项协议的{"、".join(gaps)}')
    if not agreement.mediator:
        missing.append('人民调解员')
    return missing


# --------------------------------------------------------------------------- signatures

@dataclass(frozen=True)
class SignerSlot:
    slot: str  # party:0, mediator, recorder
    label: str  # 申请人 / 被申请人（法定代表人）/ 人民调解员 / 记录人
    name: str
    is_party: bool
    required: bool


def signer_slots(agreement: Agreement) -> list[SignerSlot]:
    """Who signs the agreement: every party (a unit's representative for it), the mediator, the recorder."""
    slots = []
    for index, party in enumerate(agreement.parties):
        role = {'applicant': '申请人', 'respondent': '被申请人', 'third_party': '第三人'}.get(party['role'], '当事人')
        if party.get('kind') == PartyKind.ORGANISATION.value:
            slots.append(SignerSlot(f'party:{index}', f'{role}（{party["name"]}）法定代表人',
                                    party.get('legal_representative') or '', True, True))
        else:
            slots.append(SignerSlot(f'party:{index}', role, party['name'], True, True))
    slots.append(SignerSlot('mediator', '人民调解员', agreement.mediator, False, True))
    # PML Art 29 makes the agreement effective without the recorder; the template has the line.
    slots.append(SignerSlot('recorder', '记录人', agreement.recorder, False, False))
    return slots


@dataclass(frozen=True)
class AgreementFacts:
    """What the state machine's agreement guards need to know about a stage's agreement."""

    kind: Optional[str] = None  # None: nothing drafted
    missing: tuple[str, ...] = ()
    all_parties_signed: bool = False
    mediator_signed: bool = False
    parties_signed_on_paper: bool = False
    sealed: bool = False


def agreement_facts(stage: Stage) -> AgreementFacts:
    agreement = agreement_of(stage)
    if agreement is None:
        return AgreementFacts()
    signed = {signature.slot: signature for signature in agreement.signatures}
    party_slots = [slot.slot for slot in signer_slots(agreement) if slot.is_party]
    sealed = db.session.scalar(sa.select(sa.exists().where(IssuedDocument.stage_id == stage.id,
                                                           IssuedDocument.kind == DocumentKind.AGREEMENT)))
    return AgreementFacts(
        kind=agreement.kind.value, missing=tuple(missing_items(agreement)),
        all_parties_signed=bool(party_slots) and all(slot in signed for slot in party_slots),
        mediator_signed='mediator' in signed,
        parties_signed_on_paper=all(signed[slot].method == SignatureMethod.PAPER
                                    for slot in party_slots if slot in signed),
        sealed=bool(sealed))


def _signing(stage: Stage, actor: User) -> Agreement:
    _handle(stage, actor)
    agreement = agreement_of(stage)
    if stage.state != State.AGREEMENT_PENDING or agreement is None or agreement.kind != AgreementKind.WRITTEN:
        raise InvalidTransition('只有已定稿、等待签名的书面协议可以签名。', allowed=[])
    return agreement


def record_screen_signature(stage: Stage, actor: User, slot: str, png: bytes, *,
                            now: Optional[datetime] = None) -> Signature:
    """A signature drawn on the pad (a PNG) for ``slot``; refused for parties of personal-relations matters."""
    now = now or utcnow()
    agreement = _signing(stage, actor)
    signer = _slot(agreement, slot)
    if signer.is_party and stage.case.category.needs_wet_signature:
        raise ValidationFailed('婚姻家庭、收养、继承纠纷的协议须由当事人在纸质协议上亲笔签名或按指印'
                               '（《电子签名法》第三条），请打印协议签名后上传扫描件。', field='slot')
    _check_image(png, max_size=MAX_SIGNATURE_IMAGE, types=('image/png',))
    stored = storage.store(png, 'image/png')
    return _sign(stage, agreement, signer, SignatureMethod.SCREEN, stored.sha256, actor, now)


def record_paper_signatures(stage: Stage, actor: User, slots: list[str], scan: bytes, *,
                            now: Optional[datetime] = None) -> list[Signature]:
    """The scan of the printed copy signed by hand, for the signers ticked as having signed on it."""
    now = now or utcnow()
    agreement = _signing(stage, actor)
    signers = [_slot(agreement, slot) for slot in slots]
    if not signers:
        raise ValidationFailed('请勾选在纸质协议上签名的人员。', field='slots')
    stored = storage.store(scan, _check_scan(scan))
    return [_sign(stage, agreement, signer, SignatureMethod.PAPER, stored.sha256, actor, now) for signer in signers]


def _slot(agreement: Agreement, slot: str) -> SignerSlot:
    found = next((signer for signer in signer_slots(agreement) if signer.slot == slot), None)
    if found is None:
        raise ValidationFailed('没有这个签名人。', field='slot')
    if not found.name:
        raise ValidationFailed(f'请先在协议中填写{found.label}的姓名。', field='slot')
    return found


def _sign(stage, agreement, signer: SignerSlot, method, sha256, actor, now) -> Signature:
    previous = db.session.scalar(sa.select(Signature).where(Signature.agreement_id == agreement.id,
                                                            Signature.slot == signer.slot,
                                                            Signature.voided_at.is_(None)))
    if previous is not None:
        previous.voided_at = now  # signed again (a smudged signature): the old record stays, voided
        db.session.flush()
    signature = Signature(agreement_id=agreement.id, slot=signer.slot, name=signer.name, method=method,
                          file_sha256=sha256, signed_at=now, recorded_by_id=actor.id)
    db.session.add(signature)
    db.session.flush()
    db.session.expire(agreement, ['signatures'])
    record_event(stage, EventKind.SIGNATURE_RECORDED, actor, now,
                 data={'slot': signer.slot, 'name': signer.name, 'method': method.value, 'sha256': sha256})
    return signature


def _check_image(data: bytes, *, max_size: int, types) -> str:
    from PIL import Image  # Pillow comes with WeasyPrint
    if not data:
        raise ValidationFailed('没有收到签名图像，请重新签名。', field='image')
    if len(data) > max_size:
        raise ValidationFailed('图像过大。', field='image')
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            content_type = Image.MIME.get(image.format)
    except Exception:  # Pillow raises many kinds for what is not an image
        raise ValidationFailed('上传的内容不是有效的图像。', field='image')
    if content_type not in types:
        raise ValidationFailed('图像格式不对。', field='image')
    return content_type


def _check_scan(data: bytes) -> str:
    """The scan's real type (PDF, PNG or JPEG, read from its bytes, not from what the browser said)."""
    if not data:
        raise ValidationFailed('没有收到扫描件，请重新选择文件。', field='scan')
    if len(data) > current_app.config['MAX_UPLOAD_BYTES']:
        raise ValidationFailed(f'扫描件不能超过 {current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)} MB。',
                               field='scan')
    if data.startswith(b'%PDF-'):
        if b'%%EOF' not in data[-2048:]:
            raise ValidationFailed('PDF 文件不完整，请重新扫描上传。', field='scan')
        return 'application/pdf'
    return _check_image(data, max_size=current_app.config['MAX_UPLOAD_BYTES'], types=('image/png', 'image/jpeg'))
