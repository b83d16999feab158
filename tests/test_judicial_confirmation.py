"""Judicial confirmation (司法确认) as the court's own stage (issue 13 item 4, docs/court.md): the
parties' 30-day window, the application, the court's 3 days to accept and 15 (+10) days to decide,
the outcome with the court's number, and the agreements no court confirms (CPLI Art 355)."""
from datetime import date

import pytest
import sqlalchemy as sa

from mediation.errors import InvalidTransition
from mediation.errors import ValidationFailed
from mediation.extensions import db as _db
from mediation.models import Event
from mediation.models import Stage
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from tests.factories import make_case
from tests.helpers import agreement_records
from tests.helpers import fire
from tests.helpers import utc
from tests.test_court import committee_stage_of
from tests.test_court import delegate
from tests.test_court import roster  # noqa: F401 (a fixture)
from workflows.enums import Clock
from workflows.enums import DeadlineStatus
from workflows.enums import StageKind
from workflows.states import State

S = State


def agreed(user, effective_at, *, category_code='LL'):
    """A stage whose oral agreement took effect at ``effective_at``."""
    stage = make_case(user, now=utc(2026, 9, 1), category_code=category_code).stages[0]
    fire(stage, 'accept', user, utc(2026, 9, 1))
    agreement_records(stage, kind='oral', signed=())
    return fire(stage, 'register_oral_agreement', user, effective_at)


def confirmation_of(case_id) -> Stage:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(Stage).where(Stage.case_id == case_id,
                                                     Stage.kind == StageKind.JUDICIAL_CONFIRMATION)
                              .order_by(Stage.id.desc()).limit(1))


def applied(users, orgs, at=utc(2026, 9, 28)):
    stage = agreed(users.village, utc(2026, 9, 20))
    fire(stage, 'apply_judicial_confirmation', users.village, at, court=str(orgs.court.id))
    return stage, confirmation_of(stage.case_id)


def test_the_window_to_apply_is_thirty_days_and_warned_about(db, orgs, users):
    stage = agreed(users.village, utc(2026, 9, 5))
    # PML Art 33: 30 days from 5 September is 5 October, in the National Day holiday: 8 October
    assert (stage.clock, stage.deadline_rule, stage.due_on) == (Clock.JC_APPLY, 'jc_apply', date(2026, 10, 8))
    assert stage.deadline_status(date(2026, 9, 20)) is None
    assert stage.deadline_status(date(2026, 9, 29)) == DeadlineStatus.DUE_SOON
    assert stage.deadline_status(date(2026, 10, 9)) == DeadlineStatus.WINDOW_CLOSED
    assert 'apply_judicial_confirmation' in allowed_triggers(stage, users.village)


def test_the_application_opens_the_confirmation_at_the_court(db, orgs, users):
    stage, confirmation = applied(users, orgs)
    assert stage.state == S.AGREED and stage.clock is None  # the window has done its work
    assert (confirmation.committee_id, confirmation.court_id, confirmation.state, confirmation.previous_stage_id) == \
        (orgs.court.id, orgs.court.id, S.PENDING_ACCEPTANCE, stage.id)
    # JC11 Art 4: 3 days from 28 September is 1 October, a holiday: 8 October
    assert (confirmation.clock, confirmation.due_on) == (Clock.JC_ACCEPTANCE, date(2026, 10, 8))
    [event] = _db.session.scalars(sa.select(Event).where(Event.stage_id == stage.id,
                                                         Event.kind == 'apply_judicial_confirmation')).all()
    assert event.data['court'] == orgs.court.name
    # applied: not twice while the court has it
    assert 'apply_judicial_confirmation' not in allowed_triggers(stage, users.village)
    with pytest.raises(InvalidTransition, match='不能重复申请'):
        apply_transition(stage, 'apply_judicial_confirmation', users.village, data={'court': orgs.court.name},
                         now=utc(2026, 9, 29))


def test_the_court_accepts_decides_within_fifteen_days_and_may_extend_once(db, orgs, users):
    _, confirmation = applied(users, orgs)
    assert allowed_triggers(confirmation, users.court) == ['decline', 'withdraw', 'jc_accept']
    assert allowed_triggers(confirmation, users.village) == []
    with pytest.raises(ValidationFailed, match='民特'):
        apply_transition(confirmation, 'jc_accept', users.court, data={'court_case_number': '（2026）浙0681民初5号'},
                         now=utc(2026, 10, 8))
    _db.session.rollback()
    confirmation = _db.session.get(Stage, confirmation.id)
    fire(confirmation, 'jc_accept', users.court, utc(2026, 10, 8), court_case_number='（2026）浙0681民特5号')
    assert (confirmation.state, confirmation.court_case_number) == (S.JC_REVIEWING, '（2026）浙0681民特5号')
    assert confirmation.case_number is None  # never a people's-mediation number
    # JC11 Art 5: 15 days from 8 October
    assert (confirmation.clock, confirmation.deadline_rule, confirmation.due_on) == \
        (Clock.JC_DECISION, 'jc.decision', date(2026, 10, 23))
    assert allowed_triggers(confirmation, users.court) == ['withdraw', 'jc_extend', 'jc_confirm', 'jc_reject']
    with pytest.raises(InvalidTransition, match='批准延长的院长'):
        apply_transition(confirmation, 'jc_extend', users.court, reason='案情复杂', now=utc(2026, 10, 20))
    _db.session.rollback()
    confirmation = _db.session.get(Stage, confirmation.id)
    fire(confirmation, 'jc_extend', users.court, utc(2026, 10, 20), reason='案情复杂', approved_by='张院长')
    assert confirmation.due_on == date(2026, 11, 2)  # ten days more
    assert 'jc_extend' not in allowed_triggers(confirmation, users.court)
    with pytest.raises(InvalidTransition, match='只能经院长批准延长一次'):
        apply_transition(confirmation, 'jc_extend', users.court, reason='再延', data={'approved_by': '张院长'},
                         now=utc(2026, 10, 21))
    _db.session.rollback()
    confirmation = _db.session.get(Stage, confirmation.id)
    fire(confirmation, 'jc_confirm', users.court, utc(2026, 10, 30))
    assert confirmation.state == S.JC_CONFIRMED and confirmation.clock is None and confirmation.ended_at is not None
    assert allowed_triggers(confirmation, users.court) == ['close']


def test_a_rejection_needs_a_reason_and_allows_a_new_application(db, orgs, users):
    stage, confirmation = applied(users, orgs)
    fire(confirmation, 'jc_accept', users.court, utc(2026, 10, 8), court_case_number='（2026）浙0681民特6号')
    with pytest.raises(InvalidTransition, match='须填写原因'):
        apply_transition(confirmation, 'jc_reject', users.court, now=utc(2026, 10, 9))
    _db.session.rollback()
    confirmation = _db.session.get(Stage, confirmation.id)
    fire(confirmation, 'jc_reject', users.court, utc(2026, 10, 9), reason='协议内容不明确')
    assert confirmation.state == S.JC_REJECTED and confirmation.outcome == '协议内容不明确'
    stage = _db.session.get(Stage, stage.id)
    assert 'apply_judicial_confirmation' in allowed_triggers(stage, users.village)


def test_not_accepted_with_the_reason(db, orgs, users):
    _, confirmation = applied(users, orgs)
    fire(confirmation, 'decline', users.court, utc(2026, 9, 29), reason='不属于本院管辖')
    assert (confirmation.state, confirmation.outcome) == (S.DECLINED, '不属于本院管辖')
    assert allowed_triggers(confirmation, users.court) == ['close']


@pytest.mark.parametrize('code', ['HY-HY', 'HY-SHY'])
def test_marriage_and_adoption_agreements_cannot_be_sent_and_the_page_says_why(client, login, db, orgs, users, code):
    stage = agreed(users.village, utc(2026, 9, 20), category_code=code)
    assert 'apply_judicial_confirmation' not in allowed_triggers(stage, users.village)
    with pytest.raises(InvalidTransition, match='第三百五十五条'):
        apply_transition(stage, 'apply_judicial_confirmation', users.village, data={'court': orgs.court.name},
                         now=utc(2026, 9, 21))
    _db.session.rollback()
    assert confirmation_of(stage.case_id) is None
    login(users.village)
    page = client.get(f'/cases/{stage.case_id}').get_data(as_text=True)
    assert '第三百五十五条' in page and '确认：申请司法确认' not in page


def test_a_confirmation_after_court_delegation_is_numbered_su_qian_tiao_que(db, orgs, users, roster):  # noqa: F811
    case = delegate(users, orgs, utc(2026, 9, 1))
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.town if committee.committee_id == orgs.town_a.id else users.village,
         utc(2026, 9, 2))
    agreement_records(committee, kind='oral', signed=())
    fire(committee, 'register_oral_agreement', users.village, utc(2026, 9, 10))
    fire(committee, 'apply_judicial_confirmation', users.court, utc(2026, 9, 11), court=str(orgs.court.id))
    confirmation = confirmation_of(case.id)
    with pytest.raises(ValidationFailed, match='诉前调确'):
        apply_transition(confirmation, 'jc_accept', users.court, data={'court_case_number': '（2026）浙0681民特7号'},
                         now=utc(2026, 9, 11))
    _db.session.rollback()
    confirmation = _db.session.get(Stage, confirmation.id)
    fire(confirmation, 'jc_accept', users.court, utc(2026, 9, 11), court_case_number='（2026）浙0681诉前调确7号')
    assert confirmation.state == S.JC_REVIEWING


def test_the_case_page_shows_where_the_confirmation_stands(client, login, db, orgs, users):
    _, confirmation = applied(users, orgs)
    fire(confirmation, 'jc_accept', users.court, utc(2026, 10, 8), court_case_number='（2026）浙0681民特5号')
    login(users.court)
    page = client.get(f'/cases/{confirmation.case_id}').get_data(as_text=True)
    assert '司法确认审查中' in page and '（2026）浙0681民特5号' in page
    assert '2026-10-23 届满' in page
    # CPL Art 187: 30 days from acceptance on 8 October is 7 November, a Saturday: 9 November
    assert '特别程序自立案之日起30日内审结' in page and '2026-11-09' in page
    assert '确认：裁定确认调解协议有效' in page and '确认：受理司法确认申请' not in page
    assert confirmation.case.title in client.get('/court/').get_data(as_text=True)


def test_the_courts_confirmation_deadlines_are_on_its_deadline_page(client, login, db, orgs, users):
    _, confirmation = applied(users, orgs)  # to be accepted by 8 October 2026: long past by the clock of the run
    title = confirmation.case.title
    login(users.court)
    page = client.get('/deadlines').get_data(as_text=True)
    assert title in page and '司法确认受理期限' in page
    client.post('/logout')
    login(users.village_b)  # another town's village: not its case, not its deadline
    assert title not in client.get('/deadlines').get_data(as_text=True)
