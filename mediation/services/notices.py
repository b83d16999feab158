"""In-app notices: what each one says, and writing many at once (kept off the legal record).

Every notice the app sends is worded here. A notice an organisation already has for the same
stage, kind and day is not repeated. Messages do not repeat the case's title: the pages show
the title of the notice's case in front of it.
"""
from datetime import date
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.models import Notice
from mediation.services import bulk
from workflows.enums import Clock
from workflows.enums import NoticeKind
from workflows.risk import POLICE_REPORT_EN
from workflows.risk import POLICE_REPORT_ZH

_notice = Notice.__table__


class Wording(NamedTuple):
    """One notice's text in both languages (the page shows the reader's)."""

    zh: str
    en: str


class Notification(NamedTuple):
    organisation_id: int
    stage_id: int
    message: str
    #: the English wording; empty: English readers see the Chinese
    message_en: str = ''

    @classmethod
    def worded(cls, organisation_id: int, stage_id: int, wording: Wording) -> 'Notification':
        return cls(organisation_id, stage_id, wording.zh, wording.en)


def notify(conn, kind: NoticeKind, notifications, now: datetime) -> None:
    """Insert ``notifications`` of one kind, dated ``now``'s China day, in the caller's transaction."""
    notifications = [n for n in notifications if n.organisation_id is not None]
    if not notifications:
        return
    organisations, stages, messages, messages_en = zip(*notifications)
    source_rows = bulk.rows(conn, organisation_id=(organisations, sa.Integer), stage_id=(stages, sa.Integer),
                            message=([message[:500] for message in messages], sa.String),
                            message_en=([message[:500] for message in messages_en], sa.String))
    c = _notice.c
    source = sa.select(source_rows.c.organisation_id, source_rows.c.stage_id, bulk.constant(kind, c.kind),
                       bulk.constant(china_date(now), c.day), bulk.constant(now, c.created_at),
                       source_rows.c.message, source_rows.c.message_en
                       ).where(sa.true())  # SQLite: WHERE before ON CONFLICT
    columns = ['organisation_id', 'stage_id', 'kind', 'day', 'created_at', 'message', 'message_en']
    conn.execute(bulk.insert(conn, _notice).from_select(columns, source).on_conflict_do_nothing())


# --------------------------------------------------------------------------- wording

def due_soon_text(clock: Clock, due: date) -> Wording:
    day = due.isoformat()
    if clock == Clock.JC_APPLY:  # the parties' own window: the mediator can only remind them
        return Wording(f'当事人申请司法确认的期限将于 {day} 届满，如需确认，请提醒当事人及时申请。',
                       f"The parties' time to apply for judicial confirmation ends on {day}; "
                       'if they want it confirmed, remind them to apply in time.')
    return Wording(f'将于 {day} 到期，请抓紧办理。', f'Due on {day}: please act on it soon.')


class LapseNotice(NamedTuple):
    """What a lapsed deadline tells the committee, and whether its supervising level is told too."""

    text: str
    tell_committee: bool
    tell_supervisor: bool
    text_en: str = ''


#: A lapse the system could not act on by itself.
NEEDS_DECISION = LapseNotice('已超期，系统无法自动处理，请尽快决定后续处理方式。', True, True,
                             'Overdue and the system cannot act on it by itself: please decide what happens next.')

#: Lapses that only remind, by clock; the judicial-confirmation window is the parties', not the supervisors'.
_REMINDERS = {
    Clock.ACCEPTANCE: LapseNotice('已超过受理期限，请尽快决定是否受理。', True, True,
                                  'The time to accept has passed: please decide soon whether to accept.'),
    Clock.JC_APPLY: LapseNotice('申请司法确认的30日期限已届满。', True, False,
                                'The 30 days to apply for judicial confirmation have ended.'),
    # the court's own limits: the court's officers are told; nobody supervises a court here
    Clock.COURT_REVIEW: LapseNotice('法院审查期限已届满，请尽快处理。', True, False,
                                    "The court's review time limit has passed: please deal with it soon."),
    Clock.JC_ACCEPTANCE: LapseNotice('司法确认申请的3日受理期限已届满，请尽快决定是否受理。', True, False,
                                     'The 3 days to accept the confirmation application have passed: please decide '
                                     'soon.'),
    Clock.JC_DECISION: LapseNotice('司法确认审查期限已届满，请尽快作出裁定。', True, False,
                                   'The time to decide on the confirmation has passed: please rule soon.'),
}
_DEFAULT_REMINDER = LapseNotice('已超过期限，请尽快处理。', True, True, 'Overdue: please deal with it soon.')

#: Lapses the system acted on, by the trigger it fired. After a referral up the parent committee
#: must act, and the stage waiting for its acceptance is its notice: nothing is stored.
_ACTED = {
    'flag_for_decision': LapseNotice('期满未达成协议，请决定延长期限、移送法院或终止调解。', True, True,
                                     'No agreement in time: decide whether to extend, send it to the court '
                                     'or end the mediation.'),
    'return_to_court': LapseNotice('期满未达成协议，已退回法院。', True, True,
                                   'No agreement in time: returned to the court.'),
    'refer_up': LapseNotice('', False, False),
}


def lapse_notice(clock: Clock, trigger: str | None) -> LapseNotice:
    """What the committee (and its supervisors) read about a lapse the sweep handled with ``trigger``."""
    if trigger is None:
        return _REMINDERS.get(clock, _DEFAULT_REMINDER)
    return _ACTED[trigger]


def lapse_text(committee_name: str, notice: LapseNotice) -> Wording:
    """A lapse notice as stored: the committee whose stage lapsed, then what it means."""
    return Wording(f'（{committee_name}）{notice.text}', f'({committee_name}) {notice.text_en or notice.text}')


def returned_to_court_text(committee_name: str, reason: str = '', *, lapsed: bool = False) -> Wording:
    """What the court reads when a case it sent down comes back (the reason is the mediator's own words)."""
    if lapsed:
        return Wording(f'由{committee_name}期满未达成协议退回法院。',
                       f'Returned to the court by {committee_name}: no agreement in time.')
    if reason:
        return Wording(f'由{committee_name}退回法院：{reason}', f'Returned to the court by {committee_name}: {reason}')
    return Wording(f'由{committee_name}退回法院。', f'Returned to the court by {committee_name}.')


def agreement_to_court_text(committee_name: str) -> Wording:
    """What the court reads when a case it sent down reached agreement (TY16 Art 27: filed with the court)."""
    return Wording(f'由{committee_name}调解达成协议，调解协议已退回法院，请备案。',
                   f'{committee_name} reached an agreement; it has come back to the court to be filed.')


def risk_alert_text(reasons, police_report: bool, reasons_en=()) -> Wording:
    """A risk alert: each reason once, then the police report once if any reason calls for it.

    The reasons come from ``workflows.risk``, which words each condition without what follows
    from it, so nothing is said twice.
    """
    reasons = list(dict.fromkeys(reasons))
    reasons_en = list(dict.fromkeys(reasons_en)) or reasons
    zh = '被评估为高风险：' + ('；'.join(reasons) or '高风险纠纷') + '。'
    en = 'Assessed as high risk' + (f' ({"; ".join(reasons_en)})' if reasons_en else '') + '.'
    if police_report:
        zh += f'{POLICE_REPORT_ZH}。'
        en += f' {POLICE_REPORT_EN}.'
    return Wording(zh, en)
