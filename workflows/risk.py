"""Risk flags and where a dispute may be taken in directly (domain.md §5.2).

The rules are a table (``RiskRules.routes``): each row names a condition over the flags and says
what follows from it: the committee level that may accept the intake directly, whether the
supervising level is alerted at once, and whether the PML Art 25 police-report checklist
applies. A deployment changes thresholds or rows by passing its own ``RiskRules``.
"""
from dataclasses import dataclass
from decimal import Decimal

from .enums import LADDER
from .enums import Level
from .enums import RiskLevel


@dataclass(frozen=True)
class RiskFlags:
    mzx_risk: bool = False  # 民转刑风险
    group_dispute: bool = False  # 群体性纠纷
    people_involved: int = 0
    amount: Decimal | None = None  # 涉及金额（元）
    major_difficult: bool = False  # 重大疑难
    petition_risk: bool = False  # 信访风险
    cross_area: bool = False  # 跨地区、跨单位
    abnormal_death: bool = False  # 非正常死亡引发
    minor_involved: bool = False  # 涉及未成年人: governs personal-information handling, not routing
    risk_level: RiskLevel | None = None

    def __post_init__(self):
        if self.risk_level is not None:
            object.__setattr__(self, 'risk_level', RiskLevel(self.risk_level))  # ValueError for any other text
        if self.people_involved < 0:
            raise ValueError('people_involved cannot be negative')


#: The conditions a routing row can name. Each reads the flags and the rules' thresholds.
CONDITIONS = {
    'red': lambda flags, rules: flags.risk_level == RiskLevel.RED,
    'orange': lambda flags, rules: flags.risk_level == RiskLevel.ORANGE,
    'mzx_risk': lambda flags, rules: flags.mzx_risk,
    'large_group': lambda flags, rules: flags.group_dispute and flags.people_involved >= rules.group_threshold,
    'large_amount': lambda flags, rules: flags.amount is not None and flags.amount >= rules.amount_threshold,
    'cross_area': lambda flags, rules: flags.cross_area,
    'petition_risk': lambda flags, rules: flags.petition_risk,
    'group_with_petition_risk': lambda flags, rules: flags.group_dispute and flags.petition_risk,
    'major_difficult': lambda flags, rules: flags.major_difficult,
    'abnormal_death': lambda flags, rules: flags.abnormal_death,
}


@dataclass(frozen=True)
class RiskRoute:
    """One row of the routing table."""

    condition: str  # a key of CONDITIONS
    level: Level  # the committee that may accept the intake directly
    alert_supervisor: bool
    police_report: bool
    #: shown to the user; formatted with ``flags`` and ``rules``. It names the condition only:
    #: what follows from the row (the police report) is said once by whoever words the alert.
    reason: str
    #: the same in English, lower case (it is read inside a sentence); empty: the Chinese is shown
    reason_en: str = ''


#: Defaults from domain.md §2.3 and §5.2 (local practice, so each deployment may change them).
#: A yellow risk level needs no row: it is resolved locally, at the village.
DEFAULT_ROUTES = (
    # 临海 grading: red is reported upward at once.
    RiskRoute('red', Level.TOWN, True, True, '红色风险：立即上报', 'red risk: report upward at once'),
    # PML Art 25: a dispute that may turn criminal is reported to the police at once (the alert says so).
    RiskRoute('mzx_risk', Level.TOWN, True, True, '有民转刑风险', 'risk of turning into a criminal case'),
    # 临海 grading: orange is disposed of the same day, under the supervisor's eye.
    RiskRoute('orange', Level.VILLAGE, True, False, '橙色风险：当日处置', 'orange risk: deal with it the same day'),
    RiskRoute('large_group', Level.TOWN, True, False,
              '群体性纠纷，涉及{flags.people_involved}人（{rules.group_threshold}人以上）',
              'group dispute involving {flags.people_involved} people (threshold {rules.group_threshold})'),
    RiskRoute('large_amount', Level.TOWN, False, False, '涉及金额{flags.amount}元（{rules.amount_threshold}元以上）',
              'amount at stake {flags.amount} yuan (threshold {rules.amount_threshold})'),
    # MOJ02 Art 21: cross-area and cross-unit disputes go to the town/street committee.
    RiskRoute('cross_area', Level.TOWN, False, False, '跨地区、跨单位纠纷', 'crosses areas or units'),
    RiskRoute('petition_risk', Level.VILLAGE, True, False, '有信访风险', 'risk of petitions'),
    # 诸暨: difficult disputes are handled at the county level by an assigned leader.
    RiskRoute('major_difficult', Level.DISTRICT, True, False, '重大疑难纠纷', 'major or difficult dispute'),
    RiskRoute('abnormal_death', Level.DISTRICT, True, False, '非正常死亡引发的纠纷', 'dispute arising from an abnormal death'),
    # Only with a group dispute and a petition risk, both named by their own rows when they match.
    RiskRoute('group_with_petition_risk', Level.DISTRICT, True, False, '有集体上访倾向',
              'tendency toward collective petitions'),
)

#: What a matching ``police_report`` row adds to an alert, once however many rows ask for it (PML Art 25).
POLICE_REPORT_ZH = '须及时报告公安机关（人民调解法第二十五条）'
POLICE_REPORT_EN = "Report to the police promptly (People's Mediation Law, Art. 25)"


@dataclass(frozen=True)
class RiskRules:
    group_threshold: int = 10
    amount_threshold: Decimal = Decimal('100000')
    routes: tuple[RiskRoute, ...] = DEFAULT_ROUTES

    def __post_init__(self):
        # Fail when the configuration is loaded, not when the first risky case arrives.
        for route in self.routes:
            if route.condition not in CONDITIONS:
                raise ValueError(f'unknown risk condition {route.condition!r}; known: {sorted(CONDITIONS)}')
            if route.level not in LADDER:
                raise ValueError(f'a risk route must lead to a committee level, not {route.level!r}')


@dataclass(frozen=True)
class RiskAssessment:
    intake_level: Level  # where the intake may go directly
    alert_supervisor: bool
    police_report: bool  # the PML Art 25 checklist applies
    reasons: tuple[str, ...]  # Chinese, one per matching row, in table order
    #: the same in English (a row without English wording gives its Chinese)
    reasons_en: tuple[str, ...] = ()


def assess(flags: RiskFlags, rules: RiskRules = RiskRules()) -> RiskAssessment:
    """What the flags call for: the highest rung any matching row asks for (an intake goes there), and every alert."""
    matching = [route for route in rules.routes if CONDITIONS[route.condition](flags, rules)]
    return RiskAssessment(
        intake_level=max((route.level for route in matching), key=LADDER.index, default=Level.VILLAGE),
        alert_supervisor=any(route.alert_supervisor for route in matching),
        police_report=any(route.police_report for route in matching),
        reasons=tuple(route.reason.format(flags=flags, rules=rules) for route in matching),
        reasons_en=tuple((route.reason_en or route.reason).format(flags=flags, rules=rules) for route in matching),
    )
