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
from mediation.database import database_integer
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


#: The fields only a person has, and only an organisation has (the rest every party has).
PERSON_FIELDS = frozenset({'id_number', 'sex', 'ethnicity', 'birth_date', 'occupation'})
ORGANISATION_FIELDS = frozenset({'uscc', 'legal_representative'})


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
        """Nothing typed in the fields of its kind (role and kind are always chosen): an unused card."""
        return not any(_text(value) if isinstance(value, str) else value
                       for name, value in vars(self).items() if name not in ('role', 'kind') and self.uses(name))

    def uses(self, name: str) -> bool:
        """Whether the field ``name`` belongs to this party's kind: a person has no USCC, an
        organisation no ID number, sex, ethnicity, birth date or occupation. The form shows only
        a kind's own fields; what was typed in the other kind's (before switching) is ignored."""
        if self.kind == PartyKind.ORGANISATION.value:
            return name not in PERSON_FIELDS
        return name not in ORGANISATION_FIELDS


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
    #: Already accepted or resolved by a court, the police or another administrative organ: a
    #: committee must not accept it (MOJ02 Art 22), unless the court itself sends it down.
    handled_elsewhere: bool = False


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


class Problems:
    """What is wrong with an intake, field by field (``parties-1-id_number``), in the order found."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field_name: str, message: str) -> None:
        self.by_field.setdefault(field_name, []).append(message)

    def merge(self, error: ValidationFailed) -> None:
        found = error.details.get('errors') or {error.details.get('field', ''): [error.message]}
        for field_name, messages in found.items():
            for message in messages:
                self.add(field_name, message)

    def __bool__(self):
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        """One ``ValidationFailed`` naming every problem (``details['errors']``: field → messages);
        its message and ``field`` are the first problem's, for callers that show one."""
        if self.by_field:
            first_field, messages = next(iter(self.by_field.items()))
            raise ValidationFailed(messages[0], field=first_field, errors=self.by_field)


def check_intake(actor: User, data: CaseInput) -> dict[str, list[str]]:
    """Every problem of ``data`` at once, by field, without writing anything ({} if none).

    The intake page asks this even when its own form checks failed, so every message shows at
    once beside its field; ``create_case`` asks it before it writes.
    """
    problems = Problems()
    category = _category(data.category_id)
    if category is None or not category.active:
        problems.add('category_id', '请选择纠纷类型。')
    try:
        source = Source(data.source)
    except ValueError:
        source = None
        problems.add('source', '请选择案件来源。')
    if not _text(data.title):
        problems.add('title', '请填写纠纷名称。')
    if data.handled_elsewhere and not (source and source.court_sent):
        problems.add('handled_elsewhere', '已被人民法院、公安机关或者其他行政机关依法受理或者解决的纠纷，人民调解委员会'
                                          '不得受理（《人民调解工作若干规定》第二十二条）；请告知当事人向受理机关了解处理情况。')
    amount = None
    try:
        amount = _amount(data.amount)
    except ValidationFailed as error:
        problems.merge(error)
    if data.people_involved is not None and data.people_involved < 0:
        problems.add('people_involved', '涉及人数须在 0 至 100000 之间。')
    try:
        assessment = _assessment(data, amount)
    except ValueError:
        problems.add('risk_level', '请选择风险等级。')
    else:
        try:
            _intake_committee(actor.organisation, data.intake_level, assessment.intake_level)
        except ValidationFailed as error:
            problems.merge(error)
    if all(party.is_blank for party in data.parties):
        problems.add('parties', '请至少登记一名当事人。')
    # Blank cards are skipped but keep their place, so a message names the card the user sees.
    for index, party in enumerate(data.parties):
        if not party.is_blank:
            for field_name, message in party_problems(party, index):
                problems.add(field_name, message)
    return problems.by_field


def _category(category_id) -> Optional[Category]:
    """The category ``category_id`` names, or None (also for a number no id can be)."""
    try:
        return db.session.get(Category, database_integer(category_id)) if category_id else None
    except ValueError:
        return None


def _assessment(data: CaseInput, amount: Optional[Decimal]):
    """The risk rules' verdict on the flags; ValueError for a risk level that is not one."""
    flags = RiskFlags(mzx_risk=data.mzx_risk, group_dispute=data.group_dispute,
                      people_involved=max(data.people_involved or 0, 0), amount=amount,
                      major_difficult=data.major_difficult, petition_risk=data.petition_risk,
                      cross_area=data.cross_area, abnormal_death=data.abnormal_death,
                      minor_involved=data.minor_involved, risk_level=data.risk_level or None)
    return assess(flags, risk_rules())


def create_case(actor: User, data: CaseInput, *, now: Optional[datetime] = None) -> IntakeResult:
    """Log a dispute at the actor's committee (or the higher level its risk flags allow).

    Refused with one ``ValidationFailed`` naming every problem (``details['errors']``, see
    ``check_intake``); nothing is written then.
    """
    now = now or utcnow()
    if not actor.role.registers_cases:
        raise PermissionDenied('只有调解组织的工作人员可以登记纠纷。')
    problems = Problems()
    problems.by_field = check_intake(actor, data)
    problems.raise_if_any()
    category = db.session.get(Category, data.category_id)
    source = Source(data.source)
    amount = _amount(data.amount)
    assessment = _assessment(data, amount)
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
    try:
        target = Level(requested)
    except ValueError:
        raise ValidationFailed('请选择受理层级。', field='intake_level') from None
    if target not in LADDER or not own.level.rung <= target.rung <= allowed.rung:
        raise ValidationFailed(f'根据风险评估，本案不能直接提交至{target.label_zh}级。', field='intake_level')
    node = own.ancestor_at(target)
    if node is None:
        raise ValidationFailed('找不到上级调解组织。', field='intake_level')
    return node


def _alert_supervisors(stage, assessment, now):
    message = notices.risk_alert_text(assessment.reasons, assessment.police_report, assessment.reasons_en)
    organisations = {stage.committee_id, stage.committee.parent_id or stage.committee_id}
    notices.notify(db.session.connection(), NoticeKind.RISK_ALERT,
                   [notices.Notification.worded(org_id, stage.id, message) for org_id in sorted(organisations)], now)


def party_problems(data: PartyInput, index: int = 0) -> list[tuple[str, str]]:
    """(field, message) for every problem of one party card: role and kind, name, and the
    identifiers of its kind (ID number for a person, USCC for an organisation, a phone for both)."""
    prefix, number = f'parties-{index}-', index + 1
    problems = []
    try:
        PartyRole(data.role)
    except ValueError:
        problems.append((prefix + 'role', '请选择当事人身份。'))
    try:
        kind = PartyKind(data.kind)
    except ValueError:
        kind = None
        problems.append((prefix + 'kind', '请选择当事人类型。'))
    if not (data.name or '').strip():
        problems.append((prefix + 'name', f'请填写第 {number} 位当事人的姓名或名称。'))
    checks = [('phone', parse_phone)]
    if kind == PartyKind.ORGANISATION:
        checks.append(('uscc', parse_uscc))
    elif kind == PartyKind.PERSON:
        checks.insert(0, ('id_number', parse_resident_id))
    for name, parse in checks:
        if _clean(getattr(data, name)):
            try:
                parse(getattr(data, name))
            except InvalidIdentifier as error:
                problems.append((prefix + name, f'第 {number} 位当事人：{error.message}'))
    return problems


def build_party(data: PartyInput, index: int = 0, warnings: Optional[list] = None) -> Party:
    """A party with validated identifiers; ID number and phone encrypted, hashed and masked.

    Only the fields of the party's kind are kept (``PartyInput.uses``). Every problem of the card
    is refused at once (``details['errors']``). Doubts that do not make a number invalid (an
    unknown province code) go to ``warnings``.
    """
    problems = Problems()
    for field_name, message in party_problems(data, index):
        problems.add(field_name, message)
    problems.raise_if_any()
    role, kind = PartyRole(data.role), PartyKind(data.kind)
    name = data.name.strip()

    def kept(field_name):
        return _clean(getattr(data, field_name)) if data.uses(field_name) else None

    cipher = current_app.extensions['field_cipher']
    party = Party(role=role, kind=kind, name=name, ethnicity=kept('ethnicity'), occupation=kept('occupation'),
                  address=_clean(data.address), phone_contact=_clean(data.phone_contact),
                  legal_representative=kept('legal_representative'), sex=kept('sex'), birth_date=kept('birth_date'))
    if kept('id_number'):
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
    if kept('uscc'):
        party.uscc = parse_uscc(data.uscc)
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
