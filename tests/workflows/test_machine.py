"""The dispute state machine: the transition table, guards, actors and per-call binding."""
import dataclasses
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from tests.transition_table import TABLES
from tests.transition_table import TRANSITION_TABLE
from workflows.enums import Level
from workflows.enums import StageKind
from workflows.machine import COURT
from workflows.machine import HANDLER
from workflows.machine import SYSTEM
from workflows.machine import TRIGGERS
from workflows.machine import WORKFLOW
from workflows.machine import ActorNotAllowed
from workflows.machine import DataRequired
from workflows.machine import GuardFailed
from workflows.machine import IllegalTransition
from workflows.machine import ReasonRequired
from workflows.machine import TransitionContext
from workflows.states import CLOCK_RUNNING
from workflows.states import OPEN_STATES
from workflows.states import TERMINAL_STATES
from workflows.states import State

S = State

EXPECTED = TRANSITION_TABLE

FULL_DATA = {'requested_by': '申请人', 'unit': 'days', 'amount': 15, 'court': '某区人民法院',
             'court_case_number': '（2026）浙0102民初567号', 'committee_id': 7, 'delegation': 'court_delegated',
             'approved_by': '张院长'}


class Row:
    """Stands in for a Stage row: ``state`` plus other columns."""

    def __init__(self, state, **columns):
        self.state = state
        self.kind = StageKind.PEOPLE.value
        self.level = Level.VILLAGE.value
        self.version = 1
        self.__dict__.update(columns)


def permissive(trigger, **overrides):
    """A context every guard passes, fired by an actor allowed to fire ``trigger``."""
    actors = TRIGGERS[trigger].actors
    kinds = TRIGGERS[trigger].kinds
    ctx = TransitionContext(
        actor=HANDLER if HANDLER in actors else SYSTEM,
        level=Level.VILLAGE if StageKind.COURT_DELEGATED in kinds else Level.COURT,
        # only a court-sent case goes back to the court, and only other cases are referred on
        kind=(StageKind.COURT_DELEGATED if trigger == 'return_to_court' else StageKind.PEOPLE)
        if StageKind.PEOPLE in kinds else sorted(kinds)[0],
        reason='双方当事人同意',
        data=FULL_DATA,
        consent_recorded=True,
        agreement_kind='oral' if trigger == 'register_oral_agreement' else 'written',
        all_parties_signed=True,
        mediator_signed=True,
        sealed=True,
        requires_wet_signature=True,
        wet_signatures_confirmed=True,
        court_result='agreement' if trigger == 'file_agreement' else None,
    )
    return dataclasses.replace(ctx, **overrides)


def test_triggers_match_the_expected_table():
    assert set(TRIGGERS) == {name for table in TABLES.values() for moves in table.values() for name in moves}
    for kind, table in TABLES.items():
        for state, moves in table.items():
            assert WORKFLOW.defined_from(state, kind) == [name for name in TRIGGERS if name in moves], (kind, state)


@pytest.mark.parametrize('kind', [StageKind.COURT, StageKind.JUDICIAL_CONFIRMATION], ids=lambda k: k.value)
@pytest.mark.parametrize('state', list(State), ids=lambda s: s.value)
def test_every_trigger_from_every_state_of_the_courts_stages(kind, state):
    table = TABLES[kind]
    for trigger in TRIGGERS:
        row = Row(state.value, kind=kind.value)
        ctx = permissive(trigger, kind=kind, level=Level.COURT)
        if trigger in table[state]:
            expected = table[state][trigger] or state
            assert WORKFLOW.fire(row, trigger, ctx) == (state, expected)
        else:
            with pytest.raises(IllegalTransition):
                WORKFLOW.fire(row, trigger, ctx)
            assert row.state == state.value


@pytest.mark.parametrize('state', list(State), ids=lambda s: s.value)
@pytest.mark.parametrize('trigger', list(TRIGGERS))
def test_every_trigger_from_every_state(trigger, state):
    row = Row(state.value)
    # a committee's stage: court-sent for the return to the court, people's mediation otherwise
    ctx = permissive(trigger, level=Level.VILLAGE,
                     kind=StageKind.COURT_DELEGATED if trigger == 'return_to_court' else StageKind.PEOPLE)
    if trigger in EXPECTED[state]:
        expected = EXPECTED[state][trigger] or state
        assert WORKFLOW.fire(row, trigger, ctx) == (state, expected)
        assert row.state == expected.value
        assert type(row.state) is str
    else:
        with pytest.raises(IllegalTransition) as refused:
            WORKFLOW.fire(row, trigger, ctx)
        assert refused.value.trigger == trigger
        assert refused.value.state == state
        assert refused.value.allowed == WORKFLOW.defined_from(state, ctx.kind)
        assert row.state == state.value


def test_illegal_transition_message_lists_allowed_chinese_labels():
    with pytest.raises(IllegalTransition) as refused:
        WORKFLOW.fire(Row('paused'), 'sign_agreement', permissive('sign_agreement'))
    assert '中止' in refused.value.message
    assert '协议生效' in refused.value.message
    for label in ('恢复调解', '退回法院', '当事人撤回', '终止调解'):
        assert label in refused.value.message


def test_unknown_trigger_is_illegal():
    with pytest.raises(IllegalTransition) as refused:
        WORKFLOW.fire(Row('mediating'), 'to_agreed', permissive('accept'))
    assert refused.value.allowed == WORKFLOW.defined_from(State.MEDIATING)


def test_closed_allows_nothing_and_other_terminal_states_only_closing_or_agreement_tracking():
    assert WORKFLOW.defined_from(State.CLOSED) == []
    for kind, table in TABLES.items():
        for state in TERMINAL_STATES - {State.CLOSED, State.AGREED}:
            assert WORKFLOW.defined_from(state, kind) == (['close'] if table[state] else [])
    assert all(TRIGGERS[name].dest in (None, State.CLOSED) for name in WORKFLOW.defined_from(State.AGREED))


def test_state_groups():
    assert OPEN_STATES | TERMINAL_STATES == set(State)
    assert not OPEN_STATES & TERMINAL_STATES
    assert CLOCK_RUNNING == {State.MEDIATING, State.AGREEMENT_PENDING, State.FAILED}
    assert CLOCK_RUNNING <= OPEN_STATES
    assert State.PAUSED not in CLOCK_RUNNING
    assert [state.label_zh for state in State] == [
        '待受理', '不予受理', '调解中', '中止', '协议待签', '已达成协议', '调解不成', '已移交上级', '已移送法院',
        '已退回法院', '撤回', '终止调解', '已结案', '已收案', '已登记', '委派（委托）调解中', '调解结果已退回', '已立案',
        '已转入审判', '调解协议已备案', '司法确认审查中', '裁定确认有效', '裁定驳回申请',
    ]
    assert all(state.label_en for state in State)


# -- guards ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(('state', 'trigger', 'overrides', 'guard', 'message'), [
    ('agreement_pending', 'sign_agreement', {'all_parties_signed': False}, 'all_parties_signed', '尚有当事人未签名'),
    ('agreement_pending', 'sign_agreement', {'mediator_signed': False}, 'mediator_signed', '调解员尚未签名'),
    ('agreement_pending', 'sign_agreement', {'sealed': False}, 'committee_seal_applied', '印章'),
    ('agreement_pending', 'sign_agreement', {'wet_signatures_confirmed': False},
     'wet_signatures_where_required', '电子签名法'),
    ('mediating', 'draft_agreement', {'agreement_kind': None}, 'written_agreement_complete', '请先填写调解协议'),
    ('mediating', 'draft_agreement', {'agreement_missing': ('争议事项', '第1项协议的履行地点')},
     'written_agreement_complete', '争议事项；第1项协议的履行地点'),
    ('mediating', 'draft_agreement', {'agreement_kind': 'oral'}, 'written_agreement_complete', '登记口头协议'),
    ('mediating', 'register_oral_agreement', {'agreement_kind': 'written'}, 'oral_agreement_complete', '制作调解协议'),
    ('mediating', 'register_oral_agreement', {'agreement_missing': ('纠纷主要事实',)}, 'oral_agreement_complete',
     '纠纷主要事实'),
    ('mediating', 'refer_up', {'level': Level.DISTRICT}, 'parent_committee_exists', '上级'),
    ('failed', 'refer_up', {'level': Level.COURT}, 'parent_committee_exists', '上级'),
    ('mediating', 'refer_up', {'consent_recorded': False}, 'consent_to_referral_recorded', '当事人同意'),
    ('mediating', 'extend', {'consent_recorded': False}, 'consent_to_extension_recorded', '双方当事人同意'),
    ('mediating', 'return_to_court', {'kind': StageKind.PEOPLE}, 'court_sent_case', '法院委派、委托'),
    ('paused', 'return_to_court', {'kind': StageKind.PEOPLE, 'actor': SYSTEM}, 'court_sent_case', '法院'),
    ('failed', 'refer_up', {'kind': StageKind.COURT_DELEGATED}, 'not_court_sent_case', '应退回法院'),
    ('mediating', 'refer_to_court', {'kind': StageKind.COURT_ENTRUSTED}, 'not_court_sent_case', '应退回法院'),
])
def test_guard_refuses_with_its_chinese_message(state, trigger, overrides, guard, message):
    row = Row(state)
    with pytest.raises(GuardFailed) as refused:
        WORKFLOW.fire(row, trigger, permissive(trigger, **overrides))
    assert refused.value.trigger == trigger
    assert refused.value.guard == guard
    assert message in refused.value.message
    assert row.state == state
    assert trigger not in WORKFLOW.allowed(row, permissive(trigger, **overrides))


def test_first_failing_guard_is_reported():
    ctx = permissive('sign_agreement', all_parties_signed=False, sealed=False)
    with pytest.raises(GuardFailed) as refused:
        WORKFLOW.fire(Row('agreement_pending'), 'sign_agreement', ctx)
    assert refused.value.guard == 'all_parties_signed'


def test_wet_signatures_only_needed_where_required():
    row = Row('agreement_pending')
    ctx = permissive('sign_agreement', requires_wet_signature=False, wet_signatures_confirmed=False)
    assert WORKFLOW.fire(row, 'sign_agreement', ctx) == (State.AGREEMENT_PENDING, State.AGREED)


def test_town_stage_refers_up_to_the_district():
    assert WORKFLOW.fire(Row('mediating'), 'refer_up', permissive('refer_up', level=Level.TOWN))[1] == State.REFERRED_UP


def test_refer_to_court_is_never_guarded():
    ctx = TransitionContext(actor=HANDLER, level=Level.DISTRICT, kind=StageKind.PEOPLE, reason='当事人起诉')
    assert WORKFLOW.fire(Row('failed'), 'refer_to_court', ctx) == (State.FAILED, State.WITH_COURT)


REASON_REQUIRED = sorted(name for name, spec in TRIGGERS.items() if spec.reason_required)


def test_reason_is_required_for_the_documented_triggers():
    assert REASON_REQUIRED == sorted([
        'decline', 'pause', 'reopen_drafting', 'record_failure', 'refer_to_court', 'withdraw', 'terminate',
        'jc_extend', 'jc_reject'])


@pytest.mark.parametrize('trigger', REASON_REQUIRED)
@pytest.mark.parametrize('reason', ['', '   '])
def test_missing_reason_is_refused(trigger, reason):
    state = TRIGGERS[trigger].sources[0]
    row = Row(state.value)
    with pytest.raises(ReasonRequired) as refused:
        WORKFLOW.fire(row, trigger, permissive(trigger, reason=reason))
    assert refused.value.message == f'“{TRIGGERS[trigger].label_zh}”须填写原因'
    assert row.state == state.value


@pytest.mark.parametrize(('trigger', 'state', 'data', 'missing'), [
    ('pause', 'mediating', {}, ['requested_by']),
    ('extend', 'mediating', {'unit': 'months', 'amount': ''}, ['amount']),
    ('court_register', 'court_received', {}, ['court_case_number']),
    ('send_down', 'court_registered', {'committee_id': 3}, ['delegation']),
    ('jc_extend', 'jc_reviewing', {}, ['approved_by']),
])
def test_missing_data_is_refused(trigger, state, data, missing):
    row = Row(state)
    with pytest.raises(DataRequired) as refused:
        WORKFLOW.fire(row, trigger, permissive(trigger, data=data))
    assert refused.value.missing == missing
    assert '须填写' in refused.value.message
    assert row.state == state


# -- actors ---------------------------------------------------------------------------------------

def test_actor_table():
    def fired_by(actor):
        return {name for name, spec in TRIGGERS.items() if actor in spec.actors}

    assert fired_by(SYSTEM) == {'refer_up', 'flag_for_decision', 'return_to_court', 'receive_result'}
    assert fired_by(COURT) == {'return_to_court', 'apply_judicial_confirmation'}
    assert fired_by(HANDLER) == set(TRIGGERS) - {'flag_for_decision', 'receive_result'}


def test_system_refers_up_without_consent_as_a_proposal():
    ctx = permissive('refer_up', actor=SYSTEM, consent_recorded=False, level=Level.TOWN)
    assert WORKFLOW.fire(Row('mediating'), 'refer_up', ctx) == (State.MEDIATING, State.REFERRED_UP)


def test_system_still_cannot_refer_above_the_district():
    with pytest.raises(GuardFailed):
        WORKFLOW.fire(Row('mediating'), 'refer_up', permissive('refer_up', actor=SYSTEM, level=Level.DISTRICT))


@pytest.mark.parametrize(('actor', 'trigger', 'state'), [
    (SYSTEM, 'flag_for_decision', 'mediating'),
    (SYSTEM, 'return_to_court', 'failed'),
    (COURT, 'return_to_court', 'paused'),
    (COURT, 'apply_judicial_confirmation', 'agreed'),
])
def test_actor_may_fire(actor, trigger, state):
    row = Row(state)
    WORKFLOW.fire(row, trigger, permissive(trigger, actor=actor))
    assert row.state == (TRIGGERS[trigger].dest or State(state)).value


@pytest.mark.parametrize(('actor', 'trigger', 'state'), [
    (HANDLER, 'flag_for_decision', 'mediating'),
    (SYSTEM, 'accept', 'pending_acceptance'),
    (SYSTEM, 'terminate', 'mediating'),
    (COURT, 'accept', 'pending_acceptance'),
    (COURT, 'refer_up', 'mediating'),
    ('party', 'withdraw', 'mediating'),
])
def test_actor_may_not_fire(actor, trigger, state):
    row = Row(state)
    with pytest.raises(ActorNotAllowed) as refused:
        WORKFLOW.fire(row, trigger, permissive(trigger, actor=actor))
    assert TRIGGERS[trigger].label_zh in refused.value.message
    assert row.state == state


def test_allowed_filters_by_actor_and_guards_but_not_by_reason_or_data():
    bare = TransitionContext(actor=HANDLER, level=Level.VILLAGE, kind=StageKind.PEOPLE)
    # Without a complete agreement on record, neither kind of agreement can be made final.
    assert WORKFLOW.allowed(Row('mediating'), bare) == [
        'pause', 'record_failure', 'refer_to_court', 'withdraw', 'terminate',
    ]
    drafted = dataclasses.replace(bare, agreement_kind='written')
    assert WORKFLOW.allowed(Row('mediating'), drafted)[:2] == ['pause', 'draft_agreement']
    with_consent = dataclasses.replace(bare, consent_recorded=True)
    assert {'extend', 'refer_up'} <= set(WORKFLOW.allowed(Row('mediating'), with_consent))
    system = dataclasses.replace(bare, actor=SYSTEM, level=Level.DISTRICT, kind=StageKind.COURT_ENTRUSTED)
    assert WORKFLOW.allowed(Row('failed'), system) == ['return_to_court', 'flag_for_decision']
    assert WORKFLOW.allowed(Row('agreement_pending'), bare) == ['reopen_drafting', 'withdraw', 'terminate']
    assert WORKFLOW.allowed(Row('closed'), permissive('close')) == []


# -- binding --------------------------------------------------------------------------------------

def test_machine_is_built_once_and_nothing_stays_bound():
    machine = WORKFLOW.machine
    rows = [Row('pending_acceptance') for _ in range(50)]
    for row in rows:
        WORKFLOW.allowed(row, permissive('accept'))
        WORKFLOW.fire(row, 'accept', permissive('accept'))
        with pytest.raises(GuardFailed):
            WORKFLOW.fire(row, 'extend', permissive('extend', consent_recorded=False))
    assert WORKFLOW.machine is machine
    assert machine.models == []
    assert all(row.state == 'mediating' for row in rows)


@pytest.mark.parametrize('stored', ['paused', State.PAUSED])
def test_binding_starts_from_the_rows_state(stored):
    # A machine that reset the row to some initial state could not resume it.
    row = Row(stored)
    assert WORKFLOW.fire(row, 'resume', permissive('resume')) == (State.PAUSED, State.MEDIATING)
    assert row.state == 'mediating'


def test_row_gets_no_attributes_from_the_machine():
    # Columns that are None look "free" to transitions' binding; they must survive untouched.
    row = Row('mediating', close=None, trigger=None, may_trigger=None, is_closed=None, accept=None)
    before = dict(vars(row))
    WORKFLOW.allowed(row, permissive('draft_agreement'))
    WORKFLOW.fire(row, 'draft_agreement', permissive('draft_agreement'))
    assert vars(row) == {**before, 'state': 'agreement_pending'}


def test_internal_transition_does_not_write_the_state():
    class WriteCounting(Row):
        writes = 0

        def __setattr__(self, name, value):
            if name == 'state':
                type(self).writes += 1
            super().__setattr__(name, value)

    row = WriteCounting('agreed')
    WriteCounting.writes = 0
    trigger = 'apply_judicial_confirmation'
    assert TRIGGERS[trigger].dest is None
    assert WORKFLOW.fire(row, trigger, permissive(trigger)) == (State.AGREED, State.AGREED)
    assert WriteCounting.writes == 0


def test_fires_on_a_sqlalchemy_row_loaded_from_the_database():
    class Base(orm.DeclarativeBase):
        pass

    class Stage(Base):
        __tablename__ = 'stages'
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        state: orm.Mapped[str] = orm.mapped_column(sa.String(32))
        kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
        level: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        version: orm.Mapped[int] = orm.mapped_column(default=1)

    engine = sa.create_engine('sqlite://')
    Base.metadata.create_all(engine)
    with orm.Session(engine) as session:
        session.add(Stage(id=1, state='agreement_pending', kind='people', level='village'))
        session.commit()
    with orm.Session(engine) as session:
        stage = session.get(Stage, 1)  # loaded: SQLAlchemy does not call __init__
        WORKFLOW.fire(stage, 'sign_agreement', permissive('sign_agreement'))
        session.commit()
    with orm.Session(engine) as session:
        stored = session.execute(sa.text('SELECT state, kind, level, version FROM stages')).one()
    assert tuple(stored) == ('agreed', 'people', 'village', 1)
    engine.dispose()


def test_threads_firing_on_different_rows():
    path = ['accept', 'pause', 'resume', 'draft_agreement', 'sign_agreement', 'apply_judicial_confirmation', 'close']
    rows = [Row('pending_acceptance') for _ in range(200)]
    errors = []
    start = threading.Barrier(8)

    def work(share):
        start.wait()
        try:
            for row in share:
                for trigger in path:
                    WORKFLOW.allowed(row, permissive(trigger))
                    WORKFLOW.fire(row, trigger, permissive(trigger))
        except Exception as error:  # collected so the main thread can report it
            errors.append(error)

    threads = [threading.Thread(target=work, args=(rows[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(row.state == 'closed' for row in rows)
    assert WORKFLOW.machine.models == []


# -- diagram --------------------------------------------------------------------------------------

def test_mermaid_shows_every_state_and_trigger():
    diagram = WORKFLOW.mermaid()
    assert diagram.startswith('stateDiagram-v2\n')
    for state in State:
        assert f'state "{state.label_zh}" as {state.value}' in diagram
    for table in TABLES.values():
        for state, moves in table.items():
            for trigger, dest in moves.items():
                assert f'{state.value} --> {(dest or state).value}: {TRIGGERS[trigger].label_zh}' in diagram


def test_accepting_an_automatic_referral_needs_the_parties_consent():
    from types import SimpleNamespace
    stage = SimpleNamespace(state=State.PENDING_ACCEPTANCE.value)
    pending = TransitionContext(actor=HANDLER, level=Level.TOWN, kind=StageKind.PEOPLE, consent_pending=True)
    with pytest.raises(GuardFailed) as refused:
        WORKFLOW.fire(stage, 'accept', pending)
    assert refused.value.guard == 'consent_to_continue_recorded' and stage.state == State.PENDING_ACCEPTANCE.value
    assert 'accept' not in WORKFLOW.allowed(stage, pending)
    consented = TransitionContext(actor=HANDLER, level=Level.TOWN, kind=StageKind.PEOPLE, consent_pending=True,
                                  consent_recorded=True)
    assert WORKFLOW.fire(stage, 'accept', consented) == (State.PENDING_ACCEPTANCE, State.MEDIATING)


@pytest.mark.parametrize('trigger, state, data, bad', [
    ('extend', State.MEDIATING, {'unit': 'weeks', 'amount': 2}, ['unit']),
    ('extend', State.MEDIATING, {'unit': 'days', 'amount': 'abc'}, ['amount']),
    ('extend', State.MEDIATING, {'unit': 'days', 'amount': 0}, ['amount']),
    ('extend', State.MEDIATING, {'unit': 'days', 'amount': 2.5}, ['amount']),
    ('court_register', State.COURT_RECEIVED, {'court_case_number': '2026浙0102民初1号'}, ['court_case_number']),
    ('jc_accept', State.PENDING_ACCEPTANCE, {'court_case_number': '（2015）浙0102民特1号'}, ['court_case_number']),
    ('send_down', State.COURT_REGISTERED, {'committee_id': 3, 'delegation': 'people'}, ['delegation']),
])
def test_required_data_must_also_be_valid(trigger, state, data, bad):
    from types import SimpleNamespace

    from workflows.machine import DataInvalid
    stage = SimpleNamespace(state=state.value)
    kinds = TRIGGERS[trigger].kinds
    kind = StageKind.PEOPLE if StageKind.PEOPLE in kinds else sorted(kinds)[0]
    ctx = TransitionContext(actor=HANDLER, level=Level.VILLAGE, kind=kind, data=data,
                            consent_recorded=True)
    with pytest.raises(DataInvalid) as refused:
        WORKFLOW.fire(stage, trigger, ctx)
    assert refused.value.invalid == bad and stage.state == state.value
