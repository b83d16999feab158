"""The transition service: every trigger × every state through ``apply_transition``, and its side effects.

Each matrix case puts a fresh stage straight into the state (with the facts that state implies),
then fires the trigger with a permissive data dict as the stage's handler (the system for
system-only triggers). Allowed ones must change the state, write exactly one audit event for the
stage and bump the version by one, all inside the caller's transaction; refused ones must raise
``InvalidTransition`` listing what the actor may do instead, and leave nothing behind.
"""
import itertools
from datetime import datetime

import pytest
import sqlalchemy as sa

from mediation.access import visible_cases
from mediation.errors import Conflict
from mediation.errors import InvalidTransition
from mediation.errors import PermissionDenied
from mediation.extensions import db as _db
from mediation.models import Case
from mediation.models import Event
from mediation.models import Notice
from mediation.models import Stage
from mediation.services.cases import create_case
from mediation.services.dashboard import recent_notices
from mediation.services.deadlines import refresh_deadline
from mediation.services.transitions import allowed_triggers
from mediation.services.transitions import apply_transition
from mediation.services.transitions import record_event
from tests.factories import case_input
from tests.factories import category
from tests.factories import make_case
from tests.factories import make_user
from tests.helpers import agreement_records
from tests.transition_table import TRANSITION_TABLE
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.machine import TRIGGERS
from workflows.states import State

S = State

#: 2026-03-02 10:00 China time (timestamps are naive UTC).
NOW = datetime(2026, 3, 2, 2, 0)
#: When stages put straight into an accepted state were accepted (2026-02-26 10:00 China time).
ACCEPTED_AT = datetime(2026, 2, 26, 2, 0)
REASON = '测试原因'

#: Everything any guard or required-data check asks for.
PERMISSIVE = {
    'consent': True, 'parties_signed': True, 'mediator_signed': True, 'sealed': True, 'wet_signatures': True,
    'requested_by': '申请人', 'unit': 'days', 'amount': 10, 'court': '诸暨市人民法院', 'result': 'confirmed',
}

TABLE = TRANSITION_TABLE
#: Who may fire what, apart from the stage's handler (who may fire everything not listed here).
ACTORS = {
    'flag_for_decision': {'system'},
    'refer_up': {'handler', 'system'},
    'return_to_court': {'handler', 'court', 'system'},
    'apply_judicial_confirmation': {'handler', 'court'},
}
#: The stage has ended in these states.
ENDED = {S.DECLINED, S.REFERRED_UP, S.WITH_COURT, S.RETURNED_TO_COURT, S.WITHDRAWN, S.TERMINATED, S.CLOSED}


def expected_allowed(state, actor, *, court_sent):
    """What ``actor`` ('handler' | 'court' | 'system') may fire on a village stage in ``state``, in button order."""
    return [name for name in TRIGGERS
            if name in TABLE[state] and actor in ACTORS.get(name, {'handler'})
            and (name != 'return_to_court' or court_sent)
            and (name not in ('refer_up', 'refer_to_court') or not court_sent)]  # a court-sent case goes back


# --------------------------------------------------------------------------- helpers

def stage_in_state(user, state, *, kind=StageKind.PEOPLE, court=None, category_code='LL', commit=True, fast=False):
    """A case logged by ``user`` whose stage is put straight into ``state``, with the facts it implies."""
    if fast:
        stage = _bare_stage(user, category_code)
    else:
        stage = create_case(user, case_input(category_code=category_code), now=datetime(2026, 2, 25, 2, 0)).stage
    stage.kind = kind
    if court is not None:
        stage.court_id = court.id
    if state not in (S.PENDING_ACCEPTANCE, S.DECLINED):
        stage.accepted_at = ACCEPTED_AT
    if state in (S.AGREED, S.CLOSED):
        stage.agreement_effective_at = ACCEPTED_AT
    if state in ENDED:
        stage.ended_at = ACCEPTED_AT
    stage.state = state
    _db.session.flush()
    refresh_deadline(stage)
    if commit:
        _db.session.commit()
    return stage


_serial = itertools.count(1)


def _bare_stage(user, category_code):
    """What create_case leaves behind (case, stage, 'created' event), without parties: the matrix needs hundreds."""
    received = datetime(2026, 2, 25, 2, 0)
    case = Case(matter_code=f'T{next(_serial):08d}', title='邻里排水纠纷', category=category(category_code),
                source=Source.PARTY_APPLICATION, deadline_profile='statutory', intake_committee=user.organisation,
                created_by_id=user.id, created_at=received)
    stage = Stage(case=case, committee=user.organisation, level=user.organisation.level, kind=StageKind.PEOPLE,
                  state=S.PENDING_ACCEPTANCE, received_at=received)
    _db.session.add(case)
    _db.session.flush()
    record_event(stage, 'created', user, received, to_state=S.PENDING_ACCEPTANCE)
    return stage


def stage_events(stage_id):
    return _db.session.scalars(sa.select(Event).where(Event.stage_id == stage_id).order_by(Event.id)).all()


def count(model, *where):
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


#: The agreement records each agreement trigger needs to pass its guards.
AGREEMENT_RECORDS = {
    'draft_agreement': {'kind': 'written', 'signed': ()},
    'register_oral_agreement': {'kind': 'oral', 'signed': ()},
    'sign_agreement': {'kind': 'written', 'sealed': True},
}


@pytest.fixture
def handler(db, orgs):
    return make_user('fy_handler', Role.VILLAGE_MEDIATOR, orgs.village_a1)


# --------------------------------------------------------------------------- the matrix

@pytest.mark.parametrize('trigger', list(TRIGGERS))
def test_trigger_from_every_state(db, orgs, handler, trigger):
    """``trigger`` fired through the service from each of the 13 states (one fresh stage per state)."""
    court_sent = trigger == 'return_to_court'
    system = 'handler' not in ACTORS.get(trigger, {'handler'})
    actor = None if system else handler
    stages = {state: stage_in_state(handler, state, commit=False, fast=True,
                                    kind=StageKind.COURT_DELEGATED if court_sent else StageKind.PEOPLE,
                                    court=orgs.court if court_sent else None)
              for state in State}
    if trigger in AGREEMENT_RECORDS:  # what the agreement guards read, in place on every stage
        for stage in stages.values():
            agreement_records(stage, **AGREEMENT_RECORDS[trigger])
    _db.session.commit()
    ids = {state: (stage.id, stage.case_id) for state, stage in stages.items()}
    failures = []
    for state in State:  # every state is checked and every failure reported, not just the first
        try:
            _check_one(orgs, trigger, state, actor, court_sent, *ids[state])
        except (Exception, pytest.fail.Exception) as error:
            _db.session.rollback()
            failures.append(f'{trigger} from {state.value}: {type(error).__name__}: {error}')
    assert not failures, '\n\n'.join(failures)


def _check_one(orgs, trigger, state, actor, court_sent, stage_id, case_id):
    allowed_now = expected_allowed(state, 'handler' if actor else 'system', court_sent=court_sent)
    assert allowed_triggers(_db.session.get(Stage, stage_id), actor) == allowed_now

    def fire():
        return apply_transition(_db.session.get(Stage, stage_id), trigger, actor, reason=REASON,
                                data=dict(PERMISSIVE), now=NOW)

    def assert_untouched():
        again = _db.session.get(Stage, stage_id)
        assert again.state == state
        assert again.version == 1
        assert [e.kind for e in stage_events(stage_id)] == ['created']
        assert count(Stage, Stage.case_id == case_id) == 1
        assert count(Event, Event.case_id == case_id) == 1
        assert count(Notice, Notice.stage_id.in_(sa.select(Stage.id).where(Stage.case_id == case_id))) == 0

    if trigger not in allowed_now:
        with pytest.raises(InvalidTransition) as refused:
            fire()
        assert refused.value.details['allowed'] == allowed_now
        assert refused.value.message
        _db.session.rollback()
        assert_untouched()
        return

    dest = TABLE[state][trigger] or state
    # In the caller's transaction: visible before the commit, gone after a rollback.
    event = fire()
    assert _db.session.get(Stage, stage_id).state == dest
    assert event.id is not None
    _db.session.rollback()
    assert_untouched()

    event = fire()
    _db.session.commit()
    _db.session.expire_all()
    stage = _db.session.get(Stage, stage_id)
    assert stage.state == dest
    assert stage.version == 2
    events = stage_events(stage_id)
    assert [e.kind for e in events] == ['created', trigger]
    recorded = events[-1]
    assert recorded.id == event.id
    assert (recorded.from_state, recorded.to_state) == (state.value, dest.value)
    assert recorded.actor_id == (actor.id if actor else None)
    assert recorded.reason == REASON
    assert recorded.at == NOW
    assert recorded.case_id == case_id
    assert PERMISSIVE.items() <= recorded.data.items()
    if dest in ENDED and state not in ENDED:
        assert stage.ended_at == NOW
    # Side effects land on other rows only for the triggers that hand the case on.
    others = _db.session.scalars(sa.select(Stage).where(Stage.case_id == case_id, Stage.id != stage_id)).all()
    if trigger == 'refer_up':
        assert [(o.level, o.state, o.committee_id) for o in others] == [
            (Level.TOWN, S.PENDING_ACCEPTANCE, orgs.town_a.id)]
    elif trigger == 'refer_to_court':
        assert [(o.level, o.kind, o.state, o.committee_id) for o in others] == [
            (Level.COURT, StageKind.COURT, S.PENDING_ACCEPTANCE, orgs.court.id)]
    elif trigger == 'apply_judicial_confirmation':  # the application goes to the court (docs/court.md)
        assert [(o.level, o.kind, o.state, o.committee_id) for o in others] == [
            (Level.COURT, StageKind.JUDICIAL_CONFIRMATION, S.PENDING_ACCEPTANCE, orgs.court.id)]
    else:
        assert others == []
    if trigger == 'accept':
        assert stage.case_number == '（2026）枫源人调字第1号'  # the rolled-back attempt gave its number back
        assert recorded.data['case_number'] == stage.case_number


# --------------------------------------------------------------------------- versions and rights

def test_stale_expected_version_is_a_conflict(db, orgs, handler):
    stage = stage_in_state(handler, S.MEDIATING)
    agreement_records(stage, signed=())
    apply_transition(stage, 'draft_agreement', handler, expected_version=1, now=NOW)
    _db.session.commit()
    assert stage.version == 2
    with pytest.raises(Conflict) as stale:
        apply_transition(stage, 'reopen_drafting', handler, reason='条款有误', expected_version=1, now=NOW)
    assert stale.value.details['current_version'] == 2
    _db.session.rollback()
    assert _db.session.get(Stage, stage.id).state == S.AGREEMENT_PENDING
    assert [e.kind for e in stage_events(stage.id)] == ['created', 'draft_agreement']
    apply_transition(stage, 'reopen_drafting', handler, reason='条款有误', expected_version=2, now=NOW)
    _db.session.commit()
    assert (stage.state, stage.version) == (S.MEDIATING, 3)


def test_row_changed_behind_the_loaded_object_is_a_conflict(db, orgs, handler):
    """The compare-and-set in the UPDATE catches a change the form's version check could not see."""
    stage = stage_in_state(handler, S.MEDIATING)
    agreement_records(stage, signed=())
    assert stage.version == 1
    # Someone else's transition committed after this request loaded the row.
    _db.session.execute(sa.update(Stage).where(Stage.id == stage.id).values(version=Stage.version + 1)
                        .execution_options(synchronize_session=False))
    assert stage.version == 1
    with pytest.raises(Conflict):
        apply_transition(stage, 'draft_agreement', handler, expected_version=1, now=NOW)
    _db.session.rollback()
    assert [e.kind for e in stage_events(stage.id)] == ['created']


@pytest.mark.parametrize('state, trigger, data', [
    (S.PENDING_ACCEPTANCE, 'accept', {'consent': True}),  # the case number's query flushes first
    (S.MEDIATING, 'refer_up', {'consent': True}),         # the parent's new stage flushes first
    (S.MEDIATING, 'refer_to_court', {}),                  # the court's new stage flushes first
])
def test_a_change_behind_the_loaded_object_is_a_conflict_whatever_flushes_first(
        db, orgs, handler, state, trigger, data):
    stage = stage_in_state(handler, state)
    _db.session.execute(sa.update(Stage).where(Stage.id == stage.id).values(version=Stage.version + 1)
                        .execution_options(synchronize_session=False))
    with pytest.raises(Conflict):
        apply_transition(stage, trigger, handler, reason=REASON, data=data, expected_version=1, now=NOW)
    _db.session.rollback()
    assert [e.kind for e in stage_events(stage.id)] == ['created']


def test_a_case_returned_without_a_reason_is_not_said_to_have_lapsed(db, orgs, handler):
    stage = stage_in_state(handler, S.MEDIATING, kind=StageKind.COURT_DELEGATED, court=orgs.court)
    apply_transition(stage, 'return_to_court', handler, now=NOW)
    _db.session.commit()
    [notice] = _db.session.scalars(sa.select(Notice).where(Notice.stage_id == stage.id)).all()
    assert notice.message == f'由{orgs.village_a1.name}退回法院。'


def test_users_outside_the_committee_are_refused(db, orgs, handler):
    stage = stage_in_state(handler, S.MEDIATING)
    outsiders = [
        make_user('other_village', Role.VILLAGE_MEDIATOR, orgs.village_a2),
        make_user('town_supervisor', Role.TOWN_MEDIATOR, orgs.town_a),  # supervises, does not handle
        make_user('court_officer', Role.COURT_OFFICER, orgs.court),  # the court did not send this case
        make_user('fy_admin', Role.ADMIN, orgs.village_a1),  # administrators never act on cases
    ]
    inactive = make_user('fy_retired', Role.VILLAGE_MEDIATOR, orgs.village_a1)
    inactive.active = False
    _db.session.commit()
    for user in outsiders + [inactive]:
        assert allowed_triggers(stage, user) == []
        with pytest.raises(PermissionDenied):
            apply_transition(stage, 'draft_agreement', user, data=dict(PERMISSIVE), now=NOW)
        _db.session.rollback()
    assert _db.session.get(Stage, stage.id).state == S.MEDIATING
    assert [e.kind for e in stage_events(stage.id)] == ['created']


def test_the_sending_court_and_the_system_may_return_a_court_sent_case(db, orgs, handler):
    court_officer = make_user('court_officer', Role.COURT_OFFICER, orgs.court)
    for actor in (court_officer, None):
        stage = stage_in_state(handler, S.MEDIATING, kind=StageKind.COURT_DELEGATED, court=orgs.court)
        assert 'return_to_court' in allowed_triggers(stage, actor)
        event = apply_transition(stage, 'return_to_court', actor, reason='期满未达成协议', now=NOW)
        _db.session.commit()
        assert stage.state == S.RETURNED_TO_COURT
        assert event.actor_id == (actor.id if actor else None)
        assert count(Notice, Notice.stage_id == stage.id, Notice.organisation_id == orgs.court.id,
                     Notice.kind == 'returned') == 1
    # The court officer may only return; mediating stays with the committee.
    stage = stage_in_state(handler, S.MEDIATING, kind=StageKind.COURT_DELEGATED, court=orgs.court)
    assert allowed_triggers(stage, court_officer) == ['return_to_court']
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(stage, 'draft_agreement', court_officer, now=NOW)
    assert refused.value.details['allowed'] == ['return_to_court']


def test_reason_and_data_are_required_where_the_rules_say(db, orgs, handler):
    stage = stage_in_state(handler, S.MEDIATING)
    with pytest.raises(InvalidTransition) as no_reason:
        apply_transition(stage, 'pause', handler, data={'requested_by': '申请人'}, now=NOW)
    assert '原因' in no_reason.value.message
    assert 'pause' in no_reason.value.details['allowed']
    with pytest.raises(InvalidTransition) as no_data:
        apply_transition(stage, 'pause', handler, reason='等待鉴定', now=NOW)
    assert '申请中止的一方' in no_data.value.message
    with pytest.raises(InvalidTransition) as no_consent:
        apply_transition(stage, 'extend', handler, data={'unit': 'days', 'amount': 10}, now=NOW)
    assert '同意' in no_consent.value.message
    _db.session.rollback()
    assert [e.kind for e in stage_events(stage.id)] == ['created']


# --------------------------------------------------------------------------- case numbers

def test_accept_allocates_consecutive_numbers_per_committee_per_year(db, orgs, handler):
    other = make_user('cj_handler', Role.VILLAGE_MEDIATOR, orgs.village_a2)
    numbers = []
    for _ in range(3):
        stage = make_case(handler).stages[0]
        apply_transition(stage, 'accept', handler, data={'consent': True}, now=datetime(2026, 5, 6, 2, 0))
        _db.session.commit()
        numbers.append(stage.case_number)
    assert numbers == ['（2026）枫源人调字第1号', '（2026）枫源人调字第2号', '（2026）枫源人调字第3号']
    # Another committee counts on its own.
    stage = make_case(other).stages[0]
    apply_transition(stage, 'accept', other, now=datetime(2026, 5, 6, 3, 0))
    _db.session.commit()
    assert stage.case_number == '（2026）陈家人调字第1号'
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in China: a new year starts again at 1.
    stage = make_case(handler).stages[0]
    apply_transition(stage, 'accept', handler, now=datetime(2026, 12, 31, 17, 0))
    _db.session.commit()
    assert (stage.number_year, stage.number_serial) == (2027, 1)
    assert stage.case_number == '（2027）枫源人调字第1号'
    # ... and 2026 carries on where it stopped (16:00 UTC is still 2026-12-31 in China).
    stage = make_case(handler).stages[0]
    apply_transition(stage, 'accept', handler, now=datetime(2026, 12, 31, 15, 59))
    _db.session.commit()
    assert stage.case_number == '（2026）枫源人调字第4号'


# --------------------------------------------------------------------------- handing the case on

def test_refer_up_opens_a_pending_stage_at_the_parent_with_an_acceptance_clock(db, orgs, handler):
    stage = stage_in_state(handler, S.MEDIATING)
    stage.number_year, stage.number_serial, stage.number_prefix = 2026, 7, '枫源'
    _db.session.commit()
    referred_at = datetime(2026, 2, 12, 2, 0)  # Thursday 2026-02-12, 10:00 China time
    apply_transition(stage, 'refer_up', handler, data={'consent': True}, now=referred_at)
    _db.session.commit()
    _db.session.expire_all()
    stage = _db.session.get(Stage, stage.id)
    assert stage.state == S.REFERRED_UP
    assert stage.clock is None and stage.due_on is None and stage.next_check_on is None
    town = _db.session.scalars(sa.select(Stage).where(Stage.previous_stage_id == stage.id)).one()
    assert (town.committee_id, town.level, town.kind, town.state) == (
        orgs.town_a.id, Level.TOWN, StageKind.PEOPLE, S.PENDING_ACCEPTANCE)
    assert town.received_at == referred_at
    assert town.case_number is None
    # 3 working days after 2026-02-12, past the Spring Festival (domain.md §7.2).
    assert (town.clock, town.deadline_rule, town.due_on, town.due_provisional) == (
        Clock.ACCEPTANCE, 'acceptance', datetime(2026, 2, 24).date(), False)
    assert town.next_check_on == town.due_soon_on is not None
    # One event records the referral, on the stage it leaves; the new stage points back to it.
    assert stage_events(town.id) == []
    assert town.previous_stage_id == stage.id and stage.case_number == '（2026）枫源人调字第7号'
    # The stage waiting for acceptance is the town's notice: nothing is stored for it.
    assert count(Notice) == 0
    town_user = make_user('town_handler', Role.TOWN_MEDIATOR, orgs.town_a)
    [arrival] = recent_notices(town_user)
    assert (arrival.case_id, arrival.sender, arrival.due_on) == (stage.case_id, orgs.village_a1.name, town.due_on)
    refer = stage_events(stage.id)[-1]
    assert (refer.kind, refer.actor_id, refer.data['to_committee']) == (
        'refer_up', handler.id, orgs.town_a.committee_name)
    # A handler's referral is not an expiry action: it claims no lapse.
    assert refer.claim_key is None
    # The town accepts it: its own number and its own month.
    assert allowed_triggers(town, town_user) == ['accept', 'decline', 'withdraw']
    apply_transition(town, 'accept', town_user, data={'consent': True}, now=datetime(2026, 2, 13, 2, 0))
    _db.session.commit()
    assert town.case_number == '（2026）枫桥人调字第1号'
    assert (town.clock, town.deadline_rule, town.due_on) == (
        Clock.MEDIATION, 'mediation.town', datetime(2026, 3, 13).date())


def test_refer_up_needs_the_parties_consent(db, orgs, handler):
    stage = stage_in_state(handler, S.FAILED)
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(stage, 'refer_up', handler, now=NOW)
    assert '同意' in refused.value.message
    _db.session.rollback()
    assert count(Stage) == 1


def test_refer_up_at_the_district_is_refused_in_chinese(db, orgs):
    officer = make_user('district_officer', Role.DISTRICT_OFFICER, orgs.district)
    stage = stage_in_state(officer, S.MEDIATING)
    assert stage.level == Level.DISTRICT
    assert 'refer_up' not in allowed_triggers(stage, officer)
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(stage, 'refer_up', officer, data=dict(PERMISSIVE), now=NOW)
    assert refused.value.message == '区（县）以上没有可移交的上级调解组织'
    assert refused.value.details['allowed'] == allowed_triggers(stage, officer)
    assert 'refer_to_court' in refused.value.details['allowed']
    _db.session.rollback()
    assert count(Stage) == 1
    assert _db.session.get(Stage, stage.id).state == S.MEDIATING


def test_refer_to_court_opens_a_court_stage_the_court_officer_sees(db, orgs, handler):
    court_officer = make_user('court_officer', Role.COURT_OFFICER, orgs.court)
    stage = stage_in_state(handler, S.FAILED)
    case_id = stage.case_id
    assert _db.session.scalar(visible_cases(court_officer).where(Case.id == case_id)) is None
    apply_transition(stage, 'refer_to_court', handler, reason='调解不成，当事人要求起诉', now=NOW)
    _db.session.commit()
    assert stage.state == S.WITH_COURT
    assert stage.court_id == orgs.court.id
    court_stage = _db.session.scalars(sa.select(Stage).where(Stage.previous_stage_id == stage.id)).one()
    assert (court_stage.committee_id, court_stage.court_id, court_stage.level, court_stage.kind,
            court_stage.state) == (orgs.court.id, orgs.court.id, Level.COURT, StageKind.COURT, S.PENDING_ACCEPTANCE)
    assert stage_events(court_stage.id) == []
    [arrival] = recent_notices(court_officer)
    assert (arrival.case_id, arrival.sender, arrival.to_court) == (case_id, orgs.village_a1.name, True)
    assert stage_events(stage.id)[-1].data['court'] == orgs.court.name
    # Visible to the court officer, who handles the court stage (and only that one).
    assert _db.session.scalar(visible_cases(court_officer).where(Case.id == case_id)).id == case_id
    # the court's own steps, never the committee's (issue 13)
    assert allowed_triggers(court_stage, court_officer) == ['decline', 'withdraw', 'court_receive']
    assert allowed_triggers(stage, court_officer) == []
    # Not to another village's mediator.
    other = make_user('other_village', Role.VILLAGE_MEDIATOR, orgs.village_b1)
    assert _db.session.scalar(visible_cases(other).where(Case.id == case_id)) is None


# --------------------------------------------------------------------------- signing

@pytest.mark.parametrize('missing', ['parties_signed', 'mediator_signed', 'sealed'])
def test_sign_agreement_is_refused_without_every_signature_and_the_seal(db, orgs, handler, missing):
    """The guards read the signature records and the issued agreement, not a form's checkboxes."""
    stage = stage_in_state(handler, S.AGREEMENT_PENDING)
    signed = [slot for slot, name in (('party:0', 'parties_signed'), ('mediator', 'mediator_signed'))
              if name != missing]
    agreement_records(stage, signed=signed, sealed=missing != 'sealed')
    _db.session.commit()
    checked_boxes = {'parties_signed': True, 'mediator_signed': True, 'sealed': True}  # they count for nothing
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(stage, 'sign_agreement', handler, data=checked_boxes, now=NOW)
    assert refused.value.message == {'parties_signed': '尚有当事人未签名', 'mediator_signed': '调解员尚未签名',
                                     'sealed': '尚未加盖人民调解委员会印章'}[missing]
    assert 'sign_agreement' in refused.value.details['allowed']
    _db.session.rollback()
    assert _db.session.get(Stage, stage.id).state == S.AGREEMENT_PENDING
    assert [e.kind for e in stage_events(stage.id)] == ['created']


@pytest.mark.parametrize('category_code', ['HY', 'HY-JC', 'HY-SHY'])
def test_marriage_and_family_agreements_need_wet_signatures(db, orgs, handler, category_code):
    on_screen = stage_in_state(handler, S.AGREEMENT_PENDING, category_code=category_code)
    agreement_records(on_screen, sealed=True)
    _db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(on_screen, 'sign_agreement', handler, now=NOW)
    assert '婚姻家庭' in refused.value.message and '亲笔签名' in refused.value.message
    _db.session.rollback()
    assert _db.session.get(Stage, on_screen.id).state == S.AGREEMENT_PENDING
    stage = stage_in_state(handler, S.AGREEMENT_PENDING, category_code=category_code)
    agreement_records(stage, sealed=True, paper=True)
    apply_transition(stage, 'sign_agreement', handler, now=NOW)
    _db.session.commit()
    assert stage.state == S.AGREED
    assert stage.agreement_effective_at == NOW
    assert stage.clock == Clock.JC_APPLY


def test_other_agreements_take_effect_with_electronic_signatures(db, orgs, handler):
    stage = stage_in_state(handler, S.AGREEMENT_PENDING, category_code='LL')
    agreement_records(stage, sealed=True)
    apply_transition(stage, 'sign_agreement', handler, now=NOW)
    _db.session.commit()
    assert stage.state == S.AGREED
