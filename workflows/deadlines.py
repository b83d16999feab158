"""Deadline rules as data, grouped in named profiles, and a stage's deadline (design.md §5, domain.md §2).

A :class:`Profile` is plain data (see ``STATUTORY_DATA``): which rule applies
to which clock and stage, how long it runs, what happens when it lapses and
when "due soon" starts. A deployment can define its own profile with
:meth:`Profile.from_dict`; ``FAST_TRACK`` is built that way from the
statutory data with a handful of overrides.
"""
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from types import MappingProxyType

from workflows.calendar import WorkCalendar
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import StageKind
from workflows.periods import Deadline
from workflows.periods import Pause
from workflows.periods import add_days
from workflows.periods import add_months
from workflows.periods import add_workdays


class Unit(str, enum.Enum):
    """How a period is counted (domain.md §7.3)."""

    DAYS = 'days'
    MONTHS = 'months'
    WORKDAYS = 'workdays'


_PERIOD_FUNCTIONS = {Unit.DAYS: add_days, Unit.MONTHS: add_months, Unit.WORKDAYS: add_workdays}


def add_period(start: date, unit: str, amount: int, cal: WorkCalendar, pauses=(), **kwargs) -> Deadline:
    """``amount`` days, months or working days from ``start``, as every rule counts them."""
    return _PERIOD_FUNCTIONS[Unit(unit)](start, amount, cal, pauses, **kwargs)


#: what the ``starts_at`` fact is called in an explanation ('受理' → '受理日的次日起算')
START_LABELS_ZH = {'accepted': '受理', 'received': '签收', 'agreement_effective': '调解协议生效'}
#: the same day named in English ('the day after the acceptance day')
START_LABELS_EN = {'accepted': 'acceptance day', 'received': 'receipt day',
                   'agreement_effective': "agreement's effective day"}
#: A fresh intake's stage was "received" when the dispute was registered, not when materials arrived.
INTAKE_START_LABEL_ZH, INTAKE_START_LABEL_EN = '登记', 'registration day'
_UNITS_EN = {'days': ('day', 'days'), 'months': ('month', 'months'), 'workdays': ('working day', 'working days')}


@dataclass(frozen=True)
class DeadlineRule:
    """One time limit: ``amount`` ``unit`` counted from the recorded fact ``starts_at``."""

    key: str
    label_zh: str
    unit: Unit
    amount: int
    #: 'accepted' | 'received' | 'agreement_effective'
    starts_at: str
    #: the due-soon window for this rule when it differs from the profile's (a 3-working-day
    #: acceptance limit would otherwise be "due soon" from the moment the referral arrives)
    due_soon_workdays: int | None = None
    #: the label in English; empty: worded from the unit, amount and start
    label_en: str = ''
    #: the label when the clock started with a fresh intake (a dispute registered here, not a
    #: referral or a court's materials); empty: ``label_zh`` / ``label_en``
    intake_label_zh: str = ''
    intake_label_en: str = ''

    def __post_init__(self):
        object.__setattr__(self, 'unit', Unit(self.unit))
        if self.starts_at not in START_LABELS_ZH:
            raise ValueError(f'rule {self.key!r}: unknown starts_at {self.starts_at!r}; '
                             f'expected one of {sorted(START_LABELS_ZH)}')
        if self.amount < 1:
            raise ValueError(f'rule {self.key!r}: amount must be at least 1, got {self.amount}')

    def compute(self, start: date, cal: WorkCalendar, pauses=(), *, fresh_intake: bool = False) -> Deadline:
        """The deadline of this rule for a clock started on ``start`` (see :mod:`workflows.periods`)."""
        if fresh_intake and self.starts_at == 'received':
            labels = {'start_label': INTAKE_START_LABEL_ZH, 'start_label_en': INTAKE_START_LABEL_EN}
        else:
            labels = {'start_label': START_LABELS_ZH[self.starts_at], 'start_label_en': START_LABELS_EN[self.starts_at]}
        return add_period(start, self.unit, self.amount, cal, pauses, **labels)

    def describe(self, *, fresh_intake: bool = False) -> tuple[str, str]:
        """(Chinese, English) label of the rule, worded for a fresh intake when that is how the clock started."""
        if fresh_intake and self.intake_label_zh:
            return self.intake_label_zh, self.intake_label_en or self.intake_label_zh
        return self.label_zh, self.label_en or self._worded_en()

    def _worded_en(self) -> str:
        one, many = _UNITS_EN[self.unit.value]
        return (f'Time limit: {self.amount} {one if self.amount == 1 else many} from the day after the '
                f'{START_LABELS_EN[self.starts_at]}')


class ExpiryAction(str, enum.Enum):
    """What the sweep does when a clock lapses."""

    #: village/town stage without agreement → referred up to the parent level
    REFER_UP = 'refer_up'
    #: district stage → flagged for a decision (extend / terminate / send to court)
    FLAG_FOR_DECISION = 'flag_for_decision'
    #: court-sent case → returned to the court
    RETURN_TO_COURT = 'return_to_court'
    #: reminders only (acceptance overdue, judicial-confirmation window)
    REMIND = 'remind'


#: every profile defines all of these rules
RULE_KEYS = (
    'mediation.village', 'mediation.town', 'mediation.district',
    'mediation.court_delegated', 'mediation.court_entrusted', 'mediation.court_entrusted_summary',
    'acceptance', 'jc_apply',
    # the court's own (docs/court.md)
    'court.review', 'jc.acceptance', 'jc.decision',
)


def rule_key(clock: Clock, level: Level, kind: StageKind) -> str | None:
    """Which rule key governs ``clock`` for a stage at ``level`` of ``kind``; None if none does.

    The court's own stages (kind COURT) follow the court's procedure, not ours: they have no
    mediation or acceptance rule. The judicial-confirmation window belongs to the parties and
    applies whatever stage holds the agreement.
    """
    if clock is Clock.JC_APPLY:
        return 'jc_apply'
    court_clocks = {Clock.COURT_REVIEW: (StageKind.COURT, 'court.review'),
                    Clock.JC_ACCEPTANCE: (StageKind.JUDICIAL_CONFIRMATION, 'jc.acceptance'),
                    Clock.JC_DECISION: (StageKind.JUDICIAL_CONFIRMATION, 'jc.decision')}
    if clock in court_clocks:
        owner, key = court_clocks[clock]
        return key if kind is owner else None
    if kind.at_court:
        return None
    if clock is Clock.ACCEPTANCE:
        return 'acceptance'
    return f'mediation.{kind.value if kind.court_sent else level.value}'


@dataclass(frozen=True)
class Profile:
    """A named set of deadline rules, the action taken when each lapses, and the due-soon window."""

    name: str
    label_zh: str
    rules: Mapping[str, DeadlineRule]
    #: 'due soon' starts this many working days before the due date
    due_soon_workdays: int
    #: rule key → action at expiry; a rule without an entry only reminds
    expiry_actions: Mapping[str, ExpiryAction] = field(default_factory=dict)
    label_en: str = ''

    def __post_init__(self):
        missing = [key for key in RULE_KEYS if key not in self.rules]
        if missing:
            raise ValueError(f'profile {self.name!r} lacks the rules {missing}')
        mislabelled = [key for key, rule in self.rules.items() if rule.key != key]
        if mislabelled:
            raise ValueError(f'profile {self.name!r}: rules filed under another key: {mislabelled}')
        stray = [key for key in self.expiry_actions if key not in self.rules]
        if stray:
            raise ValueError(f'profile {self.name!r}: expiry actions for unknown rules {stray}')
        if self.due_soon_workdays < 0:
            raise ValueError(f'profile {self.name!r}: due_soon_workdays must not be negative')
        # read-only views, so a shared profile cannot be changed by accident
        object.__setattr__(self, 'rules', MappingProxyType(dict(self.rules)))
        actions = {key: ExpiryAction(action) for key, action in self.expiry_actions.items()}
        object.__setattr__(self, 'expiry_actions', MappingProxyType(actions))

    def rule_for(self, clock: Clock, level: Level, kind: StageKind) -> DeadlineRule | None:
        """The rule for ``clock`` at a stage of ``level`` and ``kind``, or None (e.g. court stages)."""
        key = rule_key(clock, level, kind)
        return self.rules.get(key) if key else None

    def expiry_action(self, clock: Clock, level: Level, kind: StageKind) -> ExpiryAction:
        """What happens when that clock lapses; REMIND unless the profile names an action."""
        key = rule_key(clock, level, kind)
        return self.expiry_actions.get(key, ExpiryAction.REMIND)

    def due_soon_from(self, due: date, cal: WorkCalendar, rule: DeadlineRule | None = None) -> date:
        """The first day the stage counts as due soon: the rule's (or else the profile's)
        ``due_soon_workdays`` working days before ``due``."""
        window = rule.due_soon_workdays if rule is not None and rule.due_soon_workdays is not None else None
        day, remaining = due, self.due_soon_workdays if window is None else window
        while remaining:
            day -= timedelta(days=1)
            remaining -= cal.is_workday(day)
        return day

    @classmethod
    def from_dict(cls, data: Mapping) -> 'Profile':
        """Build a profile from plain (JSON-like) data, as in ``STATUTORY_DATA``."""
        rules = {key: DeadlineRule(key=key, **rule) for key, rule in data['rules'].items()}
        return cls(name=data['name'], label_zh=data['label_zh'], rules=rules,
                   due_soon_workdays=data['due_soon_workdays'],
                   expiry_actions=dict(data.get('expiry_actions', {})), label_en=data.get('label_en', ''))


STATUTORY_DATA = {
    'name': 'statutory',
    'label_zh': '法定期限（人民调解一个月，法院委派、委托调解30日、15日、7日）',
    'label_en': "Statutory limits (people's mediation one month; court-delegated and entrusted mediation "
                '30, 15 or 7 days)',
    # domain.md §2.3: an internal warning at about five working days left
    'due_soon_workdays': 5,
    'rules': {
        'mediation.village': {'label_zh': '村级调解期限：自受理次日起一个月',
                              'label_en': 'Village mediation time limit: one month from the day after acceptance',
                              'unit': 'months', 'amount': 1, 'starts_at': 'accepted'},
        'mediation.town': {'label_zh': '乡镇（街道）调解期限：自受理次日起一个月',
                           'label_en': 'Town (subdistrict) mediation time limit: one month from the day after '
                                       'acceptance',
                           'unit': 'months', 'amount': 1, 'starts_at': 'accepted'},
        'mediation.district': {'label_zh': '区（县）调解期限：自受理次日起一个月',
                               'label_en': 'District (county) mediation time limit: one month from the day after '
                                           'acceptance',
                               'unit': 'months', 'amount': 1, 'starts_at': 'accepted'},
        'mediation.court_delegated': {'label_zh': '法院委派调解期限：自调解员签收材料次日起30日',
                                      'label_en': 'Court-delegated mediation time limit: 30 days from the day after '
                                                  'the mediator signed for the materials',
                                      'unit': 'days', 'amount': 30, 'starts_at': 'received'},
        'mediation.court_entrusted': {'label_zh': '法院委托调解期限（普通程序）：自调解员签收材料次日起15日',
                                      'label_en': 'Court-entrusted mediation time limit (ordinary procedure): 15 days '
                                                  'from the day after the mediator signed for the materials',
                                      'unit': 'days', 'amount': 15, 'starts_at': 'received'},
        'mediation.court_entrusted_summary': {'label_zh': '法院委托调解期限（简易程序）：自调解员签收材料次日起7日',
                                              'label_en': 'Court-entrusted mediation time limit (summary procedure): '
                                                          '7 days from the day after the mediator signed for the '
                                                          'materials',
                                              'unit': 'days', 'amount': 7, 'starts_at': 'received'},
        # No national limit for a committee to accept a dispute brought to it (domain.md §2.1 D15:
        # "promptly"); the 3 working days of a referral (OL21 Art 12) serve as the reminder.
        'acceptance': {'label_zh': '受理期限：自收到移送、委派材料次日起3个工作日内决定是否受理',
                       'label_en': 'Acceptance time limit: decide whether to accept within 3 working days from the '
                                   'day after the referred or delegated materials arrived',
                       'intake_label_zh': '受理期限：自登记纠纷次日起3个工作日内决定是否受理',
                       'intake_label_en': 'Acceptance time limit: decide whether to accept within 3 working days '
                                          'from the day after the dispute was registered',
                       'unit': 'workdays', 'amount': 3, 'starts_at': 'received', 'due_soon_workdays': 1},
        'jc_apply': {'label_zh': '申请司法确认期限：自调解协议生效次日起30日',
                     'label_en': 'Time limit to apply for judicial confirmation: 30 days from the day after the '
                                 'agreement took effect',
                     'unit': 'days', 'amount': 30, 'starts_at': 'agreement_effective'},
        # CPL23 Art 126: the court decides on filing within 7 days; used for a referred case and
        # for a result that came back from the committee alike.
        'court.review': {'label_zh': '法院审查期限：自收到案件材料或调解结果次日起7日（《民事诉讼法》第一百二十六条）',
                         'label_en': "Court's review time limit: 7 days from the day after the case or the "
                                     'mediation result arrived (CPL Art 126)',
                         'unit': 'days', 'amount': 7, 'starts_at': 'received', 'due_soon_workdays': 2},
        'jc.acceptance': {'label_zh': '司法确认受理期限：自收到申请次日起3日内决定是否受理（司法确认规定第四条）',
                          'label_en': 'Confirmation acceptance time limit: decide within 3 days from the day after '
                                      'the application arrived (JC11 Art 4)',
                          'unit': 'days', 'amount': 3, 'starts_at': 'received', 'due_soon_workdays': 1},
        'jc.decision': {'label_zh': '司法确认审查期限：自受理次日起15日，经院长批准可延长10日（司法确认规定第五条）',
                        'label_en': 'Confirmation decision time limit: 15 days from the day after acceptance, '
                                    "10 more with the president's approval (JC11 Art 5)",
                        'unit': 'days', 'amount': 15, 'starts_at': 'accepted', 'due_soon_workdays': 3},
    },
    'expiry_actions': {
        'mediation.village': 'refer_up',
        'mediation.town': 'refer_up',
        'mediation.district': 'flag_for_decision',
        'mediation.court_delegated': 'return_to_court',
        'mediation.court_entrusted': 'return_to_court',
        'mediation.court_entrusted_summary': 'return_to_court',
        'acceptance': 'remind',
        'jc_apply': 'remind',
        'court.review': 'remind',
        'jc.acceptance': 'remind',
        'jc.decision': 'remind',
    },
}

#: CPL23 Art 187: a special-procedure case is decided within 30 days of filing (the ceiling the
#: confirmation's 15 + 10 days are shown against).
JC_CEILING_DAYS = 30
#: JC11 Art 5: the one extension the president may approve.
JC_EXTENSION_DAYS = 10

# 四级七天 (domain.md §2.3): 1 + 2 + 2 working days on our three committee levels (the scheme's
# fourth step, the township 综治中心, has no level of its own here). A referral must be accepted
# within 1 working day, or accepting would take longer than mediating. Court limits and the
# judicial-confirmation window are law and stay as in the statutory profile.
FAST_TRACK_DATA = {
    **STATUTORY_DATA,
    'name': 'fast_track',
    'label_zh': '快速调处（“四级七天”：村1个工作日，乡镇、区各2个工作日）',
    'label_en': 'Fast track ("four levels, seven days": village 1 working day, town and district 2 each)',
    'due_soon_workdays': 1,
    'rules': {
        **STATUTORY_DATA['rules'],
        'mediation.village': {'label_zh': '村级快速调处期限：自受理次日起1个工作日',
                              'label_en': 'Village fast-track time limit: 1 working day from the day after '
                                          'acceptance',
                              'unit': 'workdays', 'amount': 1, 'starts_at': 'accepted'},
        'mediation.town': {'label_zh': '乡镇（街道）快速调处期限：自受理次日起2个工作日',
                           'label_en': 'Town (subdistrict) fast-track time limit: 2 working days from the day after '
                                       'acceptance',
                           'unit': 'workdays', 'amount': 2, 'starts_at': 'accepted'},
        'mediation.district': {'label_zh': '区（县）快速调处期限：自受理次日起2个工作日',
                               'label_en': 'District (county) fast-track time limit: 2 working days from the day '
                                           'after acceptance',
                               'unit': 'workdays', 'amount': 2, 'starts_at': 'accepted'},
        'acceptance': {'label_zh': '受理期限（快速调处）：自收到移送材料次日起1个工作日内决定是否受理',
                       'label_en': 'Acceptance time limit (fast track): decide whether to accept within 1 working '
                                   'day from the day after the referred materials arrived',
                       'intake_label_zh': '受理期限（快速调处）：自登记纠纷次日起1个工作日内决定是否受理',
                       'intake_label_en': 'Acceptance time limit (fast track): decide whether to accept within 1 '
                                          'working day from the day after the dispute was registered',
                       'unit': 'workdays', 'amount': 1, 'starts_at': 'received', 'due_soon_workdays': 0},
    },
}

STATUTORY = Profile.from_dict(STATUTORY_DATA)
FAST_TRACK = Profile.from_dict(FAST_TRACK_DATA)
PROFILES: dict[str, Profile] = {profile.name: profile for profile in (STATUTORY, FAST_TRACK)}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; KeyError naming the known profiles otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f'unknown deadline profile {name!r}; known profiles: {", ".join(sorted(PROFILES))}') from None


@dataclass(frozen=True)
class ClockFacts:
    """The recorded facts one clock is counted from, as dates in China time."""

    clock: Clock
    level: Level
    kind: StageKind
    #: the day of the fact named by the rule's ``starts_at``
    start: date
    pauses: tuple[Pause, ...] = ()
    #: extensions agreed by both parties (延长), in order, each counted from the previous due date
    extensions: tuple[tuple[Unit, int], ...] = ()
    #: the stage began with a dispute registered at its committee (not a referral or a court's
    #: materials): the acceptance limit runs from the registration and is worded so
    fresh_intake: bool = False


def stage_deadline(profile: Profile, facts: ClockFacts, cal: WorkCalendar) -> Deadline | None:
    """The deadline of one clock under ``profile``, or None if no rule applies (e.g. a court stage).

    The base period runs from ``facts.start``; each extension then runs from the previous due
    date (excluded), with the same pauses, so a pause inside an extension extends it too.
    """
    rule = profile.rule_for(facts.clock, facts.level, facts.kind)
    if rule is None:
        return None
    label_zh, label_en = rule.describe(fresh_intake=facts.fresh_intake)
    steps = [{'code': 'rule', 'text': label_zh, 'text_en': label_en, 'rule': rule.key,
              'profile': profile.name, 'profile_label': profile.label_zh,
              'profile_label_en': profile.label_en or profile.label_zh}]
    noted_years = set()
    result = rule.compute(facts.start, cal, facts.pauses, fresh_intake=facts.fresh_intake)
    provisional_years = set(result.provisional_years)
    for number, (unit, amount) in enumerate(facts.extensions, start=1):
        unit = Unit(unit)
        _add_part(steps, result.explanation, noted_years, final=False)
        if facts.clock is Clock.JC_DECISION:
            steps.append({'code': 'extension', 'text': '经院长批准延长审查期限', 'unit': unit.value, 'amount': amount,
                          'text_en': "Extended with the president's approval"})
        else:
            steps.append({'code': 'extension', 'text': f'经双方当事人同意，第{number}次延长期限',
                          'text_en': f'Extension {number}, agreed by both parties', 'unit': unit.value,
                          'amount': amount})
        result = add_period(result.due, unit, amount, cal, facts.pauses, start_label='原届满',
                            start_label_en='previous due date')
        provisional_years |= result.provisional_years
    _add_part(steps, result.explanation, noted_years, final=True)
    return Deadline(due=result.due, provisional=bool(provisional_years), explanation=tuple(steps),
                    provisional_years=frozenset(provisional_years))


def _add_part(steps, explanation, noted_years, final):
    """Append one period's steps to a chain: earlier due dates become interim, provisional notes are not repeated."""
    for step in explanation:
        if step['code'] == 'provisional':
            if noted_years.issuperset(step['years']):
                continue
            noted_years.update(step['years'])
        elif step['code'] == 'due' and not final:
            step = {**step, 'code': 'interim_due', 'text': f'延长前{step["text"]}',
                    'text_en': f'Before the extension: {step["text_en"]}'}
        steps.append(step)
