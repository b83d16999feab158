"""The supervision page: each committee below a town or district, in figures that link to their lists.

For every committee of the user's subtree (the user's own first; for a district, each town
followed by its villages): its open stages, those due soon and overdue, the oldest of its open
cases, and its cases referred up this month. Each figure is counted with the conditions of the
case list it links to (``case_queries.matched_stage_conditions`` with the committee as one more
filter), in one grouped query per figure for every committee at once; the oldest cases of all
committees come in one query too.
"""
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Organisation
from mediation.models import Stage
from mediation.services import case_queries
from mediation.services.case_queries import CaseFilters
from workflows.enums import DeadlineStatus
from workflows.enums import OrgKind
from workflows.enums import Role

#: Who has the page: town mediators (supervising their villages) and district officers.
SUPERVISORS = (Role.TOWN_MEDIATOR, Role.DISTRICT_OFFICER)
#: The figures of each committee, in the page's order.
FIGURES = ('open', 'due_soon', 'overdue', 'referred')
#: How many of its oldest open cases each committee shows.
OLDEST = 3


def supervises(user) -> bool:
    return user.role in SUPERVISORS and user.organisation.kind in (OrgKind.TOWN, OrgKind.DISTRICT)


@dataclass
class OldCase:
    case_id: int
    title: str
    received_at: datetime
    days: int


@dataclass
class Figures:
    """One committee's figures (``org`` None: the whole jurisdiction), each with the list behind it."""

    org: Optional[Organisation]
    counts: dict[str, int]
    #: the case list's query-string arguments of each figure
    links: dict[str, dict]
    oldest: list[OldCase] = field(default_factory=list)
    own: bool = False


@dataclass
class Group:
    """A town and its villages (on a district's page); on a town's page the town's villages."""

    head: Optional[Figures]
    members: list[Figures]


@dataclass
class Report:
    month: date
    own: Figures
    groups: list[Group]
    total: Figures


def figure_filters(month: date) -> dict[str, CaseFilters]:
    """The list behind each figure, for the whole jurisdiction (a committee's adds ``committee_id``)."""
    return {'open': CaseFilters(state=case_queries.OPEN), 'due_soon': CaseFilters(due=DeadlineStatus.DUE_SOON),
            'overdue': CaseFilters(due=DeadlineStatus.OVERDUE), 'referred': CaseFilters(referred_in=month)}


def report(user, today: date) -> Report:
    month = today.replace(day=1)
    horizon = case_queries.due_soon_horizon(today)
    org = user.organisation
    committees = list(db.session.scalars(
        sa.select(Organisation).where(Organisation.path.startswith(org.path, autoescape=True),
                                      Organisation.kind != OrgKind.COURT).order_by(Organisation.code)))
    filters = figure_filters(month)
    counts = {name: count_by_committee(user, wanted, today, horizon=horizon) for name, wanted in filters.items()}
    oldest = oldest_open([c.id for c in committees], today)

    def figures(committee):
        return Figures(committee, {name: counts[name].get(committee.id, 0) for name in FIGURES},
                       {name: replace(filters[name], committee_id=committee.id).as_args() for name in FIGURES},
                       oldest.get(committee.id, []), own=committee.id == org.id)

    by_parent = {}
    for committee in committees:
        by_parent.setdefault(committee.parent_id, []).append(committee)
    if org.kind == OrgKind.DISTRICT:
        groups = [Group(figures(town), [figures(village) for village in by_parent.get(town.id, [])])
                  for town in by_parent.get(org.id, [])]
    else:
        groups = [Group(None, [figures(village) for village in by_parent.get(org.id, [])])]
    total = Figures(None, {name: case_queries.count_cases(user, wanted, today, horizon=horizon)
                           for name, wanted in filters.items()},
                    {name: wanted.as_args() for name, wanted in filters.items()})
    return Report(month, figures(org), groups, total)


def count_by_committee(user, filters: CaseFilters, today: date, *, horizon=None) -> dict[int, int]:
    """``case_queries.count_cases`` of ``filters`` narrowed to each committee, for every committee at once.

    A list in case order counts each case once; a list by due date counts its stages.
    """
    index = case_queries.counted_index(filters)
    matched = case_queries.walk(Stage, index) if index else case_queries.alias(Stage, 'matched')
    conditions = case_queries.matched_stage_conditions(user, filters, today, matched, horizon=horizon)
    counted = sa.func.count() if filters.by_deadline else sa.func.count(sa.distinct(matched.case_id))
    query = sa.select(matched.committee_id, counted).where(*conditions).group_by(matched.committee_id)
    return dict(db.session.execute(query).all())


def oldest_open(committee_ids: list[int], today: date) -> dict[int, list[OldCase]]:
    """Each committee's open cases that have waited longest there (since they arrived), ``OLDEST`` each.

    The open stages of these committees ranked by arrival within each committee, read from the
    partial index of open stages (committee, arrival) alone; then the first few with their cases.
    """
    if not committee_ids:
        return {}
    open_stage = case_queries.walk(Stage, 'ix_stage_open_received_at')
    rank = sa.func.row_number().over(partition_by=open_stage.committee_id,
                                     order_by=(open_stage.received_at, open_stage.id))
    ranked = (sa.select(open_stage.id, rank.label('rank'))
              .where(open_stage.committee_id.in_(committee_ids), case_queries.open_stage(open_stage))
              .subquery())
    ids = list(db.session.scalars(sa.select(ranked.c.id).where(ranked.c.rank <= OLDEST)))
    if not ids:
        return {}
    query = (sa.select(Stage.committee_id, Stage.case_id, Stage.received_at, Case.title)
             .join(Case, Case.id == Stage.case_id).where(Stage.id.in_(ids))
             .order_by(Stage.committee_id, Stage.received_at, Stage.id))
    found: dict[int, list[OldCase]] = {}
    for committee_id, case_id, received_at, title in db.session.execute(query):
        found.setdefault(committee_id, []).append(
            OldCase(case_id, title, received_at, (today - china_date(received_at)).days))
    return found
