"""Intake: a dispute is logged with its parties and gets a stage at the receiving committee."""
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from mediation.access import handles_case
from mediation.access import visible_cases
from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.identifiers import InvalidIdentifier
from mediation.identifiers import mask_phone
from mediation.identifiers import mask_resident_id
from mediation.identifiers import parse_phone
from mediation.identifiers import parse_resident_id
from mediation.identifiers import parse_uscc
from mediation.identifiers import resident_id_warnings
from mediation.inputs import InputError
from mediation.inputs import money
from mediation.models import Case
from mediation.models import Category
from mediation.models import Organisation
from mediation.models import Party
from mediation.models import Stage
from mediation.models import User
from mediation.services import notices
from mediation.services.deadlines import refresh_deadline
from mediation.services.events import record_event
from workflows.enums import LADDER
from workflows.enums import EventKind
from workflows.enums import Level
from workflows.enums import NoticeKind
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.risk import RiskFlags
from workflows.risk import RiskRules
from workflows.risk import assess
from workflows.states import OPEN_STATES
from workflows.states import State

_CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'


@dataclass
class PartyInput:
    role: str
    kind: str
    name: str
    sex: Optional[str] = None
    ethnicity: Optional[str] = None
    birth_date: Optional[date] = None
    occupation: Optional[str] = None
    address: Optional[str] = None
    phone: Optional[str] = None
    phone_contact: Optional[str] = None
    id_number: Optional[str] = None
    uscc: Optional[str] = None
    legal_representative: Optional[str] = None

    @property
    def is_blank(self) -> bool:
        """Nothing typed (role and kind are always chosen): an unused card of the form."""
        return not any(_text(value) if isinstance(value, str) else value
                       for name, value in vars(self).items() if name not in ('role', 'kind'))


@dataclass
class CaseInput:
    title: str
    category_id: int
    source: str
    facts: str = ''
    requests: str = ''
    place: str = ''
    amount: Optional[str] = None
    people_involved: int = 0
    mzx_risk: bool = False
    group_dispute: bool = False
    petition_risk: bool = False
    major_difficult: bool = False
    cross_area: bool = False
    abnormal_death: bool = False
    minor_involved: bool = False
    risk_level: Optional[str] = None
    #: Where intake goes: the user's own committee unless the risk rules allow a higher level.
    intake_level: Optional[str] = None
    parties: list[PartyInput] = field(default_factory=list)


@dataclass
class IntakeResult:
    case: Case
    stage: Stage
    warnings: list[str]


def risk_rules() -> RiskRules:
    return RiskRules(group_threshold=int(current_app.config['RISK_GROUP_THRESHOLD']),
                     amount_threshold=Decimal(str(current_app.config['RISK_AMOUNT_THRESHOLD'])))


def new_matter_code(now: datetime) -> str:
    """一事一码: date + random tail, never reused (unique column; a clash just draws again)."""
    while True:
        code = china_date(now).strftime('%Y%m%d') + ''.join(secrets.choice(_CROCKFORD) for _ in range(6))
        if db.session.scalar(sa.select(Case.id).where(Case.matter_code == code)) is None:
            return code


def create_case(actor: User, data: CaseInput, *, now: Optional[datetime] = None) -> IntakeResult:
    """Log a dispute at the actor's committee (or the higher level its risk flags allow)."""
    now = now or utcnow()
    if not actor.role.registers_cases:
        raise PermissionDenied('只有调解组织的工作人员可以登记纠纷。')
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if category is None or not category.active:
        raise ValidationFailed('请选择纠纷类型。', field='category_id')
    try:
        source = Source(data.source)
    except ValueError:
        raise ValidationFailed('请选择案件来源。', field='source')
    if not _text(data.title):
        raise ValidationFailed('请填写纠纷名称。', field='title')
    if all(party.is_blank for party in data.parties):
        raise ValidationFailed('请至少登记一名当事人。', field='parties')
    amount = _amount(data.amount)
    flags = RiskFlags(mzx_risk=data.mzx_risk, group_dispute=data.group_dispute,
                      people_involved=data.people_involved or 0, amount=amount,
                      major_difficult=data.major_difficult, petition_risk=data.petition_risk,
                      cross_area=data.cross_area, abnormal_death=data.abnormal_death,
                      minor_involved=data.minor_involved, risk_level=data.risk_level or None)
    assessment = assess(flags, risk_rules())
    committee = _intake_committee(actor.organisation, data.intake_level, assessment.intake_level)

    case = Case(matter_code=new_matter_code(now), title=_text(data.title), category=category, source=source,
                facts=_text(data.facts), requests=_text(data.requests), place=_text(data.place), amount=amount,
                people_involved=data.people_involved or 0, mzx_risk=data.mzx_risk, group_dispute=data.group_dispute,
                petition_risk=data.petition_risk, major_difficult=data.major_difficult, cross_area=data.cross_area,
                abnormal_death=data.abnormal_death, minor_involved=data.minor_involved,
                risk_level=RiskLevel(data.risk_level) if data.risk_level else None,
                deadline_profile=current_app.config['DEADLINE_PROFILE'],
                intake_committee=actor.organisation, created_by_id=actor.id, created_at=now)
    warnings = []
    # Blank cards are skipped but keep their place, so a message names the card the user sees.
    for index, party in enumerate(data.parties):
        if not party.is_blank:
            case.parties.append(build_party(party, index, warnings))
    stage = Stage(case=case, committee=committee, level=committee.level, kind=StageKind.PEOPLE,
                  state=State.PENDING_ACCEPTANCE, received_at=now)
    db.session.add(case)
    db.session.flush()
    record_event(stage, EventKind.CREATED, actor, now, to_state=State.PENDING_ACCEPTANCE,
                 data={'committee': committee.committee_name, 'risk': list(assessment.reasons)})
    if assessment.alert_supervisor:
        _alert_supervisors(stage, assessment, now)
    refresh_deadline(stage)
    db.session.flush()
    return IntakeResult(case, stage, warnings + repeat_dispute_warnings(case, actor))


def _amount(text) -> Optional[Decimal]:
    try:
        return money(text)
    except InputError as error:
        raise ValidationFailed(error.message, field='amount')


def _intake_committee(own: Organisation, requested: Optional[str], allowed: Level) -> Organisation:
    """The user's committee, or an ancestor when the risk rules allow going straight up."""
    if not requested or requested == own.level.value:
        return own
    target = Level(requested)
    if target not in LADDER or not own.level.rung <= target.rung <= allowed.rung:
        raise ValidationFailed(f'根据风险评估，本案不能直接提交至{target.label_zh}级。', field='intake_level')
    node = own.ancestor_at(target)
    if node is None:
        raise ValidationFailed('找不到上级调解组织。', field='intake_level')
    return node


def _alert_supervisors(stage, assessment, now):
    message = notices.risk_alert_text(assessment.reasons, assessment.police_report)
    organisations = {stage.committee_id, stage.committee.parent_id or stage.committee_id}
    notices.notify(db.session.connection(), NoticeKind.RISK_ALERT,
                   [notices.Notification(org_id, stage.id, message) for org_id in sorted(organisations)], now)


def build_party(data: PartyInput, index: int = 0, warnings: Optional[list] = None) -> Party:
    """A party with validated identifiers; ID number and phone encrypted, hashed and masked.

    Doubts that do not make a number invalid (an unknown province code) go to ``warnings``.
    """
    prefix = f'parties-{index}-'
    try:
        role, kind = PartyRole(data.role), PartyKind(data.kind)
    except ValueError:
        raise ValidationFailed('当事人身份或类型不正确。', field=prefix + 'role')
    name = (data.name or '').strip()
    if not name:
        raise ValidationFailed(f'请填写第 {index + 1} 位当事人的姓名或名称。', field=prefix + 'name')
    cipher = current_app.extensions['field_cipher']
    party = Party(role=role, kind=kind, name=name, ethnicity=_clean(data.ethnicity), occupation=_clean(data.occupation),
                  address=_clean(data.address), phone_contact=_clean(data.phone_contact),
                  legal_representative=_clean(data.legal_representative), sex=data.sex or None,
                  birth_date=data.birth_date)
    try:
        if _clean(data.id_number):
            resident = parse_resident_id(data.id_number)
            party.id_number_encrypted = cipher.encrypt(resident.number)
            party.id_number_hash = cipher.lookup_hash(resident.number)
            party.id_number_masked = mask_resident_id(resident.number)
            party.sex, party.birth_date = resident.sex, resident.birth_date
            if warnings is not None:
                warnings += [f'{name}：{warning}' for warning in resident_id_warnings(resident)]
        if _clean(data.phone):
            phone = parse_phone(data.phone)
            party.phone_encrypted = cipher.encrypt(phone)
            party.phone_hash = cipher.lookup_hash(phone)
            party.phone_masked = mask_phone(phone)
        if kind == PartyKind.ORGANISATION and _clean(data.uscc):
            party.uscc = parse_uscc(data.uscc)
    except InvalidIdentifier as error:
        raise ValidationFailed(f'第 {index + 1} 位当事人：{error.message}', field=prefix + 'identifiers')
    return party


def _text(value) -> str:
    return (value or '').strip()


def _clean(value):
    value = (value or '').strip() if isinstance(value, str) else value
    return value or None


def repeat_dispute_warnings(case: Case, actor: User) -> list[str]:
    """Parties who are in another open case the actor may see (same ID number): a hint of a repeat
    dispute. Cases outside the actor's jurisdiction are not mentioned, not even that they exist."""
    hashes = [p.id_number_hash for p in case.parties if p.id_number_hash]
    if not hashes:
        return []
    rows = db.session.execute(
        sa.select(Party.name, Case.matter_code).join(Case, Party.case_id == Case.id)
        .where(Party.id_number_hash.in_(hashes), Case.id != case.id,
               Case.id.in_(visible_cases(actor).with_only_columns(Case.id)),
               sa.exists().where(Stage.case_id == Case.id, Stage.state.in_([s.value for s in OPEN_STATES])))
        .limit(10)).all()
    return [f'当事人{name}另有未结纠纷（案件编码 {code}），请注意是否为重复纠纷。' for name, code in rows]


def reveal_identifiers(case: Case, actor: User) -> dict[int, dict]:
    """Full ID numbers and phones by party id, for the case's handlers only; the view is logged."""
    if not handles_case(actor, case):
        raise PermissionDenied('只有承办该案件的人员可以查看完整的证件号码和电话。')
    cipher = current_app.extensions['field_cipher']
    record_event(case.current_stage, EventKind.PII_VIEWED, actor, utcnow(),
                 data={'parties': [p.id for p in case.parties]})
    return {party.id: {'id_number': cipher.decrypt(party.id_number_encrypted),
                       'phone': cipher.decrypt(party.phone_encrypted)} for party in case.parties}
