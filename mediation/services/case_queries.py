"""The case lists, and reading one case's history.

A list is the set of cases that have a *matched stage*: a stage the user may read
(``access.visible_stages_clause``) that passes every stage filter — the inbox, a state, a level,
a committee, due soon or overdue, referred up in a month. Every row shows the case's current
stage (its newest), whichever stage matched. With no stage filter the list is the whole
jurisdiction. The case filters (category, source, registration dates, risk, the search box)
narrow it further.

The dashboard's tiles, the deadline pages and the supervision page count and show these same
lists (:func:`count_cases`, :func:`case_page`, :func:`matched_stage_conditions`), so a number and
the list behind its link cannot disagree.

Speed at a million cases comes from keyset pagination: a page is the rows after the last one
shown, read by walking an index in the list's order and stopping after a page (the migration
``case list indexes``), so the first page and the thousandth cost the same at ten thousand cases
as at a million. The lists are newest first, or for the due-soon and overdue lists earliest
deadline first (``NEWEST_REGISTERED`` and its neighbours). SQLite, which has no statistics to
choose by, is told which index to walk (``walk``); PostgreSQL chooses by its own. A page's rows
are then loaded in a fixed number of queries, whatever their parties, stages and records.
"""
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from typing import Iterator
from typing import NamedTuple
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Alias

from mediation.access import visible_stages_clause
from mediation.chinatime import to_utc_naive
from mediation.extensions import db
from mediation.identifiers import InvalidIdentifier
from mediation.identifiers import mask_phone
from mediation.identifiers import mask_resident_id
from mediation.identifiers import parse_phone
from mediation.identifiers import parse_resident_id
from mediation.models import Agreement
from mediation.models import Case
from mediation.models import Category
from mediation.models import Event
from mediation.models import FollowUpVisit
from mediation.models import Organisation
from mediation.models import Party
from mediation.models import Stage
from mediation.services.calendar_cache import current_calendar
from workflows.deadlines import PROFILES
from workflows.enums import Clock
from workflows.enums import DeadlineStatus
from workflows.enums import OrgKind
from workflows.enums import PerformanceStatus
from workflows.enums import RiskLevel
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.states import OPEN_STATES
from workflows.states import State

#: The inbox: stages waiting for the user's own committee (or court) to accept them.
INBOX = 'inbox'
#: The ``state`` filter's value for every open state at once (在办).
OPEN = 'open'
#: The orders a list can have, each with its key (a cursor says which order it belongs to):
#: the whole jurisdiction by registration, newest first — ``(created_at, case id)``; a list of
#: matched stages by case, newest first — ``(case id,)``; the due-soon and overdue lists by due
#: date, earliest first — ``(due_on, stage id)``. The two newest-first orders agree: case ids
#: follow registration.
NEWEST_REGISTERED, NEWEST_CASE, EARLIEST_DEADLINE = 'registered', 'case', 'due'

#: The risk filter's choices: any flag or colour, or one of them (``group_petition``: a group
#: dispute with a petition risk, the statistics' 群体性上访).
RISKS = ('any', 'red', 'orange', 'mzx', 'group', 'petition', 'major', 'group_petition')

#: The statistics' filters (``services.statistics``): what a matched stage's outcome is, and the
#: ladder (``LADDER_FILTERS``). Each is a condition on the stage (see ``stage_outcome``).
OUTCOMES = ('agreed', 'written', 'oral', 'withdrawn', 'ended', 'jc_applied', 'jc_granted', 'followed_up')
#: The matched stage is a case's entry into the committee ladder, and the case: ``entered`` (any),
#: ``concluded`` (no committee stage open, not withdrawn without agreement), or settled at this
#: level or below (``village``, ``town``, ``district``).
LADDER_FILTERS = ('entered', 'concluded', 'village', 'town', 'district')


# --------------------------------------------------------------------------- filters

@dataclass
class CaseFilters:
    view: str = ''
    due: Optional[DeadlineStatus] = None
    q: str = ''
    #: The lookup hash of an ID number or phone searched for, and its masked form for the page:
    #: the number itself never goes into a URL, where access logs and browser history keep it.
    identifier_hash: str = ''
    identifier_masked: str = ''
    #: a ``State`` value, or ``OPEN``
    state: str = ''
    level: str = ''
    category_id: Optional[int] = None
    source: str = ''
    committee_id: Optional[int] = None
    #: registered between these China dates (both included)
    registered_from: Optional[date] = None
    registered_to: Optional[date] = None
    risk: str = ''
    #: the first day of a month: the matched stage was referred up to the next level in that month
    referred_in: Optional[date] = None
    #: the matched stage was accepted between these China dates (both included)
    accepted_from: Optional[date] = None
    accepted_to: Optional[date] = None
    #: the matched stage is due on or before this day
    due_before: Optional[date] = None
    #: the statistics' filters: the matched stage is at a committee of this organisation's subtree
    #: (courts excluded), ended so (``OUTCOMES``), is a ladder entry (``LADDER_FILTERS``); the
    #: case's source is in this group (``SourceGroup``)
    within_id: Optional[int] = None
    outcome: str = ''
    ladder: str = ''
    source_group: str = ''

    def as_args(self) -> dict:
        """The filters as the list's query string names them (``qh``/``qm``: a searched ID number or phone)."""
        args = {
            'view': self.view, 'due': self.due and self.due.value, 'q': self.q, 'qh': self.identifier_hash,
            'qm': self.identifier_masked, 'state': self.state, 'level': self.level, 'category_id': self.category_id,
            'source': self.source, 'committee_id': self.committee_id,
            'from': self.registered_from and self.registered_from.isoformat(),
            'to': self.registered_to and self.registered_to.isoformat(), 'risk': self.risk,
            'referred_in': self.referred_in and self.referred_in.strftime('%Y-%m'),
            'accepted_from': self.accepted_from and self.accepted_from.isoformat(),
            'accepted_to': self.accepted_to and self.accepted_to.isoformat(),
            'due_before': self.due_before and self.due_before.isoformat(),
            'within': self.within_id, 'outcome': self.outcome, 'ladder': self.ladder,
            'source_group': self.source_group,
        }
        return {name: value for name, value in args.items() if value}

    @property
    def by_deadline(self) -> bool:
        return self.due is not None

    @property
    def filters_stages(self) -> bool:
        return bool(self.view or self.due or self.state or self.level or self.committee_id or self.referred_in
                    or self.accepted_from or self.accepted_to or self.due_before
                    or self.within_id or self.outcome or self.ladder)


# --------------------------------------------------------------------------- the conditions

def open_stage(stage=Stage):
    """SQL: the stage is open, spelled as the partial indexes spell it (SQLite uses such an index
    only when the query repeats its condition with the same literal values)."""
    return stage.state.in_([sa.literal_column(f"'{state.value}'") for state in sorted(OPEN_STATES)])


def due_soon_horizon(today: date) -> date:
    """The last due date a stage due soon today can have: the longest due-soon window of any
    deadline profile, counted in working days after today. It bounds the index range read."""
    window = max([profile.due_soon_workdays for profile in PROFILES.values()]
                 + [rule.due_soon_workdays for profile in PROFILES.values() for rule in profile.rules.values()
                    if rule.due_soon_workdays is not None])
    calendar, day, counted = current_calendar(), today, 0
    while counted < window:
        day += timedelta(days=1)
        counted += calendar.is_workday(day)
    return day


def due_condition(status: DeadlineStatus, today: date, stage=Stage, horizon: Optional[date] = None):
    """SQL twin of ``Stage.deadline_status`` for the lists, shaped for the indexes.

    Due soon: the due-soon window has begun and the due date has not passed (the parties'
    window to apply for judicial confirmation included: a prompt to remind them). Overdue: the
    due date of an acceptance or mediation clock has passed (a closed confirmation window is the
    parties' matter, not overdue work). A due date is only ever stored with its clock.
    """
    if status is DeadlineStatus.DUE_SOON:
        horizon = horizon or due_soon_horizon(today)
        return sa.and_(stage.due_on >= today, stage.due_on <= horizon, stage.due_soon_on <= today)
    if status is DeadlineStatus.OVERDUE:
        return sa.and_(stage.due_on < today, stage.clock != sa.literal_column(f"'{Clock.JC_APPLY.value}'"))
    raise ValueError(status)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The month starting on ``first`` as the naive-UTC instants the columns store (China time)."""
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (to_utc_naive(datetime(first.year, first.month, 1)),
            to_utc_naive(datetime(following.year, following.month, 1)))


def referred_up_in(first: date, stage=Stage):
    """SQL: ``stage`` was referred up to the next committee in the month starting on ``first``: its
    next stage (a committee's, not a court's) arrived from it in that month.

    The month's referrals are few: they are found first (by their arrival) and name their
    stages. PostgreSQL gets them as one array, or it may walk every stage probing each.
    """
    start, end = month_bounds(first)
    arrived = alias(Stage, 'arrived')
    conditions = (arrived.received_at >= start, arrived.received_at < end, arrived.previous_stage_id.is_not(None),
                  arrived.kind != StageKind.COURT)
    if db.session.get_bind().dialect.name == 'postgresql':
        found = sa.select(sa.func.array_agg(arrived.previous_stage_id)).where(*conditions).scalar_subquery()
        return stage.id == sa.any_(sa.cast(found, sa.ARRAY(sa.Integer)))  # ANY(array), not ANY(subquery)
    return stage.id.in_(sa.select(arrived.previous_stage_id).where(*conditions))


def matched_stage_conditions(user, filters: CaseFilters, today: date, stage=Stage, *, horizon=None) -> list:
    """SQL conditions on ``stage`` (Stage or an alias) for a stage the filters match.

    The supervision page counts with these and the list filters with these: one definition.
    """
    conditions = [visible_stages_clause(user, stage)]
    if filters.view == INBOX:
        conditions += [stage.committee_id == user.organisation_id, stage.state == State.PENDING_ACCEPTANCE]
    if filters.state == OPEN:
        conditions.append(open_stage(stage))
    elif filters.state:
        conditions.append(stage.state == filters.state)
    if filters.level:
        conditions.append(stage.level == filters.level)
    if filters.committee_id:
        conditions.append(stage.committee_id == filters.committee_id)
    if filters.due:
        conditions.append(due_condition(filters.due, today, stage, horizon))
    if filters.referred_in:
        conditions.append(referred_up_in(filters.referred_in, stage))
    if filters.accepted_from:
        conditions.append(stage.accepted_at >= _china_midnight(filters.accepted_from))
    if filters.accepted_to:
        conditions.append(stage.accepted_at < _china_midnight(filters.accepted_to + timedelta(days=1)))
    if filters.due_before:
        conditions.append(stage.due_on <= filters.due_before)
    if filters.within_id:
        conditions.append(stage.committee_id.in_(committees_within(filters.within_id)))
    if filters.outcome in OUTCOMES:
        conditions.append(stage_outcome(filters.outcome, stage))
    if filters.ladder in LADDER_FILTERS:
        conditions += ladder_conditions(filters.ladder, stage)
    return conditions


# --------------------------------------------------------------------------- the statistics' conditions

def committees_within(org_id: int):
    """SQL: the ids of the committees (not courts) of ``org_id``'s subtree."""
    top = sa.select(Organisation.path).where(Organisation.id == org_id).scalar_subquery()
    return sa.select(Organisation.id).where(Organisation.path.startswith(top), Organisation.kind != OrgKind.COURT)


def _stages_with_event(kind: str, *more):
    return sa.select(Event.stage_id).where(Event.kind == kind, Event.stage_id.is_not(None), *more)


def stage_outcome(outcome: str, stage=Stage):
    """SQL: ``stage`` ended with ``outcome`` (one of ``OUTCOMES``); the statistics count with the same.

    - ``agreed``: its agreement took effect (signed and sealed, or an oral agreement registered);
      kept when the stage is later closed;
    - ``written`` / ``oral``: agreed, with a written / an oral agreement;
    - ``withdrawn``: the parties withdrew (the ``withdraw`` event: a closed stage keeps it);
    - ``ended``: it reached any outcome (an agreement, or an ending: declined, failed and handed
      on, returned, withdrawn, terminated);
    - ``jc_applied``: the parties applied for judicial confirmation of its agreement (the
      ``apply_judicial_confirmation`` event, or a judicial-confirmation stage opened from it);
    - ``jc_granted``: a court confirmed its agreement (the ``record_judicial_confirmation`` event
      with the result ``confirmed``, or its judicial-confirmation stage was ruled valid: ``jc_confirm``);
    - ``followed_up``: at least one follow-up visit (回访) is recorded on it.
    """
    if outcome == 'agreed':
        return stage.agreement_effective_at.is_not(None)
    if outcome in ('written', 'oral'):
        return sa.and_(stage.agreement_effective_at.is_not(None), stage.id.in_(
            sa.select(Agreement.stage_id).where(Agreement.kind == outcome)))
    if outcome == 'withdrawn':  # correlated: SQLite rebuilds a list inside a correlated subquery each time
        withdrawal = alias(Event, 'withdrawal')
        return sa.exists().where(withdrawal.stage_id == stage.id, withdrawal.kind == 'withdraw')
    if outcome == 'ended':
        return sa.or_(stage.agreement_effective_at.is_not(None), stage.ended_at.is_not(None))
    confirmation = alias(Stage, 'confirmation')
    # spelled as the partial index ix_stage_confirmation_previous_stage_id spells it
    is_confirmation = confirmation.kind == sa.literal_column(f"'{StageKind.JUDICIAL_CONFIRMATION.value}'")
    if outcome == 'jc_applied':
        return sa.or_(stage.id.in_(_stages_with_event('apply_judicial_confirmation')),
                      stage.id.in_(sa.select(confirmation.previous_stage_id).where(
                          is_confirmation)))
    if outcome == 'jc_granted':
        return sa.or_(
            stage.id.in_(_stages_with_event('record_judicial_confirmation',
                                            Event.data['result'].as_string() == 'confirmed')),
            stage.id.in_(sa.select(confirmation.previous_stage_id).where(
                is_confirmation,
                confirmation.id.in_(_stages_with_event('jc_confirm')))))
    if outcome == 'followed_up':
        return stage.id.in_(sa.select(FollowUpVisit.stage_id))
    raise ValueError(outcome)


#: The committee ladder's levels, lowest first, as the ``stage.level`` column stores them.
_LADDER_LEVELS = ('village', 'town', 'district')


def committee_stage(stage=Stage):
    """SQL: ``stage`` is a committee's (village, town, district), not a court's."""
    return stage.level.in_(_LADDER_LEVELS)


def ladder_entry(stage=Stage):
    """SQL: ``stage`` is where its case entered the committee ladder: an accepted committee stage
    not referred from another committee stage (a new intake, or a case a court sent down)."""
    previous = alias(Stage, 'ladder_previous')
    return sa.and_(committee_stage(stage), stage.accepted_at.is_not(None), ~sa.exists().where(
        previous.id == stage.previous_stage_id, committee_stage(previous)))


def ladder_conditions(ladder: str, stage=Stage) -> list:
    """SQL conditions on ``stage`` for the ladder filter ``ladder`` (``LADDER_FILTERS``)."""
    other = alias(Stage, 'ladder_other')
    conditions = [ladder_entry(stage)]
    if ladder in _LADDER_LEVELS:
        levels = _LADDER_LEVELS[:_LADDER_LEVELS.index(ladder) + 1]
        conditions.append(sa.exists().where(other.case_id == stage.case_id, other.level.in_(levels),
                                            other.agreement_effective_at.is_not(None)))
    elif ladder == 'concluded':
        agreed = sa.exists().where(other.case_id == stage.case_id, committee_stage(other),
                                   other.agreement_effective_at.is_not(None))
        conditions += [
            ~sa.exists().where(other.case_id == stage.case_id, committee_stage(other), open_stage(other)),
            sa.or_(agreed, ~sa.exists().where(other.case_id == stage.case_id, committee_stage(other),
                                              stage_outcome('withdrawn', other))),
        ]
    return conditions


_RISK_CONDITIONS = {
    'red': lambda case: case.risk_level == RiskLevel.RED,
    'orange': lambda case: case.risk_level.in_([RiskLevel.RED, RiskLevel.ORANGE]),
    'mzx': lambda case: case.mzx_risk.is_(True),
    'group': lambda case: case.group_dispute.is_(True),
    'petition': lambda case: case.petition_risk.is_(True),
    'major': lambda case: case.major_difficult.is_(True),
    'group_petition': lambda case: sa.and_(case.group_dispute.is_(True), case.petition_risk.is_(True)),
    'any': lambda case: sa.or_(case.risk_level.is_not(None), case.mzx_risk.is_(True), case.group_dispute.is_(True),
                               case.petition_risk.is_(True), case.major_difficult.is_(True),
                               case.cross_area.is_(True), case.abnormal_death.is_(True)),
}


def case_conditions(filters: CaseFilters, case=Case) -> list:
    """SQL conditions on ``case`` (Case or an alias) for the case filters and the search box."""
    conditions = []
    if filters.category_id:
        conditions.append(case.category_id.in_(sa.select(Category.id).where(sa.or_(
            Category.id == filters.category_id, Category.parent_id == filters.category_id))))
    if filters.source:
        conditions.append(case.source == filters.source)
    if filters.source_group:
        conditions.append(case.source.in_([source for source in Source if source.group.value == filters.source_group]))
    if filters.registered_from:
        conditions.append(case.created_at >= _china_midnight(filters.registered_from))
    if filters.registered_to:
        conditions.append(case.created_at < _china_midnight(filters.registered_to + timedelta(days=1)))
    if filters.risk in _RISK_CONDITIONS:
        conditions.append(_RISK_CONDITIONS[filters.risk](case))
    if filters.q:
        conditions.append(case.id.in_(_search(filters.q)))
    if filters.identifier_hash:  # an ID number or phone typed in full: exact match on the keyed hash
        conditions.append(case.id.in_(sa.union(
            sa.select(Party.case_id).where(Party.id_number_hash == filters.identifier_hash),
            sa.select(Party.case_id).where(Party.phone_hash == filters.identifier_hash))))
    return conditions


def _china_midnight(day: date) -> datetime:
    return to_utc_naive(datetime(day.year, day.month, day.day))


# --------------------------------------------------------------------------- the search box

_MATTER_CODE = re.compile(r'[0-9]{8}[0-9A-Z]{0,6}')
_CASE_NUMBER = re.compile(r'(?:[（(](?P<year>\d{4})[）)])?(?P<prefix>[^（()）]*?)(?P<word>人调字?)?第?(?P<serial>\d{1,9})号?')


@dataclass(frozen=True)
class CaseNumber:
    serial: int
    year: Optional[int] = None
    prefix: str = ''


def parse_case_number(text: str) -> Optional[CaseNumber]:
    """A case number as typed: （2026）枫源人调字第3号, (2026)枫源人调字3号, 枫源人调字第3号, 第3号 …; else None."""
    text = re.sub(r'\s+', '', text)
    match = _CASE_NUMBER.fullmatch(text)
    if match is None or not (match['word'] or match['year'] or text.startswith('第') or text.endswith('号')):
        return None
    if match['prefix'] and not match['word']:  # 张3号: not a case number
        return None
    return CaseNumber(int(match['serial']), int(match['year']) if match['year'] else None, match['prefix'])


def _starts_with(column, text: str, *, pattern_index: bool = False):
    """``column`` begins with ``text``, in a form an index on the column serves.

    ``pattern_index``: on PostgreSQL the index has ``text_pattern_ops`` and serves LIKE 'x%'.
    Otherwise the values from ``text`` up to the next prefix (code-point order: SQLite, and the
    letters and digits of a matter code in any collation).
    """
    if pattern_index and db.session.get_bind().dialect.name == 'postgresql':
        escaped = text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
        return column.like(escaped + '%', escape='\\')
    following = ord(text[-1]) + 1
    if following > 0x10FFFF:
        return column >= text
    if 0xD800 <= following < 0xE000:  # no text holds a lone surrogate (nor can it be sent)
        following = 0xE000
    return sa.and_(column >= text, column < text[:-1] + chr(following))


def _search(text: str):
    """Case ids for the search box: a party's name (from its start), a matter code, a case number."""
    text = text.strip()
    found = [sa.select(Party.case_id).where(_starts_with(Party.name, text, pattern_index=True))]
    code = text.upper()
    if _MATTER_CODE.fullmatch(code):
        found.append(sa.select(Case.id).where(
            Case.matter_code == code if len(code) == 14 else _starts_with(Case.matter_code, code)))
    number = parse_case_number(text)
    if number is not None:
        numbered = sa.select(Stage.case_id).where(Stage.number_serial == number.serial)
        if number.year is not None:
            numbered = numbered.where(Stage.number_year == number.year)
        if number.prefix:
            numbered = numbered.where(Stage.number_prefix == number.prefix)
        found.append(numbered)
    return sa.union(*found) if len(found) > 1 else found[0]


class IdentifierSearch(NamedTuple):
    hash: str
    masked: str


_LOOKUP_HASH = re.compile(r'[0-9a-f]{64}')


def identifier_search(text: str) -> Optional[IdentifierSearch]:
    """``text`` read as a full resident ID number or phone: its lookup hash and masked form; else None."""
    cipher = current_app.extensions['field_cipher']
    for parse, mask in ((lambda t: parse_resident_id(t).number, mask_resident_id), (parse_phone, mask_phone)):
        try:
            number = parse(text)
        except InvalidIdentifier:
            continue
        return IdentifierSearch(cipher.lookup_hash(number), mask(number))
    return None


def is_lookup_hash(text: str) -> bool:
    return bool(_LOOKUP_HASH.fullmatch(text))


# --------------------------------------------------------------------------- the list's rows, in order

#: ``walk(entity, ROWID)``: read the table only by its primary key (SQLite's NOT INDEXED).
ROWID = 'rowid'
_WALK = 'walk_'


def walk(entity, index: str):
    """An alias of ``entity`` that SQLite must read through ``index`` (``INDEXED BY``), or only by
    its primary key (``ROWID``). Other databases see a plain alias. The index is in the alias's
    name, so statements that walk different indexes are cached apart."""
    return alias(entity, _WALK + index)


@lru_cache(maxsize=None)
def alias(entity, name: str):
    """The alias ``name`` of ``entity``, made once: building one costs more than the query it serves."""
    return so.aliased(entity, name=name)


@compiles(Alias, 'sqlite')
def _indexed_by(element, compiler, **kw):
    text = compiler.visit_alias(element, **kw)
    name = element.name
    if kw.get('asfrom') and not kw.get('ashint') and isinstance(name, str) and name.startswith(_WALK):
        index = name[len(_WALK):]
        text += ' NOT INDEXED' if index == ROWID else f' INDEXED BY {index}'
    return text


def list_order(user, filters: CaseFilters) -> str:
    """Which order (and key) the list has: see ``NEWEST_REGISTERED`` and its neighbours."""
    if filters.by_deadline:
        return EARLIEST_DEADLINE
    if filters.filters_stages or user.organisation.kind == OrgKind.VILLAGE or user.role == Role.COURT_OFFICER:
        return NEWEST_CASE
    return NEWEST_REGISTERED


def _keyed_query(user, filters: CaseFilters, today: date, horizon=None, *, paging: bool = False,
                 beyond: Optional[tuple] = None):
    """The list as a query of its sort keys and case ids (the case id last), and the key columns.

    ``beyond``: (key, forward): only the rows past ``key`` in the walking direction (a page after
    the first). Where the case is joined to its matched stage the bound is put on both ids:
    PostgreSQL does not carry an inequality across the join, and would otherwise walk the cases
    from the newest to the cursor (5 s on the 1,000th filtered page at a million cases).

    A case is listed once however many of its stages match; in the deadline order a row is the
    matched stage (only a stage whose clock runs has a due date, and a case has one such stage).

    ``paging``: the query reads a page, so on SQLite it names the index to walk (``_walked_index``).
    A count leaves the choice to the database (``counted_index``): there the most selective
    index is best, whatever its order.
    """
    searched = bool(filters.q or filters.identifier_hash)
    order = list_order(user, filters)
    if order == NEWEST_REGISTERED:
        # A town's or a district's whole jurisdiction: its cases, newest first, each checked
        # (``access.visible_cases``), the cases walked in registration order when paging.
        case = walk(Case, 'ix_dispute_case_created_at') if paging and not searched else Case
        seen = walk(Stage, 'ix_stage_case_id')  # a case's few stages, each checked against the jurisdiction
        query = sa.select(case.created_at, case.id).where(
            sa.exists().where(seen.case_id == case.id, visible_stages_clause(user, seen)),
            *case_conditions(filters, case))
        keys = (case.created_at, case.id)
        return (query.where(_beyond(keys, *beyond)) if beyond is not None else query), keys
    index = _walked_index(user, filters) if paging else counted_index(filters)
    matched = walk(Stage, index) if index else alias(Stage, 'matched')
    conditions = matched_stage_conditions(user, filters, today, matched, horizon=horizon)
    if user.organisation.kind == OrgKind.VILLAGE:  # what a village sees: its own stages
        conditions.append(matched.committee_id == user.organisation_id)
    if order == EARLIEST_DEADLINE:
        query = sa.select(matched.due_on, matched.id, matched.case_id).where(*conditions)
        keys = (matched.due_on, matched.id)
    else:
        query = sa.select(matched.case_id).where(*conditions).distinct()
        keys = (matched.case_id,)
    if beyond is not None:
        query = query.where(_beyond(keys, *beyond))
    if case_conditions(filters):
        case = walk(Case, ROWID) if index and not searched else Case  # read by id, after the stage
        query = query.join(case, case.id == matched.case_id).where(*case_conditions(filters, case))
        if beyond is not None and order == NEWEST_CASE:
            query = query.where(_beyond((case.id,), *beyond))
    return query, keys


def counted_index(filters: CaseFilters) -> Optional[str]:
    """The index a count reads on SQLite: the due-date ones for the deadline lists (their rows are
    few; the jurisdiction's committee index would have SQLite read every stage), the committee's
    states for a committee's inbox or open cases."""
    if filters.due is DeadlineStatus.DUE_SOON:
        return 'ix_stage_due_on'
    if filters.due is DeadlineStatus.OVERDUE:
        return 'ix_stage_work_due_on'
    if filters.referred_in:
        return ROWID  # the month's referrals name their stages
    if (filters.committee_id and filters.state) or filters.view == INBOX:
        return 'ix_stage_committee_id_state_case_id'
    return None


def _walked_index(user, filters: CaseFilters) -> Optional[str]:
    """The index of ``stage`` whose order is the list's, narrowed by the filters as far as it goes.

    SQLite has no statistics to weigh a selective index against one in the list's order, and
    picks the committee index for the jurisdiction (then sorts everything it found); PostgreSQL
    weighs them itself. With the index in the list's order a page reads about a page's worth of
    rows, or the rows between two matches when they are rare, the same at any size.
    """
    if filters.due is DeadlineStatus.DUE_SOON:
        return 'ix_stage_due_on'
    if filters.due is DeadlineStatus.OVERDUE:
        return 'ix_stage_work_due_on'
    if filters.referred_in:
        return ROWID  # the month's referrals name their stages; a sort of those few
    if user.role == Role.COURT_OFFICER and not (filters.view or filters.committee_id):
        return None  # the court's own and its sent stages: two small indexed sets
    single_state = filters.state and filters.state != OPEN
    committee = filters.committee_id or (user.organisation_id if filters.view == INBOX else None)
    if user.organisation.kind == OrgKind.VILLAGE and not committee:
        committee = user.organisation_id
    if committee and (filters.view == INBOX or single_state):
        return 'ix_stage_committee_id_state_case_id'
    if committee:
        return 'ix_stage_committee_id_case_id'
    if single_state:
        return 'ix_stage_state_case_id'
    return 'ix_stage_case_id'


def count_cases(user, filters: CaseFilters, today: date, *, horizon=None) -> int:
    """How many rows the list holds: what a tile or a supervision figure linking to it shows."""
    query, _ = _keyed_query(user, filters, today, horizon)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


@dataclass
class CaseRow:
    """One line of a list: the case, its current stage and what the line shows of them."""

    case: Case
    stage: Stage
    parties: list
    #: the current stage waits for acceptance: 'new' (logged here), 'referred' (from the committee
    #: below), 'court' (sent by a court), 'to_court' (referred to this court)
    arrival: Optional[str] = None
    #: who it came from (the committee below, or the sending court)
    arrived_from: str = ''
    #: the agreement's performance (an effective agreement): status, terms fulfilled, terms
    performance: Optional[PerformanceStatus] = None
    terms_fulfilled: int = 0
    terms: int = 0
    follow_ups: int = 0
    key: tuple = field(default=(), repr=False)


@dataclass
class Page:
    rows: list[CaseRow]
    #: the key of the last row when more follow, and of the first when more precede
    next_key: Optional[tuple]
    previous_key: Optional[tuple]


def case_page(user, filters: CaseFilters, today: date, *, after: Optional[tuple] = None,
              before: Optional[tuple] = None, per_page: int = 50, horizon=None, load=None) -> Page:
    """The rows after the key ``after`` (or before ``before``, or the first rows), with the keys
    of the neighbouring pages. A key that belongs to no row still works: paging resumes beside it.

    ``load(case_ids, keys)``: what makes the rows (default :func:`load_rows`; the API loads only
    what it returns); each row has its ``key``."""
    horizon = horizon or (due_soon_horizon(today) if filters.due is DeadlineStatus.DUE_SOON else None)
    ascending = list_order(user, filters) == EARLIEST_DEADLINE
    backwards = before is not None and after is None
    key = before if backwards else after
    query, keys = _keyed_query(user, filters, today, horizon, paging=True,
                               beyond=None if key is None else (key, ascending != backwards))
    order = [k.asc() if ascending != backwards else k.desc() for k in keys]
    found = db.session.execute(query.order_by(*order).limit(per_page + 1)).all()
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        if not more:  # back at the start: the first page, full
            return case_page(user, filters, today, per_page=per_page, horizon=horizon, load=load)
        found.reverse()
    rows = (load or load_rows)([tuple(r)[-1] for r in found], [tuple(r)[:len(keys)] for r in found])
    next_key = rows[-1].key if rows and (more or backwards) else None
    previous_key = rows[0].key if rows and (key is not None) else None
    return Page(rows, next_key, previous_key)


def _beyond(keys, key, forward: bool):
    """SQL: the row comes after ``key`` in the walking direction (ascending when ``forward``).

    For a two-part key the first part's bound is repeated on its own (``a <= x AND (a < x OR
    b < y)``): an index on ``a`` then starts at the key instead of reading from its end.
    """
    first, *rest = keys
    past = (lambda column, value: column > value) if forward else (lambda column, value: column < value)
    if not rest:
        return past(first, key[0])
    reached = first >= key[0] if forward else first <= key[0]
    return sa.and_(reached, sa.or_(past(first, key[0]), past(rest[0], key[1])))


def export_rows(user, filters: CaseFilters, today: date, *, batch: int = 500) -> Iterator[list[CaseRow]]:
    """Every row of the list, a batch at a time (each batch read on its own; the caller may end the
    transaction between batches so a long export never holds the database)."""
    horizon = due_soon_horizon(today) if filters.due is DeadlineStatus.DUE_SOON else None
    page = case_page(user, filters, today, per_page=batch, horizon=horizon)
    while True:
        yield page.rows
        if page.next_key is None:
            return
        page = case_page(user, filters, today, after=page.next_key, per_page=batch, horizon=horizon)


def load_rows(case_ids: list[int], keys: Optional[list[tuple]] = None) -> list[CaseRow]:
    """The rows of these cases, in this order: four queries for any number of rows."""
    if not case_ids:
        return []
    newest = sa.select(sa.func.max(Stage.id)).where(Stage.case_id.in_(case_ids)).group_by(Stage.case_id)
    previous, sender = alias(Stage, 'previous'), alias(Organisation, 'sender')
    found = db.session.execute(
        sa.select(Case, Stage, sender.name)
        .join(Stage, Stage.case_id == Case.id)
        .outerjoin(previous, previous.id == Stage.previous_stage_id)
        .outerjoin(sender, sender.id == sa.case((Stage.previous_stage_id.is_(None), Stage.court_id),
                                                else_=previous.committee_id))
        .where(Case.id.in_(case_ids), Stage.id.in_(newest))
        .options(so.selectinload(Case.parties), so.joinedload(Case.category).joinedload(Category.parent),
                 so.joinedload(Stage.committee))).unique().all()
    by_case = {case.id: (case, stage, sender_name) for case, stage, sender_name in found}
    stage_ids = [stage.id for _, stage, _ in by_case.values() if stage.agreement_effective_at is not None]
    agreements = {a.stage_id: a for a in db.session.scalars(
        sa.select(Agreement).where(Agreement.stage_id.in_(stage_ids)))} if stage_ids else {}
    visits = dict(db.session.execute(
        sa.select(FollowUpVisit.case_id, sa.func.count()).where(FollowUpVisit.case_id.in_(case_ids))
        .group_by(FollowUpVisit.case_id)).all())
    rows = []
    for index, case_id in enumerate(case_ids):
        if case_id not in by_case:  # deleted between the two reads
            continue
        case, stage, sender_name = by_case[case_id]
        row = CaseRow(case=case, stage=stage, parties=list(case.parties), follow_ups=visits.get(case_id, 0),
                      key=keys[index] if keys else (case_id,))
        if stage.state == State.PENDING_ACCEPTANCE:
            row.arrival, row.arrived_from = _arrival(stage), sender_name or ''
        agreement = agreements.get(stage.id)
        if agreement is not None and agreement.terms:
            row.performance = agreement.performance or PerformanceStatus.PENDING
            row.terms_fulfilled, row.terms = agreement.terms_fulfilled, len(agreement.terms)
        rows.append(row)
    return rows


def _arrival(stage: Stage) -> str:
    if stage.kind == StageKind.COURT:
        return 'to_court'
    if stage.previous_stage_id is not None:
        return 'referred'
    if stage.kind.court_sent or stage.court_id is not None:
        return 'court'
    return 'new'


# --------------------------------------------------------------------------- what the filters offer

def jurisdiction_committees(user) -> list:
    """The committees (and courts) the user's lists may be narrowed to, in tree order: rows of
    ``id, name, kind`` (a district's few hundred are read as plain rows, not as objects)."""
    org = user.organisation
    if user.role == Role.COURT_OFFICER:
        paths = [district.path for district in org.served_districts]
        condition = sa.or_(Organisation.id == org.id,
                           *(Organisation.path.startswith(path, autoescape=True) for path in paths))
    else:
        condition = sa.and_(Organisation.path.startswith(org.path, autoescape=True), Organisation.kind != OrgKind.COURT)
    return db.session.execute(sa.select(Organisation.id, Organisation.name, Organisation.kind).where(condition)
                              .order_by(Organisation.kind == OrgKind.COURT, Organisation.path)).all()


def case_events(case: Case):
    """The case's history, oldest first, with each event's actor (the page names them all)."""
    return db.session.scalars(sa.select(Event).where(Event.case_id == case.id)
                              .options(so.selectinload(Event.actor)).order_by(Event.at, Event.id)).all()


def categories():
    return db.session.scalars(sa.select(Category).where(Category.active.is_(True))
                              .order_by(Category.parent_id.is_not(None), Category.sort_order, Category.id)).all()
