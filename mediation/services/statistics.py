"""Statistics and reports (issue 14): the Ministry of Justice monthly figures and the 枫桥 ladder.

One query module for the page, the exports and the API. Every figure is counted in SQL, grouped
in the database (never by loading cases into Python), with the very conditions of the case list
its link opens (``case_queries.matched_stage_conditions``: ``within``, ``accepted_from`` /
``accepted_to``, ``outcome``, ``ladder``, and the list's own level, committee, category, source
and risk filters), so a figure can always be checked case by case. The definitions are written
once, in :data:`DEFINITIONS`; the page shows them as tooltips and docs/statistics.md repeats them
word for word (``tests/test_statistics.py`` checks both).

The unit is the **stage**: the part of a case one committee handled. A stage belongs to the
period in which its committee accepted it (China time), and its outcome is the one known now.
A case referred from village to town to district is accepted three times, once at each level,
and counted once in the ladder, at the level that settled it. Each count comes with the number
of distinct cases behind it (``Figure.cases``): the case list shows a case once, however many of
its stages match.
"""
import csv
import io
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import to_utc_naive
from mediation.chinatime import today_in_china
from mediation.errors import NotFound
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.inputs import DATE_RANGE
from mediation.models import Case
from mediation.models import Category
from mediation.models import FollowUpVisit
from mediation.models import Organisation
from mediation.models import Stage
from mediation.services import case_queries
from mediation.services.case_queries import CaseFilters
from workflows.enums import LADDER
from workflows.enums import DeadlineStatus
from workflows.enums import OrgKind
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import SourceGroup

# --------------------------------------------------------------------------- the definitions


def _l(text: str) -> str:
    """Marks a text for the English catalogue (``make translations`` extracts ``_l``); the page
    translates it when it shows it."""
    return text


#: Short labels of the figures (Chinese; the page translates them).
LABELS = {
    'accepted': _l('受理'),
    'agreed': _l('调解成功'),
    'success_rate': _l('调解成功率'),
    'withdrawn': _l('当事人撤回'),
    'amount': _l('协议涉及金额（元）'),
    'written': _l('书面协议'),
    'oral': _l('口头协议'),
    'jc_applied': _l('申请司法确认'),
    'jc_granted': _l('司法确认有效'),
    'followed_up': _l('已回访（件）'),
    'follow_up_visits': _l('回访（次）'),
    'mzx_cases': _l('防止民转刑（件）'),
    'mzx_persons': _l('防止民转刑（人）'),
    'petition_cases': _l('防止群体性上访（件）'),
    'petition_persons': _l('防止群体性上访（人）'),
    'ladder_entered': _l('进入调解的纠纷'),
    'ladder_concluded': _l('已办结的纠纷'),
    'ladder_village': _l('小事不出村'),
    'ladder_town': _l('大事不出镇'),
    'ladder_district': _l('难事不出区'),
    'days_average': _l('平均办理天数'),
    'days_p90': _l('第90百分位办理天数'),
    'due_soon_now': _l('当前即将到期'),
    'overdue_now': _l('当前已超期'),
    'by_category': _l('按纠纷类型'),
    'by_source_group': _l('按案件来源'),
    'by_committee': _l('按调解组织'),
    'monthly': _l('按月趋势'),
}

#: What each figure counts, exactly. The page's tooltips, docs/statistics.md and the exports'
#: notes all read these.
DEFINITIONS = {
    'accepted': _l('统计期内（北京时间，起止日均含）受理的调解阶段数：阶段的受理时间落在统计期内，且受理的调解组织在统计范围内。'
                   '同一纠纷在村、镇、区各受理一次的，各级各计一次；不予受理的移交或委派不计；法院的阶段不计。'),
    'agreed': _l('统计期内受理的阶段中，调解协议已生效的阶段数（书面协议各方签名并加盖印章，或口头协议已登记），结果以统计时为准；'
                 '阶段其后结案的仍计入。'),
    'success_rate': _l('调解成功 ÷（受理 − 当事人撤回）。撤回既不算成功也不算失败，不计入分母；尚在办理的阶段计入分母。'),
    'withdrawn': _l('统计期内受理的阶段中，当事人撤回调解申请的阶段数（以“当事人撤回”的记录为准，其后结案的仍计入）。'),
    'amount': _l('调解成功的阶段所属纠纷登记的涉及金额之和（元）；未登记金额的纠纷按 0 计。'),
    'written': _l('调解成功的阶段中，以书面调解协议书达成的阶段数。'),
    'oral': _l('调解成功的阶段中，以口头协议登记的阶段数。'),
    'jc_applied': _l('调解成功的阶段中，当事人已就其协议申请司法确认的阶段数（登记了“申请司法确认”，或已由此开启法院的司法确认阶段）。'),
    'jc_granted': _l('申请司法确认的阶段中，法院裁定确认协议有效的阶段数（登记的结果为“裁定确认有效”，或司法确认阶段已到“裁定确认有效”）。'),
    'followed_up': _l('统计期内受理的阶段中，已记录至少一次回访的阶段数。'),
    'follow_up_visits': _l('统计期内受理的阶段上记录的回访次数之和（不论回访日期）。'),
    'mzx_cases': _l('统计期内受理并调解成功的阶段中，所属纠纷标记了民转刑风险的阶段数。'),
    'mzx_persons': _l('“防止民转刑（件）”所计纠纷登记的涉及人数之和。'),
    'petition_cases': _l('统计期内受理并调解成功的阶段中，所属纠纷同时标记了群体性纠纷和信访风险的阶段数。'),
    'petition_persons': _l('“防止群体性上访（件）”所计纠纷登记的涉及人数之和。'),
    'ladder_entered': _l('统计期内首次进入调解的纠纷数：其入口阶段（新登记或法院委派、委托后首个受理的调解组织阶段，而非由下级移交来的阶段）'
                         '在统计期内受理、且受理组织在统计范围内。每件纠纷只计一次。'),
    'ladder_concluded': _l('进入调解的纠纷中已办结的：没有仍在办理的调解组织阶段，且不是未达成协议即撤回的（撤回不算失败，不计入）。'
                           '这是三项比率的分母。'),
    'ladder_village': _l('已办结的纠纷中，在村（社区）调委会达成协议的比例。'),
    'ladder_town': _l('已办结的纠纷中，在村（社区）或乡镇（街道）调委会达成协议的比例（累计）。'),
    'ladder_district': _l('已办结的纠纷中，在村、乡镇或区（县）各级调委会达成协议的比例（累计）；移送法院、终止调解、调解不成的不计为化解。'),
    'days_average': _l('统计期内受理、已有结果的阶段，从受理到结果（协议生效，或不予受理以外的其他结束）的自然天数的平均值，按层级分列。'),
    'days_p90': _l('同上各阶段办理天数的第 90 百分位（最近秩法：按天数从少到多排序后第 ⌈0.9n⌉ 个）。'),
    'due_soon_now': _l('今天（北京时间）统计范围内即将到期的案件数，与“即将到期”列表相同（含申请司法确认期限的提醒）；与统计期无关。'),
    'overdue_now': _l('今天统计范围内已超期的案件数（受理期限或调解期限已过、尚未处理），与“已超期”列表相同；与统计期无关。'),
    'by_category': _l('按纠纷类型（两级）分列的受理和调解成功数，口径同“受理”“调解成功”；大类为其各小类之和。'),
    'by_source_group': _l('按案件来源的三类（主动调解、申请调解、接受委托移送调解）分列的受理和调解成功数。'),
    'by_committee': _l('按受理的调解组织分列；各组织之和即合计。'),
    'monthly': _l('按受理月份（北京时间）分列的受理和调解成功数。'),
}

#: The figures that count stages (value) with the distinct cases behind them, and how each is
#: spelled as case-list arguments (besides the period and the scope).
COUNT_FIGURES = ('accepted', 'agreed', 'withdrawn', 'written', 'oral', 'jc_applied', 'jc_granted', 'followed_up',
                 'mzx_cases', 'petition_cases')
#: Sums over stages, each linking to the list of the figure it sums over.
SUM_FIGURES = ('amount', 'follow_up_visits', 'mzx_persons', 'petition_persons')
FIGURE_ARGS = {
    'accepted': {},
    'agreed': {'outcome': 'agreed'},
    'withdrawn': {'outcome': 'withdrawn'},
    'written': {'outcome': 'written'},
    'oral': {'outcome': 'oral'},
    'jc_applied': {'outcome': 'jc_applied'},
    'jc_granted': {'outcome': 'jc_granted'},
    'followed_up': {'outcome': 'followed_up'},
    'mzx_cases': {'outcome': 'agreed', 'risk': 'mzx'},
    'petition_cases': {'outcome': 'agreed', 'risk': 'group_petition'},
    'amount': {'outcome': 'agreed'},
    'follow_up_visits': {'outcome': 'followed_up'},
    'mzx_persons': {'outcome': 'agreed', 'risk': 'mzx'},
    'petition_persons': {'outcome': 'agreed', 'risk': 'group_petition'},
}
#: The headline table's rows, in order.
HEADLINE = ('accepted', 'agreed', 'success_rate', 'withdrawn', 'amount', 'written', 'oral', 'jc_applied', 'jc_granted',
            'followed_up', 'follow_up_visits', 'mzx_cases', 'mzx_persons', 'petition_cases', 'petition_persons')
LADDER_KEYS = ('village', 'town', 'district')

#: The case-list arguments the statistics' links add (the list's chip clears these).
LIST_ARGS = ('within', 'accepted_from', 'accepted_to', 'outcome', 'ladder', 'source_group')


def _count_condition(key: str, stage=Stage, case=Case):
    """SQL: the stage (joined to its case) counts in the figure ``key`` (``COUNT_FIGURES``)."""
    if key == 'accepted':
        return sa.true()
    if key == 'mzx_cases':
        return sa.and_(case_queries.stage_outcome('agreed', stage), case.mzx_risk.is_(True))
    if key == 'petition_cases':
        return sa.and_(case_queries.stage_outcome('agreed', stage), case.group_dispute.is_(True),
                       case.petition_risk.is_(True))
    return case_queries.stage_outcome(FIGURE_ARGS[key]['outcome'], stage)


# --------------------------------------------------------------------------- the result

@dataclass
class Figure:
    """One number and the case list behind it.

    ``value``: stages counted (or the sum); ``cases``: the distinct cases in the linked list
    (None for a share or an average); ``args``: the case list's query arguments.
    """

    value: object
    cases: Optional[int]
    args: dict

    def as_json(self):
        return _plain(self.value)


@dataclass
class Row:
    """A line of a breakdown (a level, a committee, a category, a source group, a month)."""

    key: object
    label: str
    figures: dict[str, Figure]
    depth: int = 0
    level: str = ''
    #: the level or source group (a labelled enum member: the page shows its label in its language)
    member: object = None


@dataclass
class Statistics:
    user_id: int
    scope: Organisation
    start: date
    end: date
    today: date
    #: the headline figures: the whole scope, then each committee level
    totals: dict[str, Figure]
    by_level: list[Row]
    by_category: list[Row]
    by_source_group: list[Row]
    by_committee: list[Row]
    monthly: list[Row]
    ladder: dict[str, Figure]
    days: list[Row]
    due_soon_now: Figure
    overdue_now: Figure
    overdue_by_committee: list[Row]
    #: committee id → {top-level category id: stages accepted} (the monthly report's columns)
    committee_categories: dict[int, dict[int, int]] = field(default_factory=dict)
    top_categories: list[Category] = field(default_factory=list)

    @property
    def period_text(self) -> str:
        return f'{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}'

    def as_json(self) -> dict:
        """The figures for the API: at least accepted, agreed, success_rate, by_category,
        by_source_group, by_committee, ladder {village, town, district} and overdue_now."""
        def row_json(row, keys=('accepted', 'agreed')):
            out = {'key': row.key, 'name': row.label}
            out.update({key: row.figures[key].as_json() for key in keys if key in row.figures})
            return out

        result = {
            'scope': {'code': self.scope.code, 'name': self.scope.name, 'committee_name': self.scope.committee_name},
            'start': self.start.isoformat(), 'end': self.end.isoformat(), 'today': self.today.isoformat(),
        }
        result.update({key: figure.as_json() for key, figure in self.totals.items()})
        result['by_level'] = [row_json(row, HEADLINE) for row in self.by_level]
        result['by_category'] = [dict(row_json(row), parent=row.depth == 0) for row in self.by_category]
        result['by_source_group'] = [row_json(row) for row in self.by_source_group]
        result['by_committee'] = [dict(row_json(row, HEADLINE), code=row.key, level=row.level)
                                  for row in self.by_committee]
        result['monthly'] = [row_json(row) for row in self.monthly]
        result['ladder'] = {key: self.ladder[key].as_json() for key in LADDER_KEYS}
        result['ladder_counts'] = {key: self.ladder[key].cases for key in LADDER_KEYS}
        result['ladder_counts'].update(entered=self.ladder['entered'].value, concluded=self.ladder['concluded'].value)
        result['days_to_outcome'] = {row.key: {'average': row.figures['days_average'].as_json(),
                                               'p90': row.figures['days_p90'].as_json(),
                                               'stages': row.figures['days_average'].cases}
                                     for row in self.days}
        result['due_soon_now'] = self.due_soon_now.value
        result['overdue_now'] = self.overdue_now.value
        result['overdue_by_committee'] = [{'code': row.key, 'name': row.label,
                                           'overdue': row.figures['overdue'].value,
                                           'due_soon': row.figures['due_soon'].value}
                                          for row in self.overdue_by_committee]
        result['definitions'] = DEFINITIONS
        return result


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


# --------------------------------------------------------------------------- scope and period

def scope_for(user, org_code: Optional[str]) -> Organisation:
    """The organisation whose subtree is counted: the user's own, or ``org_code`` inside it."""
    if user.role == Role.COURT_OFFICER:
        raise PermissionDenied('法院工作人员不使用人民调解统计。')
    own = user.organisation
    if not org_code:
        return own
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == org_code))
    if org is None or org.kind == OrgKind.COURT or not own.contains(org):
        raise NotFound('找不到该调解组织，或它不在您的管辖范围内。')
    return org


def check_period(start: date, end: date) -> None:
    if start > end:
        raise ValidationFailed('统计期的开始日期晚于结束日期。')
    if start < DATE_RANGE[0] or end > DATE_RANGE[1]:
        raise ValidationFailed('统计期须在 1990-01-01 至 2100-12-31 之间。')


def month_period(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def quarter_period(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    return first, month_period(year, 3 * quarter)[1]


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _midnight(day: date) -> datetime:
    """The first instant of a China day as the naive UTC the columns store."""
    return to_utc_naive(datetime(day.year, day.month, day.day))


# --------------------------------------------------------------------------- the queries

def _cohort(scope_id: int, start: date, end: date, stage=Stage) -> list:
    """SQL: the committee stages in scope accepted in the period (the list's ``within`` and
    ``accepted_from``/``accepted_to``)."""
    return [stage.committee_id.in_(case_queries.committees_within(scope_id)), case_queries.committee_stage(stage),
            stage.accepted_at >= _midnight(start), stage.accepted_at < _midnight(end + timedelta(days=1))]


def _measure_columns(visits) -> list:
    """Per figure: stages counted, distinct cases; and the sums (``visits``: follow-up visits per stage)."""
    columns = [sa.func.count().label('accepted'), sa.func.count(sa.distinct(Stage.case_id)).label('accepted__cases')]
    for key in COUNT_FIGURES[1:]:
        # An outcome ends a case's way up the ladder (an agreement, a withdrawal; what follows an
        # agreement is on its stage), so a case has at most one stage with it: its stages are its cases.
        columns.append(sa.func.sum(sa.case((_count_condition(key), 1), else_=0)).label(key))
    agreed = case_queries.stage_outcome('agreed')
    columns += [
        sa.func.sum(sa.case((agreed, sa.func.coalesce(Case.amount, 0)), else_=0)).label('amount'),
        sa.func.sum(sa.func.coalesce(visits.c.visits, 0)).label('follow_up_visits'),
        sa.func.sum(sa.case((_count_condition('mzx_cases'), Case.people_involved), else_=0)).label('mzx_persons'),
        sa.func.sum(sa.case((_count_condition('petition_cases'), Case.people_involved), else_=0))
        .label('petition_persons'),
    ]
    return columns


def _visits():
    return (sa.select(FollowUpVisit.stage_id, sa.func.count().label('visits'))
            .group_by(FollowUpVisit.stage_id).subquery('visit_counts'))


@lru_cache(maxsize=None)
def _measures() -> tuple:
    """The follow-up visits per stage and the measure columns, built once (the statement is cached too)."""
    visits = _visits()
    return visits, tuple(_measure_columns(visits))


def _grouped(scope_id, start, end, *group_columns):
    """The figures of the cohort, grouped by ``group_columns`` (none: one row)."""
    visits, measures = _measures()
    query = (sa.select(*group_columns, *measures)
             .select_from(Stage).join(Case, Case.id == Stage.case_id)
             .outerjoin(visits, visits.c.stage_id == Stage.id)
             .where(*_cohort(scope_id, start, end)))
    if group_columns:
        query = query.group_by(*group_columns)
    return db.session.execute(query).mappings().all()


def _figures(row, args: dict) -> dict[str, Figure]:
    """The figures of one grouped row, each with its list's arguments (``args``: the row's own)."""
    figures = {}
    for key in COUNT_FIGURES:
        value = int(row[key] or 0)
        cases = int(row['accepted__cases'] or 0) if key == 'accepted' else value
        figures[key] = Figure(value, cases, {**args, **FIGURE_ARGS[key]})
    for key in SUM_FIGURES:
        value = row[key] or 0
        value = Decimal(str(value)).quantize(Decimal('0.01')) if key == 'amount' else int(value)
        base = 'agreed' if key == 'amount' else {'follow_up_visits': 'followed_up', 'mzx_persons': 'mzx_cases',
                                                 'petition_persons': 'petition_cases'}[key]
        figures[key] = Figure(value, figures[base].cases, {**args, **FIGURE_ARGS[key]})
    denominator = figures['accepted'].value - figures['withdrawn'].value
    rate = figures['agreed'].value / denominator if denominator > 0 else None
    figures['success_rate'] = Figure(rate, None, {**args, **FIGURE_ARGS['agreed']})
    return figures


_EMPTY = {key: 0 for key in COUNT_FIGURES + SUM_FIGURES} | {'accepted__cases': 0}


def _month_column(column):
    """SQL: the China month ('YYYY-MM') of a naive-UTC timestamp column (China keeps UTC+8 all year)."""
    if db.session.get_bind().dialect.name == 'postgresql':
        return sa.func.to_char(column + sa.text("interval '8 hours'"), 'YYYY-MM')
    return sa.func.strftime('%Y-%m', column, '+8 hours')


def _days_between(later, earlier):
    """SQL: days (with fractions) from ``earlier`` to ``later``."""
    if db.session.get_bind().dialect.name == 'postgresql':
        return sa.extract('epoch', later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def figures(user, start: date, end: date, org_code: Optional[str] = None, *, today: Optional[date] = None
            ) -> Statistics:
    """Every figure for ``user``'s jurisdiction (or the committee ``org_code`` inside it) and the
    period ``start``–``end`` (China dates, both included)."""
    check_period(start, end)
    scope = scope_for(user, org_code)
    today = today or today_in_china()
    base = {'within': scope.id, 'accepted_from': start.isoformat(), 'accepted_to': end.isoformat()}

    # Two passes over the period's stages give the breakdowns: by category and source group (its
    # sums are the totals, the categories and the source groups: a case has one of each, so its
    # distinct cases add up too), and by committee and category (the committees, the levels — a
    # case has one stage per committee and per level — and the monthly report's columns).
    by_kind = _grouped(scope.id, start, end, Case.category_id.label('category_id'),
                       _source_group_column().label('source_group'))
    totals = _figures(_summed(by_kind, lambda row: None).get(None, _EMPTY), base)
    by_place = _grouped(scope.id, start, end, Stage.committee_id.label('committee_id'),
                        Case.category_id.label('category_id'))
    level_of = {org.id: org.kind.level for org in _committees(scope)}
    found = _summed(by_place, lambda row: level_of.get(row['committee_id']))
    by_level = [Row(level.value, level.label_zh, _figures(found.get(level) or _EMPTY, {**base, 'level': level.value}),
                    level=level.value, member=level) for level in LADDER if _level_in_scope(scope, level)]

    by_committee = _by_committee(scope, by_place, base)
    by_category, top_categories = _by_category(_summed(by_kind, lambda row: row['category_id']), base)
    by_source_group = _by_source_group(_summed(by_kind, lambda row: row['source_group']), base)
    monthly = _monthly(scope, start, end, base)
    ladder = _ladder(scope, start, end, base)
    days = _days(scope, start, end, base)

    horizon = case_queries.due_soon_horizon(today)
    due_filters = {status: CaseFilters(due=status, within_id=scope.id)
                   for status in (DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE)}
    counts = {status: case_queries.count_cases(user, filters, today, horizon=horizon)
              for status, filters in due_filters.items()}
    due_soon_now = Figure(counts[DeadlineStatus.DUE_SOON], counts[DeadlineStatus.DUE_SOON],
                          due_filters[DeadlineStatus.DUE_SOON].as_args())
    overdue_now = Figure(counts[DeadlineStatus.OVERDUE], counts[DeadlineStatus.OVERDUE],
                         due_filters[DeadlineStatus.OVERDUE].as_args())
    totals['due_soon_now'], totals['overdue_now'] = due_soon_now, overdue_now

    return Statistics(
        user_id=user.id, scope=scope, start=start, end=end, today=today, totals=totals, by_level=by_level,
        by_category=by_category, by_source_group=by_source_group, by_committee=by_committee, monthly=monthly,
        ladder=ladder, days=days, due_soon_now=due_soon_now, overdue_now=overdue_now,
        overdue_by_committee=_overdue_by_committee(scope, today, horizon),
        committee_categories=_committee_categories(by_place), top_categories=top_categories)


def _level_in_scope(scope: Organisation, level) -> bool:
    """A village's scope has only village stages; a town's village and town ones."""
    return level.rung <= scope.level.rung


def scope_choices(user) -> list:
    """The committees the user may choose as the scope, in tree order: (id, code, name, kind)."""
    if user.role == Role.COURT_OFFICER:
        return []
    return _committees(user.organisation)


def _committees(scope: Organisation) -> list:
    """The committees of the scope in tree order: (id, code, name, kind)."""
    return db.session.execute(
        sa.select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind)
        .where(Organisation.path.startswith(scope.path, autoescape=True), Organisation.kind != OrgKind.COURT)
        .order_by(Organisation.path)).all()


def _summed(rows, key) -> dict:
    """The grouped ``rows`` added up by ``key(row)`` (the caller knows the groups are disjoint in cases)."""
    out = {}
    for row in rows:
        summed = out.setdefault(key(row), dict(_EMPTY))
        for name in summed:
            summed[name] += row[name] or 0
    return out


def _by_committee(scope, by_place, base) -> list[Row]:
    found = _summed(by_place, lambda row: row['committee_id'])
    rows = []
    for org in _committees(scope):
        args = {**base, 'committee_id': org.id}
        args.pop('within')  # one committee: the list's committee filter says it
        rows.append(Row(org.code, org.name, _figures(found.get(org.id) or _EMPTY, args), level=org.kind.value,
                        depth=0 if org.kind != OrgKind.VILLAGE else 1))
    return rows


def _by_category(found: dict, base) -> tuple[list[Row], list]:
    categories = db.session.scalars(sa.select(Category).order_by(Category.sort_order, Category.id)).all()
    children = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    rows, tops = [], []
    for parent in children.get(None, []):
        members = [parent] + children.get(parent.id, [])
        if not parent.active and not any(found.get(c.id) for c in members):
            continue
        tops.append(parent)
        summed = dict(_EMPTY)
        for member in members:
            for key in summed:
                summed[key] += (found.get(member.id) or _EMPTY)[key] or 0
        rows.append(Row(parent.code, parent.name, _figures(summed, {**base, 'category_id': parent.id})))
        for child in children.get(parent.id, []):
            if child.active or found.get(child.id):
                rows.append(Row(child.code, child.name,
                                _figures(found.get(child.id) or _EMPTY, {**base, 'category_id': child.id}), depth=1))
    return rows, tops


def _source_group_column():
    return sa.case(*((Case.source == source.value, source.group.value) for source in Source), else_='')


def _by_source_group(found: dict, base) -> list[Row]:
    return [Row(group.value, group.label_zh,
                _figures(found.get(group.value) or _EMPTY, {**base, 'source_group': group.value}), member=group)
            for group in SourceGroup]


def _monthly(scope, start, end, base) -> list[Row]:
    found = {row['month']: row
             for row in _grouped(scope.id, start, end, _month_column(Stage.accepted_at).label('month'))}
    rows, first = [], start.replace(day=1)
    while first <= end:
        last = month_period(first.year, first.month)[1]
        args = {**base, 'accepted_from': max(first, start).isoformat(), 'accepted_to': min(last, end).isoformat()}
        key = first.strftime('%Y-%m')
        rows.append(Row(key, f'{first.year}年{first.month}月', _figures(found.get(key) or _EMPTY, args)))
        first = last + timedelta(days=1)
    return rows


def _ladder(scope, start, end, base) -> dict[str, Figure]:
    """The ladder: cases entering it in the period, those concluded, and those settled at each level."""
    entry = [case_queries.ladder_entry(Stage), *_cohort(scope.id, start, end)]
    columns = [sa.func.count(sa.distinct(Stage.case_id)).label('entered')]
    for key in ('concluded',) + LADDER_KEYS:
        condition = sa.and_(*case_queries.ladder_conditions(key, Stage)[1:])
        columns.append(sa.func.count(sa.distinct(sa.case((condition, Stage.case_id)))).label(key))
    row = db.session.execute(sa.select(*columns).where(*entry)).mappings().one()
    figures = {'entered': Figure(row['entered'], row['entered'], {**base, 'ladder': 'entered'}),
               'concluded': Figure(row['concluded'], row['concluded'], {**base, 'ladder': 'concluded'})}
    for key in LADDER_KEYS:
        share = row[key] / row['concluded'] if row['concluded'] else None
        figures[key] = Figure(share, row[key], {**base, 'ladder': key})
    return figures


def _days(scope, start, end, base) -> list[Row]:
    """Average and 90th-percentile (nearest rank) days from acceptance to outcome, per level."""
    outcome_at = sa.func.coalesce(Stage.agreement_effective_at, Stage.ended_at)
    days = _days_between(outcome_at, Stage.accepted_at)
    ranked = (sa.select(Stage.level.label('level'), days.label('days'),
                        sa.func.row_number().over(partition_by=Stage.level, order_by=days).label('position'),
                        sa.func.count().over(partition_by=Stage.level).label('n'))
              .where(*_cohort(scope.id, start, end), case_queries.stage_outcome('ended')).subquery('ranked'))
    nearest = (ranked.c.n * 9 + 9) // 10  # ⌈0.9 n⌉ in whole numbers
    found = {row['level']: row for row in db.session.execute(
        sa.select(ranked.c.level, sa.func.avg(ranked.c.days).label('average'), sa.func.count().label('stages'),
                  sa.func.max(sa.case((ranked.c.position == nearest, ranked.c.days))).label('p90'))
        .group_by(ranked.c.level)).mappings()}
    rows = []
    for level in LADDER:
        if not _level_in_scope(scope, level):
            continue
        row = found.get(level) or {}
        args = {**base, 'level': level.value, 'outcome': 'ended'}
        stages = int(row.get('stages') or 0)
        average = round(float(row['average']), 1) if row.get('average') is not None else None
        p90 = round(float(row['p90']), 1) if row.get('p90') is not None else None
        rows.append(Row(level.value, level.label_zh, {'days_average': Figure(average, stages, args),
                                                      'days_p90': Figure(p90, stages, args),
                                                      'stages': Figure(stages, stages, args)}, level=level.value,
                        member=level))
    return rows


def _overdue_by_committee(scope, today, horizon) -> list[Row]:
    """Each committee's stages overdue and due soon now, most overdue first (the list's conditions)."""
    rows = {}
    for status in (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_SOON):
        for committee_id, count in db.session.execute(
                sa.select(Stage.committee_id, sa.func.count())
                .where(Stage.committee_id.in_(case_queries.committees_within(scope.id)),
                       case_queries.due_condition(status, today, Stage, horizon))
                .group_by(Stage.committee_id)):
            rows.setdefault(committee_id, {})[status] = count
    out = []
    for org in _committees(scope):
        counts = rows.get(org.id, {})
        figures = {key: Figure(counts.get(status, 0), counts.get(status, 0),
                               {'committee_id': org.id, 'due': status.value})
                   for key, status in (('overdue', DeadlineStatus.OVERDUE), ('due_soon', DeadlineStatus.DUE_SOON))}
        out.append(Row(org.code, org.name, figures, level=org.kind.value))
    out.sort(key=lambda row: (-row.figures['overdue'].value, -row.figures['due_soon'].value))
    return out


def _committee_categories(by_place) -> dict[int, dict[int, int]]:
    """Stages accepted per committee and top-level category (the monthly report's columns)."""
    parents = dict(db.session.execute(sa.select(Category.id, sa.func.coalesce(Category.parent_id, Category.id))).all())
    found = {}
    for row in by_place:
        if row['accepted']:
            per_committee = found.setdefault(row['committee_id'], {})
            top = parents.get(row['category_id'], row['category_id'])
            per_committee[top] = per_committee.get(top, 0) + row['accepted']
    return found


# --------------------------------------------------------------------------- exports

#: The monthly report's columns after the committee and its level (then one per category).
REPORT_COLUMNS = ('accepted', 'agreed', 'success_rate', 'amount', 'written', 'oral', 'jc_applied', 'jc_granted',
                  'followed_up', 'mzx_cases', 'mzx_persons', 'petition_cases', 'petition_persons')


def report_table(stats: Statistics) -> tuple[list[str], list[list], list]:
    """The monthly report: the header, one row per committee, the totals row (sums of the rows)."""
    header = ['调解组织', '层级'] + [LABELS[key] for key in REPORT_COLUMNS] + [
        f'{category.name}（受理）' for category in stats.top_categories]
    rows = []
    ids = {org.code: org.id for org in _committees(stats.scope)}
    for row in stats.by_committee:
        cells = [row.label, OrgKind(row.level).label_zh]
        cells += [_cell_value(row.figures[key].value, key) for key in REPORT_COLUMNS]
        per_category = stats.committee_categories.get(ids.get(row.key), {})
        cells += [per_category.get(category.id, 0) for category in stats.top_categories]
        rows.append(cells)
    totals = ['合计', '']
    for index, key in enumerate(REPORT_COLUMNS):
        if key == 'success_rate':
            totals.append(_cell_value(stats.totals['success_rate'].value, key))
        else:
            totals.append(sum((r[2 + index] for r in rows), Decimal('0.00') if key == 'amount' else 0))
    offset = 2 + len(REPORT_COLUMNS)
    totals += [sum(r[offset + i] for r in rows) for i in range(len(stats.top_categories))]
    return header, rows, totals


def _cell_value(value, key):
    if key == 'success_rate':
        return round(value, 4) if value is not None else None
    return value


def report_title(stats: Statistics) -> str:
    return f'{stats.scope.committee_name}人民调解工作统计表（{stats.period_text}）'


def xlsx_bytes(stats: Statistics) -> bytes:
    """The monthly people's-mediation report as an XLSX workbook (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header, rows, totals = report_table(stats)
    book = Workbook()
    sheet = book.active
    sheet.title = '统计表'
    width = len(header)
    sheet.append([report_title(stats)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet['A1'].font = Font(bold=True, size=14)
    sheet['A1'].alignment = Alignment(horizontal='center')
    sheet.append([f'填报单位：{stats.scope.committee_name}', None, f'统计期：{stats.period_text}', None, None,
                  f'制表日期：{stats.today:%Y年%m月%d日}'])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical='center', horizontal='center')
    rate_column = 3 + REPORT_COLUMNS.index('success_rate')
    amount_column = 3 + REPORT_COLUMNS.index('amount')
    for values in rows + [totals]:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in values])
        line = sheet.max_row
        sheet.cell(line, rate_column).number_format = '0.0%'
        sheet.cell(line, amount_column).number_format = '#,##0.00'
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.append([])
    sheet.append(['说明：统计口径见 docs/statistics.md；各数字为统计期内受理的调解阶段，结果以制表日为准。'])
    sheet.append([f'“{LABELS["success_rate"]}”：{DEFINITIONS["success_rate"]}'])
    sheet.column_dimensions['A'].width = 22
    for index in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    sheet.freeze_panes = 'C4'
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(stats: Statistics) -> str:
    """The same table as CSV for Excel (UTF-8 with a BOM): title, header, rows, totals."""
    header, rows, totals = report_table(stats)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([report_title(stats)])
    writer.writerow(header)
    for values in rows + [totals]:
        writer.writerow(['' if v is None else v for v in values])
    return '\ufeff' + out.getvalue()
