"""The dispute-stage state machine (design.md §4), built on ``transitions``.

``TRIGGERS`` is the whole definition as data: sources, destination, who may fire it, whether a
reason or data is required, and the guards. ``DisputeWorkflow`` builds one ``transitions.Machine``
from it per process and binds it to a stage for the duration of one call only.

The machine decides; it does not act. No callback has side effects: the service allocates case
numbers, writes the audit event, bumps the version and issues notices in its own transaction.
"""
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Callable
from typing import Mapping

from transitions import EventData
from transitions import Machine

from .court import CourtNumberInvalid
from .court import parse_court_case_number
from .court import valid_court_case_number
from .enums import Level
from .enums import StageKind
from .states import OPEN_STATES
from .states import OUTCOME_STATES
from .states import State

#: A mediator of the stage's own committee, or a court officer for court stages.
HANDLER = 'handler'
#: A court officer acting on a case that their court sent down.
COURT = 'court'
#: The deadline sweep.
SYSTEM = 'system'

ACTOR_LABELS = {HANDLER: '承办人员', COURT: '法院', SYSTEM: '系统'}

#: Chinese names of the ``ctx.data`` keys some triggers require, for error messages.
DATA_LABELS = {
    'requested_by': '申请中止的一方',
    'unit': '延长期限的计算单位',
    'amount': '延长期限的长度',
    'court': '法院',
    'court_case_number': '法院案号',
    'committee_id': '受托调解组织',
    'delegation': '委派或委托方式',
    'approved_by': '批准延长的院长',
}


@dataclass(frozen=True)
class TransitionContext:
    """The facts the guards need; the service builds it from the database."""

    actor: str
    level: Level
    kind: StageKind
    reason: str = ''
    data: Mapping = field(default_factory=dict)
    consent_recorded: bool = False
    #: the stage's agreement: 'written', 'oral', or None when nothing is drafted; and the
    #: required items (MOJ02 Arts 34–35) it still lacks, named for the user
    agreement_kind: str | None = None
    agreement_missing: tuple[str, ...] = ()
    #: from the signature records and the issued documents (not from a form's checkboxes)
    all_parties_signed: bool = False
    mediator_signed: bool = False
    sealed: bool = False
    requires_wet_signature: bool = False
    wet_signatures_confirmed: bool = False
    #: the stage arrived by the sweep's automatic referral: nobody has asked the parties yet
    consent_pending: bool = False
    #: a court stage: what the committee's result was when it came back ('agreement', 'failure',
    #: 'lapse'; None before), and how the court sent the case down (a court-sent StageKind value)
    court_result: str | None = None
    sent_as: str | None = None
    #: the agreement may be confirmed by a court (not an identity relation, CPLI Art 355)
    confirmable: bool = True
    #: the state of the case's latest judicial-confirmation stage, if any
    confirmation_state: str | None = None
    #: the confirmation's decision period was extended already (JC11 Art 5: once, by 10 days)
    decision_extended: bool = False


@dataclass(frozen=True)
class Guard:
    """A named predicate over the context, with the Chinese message shown when it refuses
    (a text, or a function of the context when the refusal names what is missing)."""

    test: Callable[[TransitionContext], bool]
    message: str | Callable[[TransitionContext], str]

    @property
    def name(self):
        return self.test.__name__

    def message_for(self, ctx: TransitionContext) -> str:
        return self.message(ctx) if callable(self.message) else self.message

    def __call__(self, event: EventData) -> bool:
        # transitions calls conditions with the EventData (send_event=True); fire() and allowed()
        # pass the context as the keyword argument ``ctx``.
        return self.test(event.kwargs['ctx'])


def all_parties_signed(ctx):
    return ctx.all_parties_signed


def mediator_signed(ctx):
    return ctx.mediator_signed


def committee_seal_applied(ctx):
    return ctx.sealed


def wet_signatures_where_required(ctx):
    return ctx.wet_signatures_confirmed or not ctx.requires_wet_signature


def written_agreement_complete(ctx):
    return ctx.agreement_kind == 'written' and not ctx.agreement_missing


def oral_agreement_complete(ctx):
    return ctx.agreement_kind == 'oral' and not ctx.agreement_missing


def _agreement_gaps(kind, other_trigger_label):
    def message(ctx):
        if ctx.agreement_kind is None:
            return '请先填写调解协议的内容。'
        if ctx.agreement_kind != kind:
            return f'协议草稿是{"口头" if ctx.agreement_kind == "oral" else "书面"}协议，请使用“{other_trigger_label}”。'
        return '协议尚缺以下事项，请补充后再定稿：' + '；'.join(ctx.agreement_missing)
    return message


def parent_committee_exists(ctx):
    return ctx.level.parent is not None


def consent_to_extension_recorded(ctx):
    return ctx.consent_recorded


def consent_to_referral_recorded(ctx):
    # The sweep's automatic referral is only a proposal to the parent committee, which must
    # accept it; the parties' consent is collected at that acceptance (domain.md §2.3), so the
    # system may propose without it. A handler's referral needs the consent first.
    return ctx.actor == SYSTEM or ctx.consent_recorded


def consent_to_continue_recorded(ctx):
    # An automatic referral is only a proposal (see consent_to_referral_recorded): the parties
    # agree to continue at this level when it is accepted, or it is declined (PML Art 3(1)).
    return not ctx.consent_pending or ctx.consent_recorded


def court_sent_case(ctx):
    return ctx.kind.court_sent


def not_court_sent_case(ctx):
    return not ctx.kind.court_sent


def agreement_came_back(ctx):
    return ctx.court_result == 'agreement'


def no_agreement_came_back(ctx):
    return ctx.court_result != 'agreement'


def may_file_case(ctx):
    # TY16 Art 27: a delegated (pre-filing) case that failed is filed; an entrusted one goes back to trial.
    return ctx.court_result is None or (ctx.court_result != 'agreement' and ctx.sent_as == StageKind.COURT_DELEGATED)


def may_return_to_trial(ctx):
    return ctx.court_result is None or (ctx.court_result != 'agreement' and ctx.sent_as != StageKind.COURT_DELEGATED)


def agreement_confirmable(ctx):
    return ctx.confirmable


def no_confirmation_pending(ctx):
    return ctx.confirmation_state not in ('pending_acceptance', 'jc_reviewing', 'jc_confirmed')


def decision_not_extended(ctx):
    return not ctx.decision_extended


WRITTEN_AGREEMENT_COMPLETE = Guard(written_agreement_complete, _agreement_gaps('written', '登记口头协议'))
ORAL_AGREEMENT_COMPLETE = Guard(oral_agreement_complete, _agreement_gaps('oral', '制作调解协议'))
SIGNED_BY_ALL_PARTIES = Guard(all_parties_signed, '尚有当事人未签名')
SIGNED_BY_MEDIATOR = Guard(mediator_signed, '调解员尚未签名')
SEALED = Guard(committee_seal_applied, '尚未加盖人民调解委员会印章')
WET_SIGNATURES = Guard(
    wet_signatures_where_required,
    '婚姻家庭、收养、继承纠纷的调解协议须由当事人亲笔签名或按指印（《电子签名法》第三条），尚未确认',
)
HAS_PARENT_COMMITTEE = Guard(parent_committee_exists, '区（县）以上没有可移交的上级调解组织')
EXTENSION_CONSENTED = Guard(consent_to_extension_recorded, '延长调解期限须先记录双方当事人同意')
REFERRAL_CONSENTED = Guard(consent_to_referral_recorded, '移交上级调解须先记录当事人同意')
CONTINUATION_CONSENTED = Guard(consent_to_continue_recorded,
                               '系统自动移交的案件，受理前须记录当事人同意继续调解；当事人不同意的，请选择“不予受理”')
COURT_SENT = Guard(court_sent_case, '只有法院委派、委托调解的案件才能退回法院')
NOT_COURT_SENT = Guard(not_court_sent_case, '法院委派、委托调解的案件未达成协议的，应退回法院'
                                            '（《最高人民法院关于人民法院特邀调解的规定》第二十六条）')
AGREEMENT_RETURNED = Guard(agreement_came_back, '调解未达成协议，没有可备案的调解协议')
NO_AGREEMENT_RETURNED = Guard(no_agreement_came_back, '调解已达成协议，请将调解协议备案')
FILING_FITS = Guard(may_file_case, '委托调解（已立案）的案件调解不成的，应恢复审理（转入审判），不再立案')
TRIAL_FITS = Guard(may_return_to_trial, '委派调解（诉前）的案件调解不成的，应依法登记立案')
CONFIRMABLE = Guard(agreement_confirmable,
                    '婚姻、收养、亲子关系等身份关系的调解协议，人民法院不受理司法确认申请（《民诉法解释》第三百五十五条）')
NO_CONFIRMATION_PENDING = Guard(no_confirmation_pending, '该调解协议已申请司法确认（审查中或已确认），不能重复申请')
DECISION_EXTENDABLE = Guard(decision_not_extended, '司法确认审查期限只能经院长批准延长一次（10日）')

#: The kinds of stage a committee mediates, and the court's two.
COMMITTEE_KINDS = frozenset({StageKind.PEOPLE, StageKind.COURT_DELEGATED, StageKind.COURT_ENTRUSTED,
                             StageKind.COURT_ENTRUSTED_SUMMARY})
COURT_KINDS = frozenset({StageKind.COURT})
CONFIRMATION_KINDS = frozenset({StageKind.JUDICIAL_CONFIRMATION})
ALL_KINDS = frozenset(StageKind)

_SHARED_STATES = frozenset({State.PENDING_ACCEPTANCE, State.DECLINED, State.WITHDRAWN, State.CLOSED})
#: The states a stage of each kind can be in (docs/court.md).
COURT_STATES = _SHARED_STATES | {State.COURT_RECEIVED, State.COURT_REGISTERED, State.SENT_DOWN, State.COURT_RETURNED,
                                 State.CASE_FILED, State.IN_TRIAL, State.AGREEMENT_FILED}
CONFIRMATION_STATES = _SHARED_STATES | {State.JC_REVIEWING, State.JC_CONFIRMED, State.JC_REJECTED}
COMMITTEE_STATES = frozenset(State) - (COURT_STATES | CONFIRMATION_STATES) | _SHARED_STATES


def states_of(kind) -> frozenset:
    kind = StageKind(kind)
    if kind in COURT_KINDS:
        return COURT_STATES
    if kind in CONFIRMATION_KINDS:
        return CONFIRMATION_STATES
    return COMMITTEE_STATES


@dataclass(frozen=True)
class TriggerSpec:
    name: str
    label_zh: str
    label_en: str
    sources: tuple[State, ...]
    #: None for an internal transition: an event recorded without a change of state
    dest: State | None
    reason_required: bool
    actors: frozenset[str]
    guards: tuple[Guard, ...] = ()
    #: keys of ``ctx.data`` that must be filled in (see DATA_LABELS)
    required_data: tuple[str, ...] = ()
    #: the kinds of stage it applies to: a committee's mediation, the court's stage, a confirmation
    kinds: frozenset[StageKind] = COMMITTEE_KINDS


def _trigger(name, label_zh, label_en, *, sources, dest, actors=(HANDLER,), reason=False, guards=(), data=(),
             kinds=COMMITTEE_KINDS):
    return TriggerSpec(
        name=name,
        label_zh=label_zh,
        label_en=label_en,
        sources=tuple(sorted(sources, key=list(State).index)),
        dest=dest,
        reason_required=reason,
        actors=frozenset(actors),
        guards=guards,
        required_data=data,
        kinds=frozenset(kinds),
    )


#: Accepted and not yet ended.
_ACCEPTED_OPEN = OPEN_STATES - {State.PENDING_ACCEPTANCE}
#: Where the handler (or, at expiry, the sweep) decides how a mediation that has not agreed goes on.
_DECISION_POINTS = (State.MEDIATING, State.FAILED)

#: The whole state machine. The order is the order buttons appear in.
TRIGGERS: dict[str, TriggerSpec] = {spec.name: spec for spec in (
    # The service allocates the stage's case number when it accepts.
    _trigger('accept', '受理', 'Accept', sources=[State.PENDING_ACCEPTANCE], dest=State.MEDIATING,
             guards=(CONTINUATION_CONSENTED,)),
    _trigger('decline', '不予受理', 'Decline', sources=[State.PENDING_ACCEPTANCE], dest=State.DECLINED,
             reason=True, kinds=ALL_KINDS),
    _trigger('pause', '中止调解', 'Pause', sources=[State.MEDIATING], dest=State.PAUSED,
             reason=True, data=('requested_by',)),
    _trigger('resume', '恢复调解', 'Resume', sources=[State.PAUSED], dest=State.MEDIATING),
    _trigger('extend', '延长调解期限', 'Extend the time limit', sources=[State.MEDIATING], dest=None,
             guards=(EXTENSION_CONSENTED,), data=('unit', 'amount')),
    # The agreement's text becomes final only with every item MOJ02 Arts 34-35 requires.
    _trigger('draft_agreement', '制作调解协议', 'Draft the agreement',
             sources=[State.MEDIATING], dest=State.AGREEMENT_PENDING, guards=(WRITTEN_AGREEMENT_COMPLETE,)),
    _trigger('reopen_drafting', '重新协商', 'Reopen negotiation',
             sources=[State.AGREEMENT_PENDING], dest=State.MEDIATING, reason=True),
    # PML Art 29: effective once every party and the mediator signed and the seal is applied.
    _trigger('sign_agreement', '协议生效', 'Agreement takes effect',
             sources=[State.AGREEMENT_PENDING], dest=State.AGREED,
             guards=(SIGNED_BY_ALL_PARTIES, SIGNED_BY_MEDIATOR, SEALED, WET_SIGNATURES)),
    # PML Arts 28, 30: an oral agreement takes effect when reached; the mediator records it.
    _trigger('register_oral_agreement', '登记口头协议', 'Register an oral agreement',
             sources=[State.MEDIATING], dest=State.AGREED, guards=(ORAL_AGREEMENT_COMPLETE,)),
    _trigger('record_failure', '调解不成', 'Record failure', sources=[State.MEDIATING], dest=State.FAILED,
             reason=True),
    _trigger('refer_up', '移交上级调解', 'Refer to the parent committee',
             sources=_DECISION_POINTS, dest=State.REFERRED_UP,
             actors=(HANDLER, SYSTEM), guards=(NOT_COURT_SENT, HAS_PARENT_COMMITTEE, REFERRAL_CONSENTED)),
    # PML Art 3(3): mediation never stands in the way of going to court; a case the court sent goes
    # back to it instead (return_to_court).
    _trigger('refer_to_court', '移送法院', 'Refer to the court',
             sources=_DECISION_POINTS, dest=State.WITH_COURT, reason=True, guards=(NOT_COURT_SENT,)),
    # TY16 Arts 26-27: a court-sent case ends by going back to the court that sent it.
    _trigger('return_to_court', '退回法院', 'Return to the court',
             sources=_ACCEPTED_OPEN, dest=State.RETURNED_TO_COURT,
             actors=(HANDLER, COURT, SYSTEM), guards=(COURT_SENT,)),
    # PML Art 23(2): a party may end the mediation at any time (at the court: withdraw the suit or
    # the application; while the case is sent down, the committee's stage records it).
    _trigger('withdraw', '当事人撤回', 'Withdraw', sources=OPEN_STATES - {State.SENT_DOWN}, dest=State.WITHDRAWN,
             reason=True, kinds=ALL_KINDS),
    # The service issues the termination and remedies notice (PML Art 26).
    _trigger('terminate', '终止调解', 'Terminate', sources=_ACCEPTED_OPEN, dest=State.TERMINATED, reason=True),
    # At a district stage's expiry there is no level above: the sweep only flags it.
    _trigger('flag_for_decision', '期满提请决定', 'Flag for decision',
             sources=_DECISION_POINTS, dest=None, actors=(SYSTEM,)),
    # Performance of the agreed terms and follow-up visits are typed records (``workflows.records``),
    # not transitions: they change nothing in the stage, so they never make a colleague's form stale.
    # PML Art 33: the parties apply jointly; the service opens the confirmation stage at the court
    # named (``data['court']``, an id or a name), by default the court serving the committee's district.
    _trigger('apply_judicial_confirmation', '申请司法确认', 'Apply for judicial confirmation',
             sources=[State.AGREED], dest=None, actors=(HANDLER, COURT),
             guards=(CONFIRMABLE, NO_CONFIRMATION_PENDING)),
    # ---- the court's stage (docs/court.md): no people's-mediation number, the court's own steps
    _trigger('court_receive', '收案', 'Receive', sources=[State.PENDING_ACCEPTANCE], dest=State.COURT_RECEIVED,
             kinds=COURT_KINDS),
    _trigger('court_register', '登记法院案号', "Register with the court's case number",
             sources=[State.COURT_RECEIVED], dest=State.COURT_REGISTERED, data=('court_case_number',),
             kinds=COURT_KINDS),
    # TY16 Art 11: the court delegates (before filing) or entrusts (after) to an invited organisation.
    _trigger('send_down', '委派（委托）调解', 'Send down for mediation', sources=[State.COURT_REGISTERED],
             dest=State.SENT_DOWN, data=('committee_id', 'delegation'), kinds=COURT_KINDS),
    # The committee's result comes back: fired only as the effect of the committee stage's step.
    _trigger('receive_result', '调解结果退回法院', 'Mediation result returned', sources=[State.SENT_DOWN],
             dest=State.COURT_RETURNED, actors=(SYSTEM,), kinds=COURT_KINDS),
    _trigger('file_agreement', '调解协议备案', 'File the agreement', sources=[State.COURT_RETURNED],
             dest=State.AGREEMENT_FILED, guards=(AGREEMENT_RETURNED,), kinds=COURT_KINDS),
    _trigger('file_case', '登记立案', 'File the case', sources=[State.COURT_REGISTERED, State.COURT_RETURNED],
             dest=State.CASE_FILED, guards=(NO_AGREEMENT_RETURNED, FILING_FITS), kinds=COURT_KINDS),
    _trigger('transfer_to_trial', '转入审判', 'Transfer to trial',
             sources=[State.COURT_REGISTERED, State.COURT_RETURNED], dest=State.IN_TRIAL,
             guards=(NO_AGREEMENT_RETURNED, TRIAL_FITS), kinds=COURT_KINDS),
    # ---- judicial confirmation (JC11 Arts 4-5; CPL23 Arts 205-206)
    _trigger('jc_accept', '受理司法确认申请', 'Accept the application', sources=[State.PENDING_ACCEPTANCE],
             dest=State.JC_REVIEWING, data=('court_case_number',), kinds=CONFIRMATION_KINDS),
    _trigger('jc_extend', '延长审查期限（院长批准）', 'Extend the review (approved by the president)',
             sources=[State.JC_REVIEWING], dest=None, reason=True, data=('approved_by',),
             guards=(DECISION_EXTENDABLE,), kinds=CONFIRMATION_KINDS),
    _trigger('jc_confirm', '裁定确认调解协议有效', 'Rule the agreement valid', sources=[State.JC_REVIEWING],
             dest=State.JC_CONFIRMED, kinds=CONFIRMATION_KINDS),
    _trigger('jc_reject', '裁定驳回申请', 'Reject the application', sources=[State.JC_REVIEWING],
             dest=State.JC_REJECTED, reason=True, kinds=CONFIRMATION_KINDS),
    _trigger('close', '结案', 'Close', sources=OUTCOME_STATES, dest=State.CLOSED, kinds=ALL_KINDS),
)}


class TransitionError(Exception):
    """A transition was refused; ``message`` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class IllegalTransition(TransitionError):
    """The trigger is unknown or not defined from the stage's state."""

    def __init__(self, trigger, state, allowed):
        self.trigger = trigger
        self.state = state
        self.allowed = list(allowed)
        choices = '、'.join(TRIGGERS[name].label_zh for name in self.allowed) or '无'
        super().__init__(f'“{state.label_zh}”状态下不能执行“{_label(trigger)}”；可执行的操作：{choices}')


class GuardFailed(TransitionError):
    def __init__(self, trigger, guard: Guard, ctx: TransitionContext):
        self.trigger = trigger
        self.guard = guard.name
        super().__init__(guard.message_for(ctx))


class ReasonRequired(TransitionError):
    def __init__(self, trigger):
        self.trigger = trigger
        super().__init__(f'“{_label(trigger)}”须填写原因')


class DataRequired(TransitionError):
    def __init__(self, trigger, missing):
        self.trigger = trigger
        self.missing = list(missing)
        super().__init__(f'“{_label(trigger)}”须填写：' + '、'.join(DATA_LABELS[key] for key in self.missing))


def _whole_number(low, high):
    def check(value):
        if isinstance(value, bool):  # JSON true is not 1 day
            return False
        try:
            return low <= int(value) <= high and float(value) == int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
            return False
    return check


#: What a valid value of a required ``ctx.data`` key looks like (keys not listed: any non-empty value).
DATA_VALUES = {
    'unit': lambda value: value in ('days', 'months', 'workdays'),
    'amount': _whole_number(1, 366),
    'court_case_number': valid_court_case_number,
    'delegation': lambda value: value in {kind.value for kind in StageKind if kind.court_sent},
}


def _court_number_problem(value):
    try:
        parse_court_case_number(value)
    except CourtNumberInvalid as error:
        return error.message
    return ''


#: What exactly is wrong with an invalid value, where a key can say more than its name.
DATA_PROBLEMS = {'court_case_number': _court_number_problem}


class DataInvalid(TransitionError):
    def __init__(self, trigger, invalid, data=None):
        self.trigger = trigger
        self.invalid = list(invalid)
        details = [DATA_PROBLEMS[key](data[key]) for key in self.invalid if data is not None and key in DATA_PROBLEMS]
        super().__init__(f'“{_label(trigger)}”的以下内容不正确：' + '、'.join(DATA_LABELS[key] for key in self.invalid)
                         + ''.join(f'（{detail}）' for detail in details if detail))


class ActorNotAllowed(TransitionError):
    def __init__(self, trigger, actor):
        self.trigger = trigger
        self.actor = actor
        super().__init__(f'{ACTOR_LABELS.get(actor, actor)}不能执行“{_label(trigger)}”')


def _label(trigger):
    spec = TRIGGERS.get(trigger)
    return spec.label_zh if spec else trigger


def _state_of(model):
    """The model's state as a State, whether the attribute holds the enum or its string."""
    return State(model.state)


class _Binding:
    """What the machine is bound to during one call, in place of the caller's model.

    ``add_model`` attaches a method per trigger, ``may_<trigger>``, ``is_<state>``, ``trigger``
    and ``may_trigger`` to whatever it binds, ``remove_model`` leaves them all behind, and an
    attribute that exists but is None (a nullable column) would be overwritten. Binding this
    throwaway object instead keeps the ORM row untouched apart from the one ``state`` write in
    ``fire``, and everything the binding attached is garbage once the call returns.
    """


class DisputeWorkflow:
    """The dispute state machine. Build it once per process: ``WORKFLOW`` below."""

    def __init__(self):
        # initial=None: add_model must always be given the row's state (a default would
        # silently reset a loaded row).
        self.machine = Machine(
            model=None,
            states=[state.value for state in State],
            initial=None,
            auto_transitions=False,
            send_event=True,
            model_attribute='state',
        )
        for spec in TRIGGERS.values():
            self.machine.add_transition(
                spec.name,
                [source.value for source in spec.sources],
                spec.dest.value if spec.dest else None,
                conditions=list(spec.guards),
            )
        # transitions.Machine is not thread-safe (``machine.models`` is one shared list) and
        # waitress serves requests from several threads, so bind-fire-unbind runs under one
        # process-wide lock. The section is pure computation on in-memory values (no I/O, no
        # database access), so the lock never waits on anything slow.
        # Other processes and servers are kept apart by the service's version compare-and-set.
        self._lock = threading.Lock()

    @contextmanager
    def _bound(self, state):
        binding = _Binding()
        with self._lock:
            self.machine.add_model(binding, initial=state.value)
            try:
                yield binding
            finally:
                self.machine.remove_model(binding)

    def defined_from(self, state, kind=StageKind.PEOPLE) -> list[str]:
        """Triggers defined from ``state`` for a stage of ``kind``, ignoring actor, reason and guards."""
        state, kind = State(state), StageKind(kind)
        if state not in states_of(kind):
            return []
        return [name for name, spec in TRIGGERS.items() if state in spec.sources and kind in spec.kinds]

    def allowed(self, model, ctx: TransitionContext) -> list[str]:
        """Triggers ``ctx.actor`` may fire now: the buttons a page shows.

        The reason and data are typed into the form the button opens, so they are not checked.
        """
        state = _state_of(model)
        candidates = [name for name in self.defined_from(state, ctx.kind) if ctx.actor in TRIGGERS[name].actors]
        with self._bound(state) as binding:
            return [name for name in candidates if getattr(binding, f'may_{name}')(ctx=ctx)]

    def fire(self, model, trigger: str, ctx: TransitionContext) -> tuple[State, State]:
        """Fire ``trigger`` on ``model`` and return (from, to); raise a TransitionError if refused.

        A change of state is written to ``model.state`` as the value string; an internal transition
        and a refusal leave it untouched.
        """
        state = _state_of(model)
        defined = self.defined_from(state, ctx.kind)
        if trigger not in defined:
            raise IllegalTransition(trigger, state, defined)
        spec = TRIGGERS[trigger]
        if ctx.actor not in spec.actors:
            raise ActorNotAllowed(trigger, ctx.actor)
        if spec.reason_required and not ctx.reason.strip():
            raise ReasonRequired(trigger)
        missing = [key for key in spec.required_data if ctx.data.get(key) in (None, '')]
        if missing:
            raise DataRequired(trigger, missing)
        invalid = [key for key in spec.required_data if key in DATA_VALUES and not DATA_VALUES[key](ctx.data[key])]
        if invalid:
            raise DataInvalid(trigger, invalid, ctx.data)
        with self._bound(state) as binding:
            if not binding.trigger(trigger, ctx=ctx):
                raise GuardFailed(trigger, next(guard for guard in spec.guards if not guard.test(ctx)), ctx)
            new_state = State(binding.state)
        if new_state != state:
            model.state = new_state.value
        return state, new_state

    def mermaid(self) -> str:
        """A Mermaid stateDiagram-v2 of TRIGGERS, with the Chinese labels."""
        lines = ['stateDiagram-v2']
        lines += [f'    state "{state.label_zh}" as {state.value}' for state in State]
        lines.append(f'    [*] --> {State.PENDING_ACCEPTANCE.value}')
        for spec in TRIGGERS.values():
            for source in spec.sources:
                dest = spec.dest or source
                lines.append(f'    {source.value} --> {dest.value}: {spec.label_zh}')
        lines.append(f'    {State.CLOSED.value} --> [*]')
        return '\n'.join(lines) + '\n'


WORKFLOW = DisputeWorkflow()
