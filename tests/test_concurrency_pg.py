"""Concurrency: sweeps, transitions and acceptances racing in threads, each with its own session.

Written for PostgreSQL (several app servers; READ COMMITTED, row locks, SKIP LOCKED), where .ci/run
runs the suite too. The same guarantees must hold on SQLite, which serialises writers (BEGIN
IMMEDIATE + busy_timeout), so these tests run there as well.
"""
import os
import threading

import pytest
import sqlalchemy as sa

from mediation.cli import sweep_in_batches
from mediation.errors import Conflict
from mediation.extensions import db as _db
from mediation.models import Event
from mediation.models import Stage
from mediation.models import User
from mediation.services.sweep import sweep as sweep_batch
from mediation.services.transitions import apply_transition
from tests.factories import make_case
from tests.helpers import agreement_records
from tests.helpers import utc
from workflows.enums import Level
from workflows.states import State

ON_POSTGRESQL = os.environ.get('DATABASE_URL', '').startswith('postgres')
needs_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason='needs PostgreSQL (run by .ci/run)')

#: How long a thread may wait at the barrier or for its peers before the test gives up.
TIMEOUT = 30


def sweep_in_session(now, *, commit=True):
    """One sweep batch in this thread's own session and transaction, committed unless told."""
    report = sweep_batch(_db.session.connection(), now)
    if commit:
        _db.session.commit()
    return report


def run_threads(app, count, work):
    """Run ``work(index, barrier)`` in ``count`` threads, each in its own app context and session.

    Returns the per-thread results; re-raises the first exception a thread hit.
    """
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    results, errors = [None] * count, []

    def target(index):
        with app.app_context():
            try:
                results[index] = work(index, barrier)
            except BaseException as error:  # noqa: B902 - report everything to the main thread
                errors.append(error)
                barrier.abort()
            finally:
                _db.session.remove()  # rolls back whatever is open and gives the connection back

    threads = [threading.Thread(target=target, args=(index,), name=f'racer-{index}') for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), 'a thread hung'
    if errors:  # the cause, not the BrokenBarrierError it gave the others
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    return results


def while_held(app, hold, act):
    """``hold()`` in one session; while its transaction stays open, ``act()`` in another.

    ``act`` runs with a 3 s lock timeout: waiting for what ``hold`` keeps locked fails fast
    instead of hanging (``hold`` lets go only after ``act``). Returns both results.
    """
    holding, release = threading.Event(), threading.Event()

    def work(index, barrier):
        if index == 0:
            result = hold()
            holding.set()
            assert release.wait(TIMEOUT)
            _db.session.commit()
            return result
        assert holding.wait(TIMEOUT)
        _db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
        try:
            return act()
        finally:
            release.set()

    return run_threads(app, 2, work)


def accepted_stage_ids(user, n, accepted_at):
    ids = []
    for _ in range(n):
        stage = make_case(user, now=accepted_at).stages[0]
        apply_transition(stage, 'accept', user, now=accepted_at)
        _db.session.commit()
        ids.append(stage.id)
    return ids


# --------------------------------------------------------------------------- (1) sweeps

def test_two_sweeps_at_once_escalate_each_stage_exactly_once(app, db, orgs, users):
    stage_ids = accepted_stage_ids(users.village, 30, utc(2026, 3, 2))  # due 2 April
    _db.session.remove()  # SQLite: no transaction of ours may hold the write lock

    def sweep(index, barrier):
        barrier.wait()
        return sweep_in_session(utc(2026, 4, 3))

    reports = run_threads(app, 2, sweep)

    assert sum(report.escalated.get('refer_up', 0) for report in reports) == 30
    refer_events = db.session.scalars(sa.select(Event).where(Event.kind == 'refer_up')).all()
    assert sorted(event.stage_id for event in refer_events) == stage_ids
    assert all(event.actor_id is None for event in refer_events)
    town_stages = db.session.scalars(sa.select(Stage).where(Stage.level == Level.TOWN)).all()
    assert sorted(stage.previous_stage_id for stage in town_stages) == stage_ids
    assert {stage.state for stage in town_stages} == {State.PENDING_ACCEPTANCE}
    actions = db.session.execute(sa.select(Event.stage_id, Event.claim_key).where(Event.claim_key.is_not(None))).all()
    assert sorted(stage_id for stage_id, _ in actions) == stage_ids
    assert {action for _, action in actions} == {'expiry:mediation:2026-04-02'}
    versions = db.session.scalars(sa.select(Stage.version).where(Stage.id.in_(stage_ids))).all()
    assert versions == [3] * 30


@needs_postgresql
def test_sweeps_split_the_work_when_they_really_overlap(app, db, orgs, users):
    """One sweep holds its candidate rows locked while another runs: the second skips them."""
    stage_ids = accepted_stage_ids(users.village, 10, utc(2026, 3, 2))
    _db.session.remove()
    # The first five candidates locked, as a sweep locks them, while a sweep runs.
    reports = while_held(app, hold=lambda: _db.session.execute(sa.select(Stage.id).where(
        Stage.id.in_(stage_ids[:5])).with_for_update(skip_locked=True)).all(),
        act=lambda: sweep_in_session(utc(2026, 4, 3)))
    assert reports[1].examined == 5
    assert reports[1].escalated['refer_up'] == 5
    # The other five are left for the next run, which takes them exactly once.
    later = sweep_in_session(utc(2026, 4, 3, 10))
    assert later.escalated['refer_up'] == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.kind == 'refer_up')) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.claim_key.is_not(None))) == 10


def test_two_batch_runners_at_once_split_the_due_stages_and_escalate_each_once(app, db, orgs, users):
    """Two ``mediation sweep`` processes on two servers: batches of their own, each stage once."""
    stage_ids = accepted_stage_ids(users.village, 24, utc(2026, 3, 2))
    _db.session.remove()

    def run(index, barrier):
        barrier.wait()
        return sweep_in_batches(_db.engine, utc(2026, 4, 3), batch_size=4)

    reports = run_threads(app, 2, run)
    assert sum(report.escalated['refer_up'] for report in reports) == 24
    refer_events = db.session.scalars(sa.select(Event.stage_id).where(Event.kind == 'refer_up')).all()
    assert sorted(refer_events) == stage_ids
    town_stages = db.session.scalars(sa.select(Stage.previous_stage_id).where(Stage.level == Level.TOWN)).all()
    assert sorted(town_stages) == stage_ids


@needs_postgresql
def test_a_sweep_holding_its_stages_does_not_block_rows_that_reference_them(app, db, orgs, users):
    """The sweep locks FOR NO KEY UPDATE, as its update does: an event about the stage goes in meanwhile.

    Under FOR UPDATE, the new event's foreign-key check (FOR KEY SHARE of the stage) would wait
    until the sweep committed: a mediator opening a party's ID number would hang on a large sweep.
    """
    [stage_id] = accepted_stage_ids(users.village, 1, utc(2026, 3, 2))
    case_id = db.session.get(Stage, stage_id).case_id
    _db.session.remove()

    def view_identifiers():  # what revealing a party's ID number writes
        _db.session.execute(sa.insert(Event.__table__).values(
            case_id=case_id, stage_id=stage_id, kind='pii_viewed', reason='', data={}))
        _db.session.commit()

    reports = while_held(app, hold=lambda: sweep_in_session(utc(2026, 4, 3), commit=False),  # not committed
                         act=view_identifiers)
    assert reports[0].escalated['refer_up'] == 1
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.stage_id == stage_id)).all()
    assert {'refer_up', 'pii_viewed'} <= set(kinds)


# --------------------------------------------------------------------------- (2) two users, one stage

def test_two_users_transitioning_one_stage_at_once_one_wins(app, db, orgs, users):
    [stage_id] = accepted_stage_ids(users.village, 1, utc(2026, 3, 2))
    agreement_records(db.session.get(Stage, stage_id), signed=())
    db.session.commit()
    version = db.session.get(Stage, stage_id).version
    user_id = users.village.id
    _db.session.remove()
    triggers = [('draft_agreement', {}, ''), ('pause', {'requested_by': '申请人'}, '等待鉴定')]

    def work(index, barrier):
        user = _db.session.get(User, user_id)
        stage = _db.session.get(Stage, stage_id)
        assert stage.version == version  # both read version v
        if not ON_POSTGRESQL:
            _db.session.commit()  # SQLite: a reader holds the write lock (BEGIN IMMEDIATE); a form round trip ends it
        trigger, data, reason = triggers[index]
        barrier.wait()
        try:
            apply_transition(stage, trigger, user, reason=reason, data=data, expected_version=version)
            _db.session.commit()
            return trigger
        except Conflict as conflict:
            _db.session.rollback()
            return conflict

    results = run_threads(app, 2, work)
    winners = [result for result in results if isinstance(result, str)]
    conflicts = [result for result in results if isinstance(result, Conflict)]
    assert len(winners) == 1 and len(conflicts) == 1, results
    if ON_POSTGRESQL:
        # Both held version v in memory, so the form check passed for both: the UPDATE's
        # compare-and-set on the version caught the loser.
        assert '刚被他人修改' in conflicts[0].message
    else:
        # SQLite let the loser in only after the winner committed: it read the new version.
        assert conflicts[0].details['current_version'] == version + 1
    stage = db.session.get(Stage, stage_id)
    assert stage.version == version + 1
    assert stage.state == {'draft_agreement': State.AGREEMENT_PENDING, 'pause': State.PAUSED}[winners[0]]
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.stage_id == stage_id).order_by(Event.id)).all()
    assert kinds == ['created', 'accept', winners[0]]


# --------------------------------------------------------------------------- (3) numbering

def test_fifty_concurrent_acceptances_get_fifty_consecutive_numbers(app, db, orgs, users):
    stage_ids = [make_case(users.village, now=utc(2026, 5, 6)).stages[0].id for _ in range(50)]
    user_id = users.village.id
    _db.session.remove()
    threads = 10

    def work(index, barrier):
        user = _db.session.get(User, user_id)
        _db.session.commit()
        barrier.wait()
        for stage_id in stage_ids[index::threads]:
            stage = _db.session.get(Stage, stage_id)
            apply_transition(stage, 'accept', user, data={'consent': True}, now=utc(2026, 5, 6, 10))
            _db.session.commit()
        return len(stage_ids[index::threads])

    assert sum(run_threads(app, threads, work)) == 50
    rows = db.session.execute(sa.select(Stage.number_year, Stage.number_serial, Stage.number_prefix, Stage.state)
                              .where(Stage.id.in_(stage_ids))).all()
    assert sorted(serial for _, serial, _, _ in rows) == list(range(1, 51))
    assert {(year, prefix, state) for year, _, prefix, state in rows} == {(2026, '枫源', State.MEDIATING)}
    accept_events = db.session.scalars(sa.select(Event).where(Event.kind == 'accept')).all()
    assert sorted(event.data['case_number'] for event in accept_events) == sorted(
        f'（2026）枫源人调字第{n}号' for n in range(1, 51))
