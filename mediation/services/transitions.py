"""The one service that applies a state-machine transition to a stage.

Right, guard, state change, stage columns, effects (``services.effects``), audit event and
version bump happen in the caller's transaction; the request or command commits once. A stale
version is a ``Conflict`` (409), a refused transition an ``InvalidTransition`` (422) that says
which transitions are allowed.
"""
import dataclasses
import json
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from mediation.access import acting_as
from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.database import database_integer
from mediation.errors import Conflict
from mediation.errors import InvalidTransition
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Event
from mediation.models import Organisation
from mediation.models import Stage
from mediation.models import User
from mediation.models import court_district
from mediation.services import court_checks
from mediation.services import effects
from mediation.services.agreements import AgreementFacts
from mediation.services.agreements import agreement_facts
from mediation.services.deadlines import refresh_deadline
from mediation.services.events import record_event
from mediation.services.numbering import next_serial
from workflows.enums import Level
from workflows.enums import OrgKind
from workflows.enums import StageKind
from workflows.machine import HANDLER
from workflows.machine import SYSTEM
from workflows.machine import TRIGGERS
from workflows.machine import WORKFLOW
from workflows.machine import IllegalTransition
from workflows.machine import TransitionContext
from workflows.machine import TransitionError
from workflows.states import State

#: What one transition may carry (the form's reason box holds as much).
MAX_REASON = 5000
MAX_DATA = 5000

STALE_VERSION = '该案件已被他人修改（您看到的是旧版本），请刷新页面查看最新情况后再操作。'
CHANGED_MEANWHILE = '该案件刚被他人修改，您的操作未保存，请刷新页面后重试。'


def actor_kind(stage: Stage, actor: Optional[User]) -> Optional[str]:
    """How ``actor`` stands to ``stage``: handler, the sending court, the system — or None (no right)."""
    return SYSTEM if actor is None else acting_as(actor, stage)


#: Only these states have agreement guards to feed.
_AGREEMENT_STATES = {State.MEDIATING, State.AGREEMENT_PENDING}


def build_context(stage: Stage, actor: Optional[User], reason: str = '', data: Optional[dict] = None):
    kind = actor_kind(stage, actor)
    data = dict(data or {})
    category = stage.case.category
    facts = agreement_facts(stage) if stage.state in _AGREEMENT_STATES else AgreementFacts()
    return TransitionContext(
        actor=kind or HANDLER, level=stage.level, kind=stage.kind, reason=reason or '', data=data,
        consent_recorded=bool(data.get('consent')),
        agreement_kind=facts.kind, agreement_missing=facts.missing,
        all_parties_signed=facts.all_parties_signed,
        mediator_signed=facts.mediator_signed,
        sealed=facts.sealed,
        requires_wet_signature=bool(category and category.needs_wet_signature),
        wet_signatures_confirmed=facts.parties_signed_on_paper,
        consent_pending=_arrived_by_automatic_referral(stage),
        **_court_facts(stage),
    ), kind


def _court_facts(stage: Stage) -> dict:
    """What the court's guards need: the result that came back, how the case was sent down, the
    confirmation's history (only looked up where the stage's kind and state can use it)."""
    facts = {}
    if stage.kind == StageKind.COURT and stage.state == State.COURT_RETURNED:
        returned = db.session.scalar(sa.select(Event.data).where(Event.stage_id == stage.id,
                                                                 Event.kind == 'receive_result')
                                     .order_by(Event.at.desc(), Event.id.desc()).limit(1))
        facts['court_result'] = (returned or {}).get('result') or 'failure'
        sent = db.session.scalar(sa.select(Stage.kind).where(Stage.previous_stage_id == stage.id)
                                 .order_by(Stage.id.desc()).limit(1))
        facts['sent_as'] = sent.value if sent else None
    elif stage.state == State.AGREED:
        category = stage.case.category
        facts['confirmable'] = bool(category is None or category.confirmable)
        # the case's stages (the case page has them loaded already)
        confirmations = [s for s in stage.case.stages if s.kind == StageKind.JUDICIAL_CONFIRMATION]
        facts['confirmation_state'] = State(confirmations[-1].state).value if confirmations else None
    elif stage.kind == StageKind.JUDICIAL_CONFIRMATION and stage.state == State.JC_REVIEWING:
        facts['decision_extended'] = bool(db.session.scalar(sa.select(sa.exists().where(
            Event.stage_id == stage.id, Event.kind == 'jc_extend'))))
    return facts


def _arrived_by_automatic_referral(stage: Stage) -> bool:
    """Pending here because the sweep referred it up (the parties have not been asked yet)."""
    if stage.state != State.PENDING_ACCEPTANCE or stage.previous_stage_id is None:
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        Event.stage_id == stage.previous_stage_id, Event.kind == 'refer_up', Event.actor_id.is_(None))))


def allowed_triggers(stage: Stage, actor: Optional[User]) -> list[str]:
    """The transitions ``actor`` may start on ``stage`` now (the buttons a page shows)."""
    ctx, kind = build_context(stage, actor)
    if kind is None:
        return []
    # Guards that depend on what the form or the agreement page asks (consent, the agreement's
    # items, signatures and seal) are checked when the user submits it there.
    permissive = dataclasses.replace(ctx, consent_recorded=True, all_parties_signed=True, mediator_signed=True,
                                     sealed=True, wet_signatures_confirmed=True, agreement_missing=())
    written = WORKFLOW.allowed(stage, dataclasses.replace(permissive, agreement_kind='written'))
    oral = WORKFLOW.allowed(stage, dataclasses.replace(permissive, agreement_kind='oral'))
    return [trigger for trigger in TRIGGERS if trigger in written or trigger in oral]


def apply_transition(stage: Stage, trigger: str, actor: Optional[User], *, reason: str = '',
                     data: Optional[dict] = None, expected_version: Optional[int] = None,
                     now: Optional[datetime] = None) -> Event:
    """Fire ``trigger`` on ``stage`` for ``actor`` (None = the system) and record it."""
    now = now or utcnow()
    ctx, kind = build_context(stage, actor, reason, data)
    if kind is None:
        raise PermissionDenied('您不是该案件当前阶段的承办人员，不能执行此操作。')
    if len(ctx.reason) > MAX_REASON or len(json.dumps(ctx.data, default=str)) > MAX_DATA:
        raise ValidationFailed(f'原因/说明不能超过 {MAX_REASON} 字，附带内容不能超过 {MAX_DATA} 字符。', field='reason')
    if expected_version is not None and stage.version != expected_version:
        raise Conflict(STALE_VERSION, current_version=stage.version)
    try:
        from_state, to_state = WORKFLOW.fire(stage, trigger, ctx)
    except IllegalTransition as error:
        # error.allowed is every trigger defined from the state, whoever may fire it and whatever
        # its guards say; the user is told (and the API lists) only what this actor may do.
        allowed = allowed_triggers(stage, actor)
        raise InvalidTransition(IllegalTransition(trigger, error.state, allowed).message, allowed=allowed)
    except TransitionError as error:
        raise InvalidTransition(error.message, allowed=allowed_triggers(stage, actor))

    event_data = {key: value for key, value in ctx.data.items() if _jsonable(value)}
    # The court's steps check what the machine cannot know (the number's type, the roster) first.
    try:
        opening = _court_step(stage, trigger, ctx.data, now, event_data)
    except (ValidationFailed, InvalidTransition):
        stage.state = from_state  # the machine moved the row; the step is refused after all
        raise
    stage.state = to_state  # the machine writes the value; the mapped column holds the member
    # The version goes up first: effects flush (the case number, new stages), and any flush of
    # this stage is the one that finds someone else's newer version.
    stage.version += 1
    try:
        if trigger == 'accept':
            _number(stage, now, event_data)
        elif trigger == 'refer_up':
            event_data['to_committee'] = _parent_committee(stage).committee_name
        elif trigger == 'refer_to_court':
            court = _court_for(stage, ctx.data.get('court_id'))
            stage.court_id = court.id
            event_data['court'] = court.name
        for name, value in effects.stage_values(trigger, to_state, now, ctx.reason).items():
            setattr(stage, name, value)
        event = record_event(stage, trigger, actor, now, from_state=from_state, to_state=to_state,
                             reason=ctx.reason, data=event_data)
        db.session.flush()
    except StaleDataError:
        raise Conflict(CHANGED_MEANWHILE)
    effects.after_transition(db.session.connection(), trigger, [_row(stage)], now, ctx.reason)
    if opening is not None:
        opening(db.session.connection(), _row(stage))
    # An effect may have opened a stage or moved the court's: what the session holds of them is stale.
    for other in list(db.session.identity_map.values()):
        if isinstance(other, Stage) and other.case_id == stage.case_id and other is not stage:
            db.session.expire(other)
    db.session.expire(stage.case, ['stages'])
    refresh_deadline(stage)
    db.session.flush()
    return event


def _row(stage: Stage) -> effects.StageRow:
    return effects.StageRow(id=stage.id, case_id=stage.case_id, committee_id=stage.committee_id,
                            committee_name=stage.committee.name, level=stage.level.value, court_id=stage.court_id,
                            parent_id=stage.committee.parent_id, deadline_profile=stage.case.deadline_profile,
                            kind=stage.kind.value)


def _court_step(stage: Stage, trigger: str, data: dict, now: datetime, event_data: dict):
    """Check and record what a court step carries; return the effect that opens a stage, if any.

    Runs after the machine allowed the step and before the stage changes, so a refusal
    (``ValidationFailed``) leaves nothing half done.
    """
    if trigger == 'court_register':
        stage.court_case_number = court_checks.court_number(data.get('court_case_number'))
        stage.accepted_at = now
        event_data['court_case_number'] = stage.court_case_number
    elif trigger == 'jc_accept':
        stage.court_case_number = court_checks.confirmation_number(data.get('court_case_number'), stage)
        stage.accepted_at = now
        event_data['court_case_number'] = stage.court_case_number
    elif trigger == 'send_down':
        kind = court_checks.delegation_kind(data.get('delegation'))
        committee = court_checks.invited_committee(stage.committee_id, data.get('committee_id'))
        court_checks.delegation_number(stage.court_case_number, kind)
        event_data.update(committee_id=committee.id, committee=committee.committee_name, delegation=kind.value)
        return lambda conn, row: effects.open_delegated_stage(conn, row, committee.id, committee.level, kind, now)
    elif trigger == 'apply_judicial_confirmation':
        court = _court_for(stage, data.get('court'))
        event_data.update(court=court.name, court_id=court.id)
        return lambda conn, row: effects.open_confirmation_stage(conn, row, court.id, now)
    return None


def _jsonable(value):
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def _number(stage: Stage, now: datetime, event_data: dict) -> None:
    """The stage's own case number, allocated at acceptance: （2026）枫源人调字第N号."""
    year = china_date(now).year
    stage.number_year = year
    stage.number_serial = next_serial(stage.committee_id, year)
    stage.number_prefix = stage.committee.short_name
    stage.accepted_at = now
    event_data['case_number'] = stage.case_number


def _parent_committee(stage: Stage) -> Organisation:
    parent = stage.committee.parent
    if parent is None or parent.kind == OrgKind.COURT or stage.level.parent is None:
        raise InvalidTransition('该调解组织没有上级调解组织，不能移交。', allowed=[])
    return parent


def _court_for(stage: Stage, court_id) -> Organisation:
    """The court named in the form, or the one serving the committee's district."""
    if court_id:
        try:
            court = db.session.get(Organisation, database_integer(court_id))
        except ValueError:
            # a court's exact name does as well as its id (what the API's clients know)
            court = db.session.scalar(sa.select(Organisation).where(
                Organisation.name == str(court_id).strip(), Organisation.kind == OrgKind.COURT).limit(1))
        if court is None or court.kind != OrgKind.COURT:
            raise InvalidTransition('所选法院不存在。', allowed=[])
        return court
    if stage.court_id:
        return stage.court
    district = stage.committee.ancestor_at(Level.DISTRICT)
    district_id = district.id if district else None
    court = db.session.scalar(sa.select(Organisation).join(court_district, court_district.c.court_id == Organisation.id)
                              .where(court_district.c.district_id == district_id).order_by(Organisation.id))
    if court is None:
        raise InvalidTransition('本辖区尚未设置对接法院，请联系管理员。', allowed=[])
    return court
