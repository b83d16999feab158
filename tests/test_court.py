"""The court's side of a case (issue 13, docs/court.md): the court stage, court-sent cases, the
return to the court exactly once, the court's time limits and the court's jurisdiction."""
from datetime import date

import pytest
import sqlalchemy as sa

from mediation.access import get_visible_case
from mediation.access import visible_cases
from mediation.errors import InvalidTransition
from mediation.errors import NotFound
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db as _db
from mediation.models import Event
from mediation.models import Notice
from mediation.models import Stage
from mediation.services import court as court_service
from mediation.services import orgs as org_service
from mediation.services.cases import PartyInput
from mediation.services.court import DelegationInput
from mediation.services.court import delegate_case
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from tests.factories import category
from tests.factories import make_case
from tests.factories import make_user
from tests.helpers import accepted_stage
from tests.helpers import agreement_records
from tests.helpers import fire
from tests.helpers import sweep
from tests.helpers import utc
from workflows.court import CourtNumberInvalid
from workflows.court import parse_court_case_number
from workflows.enums import Clock
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.states import State

S = State


def parties():
    return [PartyInput(role='applicant', kind='person', name='王五', phone='13812345678'),
            PartyInput(role='respondent', kind='organisation', name='诸暨市某某建材有限公司',
                       uscc='91350100M000100Y43')]


def delegation(orgs, **overrides):
    values = dict(kind='court_delegated', court_case_number='（2026）浙0681民诉前调1234号',
                  committee_id=orgs.village_a1.id, title='买卖合同纠纷', facts='货款未付。',
                  category_id=category('LL').id, parties=parties(), reason='原告同意诉前调解')
    values.update(overrides)
    return DelegationInput(**values)


@pytest.fixture
def roster(db, orgs, users):
    court_service.set_invited(users.admin, orgs.court.id, orgs.village_a1.id, True)
    court_service.set_invited(users.admin, orgs.court.id, orgs.town_a.id, True)
    _db.session.commit()


def court_stage_of(case) -> Stage:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(Stage).where(Stage.case_id == case.id, Stage.kind == StageKind.COURT))


def committee_stage_of(case) -> Stage:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(Stage).where(Stage.case_id == case.id, Stage.kind != StageKind.COURT)
                              .order_by(Stage.id.desc()).limit(1))


def delegate(users, orgs, at, **overrides):
    case = delegate_case(users.court, delegation(orgs, **overrides), now=at)
    _db.session.commit()
    return case


# --------------------------------------------------------------------------- the 2016 case number

@pytest.mark.parametrize('text, expected', [
    ('（2026）浙0102民诉前调1234号', ('浙0102', '民诉前调', 1234)),
    ('（2026）浙0102民初567号', ('浙0102', '民初', 567)),
    ('（2026）浙0102民特12号', ('浙0102', '民特', 12)),
    ('（2026）浙0102诉前调确3号', ('浙0102', '诉前调确', 3)),
    ('(2026)浙0102民初567号', ('浙0102', '民初', 567)),  # plain brackets, written full-width
    (' （2026）浙01民终8号 ', ('浙01', '民终', 8)),
])
def test_court_numbers_in_the_2016_format_are_read(text, expected):
    number = parse_court_case_number(text, this_year=2026)
    assert (number.court, number.type_code, number.serial) == expected
    assert str(number).startswith('（2026）')


@pytest.mark.parametrize('text, words', [
    ('', '请填写法院案号'),
    ('2026浙0102民初567号', '不是有效的法院案号'),
    ('（2026）浙0102民初0号', '不是有效的法院案号'),
    ('（2026）浙0102人调字第1号', '不是有效的法院案号'),
    ('（2026）X0102民初5号', '不是有效的法院案号'),
    ('（2015）浙0102民初5号', '年份2015不对'),
    ('（2031）浙0102民初5号', '年份2031不对'),
])
def test_bad_court_numbers_are_refused_with_a_reason(text, words):
    with pytest.raises(CourtNumberInvalid) as refused:
        parse_court_case_number(text, this_year=2026)
    assert words in refused.value.message


# --------------------------------------------------------------------------- a case referred to the court

def referred(users, at):
    stage = accepted_stage(users.village, utc(2026, 9, 1))
    fire(stage, 'refer_to_court', users.village, at, reason='当事人坚持起诉')
    return court_stage_of(stage.case)


def test_a_referred_case_gets_the_courts_own_stage_steps_and_review_clock(db, orgs, users):
    court = referred(users, utc(2026, 9, 28))
    assert (court.kind, court.state, court.committee_id) == (StageKind.COURT, S.PENDING_ACCEPTANCE, orgs.court.id)
    # CPL Art 126: 7 days from 28 September is 5 October, in the National Day holiday: 8 October
    assert (court.clock, court.deadline_rule, court.due_on) == (Clock.COURT_REVIEW, 'court.review', date(2026, 10, 8))
    assert allowed_triggers(court, users.court) == ['decline', 'withdraw', 'court_receive']
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(court, 'accept', users.court, now=utc(2026, 9, 29))
    assert '收案' in refused.value.message and 'accept' not in refused.value.details['allowed']
    _db.session.rollback()
    court = _db.session.get(Stage, court.id)
    fire(court, 'court_receive', users.court, utc(2026, 9, 29))
    assert allowed_triggers(court, users.court) == ['withdraw', 'court_register']
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(court, 'court_register', users.court, data={'court_case_number': '（2026）浙0681民初'},
                         now=utc(2026, 9, 29))
    assert '不是有效的法院案号' in refused.value.message
    _db.session.rollback()
    court = _db.session.get(Stage, court.id)
    assert court.state == S.COURT_RECEIVED
    fire(court, 'court_register', users.court, utc(2026, 9, 29), court_case_number='(2026)浙0681民初567号')
    assert court.state == S.COURT_REGISTERED and court.court_case_number == '（2026）浙0681民初567号'
    # never a people's-mediation number on the court's stage
    assert court.case_number is None and court.number_serial is None
    assert allowed_triggers(court, users.court) == ['withdraw', 'send_down', 'file_case', 'transfer_to_trial']
    fire(court, 'file_case', users.court, utc(2026, 9, 30))
    assert court.state == S.CASE_FILED and court.due_on is None and court.clock is None
    assert allowed_triggers(court, users.court) == ['close']


def test_the_courts_review_clock_warns_like_every_other_deadline(db, orgs, users):
    court = referred(users, utc(2026, 9, 28))
    assert court.deadline_status(date(2026, 9, 28)) is None
    # two working days before 8 October, across the holiday: 29 September
    assert court.due_soon_on == date(2026, 9, 29)
    assert court.deadline_status(date(2026, 9, 29)).value == 'due_soon'
    report = sweep(utc(2026, 9, 29))
    assert report.reminded == 1
    [notice] = _db.session.scalars(sa.select(Notice).where(Notice.stage_id == court.id)).all()
    assert notice.organisation_id == orgs.court.id and '2026-10-08' in notice.message
    sweep(utc(2026, 10, 9))
    lapsed = _db.session.scalars(sa.select(Notice).where(Notice.stage_id == court.id, Notice.kind == 'overdue')).all()
    assert [n.organisation_id for n in lapsed] == [orgs.court.id] and '法院审查期限' in lapsed[0].message
    assert _db.session.get(Stage, court.id).state == S.PENDING_ACCEPTANCE  # a reminder, nothing moves


# --------------------------------------------------------------------------- sending a case down

def test_a_delegation_gives_the_committee_a_court_sent_stage_with_its_clocks(db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30))
    assert case.source == Source.COURT_DELEGATED
    court, committee = court_stage_of(case), committee_stage_of(case)
    assert (court.state, court.court_case_number, court.clock) == (S.SENT_DOWN, '（2026）浙0681民诉前调1234号', None)
    assert (committee.kind, committee.state, committee.committee_id, committee.court_id, committee.previous_stage_id) \
        == (StageKind.COURT_DELEGATED, S.PENDING_ACCEPTANCE, orgs.village_a1.id, orgs.court.id, court.id)
    # OL21 Art 12: 3 working days from 30 September: 8, 9 and the make-up Saturday 10 October
    assert (committee.clock, committee.due_on) == (Clock.ACCEPTANCE, date(2026, 10, 10))
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    # TY16 Art 21: 30 days from the receipt on 30 September
    assert (committee.deadline_rule, committee.due_on) == ('mediation.court_delegated', date(2026, 10, 30))
    assert committee.case_number.startswith('（2026）枫源人调字第')
    assert [e.kind for e in _db.session.scalars(sa.select(Event).where(Event.stage_id == court.id)
                                                .order_by(Event.id))] == ['created', 'send_down']


@pytest.mark.parametrize('kind, number, due', [
    ('court_entrusted', '（2026）浙0681民初567号', date(2026, 10, 15)),
    ('court_entrusted_summary', '（2026）浙0681民初568号', date(2026, 10, 8)),  # 7 October is a holiday
])
def test_entrusted_cases_run_fifteen_or_seven_days(db, orgs, users, roster, kind, number, due):
    case = delegate(users, orgs, utc(2026, 9, 30), kind=kind, court_case_number=number)
    assert case.source == Source.COURT_ENTRUSTED
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    assert (committee.kind.value, committee.due_on) == (kind, due)


@pytest.mark.parametrize('overrides, field, words', [
    ({'court_case_number': '（2026）浙0681民初567号'}, 'court_case_number', '民诉前调'),
    ({'court_case_number': '浙0681民诉前调1号'}, 'court_case_number', '不是有效的法院案号'),
    ({'kind': 'people'}, 'kind', '请选择委派调解'),
    ({'committee_id': None}, 'committee_id', '名册'),
    ({'title': '  '}, 'title', '纠纷名称'),
    ({'category_id': None}, 'category_id', '纠纷类型'),
    ({'parties': []}, 'parties', '当事人'),
])
def test_bad_delegations_are_refused_field_by_field(db, orgs, users, roster, overrides, field, words):
    with pytest.raises(ValidationFailed) as refused:
        delegate_case(users.court, delegation(orgs, **overrides), now=utc(2026, 9, 30))
    assert any(words in message for message in refused.value.details['errors'][field])
    _db.session.rollback()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Stage)) == 0


def test_only_the_roster_and_only_court_officers(db, orgs, users, roster):
    # 店口镇's village is not on the roster
    with pytest.raises(ValidationFailed) as refused:
        delegate_case(users.court, delegation(orgs, committee_id=orgs.village_b1.id), now=utc(2026, 9, 30))
    assert '不在本院特邀调解组织名册中' in refused.value.details['errors']['committee_id'][0]
    _db.session.rollback()
    court_service.set_invited(users.admin, orgs.court.id, orgs.village_a1.id, False)  # taken off
    with pytest.raises(ValidationFailed):
        delegate_case(users.court, delegation(orgs), now=utc(2026, 9, 30))
    _db.session.rollback()
    for user in (users.village, users.admin, users.district):
        with pytest.raises(PermissionDenied):
            delegate_case(user, delegation(orgs), now=utc(2026, 9, 30))
    with pytest.raises(PermissionDenied):
        court_service.set_invited(users.court, orgs.court.id, orgs.village_b1.id, True)


def test_the_same_court_number_is_not_registered_twice(db, orgs, users, roster):
    delegate(users, orgs, utc(2026, 9, 30))
    with pytest.raises(ValidationFailed) as refused:
        delegate_case(users.court, delegation(orgs), now=utc(2026, 9, 30))
    assert '已登记过' in refused.value.details['errors']['court_case_number'][0]


def test_an_extension_needs_both_parties_consent_recorded(db, orgs, users, roster):
    committee = committee_stage_of(delegate(users, orgs, utc(2026, 9, 30)))
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    with pytest.raises(InvalidTransition, match='双方当事人同意'):
        apply_transition(committee, 'extend', users.village, data={'unit': 'days', 'amount': 10},
                         now=utc(2026, 10, 20))
    _db.session.rollback()
    committee = _db.session.get(Stage, committee.id)
    fire(committee, 'extend', users.village, utc(2026, 10, 20), unit='days', amount=10, consent=True)
    assert committee.due_on == date(2026, 11, 9)
    [extension] = _db.session.scalars(sa.select(Event).where(Event.stage_id == committee.id,
                                                             Event.kind == 'extend')).all()
    assert extension.data['consent'] is True


# --------------------------------------------------------------------------- the result goes back, once

def returned_events(case):
    return _db.session.scalars(sa.select(Event).where(Event.case_id == case.id, Event.kind == 'receive_result')).all()


def test_a_failure_goes_back_to_the_court_with_a_closing_report(db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30))
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    fire(committee, 'record_failure', users.village, utc(2026, 10, 12), reason='被告拒绝调解')
    fire(committee, 'return_to_court', users.village, utc(2026, 10, 12), reason='被告拒绝调解，退回法院')
    court = court_stage_of(case)
    assert court.state == S.COURT_RETURNED
    # the court's review of the result: 7 days from 12 October
    assert (court.clock, court.due_on) == (Clock.COURT_REVIEW, date(2026, 10, 19))
    [event] = returned_events(case)
    assert event.stage_id == court.id and event.data['result'] == 'failure'
    assert event.data['committee'] == orgs.village_a1.name and '结案报告' in event.reason
    notices = _db.session.scalars(sa.select(Notice).where(Notice.organisation_id == orgs.court.id)).all()
    assert len(notices) == 1 and '退回法院' in notices[0].message
    # 委派: a failure is filed, not sent to trial
    assert allowed_triggers(court, users.court) == ['withdraw', 'file_case']
    assert court_service.inbox(users.court)[0].result == 'failure'


def test_an_agreement_goes_back_to_be_filed(db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30), kind='court_entrusted', court_case_number='（2026）浙0681民初567号')
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    agreement_records(committee, kind='oral', signed=())
    fire(committee, 'register_oral_agreement', users.village, utc(2026, 10, 9))
    court = court_stage_of(case)
    assert court.state == S.COURT_RETURNED and returned_events(case)[0].data['result'] == 'agreement'
    assert allowed_triggers(court, users.court) == ['withdraw', 'file_agreement']
    fire(court, 'file_agreement', users.court, utc(2026, 10, 10))
    assert court.state == S.AGREEMENT_FILED


def test_an_entrusted_failure_goes_back_to_trial(db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30), kind='court_entrusted', court_case_number='（2026）浙0681民初567号')
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    fire(committee, 'return_to_court', users.village, utc(2026, 10, 9), reason='差距过大')
    assert allowed_triggers(court_stage_of(case), users.court) == ['withdraw', 'transfer_to_trial']


def test_a_lapse_goes_back_once_however_often_the_sweep_runs(db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30))
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.village, utc(2026, 10, 8))  # due 30 October
    report = sweep(utc(2026, 11, 2))
    assert report.escalated['return_to_court'] == 1
    sweep(utc(2026, 11, 2, 15))
    sweep(utc(2026, 11, 3))
    assert committee_stage_of(case).state == S.RETURNED_TO_COURT
    court = court_stage_of(case)
    assert court.state == S.COURT_RETURNED and court.version == 3
    [event] = returned_events(case)
    assert event.data['result'] == 'lapse' and '期限届满' in event.reason


def test_two_sweeps_at_once_return_each_case_to_the_court_once(app, db, orgs, users, roster):
    from tests.test_concurrency_pg import run_threads
    from tests.test_concurrency_pg import sweep_in_session
    cases = [delegate(users, orgs, utc(2026, 9, 30), court_case_number=f'（2026）浙0681民诉前调{n}号')
             for n in range(1, 6)]
    for case in cases:
        fire(committee_stage_of(case), 'accept', users.village, utc(2026, 10, 8))
    case_ids = [case.id for case in cases]
    _db.session.remove()

    def work(index, barrier):
        barrier.wait()
        return sweep_in_session(utc(2026, 11, 2))

    reports = run_threads(app, 2, work)
    assert sum(report.escalated.get('return_to_court', 0) for report in reports) == 5
    states = _db.session.execute(sa.select(Stage.kind, Stage.state).where(Stage.case_id.in_(case_ids))).all()
    assert sorted((kind.value, state.value) for kind, state in states) == \
        [('court', 'court_returned')] * 5 + [('court_delegated', 'returned_to_court')] * 5
    returns = _db.session.scalars(sa.select(Event.case_id).where(Event.kind == 'receive_result')).all()
    assert sorted(returns) == sorted(case_ids)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.kind == 'returned')) == 5


# --------------------------------------------------------------------------- jurisdiction

def test_another_courts_officer_sees_nothing_and_can_do_nothing(db, orgs, users, roster):
    other_court = org_service.create_organisation(kind='court', name='绍兴市越城区人民法院', short_name='越城法院',
                                                  code='COURT-YC')
    _db.session.commit()
    stranger = make_user('other_court', Role.COURT_OFFICER, other_court)
    case = delegate(users, orgs, utc(2026, 9, 30))
    referred(users, utc(2026, 9, 28))
    assert _db.session.scalars(visible_cases(stranger)).all() == []
    with pytest.raises(NotFound):
        get_visible_case(stranger, case.id)
    court = court_stage_of(case)
    assert allowed_triggers(court, stranger) == []
    with pytest.raises(PermissionDenied):
        apply_transition(committee_stage_of(case), 'return_to_court', stranger, now=utc(2026, 10, 1))
    assert court_service.inbox(stranger) == [] and court_service.sent_down(stranger) == []
    # their own court's officer sees both cases
    assert len(_db.session.scalars(visible_cases(users.court)).all()) == 2
    assert [item.court_stage.case_id for item in court_service.sent_down(users.court)] == [case.id]


def test_a_committee_cannot_send_a_case_down_or_act_for_the_court(db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30))
    court = court_stage_of(case)
    assert allowed_triggers(court, users.village) == []
    with pytest.raises(PermissionDenied):
        apply_transition(court, 'file_case', users.village, now=utc(2026, 10, 1))


def test_no_peoples_mediation_buttons_on_a_court_stage(db, orgs, users):
    stage = make_case(users.village, now=utc(2026, 9, 1)).stages[0]
    fire(stage, 'accept', users.village, utc(2026, 9, 1))
    court = referred(users, utc(2026, 9, 28))
    committee_triggers = {'accept', 'pause', 'extend', 'refer_up', 'refer_to_court', 'terminate', 'draft_agreement'}
    for state in (S.PENDING_ACCEPTANCE, S.COURT_RECEIVED, S.COURT_REGISTERED):
        assert not committee_triggers & set(allowed_triggers(court, users.court))
        if court.state == S.PENDING_ACCEPTANCE:
            fire(court, 'court_receive', users.court, utc(2026, 9, 29))
        elif court.state == S.COURT_RECEIVED:
            fire(court, 'court_register', users.court, utc(2026, 9, 29), court_case_number='（2026）浙0681民初1号')


# --------------------------------------------------------------------------- the court officer's pages

def session_about(stage, user, at, text='被告当庭表示愿意让步赔偿八千元'):
    from mediation.services import records
    return records.add_session(stage, user, records.SessionInput(
        held_at=at, place='调解室', mediators=user.display_name, parties_present='双方',
        statements=[records.StatementInput(stage.case.parties[0].id, text)], outcome='not_agreed'), now=at)


def returned_case(users, orgs):
    case = delegate(users, orgs, utc(2026, 9, 30))
    committee = committee_stage_of(case)
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    session_about(committee, users.village, utc(2026, 10, 9))
    _db.session.commit()
    fire(committee, 'record_failure', users.village, utc(2026, 10, 12), reason='差距过大')
    fire(committee, 'return_to_court', users.village, utc(2026, 10, 12), reason='双方差距过大，调解不成')
    return case


def test_the_inbox_lists_what_waits_with_the_next_step_and_the_closing_report(client, login, db, orgs, users, roster):
    case = returned_case(users, orgs)
    court = referred(users, utc(2026, 9, 28))
    login(users.court)
    page = client.get('/court/').get_data(as_text=True)
    assert case.title in page and court.case.title in page
    assert '调解不成' in page and '结案报告' in page and '双方差距过大，调解不成' in page
    assert '登记立案' in page and '收案' in page  # the next steps: file the returned case, receive the referral
    assert '已达成协议' not in page
    [event] = returned_events(case)
    report = client.get(f'/court/reports/{event.id}')
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert '委派（委托）调解结案报告' in text and '（2026）浙0681民诉前调1234号' in text and '共组织调解1次' in text
    assert '双方差距过大，调解不成' in text and '被告当庭表示愿意让步赔偿八千元' not in text
    nav = client.get('/').get_data(as_text=True)
    for label in ('法院收案', '委派委托', '委派调解'):
        assert label in nav


def test_the_sent_list_shows_the_time_left(client, login, db, orgs, users, roster):
    case = delegate(users, orgs, utc(2026, 9, 30))
    fire(committee_stage_of(case), 'accept', users.village, utc(2026, 10, 8))
    login(users.court)
    page = client.get('/court/sent').get_data(as_text=True)
    assert case.title in page and '（2026）浙0681民诉前调1234号' in page and orgs.village_a1.committee_name in page
    assert '2026-10-30' in page and ' 日' in page


def test_the_delegation_form_keeps_what_was_typed_and_says_what_is_wrong(client, login, db, orgs, users, roster):
    login(users.court)
    page = client.get('/court/delegate').get_data(as_text=True)
    assert orgs.village_a1.committee_name in page and orgs.village_b1.committee_name not in page
    form = {'kind': 'court_delegated', 'court_case_number': '（2026）浙0681民初9号', 'committee_id': orgs.village_a1.id,
            'title': '房屋租赁合同纠纷', 'category_id': category('LL').id, 'facts': '拖欠房租', 'reason': '',
            'parties-0-role': 'applicant', 'parties-0-kind': 'person', 'parties-0-name': '王五',
            'parties-1-role': 'respondent', 'parties-1-kind': 'person', 'parties-1-name': '赵六'}
    refused = client.post('/court/delegate', data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert '民诉前调' in text and '房屋租赁合同纠纷' in text and '赵六' in text
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Stage)) == 0
    done = client.post('/court/delegate', data={**form, 'court_case_number': '（2026）浙0681民诉前调9号'})
    assert done.status_code == 302
    case_page = client.get(done.headers['Location']).get_data(as_text=True)
    assert '委派（委托）调解中' in case_page and '（2026）浙0681民诉前调9号' in case_page
    assert '人调字' not in case_page


def test_the_court_sees_no_transcripts_until_both_parties_agree(client, login, db, orgs, users, roster):
    case = returned_case(users, orgs)
    login(users.court)
    page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    assert '被告当庭表示愿意让步赔偿八千元' not in page
    assert '未经双方当事人同意不向法院提供' in page
    assert client.get(f'/cases/{case.id}/documents/session_record').status_code in (403, 404)
    client.post('/logout')
    login(users.village)
    village_page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    assert '被告当庭表示愿意让步赔偿八千元' in village_page and '记录双方当事人同意法院查阅调解记录' in village_page
    assert client.post(f'/cases/{case.id}/disclose-records', data={'reason': ''}).status_code == 422
    assert client.post(f'/cases/{case.id}/disclose-records',
                       data={'reason': '2026年10月12日双方当面书面同意'}).status_code == 302
    client.post('/logout')
    login(users.court)
    assert '被告当庭表示愿意让步赔偿八千元' in client.get(f'/cases/{case.id}').get_data(as_text=True)


def test_court_pages_are_the_courts_alone(client, login, db, orgs, users, roster):
    other_court = org_service.create_organisation(kind='court', name='绍兴市越城区人民法院', short_name='越城法院',
                                                  code='COURT-YC')
    _db.session.commit()
    stranger = make_user('other_court', Role.COURT_OFFICER, other_court)
    case = returned_case(users, orgs)
    login(users.village)
    assert client.get('/court/').status_code == 403
    client.post('/logout')
    login(stranger)
    assert case.title not in client.get('/court/').get_data(as_text=True)
    assert client.get(f'/cases/{case.id}').status_code == 404
    assert orgs.village_a1.committee_name not in client.get('/court/delegate').get_data(as_text=True)
    [event] = returned_events(case)
    assert client.get(f'/court/reports/{event.id}').status_code == 404


def test_the_court_acts_on_its_stage_from_the_case_page(client, login, db, orgs, users):
    court = referred(users, utc(2026, 9, 28))
    login(users.court)
    page = client.get(f'/cases/{court.case_id}').get_data(as_text=True)
    assert '确认：收案' in page and '确认：受理' not in page and '确认：移送法院' not in page
    client.post(f'/cases/{court.case_id}/stages/{court.id}/transition',
                data={'trigger': 'court_receive', 'version': court.version})
    _db.session.expire_all()
    court = _db.session.get(Stage, court.id)
    bad = client.post(f'/cases/{court.case_id}/stages/{court.id}/transition',
                      data={'trigger': 'court_register', 'version': court.version, 'court_case_number': '民初第1号'})
    assert bad.status_code == 422 and '不是有效的法院案号' in bad.get_data(as_text=True)
    ok = client.post(f'/cases/{court.case_id}/stages/{court.id}/transition',
                     data={'trigger': 'court_register', 'version': court.version,
                           'court_case_number': '（2026）浙0681民初77号'})
    assert ok.status_code == 302
    assert _db.session.get(Stage, court.id).court_case_number == '（2026）浙0681民初77号'


def test_administrators_keep_the_roster(client, login, db, orgs, users):
    login(users.admin)
    page = client.get(f'/admin/courts/{orgs.court.id}/roster').get_data(as_text=True)
    assert orgs.village_a1.committee_name in page and '列入名册' in page
    assert client.post(f'/admin/courts/{orgs.court.id}/roster',
                       data={'committee_id': orgs.village_a1.id, 'active': '1'}).status_code == 302
    assert [row.committee_id for row in court_service.roster_rows(orgs.court.id) if row.active] == [orgs.village_a1.id]
    assert '在名册中' in client.get(f'/admin/courts/{orgs.court.id}/roster').get_data(as_text=True)
    client.post(f'/admin/courts/{orgs.court.id}/roster', data={'committee_id': orgs.village_a1.id, 'active': '0'})
    assert [row.active for row in court_service.roster_rows(orgs.court.id)] == [False]
    assert client.get(f'/admin/courts/{orgs.village_a1.id}/roster').status_code == 404
    client.post('/logout')
    login(users.court)
    assert client.get(f'/admin/courts/{orgs.court.id}/roster').status_code == 403


@pytest.mark.parametrize('trigger, before, result', [
    ('decline', None, 'declined'),
    ('withdraw', 'accept', 'withdrawn'),
    ('terminate', 'accept', 'failure'),
])
def test_a_court_sent_case_ended_any_other_way_goes_back_to_the_court(
        db, orgs, users, roster, trigger, before, result):
    case = delegate(users, orgs, utc(2026, 9, 30))
    committee = committee_stage_of(case)
    if before:
        fire(committee, before, users.village, utc(2026, 10, 8))
    fire(committee, trigger, users.village, utc(2026, 10, 9), reason='原因')
    court = court_stage_of(case)
    assert court.state == S.COURT_RETURNED
    [event] = returned_events(case)
    assert event.data['result'] == result
    assert allowed_triggers(court, users.court) == ['withdraw', 'file_case']


def test_the_closing_report_is_a_document_of_the_returned_stage(client, login, db, orgs, users, roster):
    from io import BytesIO

    from pypdf import PdfReader
    case = returned_case(users, orgs)
    login(users.court)
    page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    assert '委派（委托）调解结案报告' in page and 'documents/session_record' not in page
    response = client.get(f'/cases/{case.id}/documents/closing_report')
    assert response.status_code == 200 and response.mimetype == 'application/pdf'
    text = ''.join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages).replace(' ', '').replace('\n', '')
    assert '结案报告' in text and '浙0681民诉前调1234号' in text and '共组织调解1次' in text
    assert '双方差距过大' in text and '被告当庭表示愿意让步赔偿八千元' not in text


def test_a_court_sent_case_is_not_referred_on_but_returned(db, orgs, users, roster):
    committee = committee_stage_of(delegate(users, orgs, utc(2026, 9, 30)))
    fire(committee, 'accept', users.village, utc(2026, 10, 8))
    fire(committee, 'record_failure', users.village, utc(2026, 10, 9), reason='差距过大')
    allowed = allowed_triggers(committee, users.village)
    assert 'return_to_court' in allowed and 'refer_up' not in allowed and 'refer_to_court' not in allowed
    with pytest.raises(InvalidTransition, match='应退回法院'):
        apply_transition(committee, 'refer_up', users.village, data={'consent': True}, now=utc(2026, 10, 9))


def test_the_court_downloads_the_transfer_package_from_its_inbox(client, login, db, orgs, users, roster):
    import io
    import json
    import zipfile
    case = returned_case(users, orgs)
    login(users.court)
    inbox = client.get('/court/').get_data(as_text=True)
    assert f'/court/cases/{case.id}/package' in inbox
    response = client.get(f'/court/cases/{case.id}/package')
    assert response.status_code == 200 and response.mimetype == 'application/zip'
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        manifest = json.loads(package.read('manifest.json'))
        assert manifest['case']['id'] == case.id
        assert 'SHA256SUMS' in package.namelist()
    client.post('/logout')
    other_court = org_service.create_organisation(kind='court', name='绍兴市越城区人民法院', short_name='越城法院',
                                                  code='COURT-YC')
    _db.session.commit()
    login(make_user('other_court', Role.COURT_OFFICER, other_court))
    assert client.get(f'/court/cases/{case.id}/package').status_code == 404
    client.post('/logout')
    login(users.village)
    assert client.get(f'/court/cases/{case.id}/package').status_code == 403
