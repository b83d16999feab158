"""The deadline sweep (services.sweep): reminders, expiry actions exactly once, the CLI, the index.

Runs on SQLite and on PostgreSQL (DATABASE_URL). Dates are China dates; the sweep takes the
naive-UTC "now" the columns store.
"""
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from mediation.cli import sweep_in_batches
from mediation.extensions import db as _db
from mediation.models import Event
from mediation.models import Notice
from mediation.models import Stage
from mediation.services.dashboard import recent_notices
from mediation.services.sweep import sweep as sweep_batch
from mediation.services.transitions import apply_transition
from tests.factories import make_case
from tests.helpers import accepted_stage
from tests.helpers import agreement_records
from tests.helpers import fire
from tests.helpers import sweep
from tests.helpers import utc
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import StageKind
from workflows.states import State

S = State


def rows(model, *where):
    return _db.session.scalars(sa.select(model).where(*where).order_by(model.id)).all()


def notices(stage_id, kind=None):
    where = [Notice.stage_id == stage_id] + ([Notice.kind == kind] if kind else [])
    return [(n.organisation_id, n.kind, n.day) for n in rows(Notice, *where)]


def claims(stage_id=None):
    """(stage, event kind, claim key) of the events that claimed a lapse."""
    where = [Event.claim_key.is_not(None)] + ([Event.stage_id == stage_id] if stage_id else [])
    return [(e.stage_id, e.kind, e.claim_key) for e in rows(Event, *where)]


def successor(stage_id):
    return _db.session.scalars(sa.select(Stage).where(Stage.previous_stage_id == stage_id)).all()


# --------------------------------------------------------------------------- reminders

def test_due_soon_stage_gets_one_notice_per_day(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    assert (stage.due_on, stage.due_soon_on) == (date(2026, 4, 2), date(2026, 3, 26))
    stage_id = stage.id

    report = sweep(utc(2026, 3, 25))  # the day before: nothing to look at
    assert (report.examined, report.reminded) == (0, 0)
    assert notices(stage_id, 'due_soon') == []

    report = sweep(utc(2026, 3, 26))
    assert (report.examined, report.reminded) == (1, 1)
    assert notices(stage_id, 'due_soon') == [(orgs.village_a1.id, 'due_soon', date(2026, 3, 26))]
    # Again the same day (a second server, a later run): still one notice.
    sweep(utc(2026, 3, 26, 17))
    assert len(notices(stage_id, 'due_soon')) == 1
    _db.session.execute(sa.update(Stage).where(Stage.id == stage_id).values(next_check_on=date(2026, 3, 26)))
    _db.session.commit()
    report = sweep(utc(2026, 3, 26, 18))  # even when it does look again
    assert report.examined == 1
    assert len(notices(stage_id, 'due_soon')) == 1
    # The next day: another one.
    sweep(utc(2026, 3, 27))
    assert [day for _, _, day in notices(stage_id, 'due_soon')] == [date(2026, 3, 26), date(2026, 3, 27)]
    stage = _db.session.get(Stage, stage_id)
    assert (stage.state, stage.version) == (S.MEDIATING, 2)
    assert claims() == []


# --------------------------------------------------------------------------- expiry actions

def test_overdue_village_stage_is_referred_up_by_the_system(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    stage_id = stage.id
    report = sweep(utc(2026, 4, 2, 23))  # the last day itself is not overdue
    assert report.escalated.get('refer_up', 0) == 0
    assert _db.session.get(Stage, stage_id).state == S.MEDIATING

    report = sweep(utc(2026, 4, 3))  # Friday 3 April
    assert dict(report.escalated) == {'refer_up': 1}
    stage = _db.session.get(Stage, stage_id)
    assert (stage.state, stage.version, stage.clock, stage.due_on, stage.next_check_on) == (
        S.REFERRED_UP, 3, None, None, None)
    assert stage.ended_at == utc(2026, 4, 3)
    events = rows(Event, Event.stage_id == stage_id)
    assert [(e.kind, e.from_state, e.to_state, e.actor_id) for e in events][-1] == (
        'refer_up', 'mediating', 'referred_up', None)
    assert events[-1].data['automatic'] is True
    [town] = successor(stage_id)
    assert (town.committee_id, town.level, town.kind, town.state, town.case_id) == (
        orgs.town_a.id, Level.TOWN, StageKind.PEOPLE, S.PENDING_ACCEPTANCE, stage.case_id)
    # Three working days after Friday 3 April, past Qingming (4–6 April).
    assert (town.clock, town.deadline_rule, town.due_on, town.due_provisional) == (
        Clock.ACCEPTANCE, 'acceptance', date(2026, 4, 9), False)
    assert town.next_check_on == town.due_soon_on
    # One event records the referral: on the stage it leaves, claiming the lapse it acts on.
    assert rows(Event, Event.stage_id == town.id) == []
    assert claims() == [(stage_id, 'refer_up', 'expiry:mediation:2026-04-02')]
    assert events[-1].data == {'automatic': True, 'due_on': '2026-04-02'}
    # Nothing stored to tell anyone: the village's case left its desk, and the town's stage,
    # waiting for acceptance, is the town's notice (until it accepts or declines).
    assert [n.kind for n in rows(Notice)] == ['due_soon']  # the village's reminder on its last day
    [arrival] = recent_notices(users.town)
    assert (arrival.case_id, arrival.sender, arrival.due_on, arrival.to_court, arrival.at) == (
        stage.case_id, orgs.village_a1.name, date(2026, 4, 9), False, utc(2026, 4, 3))
    assert [item.message for item in recent_notices(users.village)] == ['将于 2026-04-02 到期，请抓紧办理。']

    # Later sweeps, the same day and after the town's own acceptance deadline: never again.
    sweep(utc(2026, 4, 3, 15))
    sweep(utc(2026, 5, 30))
    assert len(successor(stage_id)) == 1
    assert [e.kind for e in rows(Event, Event.case_id == stage.case_id, Event.kind == 'refer_up')] == ['refer_up']
    assert len(claims(stage_id)) == 1
    assert _db.session.get(Stage, stage_id).version == 3
    # The town stage, overdue for acceptance, got its reminder once and nothing else.
    town = _db.session.get(Stage, town.id)
    assert town.state == S.PENDING_ACCEPTANCE
    assert claims(town.id) == [(town.id, 'deadline_lapsed', 'expiry:acceptance:2026-04-09')]
    assert len(notices(town.id, 'overdue')) == 2  # the town and its district: accept or decline it


def test_overdue_town_stage_is_referred_to_the_district(db, orgs, users):
    stage = accepted_stage(users.town, utc(2026, 3, 2))
    assert stage.level == Level.TOWN
    report = sweep(utc(2026, 4, 3))
    assert dict(report.escalated) == {'refer_up': 1}
    assert _db.session.get(Stage, stage.id).state == S.REFERRED_UP
    [district] = successor(stage.id)
    assert (district.committee_id, district.level, district.state) == (
        orgs.district.id, Level.DISTRICT, S.PENDING_ACCEPTANCE)
    assert notices(stage.id, 'overdue') == []
    assert [item.sender for item in recent_notices(users.district)] == [orgs.town_a.name]


def test_overdue_district_stage_is_flagged_not_moved(db, orgs, users):
    stage = accepted_stage(users.district, utc(2026, 3, 2))
    report = sweep(utc(2026, 4, 3))
    assert dict(report.escalated) == {'flag_for_decision': 1}
    stage = _db.session.get(Stage, stage.id)
    assert (stage.state, stage.flagged_at, stage.version, stage.ended_at) == (
        S.MEDIATING, utc(2026, 4, 3), 3, None)
    assert successor(stage.id) == []
    assert notices(stage.id, 'overdue') == [(orgs.district.id, 'overdue', date(2026, 4, 3))]
    last = rows(Event, Event.stage_id == stage.id)[-1]
    assert (last.kind, last.from_state, last.to_state, last.actor_id) == (
        'flag_for_decision', 'mediating', 'mediating', None)
    sweep(utc(2026, 4, 4))
    sweep(utc(2026, 5, 4))
    assert len(rows(Event, Event.stage_id == stage.id, Event.kind == 'flag_for_decision')) == 1
    assert len(notices(stage.id, 'overdue')) == 1


def test_flagged_district_stage_is_flagged_again_when_an_extension_lapses(db, orgs, users):
    stage = accepted_stage(users.district, utc(2026, 3, 2))
    sweep(utc(2026, 4, 3))
    stage = _db.session.get(Stage, stage.id)
    fire(stage, 'extend', users.district, utc(2026, 4, 7), consent=True, unit='days', amount=15)
    stage = _db.session.get(Stage, stage.id)
    assert stage.due_on == date(2026, 4, 17)
    report = sweep(utc(2026, 4, 18))
    assert dict(report.escalated) == {'flag_for_decision': 1}
    assert len(rows(Event, Event.stage_id == stage.id, Event.kind == 'flag_for_decision')) == 2
    assert len(notices(stage.id, 'overdue')) == 2
    sweep(utc(2026, 4, 19))
    assert len(rows(Event, Event.stage_id == stage.id, Event.kind == 'flag_for_decision')) == 2


def test_overdue_court_sent_stage_goes_back_to_the_court(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 2, 12), kind=StageKind.COURT_DELEGATED, court=orgs.court)
    assert (stage.deadline_rule, stage.due_on) == ('mediation.court_delegated', date(2026, 3, 16))
    report = sweep(utc(2026, 3, 17))
    assert dict(report.escalated) == {'return_to_court': 1}
    stage = _db.session.get(Stage, stage.id)
    assert (stage.state, stage.clock, stage.due_on, stage.next_check_on) == (S.RETURNED_TO_COURT, None, None, None)
    last = rows(Event, Event.stage_id == stage.id)[-1]
    assert (last.kind, last.to_state, last.actor_id) == ('return_to_court', 'returned_to_court', None)
    assert notices(stage.id, 'returned') == [(orgs.court.id, 'returned', date(2026, 3, 17))]
    assert successor(stage.id) == []


def test_paused_stages_never_escalate(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    fire(stage, 'pause', users.village, utc(2026, 3, 10), reason='等待鉴定', requested_by='申请人')
    for day in (date(2026, 4, 3), date(2026, 6, 1)):
        report = sweep(utc(day.year, day.month, day.day))
        assert (report.examined, dict(report.escalated), report.needs_decision) == (0, {}, 0)
    stage = _db.session.get(Stage, stage.id)
    assert (stage.state, stage.version) == (S.PAUSED, 3)
    assert claims() == [] and successor(stage.id) == []
    # Resumed on 2 June after 84 days: due 2 April + 84 days = 25 June; not overdue.
    fire(stage, 'resume', users.village, utc(2026, 6, 2))
    stage = _db.session.get(Stage, stage.id)
    assert stage.due_on == date(2026, 6, 25)
    report = sweep(utc(2026, 6, 3))
    assert dict(report.escalated) == {}
    assert _db.session.get(Stage, stage.id).state == S.MEDIATING


def test_overdue_agreement_pending_gets_a_notice_only(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    agreement_records(stage, signed=())
    fire(stage, 'draft_agreement', users.village, utc(2026, 3, 20))
    report = sweep(utc(2026, 4, 3))
    assert (dict(report.escalated), report.needs_decision) == ({}, 1)
    stage = _db.session.get(Stage, stage.id)
    assert (stage.state, stage.version) == (S.AGREEMENT_PENDING, 3)
    # the lapse is recorded, nothing is done: the committee decides
    events = rows(Event, Event.stage_id == stage.id)
    assert [e.kind for e in events] == ['created', 'accept', 'draft_agreement', 'deadline_lapsed']
    assert (events[-1].from_state, events[-1].to_state, events[-1].actor_id, events[-1].claim_key) == (
        None, None, None, 'expiry:mediation:2026-04-02')
    assert set(notices(stage.id, 'overdue')) == {(orgs.village_a1.id, 'overdue', date(2026, 4, 3)),
                                                 (orgs.town_a.id, 'overdue', date(2026, 4, 3))}
    assert successor(stage.id) == []
    report = sweep(utc(2026, 4, 4))
    assert (report.examined, report.needs_decision) == (0, 0)
    assert len(notices(stage.id, 'overdue')) == 2


def test_only_due_stages_are_examined(db, orgs, users):
    v = users.village
    due_soon = accepted_stage(v, utc(2026, 3, 2))        # due 2 April: due soon on 30 March
    overdue = accepted_stage(v, utc(2026, 2, 2))         # due 2 March: overdue
    for day in (10, 20, 25):
        accepted_stage(v, utc(2026, 3, day))             # due in April: nothing to do yet
    ended = accepted_stage(v, utc(2026, 2, 2))
    fire(ended, 'terminate', v, utc(2026, 2, 20), reason='当事人拒绝继续调解')
    agreed = accepted_stage(v, utc(2026, 3, 20))
    agreement_records(agreed, kind='oral', signed=())
    fire(agreed, 'register_oral_agreement', v, utc(2026, 3, 21))  # judicial-confirmation window runs to 20 April
    report = sweep(utc(2026, 3, 30))
    assert report.examined == 2
    assert (report.reminded, dict(report.escalated)) == (1, {'refer_up': 1})
    assert _db.session.get(Stage, due_soon.id).state == S.MEDIATING
    assert _db.session.get(Stage, overdue.id).state == S.REFERRED_UP
    # The town's new stage has 3 working days to accept (due 2 April) and is due soon only on
    # the last working day before: later on 30 March there is nothing to look at.
    [town] = successor(overdue.id)
    assert (town.due_on, town.due_soon_on) == (date(2026, 4, 2), date(2026, 4, 1))
    assert sweep(utc(2026, 3, 30, 20)).examined == 0
    sweep(utc(2026, 4, 1))
    assert notices(town.id, 'due_soon') == [(orgs.town_a.id, 'due_soon', date(2026, 4, 1))]


# --------------------------------------------------------------------------- the candidate query

def _candidate_query(now):
    """Run the sweep and capture its candidate SELECT (statement, parameters)."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith('SELECT') and 'next_check_on <=' in statement:
            captured.append((statement, parameters))

    engine = _db.engine
    sa.event.listen(engine, 'before_cursor_execute', capture)
    try:
        sweep_batch(_db.session.connection(), now)
    finally:
        sa.event.remove(engine, 'before_cursor_execute', capture)
        _db.session.rollback()
    assert len(captured) == 1, captured
    return captured[0]


def test_candidate_query_uses_the_partial_index(db, orgs, users):
    accepted_stage(users.village, utc(2026, 3, 2))
    accepted_stage(users.village, utc(2026, 2, 2))
    statement, parameters = _candidate_query(utc(2026, 3, 30))
    connection = _db.session.connection()
    if connection.dialect.name == 'sqlite':
        plan = connection.exec_driver_sql('EXPLAIN QUERY PLAN ' + statement, parameters).all()
        details = ' | '.join(row[-1] for row in plan)
        assert 'stage USING INDEX ix_stage_next_check_on (next_check_on<?)' in details, details
        assert 'SCAN stage' not in details, details
    else:
        # Small tables make a sequential scan cheapest; forbid it to see that the index applies.
        connection.exec_driver_sql('SET LOCAL enable_seqscan = off')
        plan = connection.exec_driver_sql('EXPLAIN ' + statement, parameters).scalars().all()
        details = '\n'.join(plan)
        assert 'ix_stage_next_check_on' in details, details
    _db.session.rollback()


# --------------------------------------------------------------------------- batches (sweep_in_batches)

def test_the_batch_runner_takes_the_due_stages_in_batches_each_once(db, orgs, users):
    overdue = [accepted_stage(users.village, utc(2026, 3, 2)).id for _ in range(7)]  # due 2 April
    _db.session.rollback()  # the batch runner works on a connection of its own
    report = sweep_in_batches(_db.engine, utc(2026, 4, 3), batch_size=3)  # batches of 3, 3 and 1
    assert (report.examined, report.escalated['refer_up']) == (7, 7)
    assert sorted(event.stage_id for event in rows(Event, Event.kind == 'refer_up')) == overdue
    assert sorted(stage.previous_stage_id for stage in rows(Stage, Stage.level == Level.TOWN)) == overdue
    _db.session.rollback()
    assert sweep_in_batches(_db.engine, utc(2026, 4, 3, 10), batch_size=3).examined == 0


def test_the_batch_runner_stops_if_a_stage_stays_due(db, orgs, users, monkeypatch):
    """A stage that a batch leaves due (a bug) must not make the sweep loop for ever."""
    import mediation.cli as cli_module
    import mediation.services.sweep as sweep_module
    for _ in range(3):
        accepted_stage(users.village, utc(2026, 3, 2))  # due soon from 1 April
    _db.session.rollback()
    monkeypatch.setattr(sweep_module, '_remind', lambda conn, rows, today, now: len(rows))  # books no next check
    calls = []
    real_sweep = sweep_module.sweep

    def counted(*args, **kwargs):
        calls.append(1)
        assert len(calls) < 10, 'the sweep keeps taking the same stages'
        return real_sweep(*args, **kwargs)
    monkeypatch.setattr(cli_module, 'sweep_batch', counted)
    report = sweep_in_batches(_db.engine, utc(2026, 4, 1), batch_size=3, connections=1)
    assert len(calls) == 2 and report.examined == 6  # the second batch found the first's stages again


# --------------------------------------------------------------------------- the CLI

def test_cli_sweep_prints_a_summary(db, orgs, users, runner):
    stage = accepted_stage(users.village, utc(2026, 11, 2))  # due 2 December
    soon = accepted_stage(users.village, utc(2026, 12, 3))  # due 4 January 2027 (provisional): due soon
    result = runner.invoke(args=['sweep', '--now', '2026-12-31'])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('2026-12-31 巡检：检查 2 个阶段，提醒 1 个')
    assert '移交上级调解 1 个' in result.output
    _db.session.expire_all()
    assert _db.session.get(Stage, stage.id).state == S.REFERRED_UP
    assert notices(soon.id, 'due_soon') == [(orgs.village_a1.id, 'due_soon', date(2026, 12, 31))]
    _db.session.rollback()  # the command sweeps on connections of its own (SQLite: one writer at a time)
    again = runner.invoke(args=['sweep', '--now', '2026-12-31T18:30'])
    assert again.exit_code == 0, again.output
    # the town's new stage has until 5 January 2027 (provisional: Mon–Fri) to accept: not yet due soon
    assert again.output == '2026-12-31 巡检：检查 0 个阶段，提醒 0 个。\n'
    assert len(rows(Event, Event.kind == 'refer_up')) == 1


@pytest.mark.parametrize('value', ['garbage', '2026-13-01', '31/12/2026'])
def test_cli_sweep_rejects_a_bad_now(runner, value):
    result = runner.invoke(args=['sweep', '--now', value])
    assert result.exit_code == 2
    assert '--now' in result.output and value in result.output and 'ISO' in result.output
    assert 'Traceback' not in result.output
    assert isinstance(result.exception, SystemExit)


def test_lapsed_acceptance_and_confirmation_windows_only_remind_the_right_people(db, orgs, users):
    pending = make_case(users.village, now=utc(2026, 3, 2)).stages[0]        # 3 working days: due 5 March
    agreed = accepted_stage(users.village, utc(2026, 3, 2))
    agreement_records(agreed, kind='oral', signed=())
    fire(agreed, 'register_oral_agreement', users.village, utc(2026, 3, 3))  # may apply until 2 April
    sweep(utc(2026, 4, 7))
    assert set(notices(pending.id, 'overdue')) == {(orgs.village_a1.id, 'overdue', date(2026, 4, 7)),
                                                   (orgs.town_a.id, 'overdue', date(2026, 4, 7))}
    [jc] = rows(Notice, Notice.stage_id == agreed.id, Notice.kind == 'overdue')
    assert jc.organisation_id == orgs.village_a1.id and '司法确认' in jc.message
    assert _db.session.get(Stage, pending.id).state == S.PENDING_ACCEPTANCE


def test_a_stage_without_a_deadline_is_not_looked_at_every_day(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    stage.due_on = stage.due_soon_on = None  # e.g. a clock that stopped, with a check still booked
    stage.next_check_on = date(2026, 3, 20)
    _db.session.commit()
    report = sweep(utc(2026, 3, 20))
    assert report.examined == 1 and report.reminded == 0
    assert _db.session.get(Stage, stage.id).next_check_on is None


def test_a_due_soon_confirmation_window_is_a_prompt_to_remind_the_parties(db, orgs, users):
    agreed = accepted_stage(users.village, utc(2026, 3, 2))
    agreement_records(agreed, kind='oral', signed=())
    fire(agreed, 'register_oral_agreement', users.village, utc(2026, 3, 3))  # may apply until 2 April
    sweep(utc(2026, 3, 31))
    [notice] = rows(Notice, Notice.stage_id == agreed.id, Notice.kind == 'due_soon')
    assert notice.message == '当事人申请司法确认的期限将于 2026-04-02 届满，如需确认，请提醒当事人及时申请。'


def test_an_automatic_referral_is_accepted_only_with_the_parties_consent(db, orgs, users):
    from mediation.errors import InvalidTransition
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    sweep(utc(2026, 4, 3))
    [town] = successor(stage.id)
    with pytest.raises(InvalidTransition, match='须记录当事人同意继续调解'):
        apply_transition(town, 'accept', users.town, now=utc(2026, 4, 3, 3))
    _db.session.rollback()
    town = _db.session.get(Stage, town.id)
    apply_transition(town, 'accept', users.town, data={'consent': True}, now=utc(2026, 4, 3, 3))
    _db.session.commit()
    assert town.state == S.MEDIATING and town.case_number.startswith('（2026）枫桥人调字第')


def test_a_referral_the_handler_made_with_consent_needs_no_second_consent(db, orgs, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    fire(stage, 'refer_up', users.village, utc(2026, 3, 5), consent=True)
    [town] = successor(stage.id)
    [arrival] = recent_notices(users.town)
    assert (arrival.case_id, arrival.sender, arrival.title) == (stage.case_id, orgs.village_a1.name, stage.case.title)
    fire(town, 'accept', users.town, utc(2026, 3, 6))
    assert town.state == S.MEDIATING
    assert recent_notices(users.town) == []  # accepted: no longer waiting


def test_the_dashboard_shows_a_referral_until_it_is_accepted(db, orgs, users, client, login):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    title = stage.case.title
    sweep(utc(2026, 4, 3))
    login(users.town)
    line = f'“{title}”由{orgs.village_a1.name}移交本级，请于 2026-04-09 前受理。'
    assert line in client.get('/').get_data(as_text=True)
    client.post('/locale/en', data={'next': '/'})
    refresh()  # the test's app context (db fixture) outlives requests and caches the catalogue
    assert f'“{title}” was referred here by {orgs.village_a1.name}: accept or decline by 2026-04-09.' in \
        client.get('/').get_data(as_text=True)
    [town] = successor(stage.id)
    fire(town, 'accept', users.town, utc(2026, 4, 3, 3), consent=True)
    assert title not in client.get('/').get_data(as_text=True).split('Reminders and alerts')[1].split('</div>')[0]


def test_the_serve_scheduler_sweeps_at_once_and_again(app, db, orgs, users, caplog):
    """``mediation serve`` sweeps in a thread of its own: now, then every SWEEP_INTERVAL_MINUTES."""
    import logging
    import time

    from mediation.cli import start_sweep_scheduler
    stage_id = accepted_stage(users.village, utc(2026, 3, 2)).id  # due 2 April: long past today
    _db.session.remove()  # SQLite: no transaction of ours may hold the write lock
    caplog.set_level(logging.INFO, logger='mediation.cli')
    stop = start_sweep_scheduler(app, minutes=0.01)  # every 0.6 s
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(caplog.records) < 2:
            time.sleep(0.1)
    finally:
        stop.set()
    summaries = [record.getMessage() for record in caplog.records]
    assert len(summaries) >= 2, summaries
    assert '移交上级调解 1 个' in summaries[0] and '移交上级调解' not in summaries[1]
    assert _db.session.get(Stage, stage_id).state == S.REFERRED_UP


@pytest.mark.parametrize('database, expected, command', [
    (None, '数据库尚未建表：请先运行 `mediation db upgrade`。', ['sweep', '--now', '2026-12-01']),
    ('postgresql://postgres@127.0.0.1:9/nowhere', '数据库报错，命令未完成：', ['sweep', '--now', '2026-12-01']),
    (None, '数据库尚未建表：请先运行 `mediation db upgrade`。', ['calendar', 'status']),
])
def test_the_command_line_explains_a_database_it_cannot_use(tmp_path, database, expected, command):
    """What cron mails when the database is not migrated or not reachable: one line, no traceback."""
    import os
    import subprocess
    import sys
    env = {**os.environ, 'MEDIATION_INSTANCE_PATH': str(tmp_path / 'instance'), 'SECRET_KEY': 'x',
           'FIELD_ENCRYPTION_KEY': 'dGVzdC1rZXktdGhhdC1pcy1sb25nLWVub3VnaC0xMjM0NQ'}
    env.pop('DATABASE_URL', None)
    if database:
        env['DATABASE_URL'] = database
    result = subprocess.run([sys.executable, '-m', 'mediation', *command], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith('Error: ' + expected), result.stderr
    assert 'Traceback' not in result.stderr and len(result.stderr.splitlines()) <= 3


def test_overdue_notices_say_what_happened_in_plain_words(db, orgs, users):
    district = accepted_stage(users.district, utc(2026, 3, 2))
    court_sent = accepted_stage(users.village, utc(2026, 2, 12), kind=StageKind.COURT_DELEGATED, court=orgs.court)
    sweep(utc(2026, 4, 3))
    [flagged] = rows(Notice, Notice.stage_id == district.id, Notice.kind == 'overdue')
    assert flagged.message == f'（{orgs.district.name}）期满未达成协议，请决定延长期限、移送法院或终止调解。'
    returned = {n.organisation_id: n.message for n in rows(Notice, Notice.stage_id == court_sent.id)}
    assert returned == {orgs.village_a1.id: f'（{orgs.village_a1.name}）期满未达成协议，已退回法院。',
                        orgs.town_a.id: f'（{orgs.village_a1.name}）期满未达成协议，已退回法院。',
                        orgs.court.id: f'由{orgs.village_a1.name}期满未达成协议退回法院。'}
