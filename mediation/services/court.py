"""The court's side of a case (诉调对接, docs/court.md): sending a case down, the roster of invited
organisations, the parties' consent to show the court the records, and the court officer's lists.

A delegation is a case with two stages: the court's own (registered with the court's number, then
sent down) and the committee's court-sent stage, pending acceptance. The result comes back to the
court's stage by the committee stage's own step (``services.effects``), once.
"""
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from mediation.access import acting_as
from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Category
from mediation.models import Event
from mediation.models import InvitedOrganisation
from mediation.models import Organisation
from mediation.models import Stage
from mediation.models import User
from mediation.services import court_checks
from mediation.services.cases import PartyInput
from mediation.services.cases import Problems
from mediation.services.cases import build_party
from mediation.services.cases import new_matter_code
from mediation.services.cases import party_problems
from mediation.services.events import record_event
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from workflows.deadlines import JC_CEILING_DAYS
from workflows.enums import DocumentKind
from workflows.enums import EventKind
from workflows.enums import Level
from workflows.enums import OrgKind
from workflows.enums import PartyRole
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.machine import HANDLER
from workflows.machine import TRIGGERS
from workflows.periods import add_days
from workflows.states import State

#: The case's source for each way a court sends a case down.
SOURCES = {
    StageKind.COURT_DELEGATED: Source.COURT_DELEGATED,
    StageKind.COURT_ENTRUSTED: Source.COURT_ENTRUSTED,
    StageKind.COURT_ENTRUSTED_SUMMARY: Source.COURT_ENTRUSTED,
}

MAX_TITLE = 200
MAX_TEXT = 5000


@dataclass
class DelegationInput:
    """A case the court sends down: 委派 (before filing) or 委托 (after, ordinary or summary procedure)."""

    #: 'court_delegated' | 'court_entrusted' | 'court_entrusted_summary'
    kind: str
    court_case_number: str
    committee_id: int
    title: str
    facts: str = ''
    category_id: Optional[int] = None
    parties: list[PartyInput] = field(default_factory=list)
    #: the officer's note to the committee (why, what the parties want)
    reason: str = ''


def check_delegation(officer: User, data: DelegationInput) -> dict[str, list[str]]:
    """Every problem of ``data`` at once, by field ({} if none); nothing is written."""
    problems = Problems()
    court_id = officer.organisation_id
    kind = None
    try:
        kind = court_checks.delegation_kind(data.kind)
    except ValidationFailed as error:
        problems.merge(error)
    try:
        number = (court_checks.delegation_number(data.court_case_number, kind) if kind
                  else court_checks.court_number(data.court_case_number))
    except ValidationFailed as error:
        problems.merge(error)
    else:
        if _number_taken(court_id, number):
            problems.add('court_case_number', f'案号{number}已登记过，请核对。')
    try:
        court_checks.invited_committee(court_id, data.committee_id)
    except ValidationFailed as error:
        problems.merge(error)
    title = (data.title or '').strip()
    if not title:
        problems.add('title', '请填写纠纷名称（案由）。')
    elif len(title) > MAX_TITLE:
        problems.add('title', f'纠纷名称不能超过 {MAX_TITLE} 字。')
    if len(data.facts or '') > MAX_TEXT:
        problems.add('facts', f'案情简介不能超过 {MAX_TEXT} 字。')
    if len(data.reason or '') > MAX_TEXT:
        problems.add('reason', f'委派说明不能超过 {MAX_TEXT} 字。')
    category = _category(data.category_id)
    if category is None or not category.active:
        problems.add('category_id', '请选择纠纷类型。')
    parties = [(index, party) for index, party in enumerate(data.parties) if not party.is_blank]
    roles = {party.role for _, party in parties}
    if not parties:
        problems.add('parties', '请登记当事人（至少一名申请人或原告、一名被申请人或被告）。')
    elif not {PartyRole.APPLICANT.value, PartyRole.RESPONDENT.value} <= roles:
        problems.add('parties', '委派、委托调解须至少登记一名申请人（原告）和一名被申请人（被告）。')
    for index, party in parties:
        for field_name, message in party_problems(party, index):
            problems.add(field_name, message)
    return problems.by_field


def delegate_case(officer: User, data: DelegationInput, *, now: Optional[datetime] = None) -> Case:
    """Record a case the officer's court sends down to an invited committee (TY16 Art 11).

    The court's stage is registered with the court's number and sent down; the committee gets a
    court-sent stage pending acceptance (3 working days), whose 30 / 15 / 7-day limit runs from
    its receipt. Refused with ``PermissionDenied`` for anyone but an active court officer, and
    with one ``ValidationFailed`` naming every problem (``details['errors']``).
    """
    now = now or utcnow()
    if officer.role != Role.COURT_OFFICER or not officer.active or officer.organisation.kind != OrgKind.COURT:
        raise PermissionDenied('只有法院诉调对接工作人员可以委派、委托调解。')
    problems = Problems()
    problems.by_field = check_delegation(officer, data)
    problems.raise_if_any()
    kind = StageKind(data.kind)
    court = officer.organisation
    committee = court_checks.invited_committee(court.id, data.committee_id)
    number = court_checks.delegation_number(data.court_case_number, kind)
    case = Case(matter_code=new_matter_code(now), title=data.title.strip(), category=_category(data.category_id),
                source=SOURCES[kind], facts=(data.facts or '').strip(), requests='', place='',
                people_involved=sum(not party.is_blank for party in data.parties),
                deadline_profile=current_app.config['DEADLINE_PROFILE'], intake_committee=court,
                created_by_id=officer.id, created_at=now)
    for index, party in enumerate(data.parties):
        if not party.is_blank:
            case.parties.append(build_party(party, index))
    court_stage = Stage(case=case, committee=court, level=Level.COURT, kind=StageKind.COURT,
                        state=State.COURT_REGISTERED, court_id=court.id, court_case_number=number, received_at=now,
                        accepted_at=now)
    db.session.add(case)
    db.session.flush()
    record_event(court_stage, EventKind.CREATED, officer, now, to_state=State.COURT_REGISTERED,
                 data={'committee': court.name, 'court_case_number': number, 'delegation': kind.value})
    apply_transition(court_stage, 'send_down', officer, reason=(data.reason or '').strip(),
                     data={'committee_id': committee.id, 'delegation': kind.value}, now=now)
    return case


def _category(category_id) -> Optional[Category]:
    from mediation.services.cases import _category as lookup
    return lookup(category_id)


def _number_taken(court_id: int, number: str) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Stage.committee_id == court_id, Stage.kind == StageKind.COURT, Stage.court_case_number == number))))


# --------------------------------------------------------------------------- the roster

def set_invited(admin: User, court_id: int, committee_id: int, active: bool, *, now: Optional[datetime] = None):
    """Put a committee on a court's roster of invited organisations, or take it off (kept for the record)."""
    if admin.role != Role.ADMIN:
        raise PermissionDenied('只有系统管理员可以维护特邀调解组织名册。')
    court = db.session.get(Organisation, court_id)
    committee = db.session.get(Organisation, committee_id)
    if court is None or court.kind != OrgKind.COURT:
        raise ValidationFailed('请选择法院。', field='court_id')
    if committee is None or committee.kind == OrgKind.COURT:
        raise ValidationFailed('请选择调解组织。', field='committee_id')
    row = db.session.get(InvitedOrganisation, (court.id, committee.id))
    if row is None:
        row = InvitedOrganisation(court_id=court.id, committee_id=committee.id, added_at=now or utcnow(),
                                  added_by_id=admin.id)
        db.session.add(row)
    row.active = active
    db.session.flush()
    return row


def roster_rows(court_id: int) -> list[InvitedOrganisation]:
    return list(db.session.scalars(
        sa.select(InvitedOrganisation).join(Organisation, Organisation.id == InvitedOrganisation.committee_id)
        .where(InvitedOrganisation.court_id == court_id).order_by(Organisation.path)))


# --------------------------------------------------------------------------- the parties' consent

def record_disclosure(actor: User, case: Case, *, reason: str = '', now: Optional[datetime] = None) -> Event:
    """Both parties agreed that the court may see the transcripts and investigation records (TY16 Art 22).

    Recorded by a handler of one of the case's committee stages, as an event with their words.
    """
    now = now or utcnow()
    stage = next((s for s in reversed(case.stages) if not s.kind.at_court and acting_as(actor, s) == HANDLER), None)
    if stage is None:
        raise PermissionDenied('只有承办调解的人员可以记录当事人的同意。')
    if not (reason or '').strip():
        raise ValidationFailed('请写明双方当事人如何表示同意（时间、方式）。', field='reason')
    case.records_disclosed_to_court = True
    event = record_event(stage, EventKind.RECORDS_DISCLOSED, actor, now, reason=reason.strip()[:MAX_TEXT])
    db.session.flush()
    return event


def may_record_disclosure(user: User, case: Case) -> bool:
    """The case page offers to record the consent: to a committee handler of a case connected to a court."""
    if case.records_disclosed_to_court or not any(stage.court_id or stage.kind.at_court for stage in case.stages):
        return False
    return any(not stage.kind.at_court and acting_as(user, stage) == HANDLER for stage in case.stages)


def court_may_see_records(user: User, case: Case) -> bool:
    """Transcripts and investigation records: not for a court officer unless both parties agreed."""
    return user.role != Role.COURT_OFFICER or case.records_disclosed_to_court


#: The documents that carry the transcripts (the dossier binds them in).
TRANSCRIPT_DOCUMENTS = frozenset({DocumentKind.SESSION_RECORD, DocumentKind.DOSSIER})
#: The events whose reason summarises a transcript or an investigation.
_TRANSCRIPT_EVENTS = {EventKind.SESSION_RECORDED.value, EventKind.INVESTIGATION_RECORDED.value}


def transcript_event_ids(events) -> set[int]:
    """The events whose words a court officer may not read without the parties' consent (their
    kind still shows: that a session took place is not what it said)."""
    return {event.id for event in events if event.kind in _TRANSCRIPT_EVENTS or (
        event.kind == EventKind.RECORD_CORRECTED.value and (event.data or {}).get('record') in
        ('session', 'investigation'))}


@dataclass(frozen=True)
class Ceiling:
    """CPL23 Art 187: the special procedure's 30 days from acceptance, against which the confirmation's
    15 (+10) days are shown."""

    due: date
    days: int


def confirmation_ceiling(stage: Stage, calendar) -> Optional[Ceiling]:
    if stage.kind != StageKind.JUDICIAL_CONFIRMATION or stage.accepted_at is None:
        return None
    deadline = add_days(china_date(stage.accepted_at), JC_CEILING_DAYS, calendar)
    return Ceiling(deadline.due, JC_CEILING_DAYS)


# --------------------------------------------------------------------------- the officer's lists

@dataclass(frozen=True)
class InboxItem:
    stage: Stage
    #: the next steps the officer may take (trigger names, in button order)
    next_steps: list[str]
    #: what came back from the committee ('agreement', 'failure', 'lapse'), for a returned case
    result: Optional[str] = None
    #: the reason the committee gave / the closing report's event
    returned: Optional[Event] = None

    @property
    def next_labels(self) -> list[str]:
        return [TRIGGERS[name].label_zh for name in self.next_steps]


#: The court's states that wait for the officer.
INBOX_STATES = (State.PENDING_ACCEPTANCE, State.COURT_RECEIVED, State.COURT_REGISTERED, State.COURT_RETURNED,
                State.JC_REVIEWING)


def inbox(officer: User, *, limit: int = 200) -> list[InboxItem]:
    """The court's stages waiting for the officer: referred cases, results that came back, confirmations."""
    stages = list(db.session.scalars(
        sa.select(Stage).where(Stage.committee_id == officer.organisation_id,
                               Stage.kind.in_([StageKind.COURT, StageKind.JUDICIAL_CONFIRMATION]),
                               Stage.state.in_(INBOX_STATES))
        .options(so.selectinload(Stage.case))
        .order_by(sa.case((Stage.due_on.is_(None), 1), else_=0), Stage.due_on, Stage.id).limit(limit)))
    returned = _returned_events([stage.id for stage in stages if stage.state == State.COURT_RETURNED])
    items = []
    for stage in stages:
        event = returned.get(stage.id)
        items.append(InboxItem(stage, allowed_triggers(stage, officer),
                               (event.data or {}).get('result') if event else None, event))
    return items


def _returned_events(stage_ids) -> dict[int, Event]:
    if not stage_ids:
        return {}
    events = db.session.scalars(sa.select(Event).where(Event.stage_id.in_(stage_ids), Event.kind == 'receive_result')
                                .order_by(Event.at, Event.id))
    return {event.stage_id: event for event in events}


@dataclass(frozen=True)
class SentDown:
    court_stage: Stage
    committee_stage: Optional[Stage]

    def days_left(self, today: date) -> Optional[int]:
        stage = self.committee_stage
        if stage is None or stage.due_on is None:
            return None
        return (stage.due_on - today).days


def sent_down(officer: User, *, limit: int = 200) -> list[SentDown]:
    """The cases the court sent down that are still with a committee, soonest due first."""
    committee_stage = so.aliased(Stage)
    rows = db.session.execute(
        sa.select(Stage, committee_stage)
        .outerjoin(committee_stage, committee_stage.previous_stage_id == Stage.id)
        .where(Stage.committee_id == officer.organisation_id, Stage.kind == StageKind.COURT,
               Stage.state == State.SENT_DOWN)
        .options(so.selectinload(Stage.case))
        .order_by(sa.case((committee_stage.due_on.is_(None), 1), else_=0), committee_stage.due_on, Stage.id)
        .limit(limit)).all()
    return [SentDown(court, committee) for court, committee in rows]


@dataclass(frozen=True)
class ClosingReport:
    """What the committee reports to the court when a case it was sent comes back without agreement."""

    event: Event
    court_stage: Stage
    committee_stage: Optional[Stage]
    #: how many sessions were held (their content stays with the committee: TY16 Art 22)
    sessions: int

    @property
    def result(self) -> str:
        return (self.event.data or {}).get('result', 'failure')


def closing_report(officer: User, event_id: int) -> ClosingReport:
    """The report carried by a ``receive_result`` event of the officer's court; NotFound for anything else."""
    from mediation.errors import NotFound
    from mediation.models import MediationSession
    event = db.session.get(Event, event_id)
    stage = db.session.get(Stage, event.stage_id) if event is not None and event.stage_id else None
    if (event is None or event.kind != 'receive_result' or stage is None
            or stage.committee_id != officer.organisation_id or (event.data or {}).get('result') == 'agreement'):
        raise NotFound('找不到该结案报告。')
    committee_stage = db.session.get(Stage, (event.data or {}).get('committee_stage_id') or 0)
    if committee_stage is not None and committee_stage.case_id != stage.case_id:
        committee_stage = None
    sessions = db.session.scalar(sa.select(sa.func.count()).select_from(MediationSession).where(
        MediationSession.stage_id == committee_stage.id)) if committee_stage is not None else 0
    return ClosingReport(event, stage, committee_stage, sessions)


def court_today(now: Optional[datetime] = None) -> date:
    return china_date(now or utcnow())
