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
    """Give the court (each row's ``court_id``) a stage of its own, pending its receipt."""
    _insert_stages(conn, rows, now, committee_ids=[row.court_id for row in rows], level=Level.COURT,
                   kind=StageKind.COURT, profile=None)


def _tell_the_court(conn, rows, now, reason, lapsed):
    notices.notify(conn, NoticeKind.RETURNED, [
        notices.Notification.worded(row.court_id, row.id,
                                    notices.returned_to_court_text(row.committee_name, reason, lapsed=lapsed))
        for row in rows], now)


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
}


def _insert_stages(conn, rows, now, *, committee_ids, level: Level, kind: StageKind, profile: Optional[str]):
    """One new stage per row at ``committee_ids``, pending acceptance, with the acceptance clock if one applies."""
    deadline, due_soon_on, rule_key = _acceptance_deadline(conn, profile, level, kind, china_date(now))
    source_rows = bulk.rows(conn, case_id=([row.case_id for row in rows], sa.Integer),
                            committee_id=(committee_ids, sa.Integer),
                            previous_stage_id=([row.id for row in rows], sa.Integer),
                            court_id=([row.court_id for row in rows], sa.Integer))
    c, v = _stage.c, source_rows.c
    constants = {
        'level': level, 'kind': kind, 'state': State.PENDING_ACCEPTANCE, 'received_at': now,
        'clock': Clock.ACCEPTANCE if deadline else None, 'deadline_rule': rule_key,
        'due_on': deadline.due if deadline else None, 'due_soon_on': due_soon_on,
        'due_provisional': bool(deadline and deadline.provisional), 'next_check_on': due_soon_on, 'version': 1,
    }
    source = sa.select(v.case_id, v.committee_id, v.previous_stage_id, v.court_id,
                       *(bulk.constant(value, c[name]) for name, value in constants.items()))
    conn.execute(_stage.insert().from_select(['case_id', 'committee_id', 'previous_stage_id', 'court_id',
                                              *constants], source))


def _acceptance_deadline(conn, profile_name: Optional[str], level: Level, kind: StageKind, received: date):
    """(deadline, due-soon day, rule key) of the receiving committee's acceptance clock, or Nones."""
    if profile_name is None:
        return None, None, None
    profile = get_profile(profile_name)
    calendar = current_calendar(conn)
    facts = ClockFacts(clock=Clock.ACCEPTANCE, level=level, kind=kind, start=received)
    deadline = stage_deadline(profile, facts, calendar)
    if deadline is None:
        return None, None, None
    rule = profile.rule_for(Clock.ACCEPTANCE, level, kind)
    return deadline, profile.due_soon_from(deadline.due, calendar, rule), rule.key
