"""What a transition does besides changing its stage's state, written once for the pages and the sweep.

``apply_transition`` (one stage, in the ORM session) and the sweep (thousands at once) both
call these functions on a Core connection with :class:`StageRow` values, so a referral up, a
return to the court or a referral to the court has the same effect, events and notices
whichever path caused it. The wording of every notice is in ``services.notices``.
"""
from datetime import date
from datetime import datetime
from typing import NamedTuple
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.models import Agreement
from mediation.models import Event
from mediation.models import Signature
from mediation.models import Stage
from mediation.services import bulk
from mediation.services import notices
from mediation.services.calendar_cache import current_calendar
from workflows.deadlines import ClockFacts
from workflows.deadlines import get_profile
from workflows.deadlines import stage_deadline
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import NoticeKind
from workflows.enums import StageKind
from workflows.machine import TRIGGERS
from workflows.states import OUTCOME_STATES
from workflows.states import State

_stage = Stage.__table__
_event = Event.__table__
_agreement = Agreement.__table__
_signature = Signature.__table__

#: The stage has ended with one of these: record when and how (an agreement records its own).
ENDING_STATES = OUTCOME_STATES - {State.AGREED}


class StageRow(NamedTuple):
    """What the effects need to know of a stage that just moved (enum columns as their values)."""

    id: int
    case_id: int
    committee_id: int
    committee_name: str
    level: str
    #: the court that sent the case down, or that the stage refers it to
    court_id: Optional[int]
    #: the committee's parent organisation
    parent_id: Optional[int]
    deadline_profile: str
    #: the stage's kind (a StageKind value): a court-sent stage reports back to its court
    kind: Optional[str] = None


def stage_values(trigger: str, to_state: State, now: datetime, reason: str = '') -> dict:
    """The columns of the moved stage itself, besides ``state`` and ``version``."""
    values = {}
    if trigger in ('sign_agreement', 'register_oral_agreement'):
        values.update(agreement_effective_at=now, outcome=TRIGGERS[trigger].label_zh)
    elif trigger == 'flag_for_decision':
        values['flagged_at'] = now
    if to_state in ENDING_STATES:
        values.update(ended_at=now, outcome=reason or TRIGGERS[trigger].label_zh)
    elif to_state == State.CLOSED:
        values['ended_at'] = sa.func.coalesce(_stage.c.ended_at, now)  # keeps when the outcome came
    if to_state in ENDING_STATES or to_state == State.CLOSED:
        # No clock runs on a stage that has ended.
        values.update(clock=None, deadline_rule=None, due_on=None, due_soon_on=None, due_provisional=False,
                      next_check_on=None)
    return values


def after_transition(conn, trigger: str, rows: list[StageRow], now: datetime, reason: str = '', *,
                     lapsed: bool = False) -> None:
    """Carry out what ``trigger`` causes beyond ``rows`` themselves, in the caller's transaction."""
    effect = _EFFECTS.get(trigger)
    if effect is not None and rows:
        effect(conn, rows, now, reason, lapsed)


def _open_parent_stages(conn, rows, now, reason, lapsed):
    """Give each stage's parent committee a new stage pending acceptance, with its acceptance clock.

    The referral itself is recorded by the ``refer_up`` event of the stage it leaves; the new
    stage, pending acceptance, is the parent committee's notice.
    """
    groups = {}
    for row in rows:
        groups.setdefault((row.deadline_profile, Level(row.level).parent), []).append(row)
    for (profile, level), members in groups.items():
        _insert_stages(conn, members, now, committee_ids=[row.parent_id for row in members], level=level,
                       kind=StageKind.PEOPLE, profile=profile)


def _open_court_stages(conn, rows, now, reason, lapsed):
    """Give the court (each row's ``court_id``) a stage of its own, pending its receipt, with its review clock."""
    for profile, members in _by_profile(rows).items():
        _insert_stages(conn, members, now, committee_ids=[row.court_id for row in members], level=Level.COURT,
                       kind=StageKind.COURT, profile=profile)


def open_delegated_stage(conn, row: StageRow, committee_id: int, level: Level, kind: StageKind, now: datetime):
    """The court sent its case down (委派/委托): the committee gets a court-sent stage pending acceptance.

    ``row`` is the court's stage; the new stage points back to it and to the court.
    """
    _insert_stages(conn, [row], now, committee_ids=[committee_id], level=level, kind=kind,
                   profile=row.deadline_profile)


def open_confirmation_stage(conn, row: StageRow, court_id: int, now: datetime):
    """The parties applied for judicial confirmation: the court gets the application, pending acceptance."""
    _insert_stages(conn, [row._replace(court_id=court_id)], now, committee_ids=[court_id], level=Level.COURT,
                   kind=StageKind.JUDICIAL_CONFIRMATION, profile=row.deadline_profile)


def _by_profile(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row.deadline_profile, []).append(row)
    return groups


def _court_sent(rows):
    return [row for row in rows if row.kind and StageKind(row.kind).court_sent and row.court_id]


def _tell_the_court(conn, rows, now, reason, lapsed):
    notices.notify(conn, NoticeKind.RETURNED, [
        notices.Notification.worded(row.court_id, row.id,
                                    notices.returned_to_court_text(row.committee_name, reason, lapsed=lapsed))
        for row in rows], now)
    _result_to_court(conn, _court_sent(rows), now, 'lapse' if lapsed else 'failure', reason)


def _agreement_to_court(conn, rows, now, reason, lapsed):
    """A court-sent case reached agreement: the agreement goes back to the court to be filed (TY16 Art 27)."""
    rows = _court_sent(rows)
    if not rows:
        return
    notices.notify(conn, NoticeKind.RETURNED, [
        notices.Notification.worded(row.court_id, row.id, notices.agreement_to_court_text(row.committee_name))
        for row in rows], now)
    _result_to_court(conn, rows, now, 'agreement', '')


def _result_to_court(conn, rows, now, result: str, reason: str):
    """Move each row's court stage from ``sent_down`` to ``court_returned``, once, with its event.

    The stage is the court's stage of the case that is still waiting (``sent_down``); the UPDATE's
    condition on that state makes a second attempt find nothing, whoever makes it. The event
    carries the closing report (结案报告, TY16 Art 26) or the agreement's return.
    """
    s = _stage.c
    for row in rows:
        waiting = sa.select(s.id).where(s.case_id == row.case_id, s.committee_id == row.court_id,
                                        s.kind == StageKind.COURT, s.state == State.SENT_DOWN)
        court_stage_id = conn.execute(waiting.order_by(s.id.desc()).limit(1)).scalar()
        if court_stage_id is None:
            continue
        review = _review_deadline(conn, row.deadline_profile, china_date(now))
        moved = conn.execute(sa.update(_stage).where(s.id == court_stage_id, s.state == State.SENT_DOWN).values(
            state=State.COURT_RETURNED, version=s.version + 1, **review).returning(s.id)).scalar()
        if moved is None:
            continue
        report = {'result': result, 'committee': row.committee_name, 'committee_stage_id': row.id,
                  'reason': reason or '', 'returned_on': china_date(now).isoformat()}
        conn.execute(_event.insert().values(
            case_id=row.case_id, stage_id=court_stage_id, actor_id=None, at=now, kind='receive_result',
            from_state=State.SENT_DOWN.value, to_state=State.COURT_RETURNED.value,
            reason=_RESULT_REASONS[result].format(committee=row.committee_name), data=report))


#: The reason the court stage's ``receive_result`` event gives, by result.
_RESULT_REASONS = {
    'agreement': '{committee}调解达成协议，调解协议退回法院备案',
    'failure': '{committee}调解不成，退回法院并附结案报告',
    'lapse': '{committee}调解期限届满未达成协议，退回法院并附结案报告',
    'declined': '{committee}不予受理，退回法院',
    'withdrawn': '当事人撤回调解申请，{committee}退回法院并附结案报告',
}


def _review_deadline(conn, profile_name: str, start: date) -> dict:
    """The court stage's review clock (court.review) from ``start``, as stage columns."""
    profile = get_profile(profile_name)
    calendar = current_calendar(conn)
    facts = ClockFacts(clock=Clock.COURT_REVIEW, level=Level.COURT, kind=StageKind.COURT, start=start)
    deadline = stage_deadline(profile, facts, calendar)
    if deadline is None:
        return {'clock': None, 'deadline_rule': None, 'due_on': None, 'due_soon_on': None, 'due_provisional': False,
                'next_check_on': None}
    rule = profile.rule_for(Clock.COURT_REVIEW, Level.COURT, StageKind.COURT)
    due_soon_on = profile.due_soon_from(deadline.due, calendar, rule)
    return {'clock': Clock.COURT_REVIEW, 'deadline_rule': rule.key, 'due_on': deadline.due, 'due_soon_on': due_soon_on,
            'due_provisional': deadline.provisional, 'next_check_on': due_soon_on}


def _ended_without_return(result: str):
    """A court-sent stage that ends another way (declined, withdrawn, terminated) goes back to its court
    too (TY16 Art 26: the mediator reports to the court and returns the materials)."""
    def effect(conn, rows, now, reason, lapsed):
        rows = _court_sent(rows)
        if not rows:
            return
        notices.notify(conn, NoticeKind.RETURNED, [
            notices.Notification.worded(row.court_id, row.id,
                                        notices.returned_to_court_text(row.committee_name, reason))
            for row in rows], now)
        _result_to_court(conn, rows, now, result, reason)
    return effect


def _void_signatures(conn, rows, now, reason, lapsed):
    """Negotiation reopened: the signatures given to the old text no longer count (they are kept)."""
    agreements = sa.select(_agreement.c.id).where(bulk.id_in(conn, _agreement.c.stage_id, [row.id for row in rows]))
    conn.execute(sa.update(_signature).where(_signature.c.agreement_id.in_(agreements),
                                             _signature.c.voided_at.is_(None)).values(voided_at=now))


_EFFECTS = {
    'refer_up': _open_parent_stages,
    'refer_to_court': _open_court_stages,
    'return_to_court': _tell_the_court,
    'reopen_drafting': _void_signatures,
    'sign_agreement': _agreement_to_court,
    'register_oral_agreement': _agreement_to_court,
    'decline': _ended_without_return('declined'),
    'withdraw': _ended_without_return('withdrawn'),
    'terminate': _ended_without_return('failure'),
}


def _insert_stages(conn, rows, now, *, committee_ids, level: Level, kind: StageKind, profile: Optional[str]):
    """One new stage per row at ``committee_ids``, pending acceptance, with the acceptance clock if one applies."""
    clock = _OPENING_CLOCKS.get(kind, Clock.ACCEPTANCE)
    deadline, due_soon_on, rule_key = _acceptance_deadline(conn, profile, level, kind, china_date(now), clock)
    source_rows = bulk.rows(conn, case_id=([row.case_id for row in rows], sa.Integer),
                            committee_id=(committee_ids, sa.Integer),
                            previous_stage_id=([row.id for row in rows], sa.Integer),
                            court_id=([row.court_id for row in rows], sa.Integer))
    c, v = _stage.c, source_rows.c
    constants = {
        'level': level, 'kind': kind, 'state': State.PENDING_ACCEPTANCE, 'received_at': now,
        'clock': clock if deadline else None, 'deadline_rule': rule_key,
        'due_on': deadline.due if deadline else None, 'due_soon_on': due_soon_on,
        'due_provisional': bool(deadline and deadline.provisional), 'next_check_on': due_soon_on, 'version': 1,
    }
    source = sa.select(v.case_id, v.committee_id, v.previous_stage_id, v.court_id,
                       *(bulk.constant(value, c[name]) for name, value in constants.items()))
    conn.execute(_stage.insert().from_select(['case_id', 'committee_id', 'previous_stage_id', 'court_id',
                                              *constants], source))


#: The clock a new stage starts with: the court reviews what arrives, a confirmation is accepted or not.
_OPENING_CLOCKS = {StageKind.COURT: Clock.COURT_REVIEW, StageKind.JUDICIAL_CONFIRMATION: Clock.JC_ACCEPTANCE}


def _acceptance_deadline(conn, profile_name: Optional[str], level: Level, kind: StageKind, received: date,
                         clock: Clock = Clock.ACCEPTANCE):
    """(deadline, due-soon day, rule key) of the receiving committee's acceptance clock, or Nones."""
    if profile_name is None:
        return None, None, None
    profile = get_profile(profile_name)
    calendar = current_calendar(conn)
    facts = ClockFacts(clock=clock, level=level, kind=kind, start=received)
    deadline = stage_deadline(profile, facts, calendar)
    if deadline is None:
        return None, None, None
    rule = profile.rule_for(clock, level, kind)
    return deadline, profile.due_soon_from(deadline.due, calendar, rule), rule.key
