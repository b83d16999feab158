"""Deadlines derived from recorded events (services.deadlines), calendar edits, and the deadline CLI.

Timestamps are naive UTC; deadlines count China's calendar days. The worked dates come from
domain.md §7.2 (checked against chinesecalendar 1.11.0).
"""
import json
from datetime import date
from datetime import datetime

import pytest
import sqlalchemy as sa

from mediation.extensions import db as _db
from mediation.models import CalendarDay
from mediation.models import Stage
from mediation.services import calendar as calendar_service
from mediation.services.deadlines import explain
from mediation.services.deadlines import rebuild_all
from mediation.services.deadlines import refresh_deadline
from tests.factories import make_case
from tests.factories import make_user
from tests.helpers import accepted_stage
from tests.helpers import agreement_records
from tests.helpers import fire
from tests.helpers import sweep
from tests.helpers import utc
from workflows.enums import Clock
from workflows.enums import Role
from workflows.enums import StageKind
from workflows.states import State

S = State
DERIVED = ('clock', 'deadline_rule', 'due_on', 'due_soon_on', 'due_provisional')


@pytest.fixture
def handler(db, orgs):
    return make_user('fy_handler', Role.VILLAGE_MEDIATOR, orgs.village_a1)


# --------------------------------------------------------------------------- the statutory rules

def test_acceptance_starts_one_month_counted_in_china_time(db, handler):
    # 2026-01-17 10:00 in China is 02:00 UTC; one month → 2026-02-17, inside the Spring Festival → 2026-02-24.
    stage = accepted_stage(handler, datetime(2026, 1, 17, 2, 0))
    assert (stage.clock, stage.deadline_rule, stage.due_on, stage.due_provisional) == (
        Clock.MEDIATION, 'mediation.village', date(2026, 2, 24), False)
    # due soon 5 working days before: 14 Feb is a make-up Saturday, 15–23 Feb are the holiday.
    assert stage.due_soon_on == date(2026, 2, 10)
    assert stage.next_check_on == stage.due_soon_on
    steps = explain(stage).deadline.explanation
    assert steps[0]['rule'] == 'mediation.village'
    assert any(step['code'] == 'rest_day' or '春节' in step['text'] for step in steps), steps


def test_the_china_date_not_the_utc_date_starts_the_clock(db, handler):
    # 01:00 on 10 March in China is still 9 March in UTC: the month runs from 10 March.
    stage = accepted_stage(handler, datetime(2026, 3, 9, 17, 0))
    assert stage.due_on == date(2026, 4, 10)
    stage = accepted_stage(handler, datetime(2026, 3, 9, 15, 59))  # 23:59 on 9 March in China
    assert stage.due_on == date(2026, 4, 9)


@pytest.mark.parametrize('accepted, due', [
    (date(2026, 1, 17), date(2026, 2, 24)),   # Spring Festival rest day rolls forward
    (date(2026, 1, 31), date(2026, 2, 28)),   # month-end rule; 28 Feb is a make-up Saturday: no roll
    (date(2026, 9, 7), date(2026, 10, 8)),    # National Day
])
def test_worked_month_periods(db, handler, accepted, due):
    stage = accepted_stage(handler, utc(accepted.year, accepted.month, accepted.day, 1))  # 01:00 China time
    assert stage.due_on == due


def test_court_delegated_stage_runs_thirty_days_from_receipt(db, orgs, handler):
    case = make_case(handler, now=utc(2026, 2, 12))
    stage = case.stages[0]
    stage.kind, stage.court_id = StageKind.COURT_DELEGATED, orgs.court.id
    refresh_deadline(stage)
    _db.session.commit()
    fire(stage, 'accept', handler, utc(2026, 2, 25))
    # 30 days from the receipt on 2026-02-12 → Saturday 2026-03-14 → Monday 2026-03-16.
    assert (stage.deadline_rule, stage.due_on) == ('mediation.court_delegated', date(2026, 3, 16))


def test_referral_must_be_accepted_within_three_working_days(db, orgs, handler):
    stage = accepted_stage(handler, utc(2026, 1, 5))
    fire(stage, 'refer_up', handler, utc(2026, 2, 12), consent=True)
    town = _db.session.scalars(sa.select(Stage).where(Stage.previous_stage_id == stage.id)).one()
    assert (town.clock, town.deadline_rule, town.due_on) == (Clock.ACCEPTANCE, 'acceptance', date(2026, 2, 24))


def test_agreement_starts_the_judicial_confirmation_window(db, handler):
    stage = accepted_stage(handler, utc(2026, 3, 2))
    agreement_records(stage, kind='oral', signed=())
    fire(stage, 'register_oral_agreement', handler, utc(2026, 3, 5))
    # 30 days from 2026-03-05 → Saturday 2026-04-04, then Qingming 4–6 April → 2026-04-07.
    assert (stage.clock, stage.deadline_rule, stage.due_on) == (Clock.JC_APPLY, 'jc_apply', date(2026, 4, 7))
    fire(stage, 'apply_judicial_confirmation', handler, utc(2026, 3, 20), court='诸暨市人民法院')
    assert (stage.clock, stage.due_on, stage.next_check_on) == (None, None, None)


# --------------------------------------------------------------------------- pauses and extensions

def test_pause_stops_the_clock_and_resume_moves_the_due_date_by_the_paused_days(db, handler):
    stage = accepted_stage(handler, utc(2026, 3, 2))
    assert stage.due_on == date(2026, 4, 2)
    fire(stage, 'pause', handler, utc(2026, 3, 10), reason='等待伤情鉴定', requested_by='申请人')
    assert stage.state == S.PAUSED
    assert stage.clock == Clock.MEDIATION
    assert (stage.due_on, stage.due_soon_on, stage.due_provisional, stage.next_check_on) == (None, None, False, None)
    fire(stage, 'resume', handler, utc(2026, 3, 20))
    # Paused 10 to 20 March: 10 days. 2 April + 10 = Sunday 12 April → Monday 13 April.
    assert stage.due_on == date(2026, 4, 13)
    assert stage.next_check_on == stage.due_soon_on is not None
    pause_steps = [step for step in explain(stage).deadline.explanation if step['code'] == 'pause']
    assert [step['days'] for step in pause_steps] == [10]


def test_a_second_pause_adds_its_days_too(db, handler):
    stage = accepted_stage(handler, utc(2026, 3, 2))
    fire(stage, 'pause', handler, utc(2026, 3, 10), reason='等待鉴定', requested_by='申请人')
    fire(stage, 'resume', handler, utc(2026, 3, 20))
    fire(stage, 'pause', handler, utc(2026, 3, 23), reason='当事人住院', requested_by='被申请人')
    fire(stage, 'resume', handler, utc(2026, 3, 28))
    # 2 April + 10 + 5 = Friday 17 April.
    assert stage.due_on == date(2026, 4, 17)


def test_extension_adds_to_the_due_date(db, handler):
    stage = accepted_stage(handler, utc(2026, 3, 2))
    fire(stage, 'extend', handler, utc(2026, 3, 25), consent=True, unit='days', amount=10)
    # 10 days after 2 April → Sunday 12 April → Monday 13 April.
    assert (stage.state, stage.due_on) == (S.MEDIATING, date(2026, 4, 13))
    fire(stage, 'extend', handler, utc(2026, 4, 10), consent=True, unit='months', amount=1)
    # A month after 13 April → Wednesday 13 May.
    assert stage.due_on == date(2026, 5, 13)
    assert stage.version == 4


# --------------------------------------------------------------------------- years without holiday data

def test_a_deadline_in_a_year_without_data_is_provisional_and_recomputed_when_the_year_is_entered(db, handler):
    stage = accepted_stage(handler, utc(2026, 12, 20))
    # Mon–Fri fallback: 20 January 2027 is a Wednesday.
    assert (stage.due_on, stage.due_provisional) == (date(2027, 1, 20), True)
    other = accepted_stage(handler, utc(2026, 3, 2))  # not touched by 2027
    assert stage.next_check_on == stage.due_soon_on
    old_soon = stage.due_soon_on

    message = calendar_service.set_day(date(2027, 1, 20), False, '测试假日', actor=None)
    _db.session.commit()
    assert '2027-01-20' in message
    assert 2027 in calendar_service.known_years()
    _db.session.expire_all()
    stage = _db.session.get(Stage, stage.id)
    assert (stage.due_on, stage.due_provisional) == (date(2027, 1, 21), False)
    assert stage.due_soon_on == old_soon == date(2027, 1, 13)  # the holiday is not counted either way
    assert stage.next_check_on == stage.due_soon_on
    assert _db.session.get(Stage, other.id).due_on == date(2026, 4, 2)


def test_removing_the_day_again_restores_the_plain_rule(db, handler):
    stage = accepted_stage(handler, utc(2026, 12, 20))
    calendar_service.set_day(date(2027, 1, 20), False, '测试假日', actor=None)
    _db.session.commit()
    assert _db.session.get(Stage, stage.id).due_on == date(2027, 1, 21)
    calendar_service.remove_day(date(2027, 1, 20), actor=None)
    _db.session.commit()
    _db.session.expire_all()
    # The year stays known (it was entered); only the holiday is gone.
    assert (_db.session.get(Stage, stage.id).due_on, _db.session.get(Stage, stage.id).due_provisional) == (
        date(2027, 1, 20), False)


def test_the_calendar_includes_this_sessions_unsaved_edits(db):
    """The cache reads on the session's connection; an edit not yet flushed must not be missed."""
    day = date(2026, 6, 1)  # a Monday
    assert calendar_service.current_calendar().is_workday(day)
    _db.session.add(CalendarDay(day=day, is_workday=False, name='测试假日', source='admin'))
    assert not calendar_service.current_calendar().is_workday(day)
    _db.session.rollback()
    assert calendar_service.current_calendar().is_workday(day)


# --------------------------------------------------------------------------- rebuild == incremental

def snapshot():
    rows = _db.session.execute(sa.select(Stage.id, *(getattr(Stage, name) for name in DERIVED))
                               .order_by(Stage.id)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_rebuild_from_history_equals_the_incremental_columns(db, orgs, users):
    v, town, district = users.village, users.town, users.district
    c = utc  # shorthand
    made = []
    # Pending at intake (acceptance clock), accepted, paused, resumed, extended, agreed, closed ...
    made.append(make_case(v, now=c(2026, 1, 17)).stages[0])
    made.append(accepted_stage(v, c(2026, 1, 17)))
    s = accepted_stage(v, c(2026, 3, 2))
    fire(s, 'pause', v, c(2026, 3, 10), reason='鉴定', requested_by='申请人')
    made.append(s)
    s = accepted_stage(v, c(2026, 3, 2))
    fire(s, 'pause', v, c(2026, 3, 10), reason='鉴定', requested_by='申请人')
    fire(s, 'resume', v, c(2026, 3, 20))
    fire(s, 'extend', v, c(2026, 4, 1), consent=True, unit='workdays', amount=5)
    made.append(s)
    s = accepted_stage(v, c(2026, 9, 7))
    agreement_records(s, signed=())
    fire(s, 'draft_agreement', v, c(2026, 9, 20))
    made.append(s)
    s = accepted_stage(v, c(2026, 9, 7))
    agreement_records(s, sealed=True)
    fire(s, 'draft_agreement', v, c(2026, 9, 20))
    fire(s, 'sign_agreement', v, c(2026, 9, 22))
    made.append(s)
    s = accepted_stage(v, c(2026, 5, 6))
    agreement_records(s, kind='oral', signed=())
    fire(s, 'register_oral_agreement', v, c(2026, 5, 8))
    fire(s, 'apply_judicial_confirmation', v, c(2026, 5, 9), court='诸暨市人民法院')
    made.append(s)
    s = accepted_stage(v, c(2026, 5, 6))
    fire(s, 'record_failure', v, c(2026, 5, 20), reason='分歧较大')
    made.append(s)
    s = accepted_stage(v, c(2026, 5, 6))
    fire(s, 'terminate', v, c(2026, 5, 21), reason='当事人拒绝继续调解')
    fire(s, 'close', v, c(2026, 5, 22))
    # Referred up by hand, accepted by the town, then referred to the court.
    s = accepted_stage(v, c(2026, 6, 1))
    fire(s, 'refer_up', v, c(2026, 6, 10), consent=True)
    t = _db.session.scalars(sa.select(Stage).where(Stage.previous_stage_id == s.id)).one()
    fire(t, 'accept', town, c(2026, 6, 11), consent=True)
    fire(t, 'record_failure', town, c(2026, 7, 1), reason='调解不成')
    fire(t, 'refer_to_court', town, c(2026, 7, 2), reason='移送法院')
    # A court-delegated stage, and a district stage.
    s = make_case(v, now=c(2026, 8, 3)).stages[0]
    s.kind, s.court_id = StageKind.COURT_DELEGATED, orgs.court.id
    refresh_deadline(s)
    _db.session.commit()
    fire(s, 'accept', v, c(2026, 8, 4))
    accepted_stage(district, c(2026, 8, 4))
    # Cases that run into 2027 (provisional), some of them referred up by the sweep.
    for day in (10, 20, 28):
        accepted_stage(v, c(2026, 12, day))
    accepted_stage(town, c(2026, 11, 2))
    report = sweep(c(2026, 12, 31))
    assert report.escalated['refer_up'] >= 2 and report.escalated['flag_for_decision'] == 1
    # ... and a calendar edit that moves some of them.
    calendar_service.set_day(date(2027, 1, 20), False, '测试假日', actor=None)
    _db.session.commit()
    accepted_stage(v, c(2027, 12, 15))  # runs into 2028, which nobody entered

    incremental = snapshot()
    assert len(incremental) >= 20
    assert len({values for values in incremental.values()}) >= 10  # a varied set, not all alike
    assert any(values[4] for values in incremental.values())  # some provisional ones left
    assert any(values[0] == Clock.ACCEPTANCE for values in incremental.values())
    assert any(values[0] == Clock.JC_APPLY for values in incremental.values())

    _db.session.execute(sa.update(Stage).values(clock=None, deadline_rule=None, due_on=None, due_soon_on=None,
                                                due_provisional=False)
                        .execution_options(synchronize_session=False))
    _db.session.commit()
    _db.session.expire_all()
    assert all(values == (None, None, None, None, False) for values in snapshot().values())
    changed = rebuild_all()
    _db.session.commit()
    _db.session.expire_all()
    assert snapshot() == incremental
    assert changed == sum(values != (None, None, None, None, False) for values in incremental.values())
    # A second rebuild finds nothing to change.
    assert rebuild_all() == 0


# --------------------------------------------------------------------------- the CLI

def test_cli_deadline_json(runner):
    result = runner.invoke(args=['deadline', '2026-09-29', '--workdays', '7', '--json'])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body['due'] == '2026-10-14'
    assert body['provisional'] is False
    assert isinstance(body['explanation'], list) and body['explanation']
    assert all('text' in step for step in body['explanation'])
    assert any('国庆' in step['text'] for step in body['explanation'])


@pytest.mark.parametrize('args, due', [
    (['2026-01-17', '--months', '1'], '2026-02-24'),
    (['2026-02-12', '--days', '30'], '2026-03-16'),
    (['2026-02-12', '--workdays', '3'], '2026-02-24'),
    (['2026-09-18', '--workdays', '2'], '2026-09-21'),
])
def test_cli_deadline_worked_dates(runner, args, due):
    result = runner.invoke(args=['deadline', *args, '--json'])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)['due'] == due


def test_cli_deadline_into_a_year_without_data_is_provisional(runner):
    result = runner.invoke(args=['deadline', '2027-03-01', '--days', '10', '--json'])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body['due'], body['provisional']) == ('2027-03-11', True)
    plain = runner.invoke(args=['deadline', '2026-12-20', '--months', '1'])
    assert plain.exit_code == 0
    assert '2027-01-20' in plain.output and '暂定' in plain.output


@pytest.mark.parametrize('args, exit_code, says', [
    (['deadline', '2026-02-30', '--days', '3'], 2, '不是有效日期'),
    (['deadline', 'tomorrow', '--days', '3'], 2, '不是有效日期'),
    (['deadline', '2026-03-01'], 2, '--days'),
    (['deadline', '2026-03-01', '--days', '3', '--months', '1'], 2, '其中之一'),
    (['deadline', '2026-03-01', '--days', '0'], 2, '--days'),
    (['deadline', '2026-03-01', '--workdays', 'many'], 2, '--workdays'),
    (['calendar', 'set', '2026-13-01', 'holiday'], 2, '不是有效日期'),
    (['calendar', 'set', '2026-10-10', 'sometimes'], 2, 'workday'),
    (['calendar', 'load', '2027'], 1, '2027'),
    (['calendar', 'load', 'next'], 2, 'YEAR'),
])
def test_cli_bad_input_is_a_clear_error_without_a_traceback(runner, args, exit_code, says):
    result = runner.invoke(args=args)
    assert result.exit_code == exit_code, result.output
    assert says in result.output
    assert 'Traceback' not in result.output
    assert isinstance(result.exception, SystemExit)


def test_cli_calendar_set_load_and_status(app, runner):
    result = runner.invoke(args=['calendar', 'status'])
    assert result.exit_code == 0, result.output
    assert '2004–2026' in result.output

    result = runner.invoke(args=['calendar', 'set', '2027-01-20', 'holiday', '测试假日'])
    assert result.exit_code == 0, result.output
    assert '2027-01-20' in result.output and '休息日' in result.output
    result = runner.invoke(args=['calendar', 'set', '2027-02-06', 'workday'])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=['calendar', 'status'])
    assert '2004–2027' in result.output

    result = runner.invoke(args=['calendar', 'load', '2026'])
    assert result.exit_code == 0, result.output
    assert '2026' in result.output
    with app.app_context():
        days = {row.day: row for row in _db.session.scalars(sa.select(CalendarDay).where(
            CalendarDay.day.in_([date(2026, 2, 17), date(2026, 2, 14), date(2027, 1, 20), date(2027, 2, 6)])))}
        assert (days[date(2026, 2, 17)].is_workday, days[date(2026, 2, 17)].name) == (False, '春节')
        assert days[date(2026, 2, 14)].is_workday is True
        assert (days[date(2027, 1, 20)].is_workday, days[date(2027, 1, 20)].source) == (False, 'cli')
        assert days[date(2027, 2, 6)].is_workday is True
        _db.session.remove()
    # The CLI and the services count with the edited calendar.
    result = runner.invoke(args=['deadline', '2027-01-19', '--workdays', '1', '--json'])
    assert json.loads(result.output)['due'] == '2027-01-21'
    result = runner.invoke(args=['deadline', '2027-02-05', '--workdays', '1', '--json'])
    assert json.loads(result.output)['due'] == '2027-02-06'


def test_cli_calendar_load_recomputes_open_deadlines(db, handler, runner):
    stage = accepted_stage(handler, utc(2026, 1, 17))
    _db.session.execute(sa.update(Stage).where(Stage.id == stage.id).values(due_on=date(2026, 2, 17))
                        .execution_options(synchronize_session=False))
    _db.session.commit()
    result = runner.invoke(args=['calendar', 'load', '2026'])
    assert result.exit_code == 0, result.output
    assert '重算了 1 个阶段' in result.output
    _db.session.expire_all()
    assert _db.session.get(Stage, stage.id).due_on == date(2026, 2, 24)
