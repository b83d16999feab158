"""Read-only queries behind the work pages (views stay thin, templates never query).

The tiles and the lists of the dashboard and of the deadlines page are the case lists
themselves (``services.case_queries``): a tile's number is ``count_cases`` of the filters its
link opens, and a list is the first page of them, so the two cannot disagree.
"""
from dataclasses import dataclass
from datetime import date
from typing import Optional

from mediation.services import case_queries
from mediation.services import notifications
from mediation.services.case_queries import CaseFilters
from workflows.enums import DeadlineStatus
from workflows.enums import Role


@dataclass
class Tile:
    """One number of the dashboard and the list it links to (``filters``)."""

    key: str
    filters: CaseFilters
    count: int


def work_filters(user) -> dict[str, CaseFilters]:
    """The lists behind the dashboard's tiles, by key.

    - ``inbox``: stages waiting for the user's own committee (or court) to accept them;
    - ``open``: the own committee's open stages (在办);
    - ``due_soon`` / ``overdue``: every stage of the jurisdiction whose clock is near or past its
      due date, the parties' window to apply for judicial confirmation included.
    """
    filters = {}
    if user.role != Role.ADMIN:
        filters['inbox'] = CaseFilters(view=case_queries.INBOX)
        filters['open'] = CaseFilters(committee_id=user.organisation_id, state=case_queries.OPEN)
    filters['due_soon'] = CaseFilters(due=DeadlineStatus.DUE_SOON)
    filters['overdue'] = CaseFilters(due=DeadlineStatus.OVERDUE)
    return filters


def tiles(user, today: date) -> list[Tile]:
    horizon = case_queries.due_soon_horizon(today)
    return [Tile(key, filters, case_queries.count_cases(user, filters, today, horizon=horizon))
            for key, filters in work_filters(user).items()]


@dataclass
class DeadlineLists:
    overdue: case_queries.Page
    due_soon: case_queries.Page
    overdue_count: Optional[int] = None
    due_soon_count: Optional[int] = None


def deadline_lists(user, today: date, *, limit: int, counts: bool = False) -> DeadlineLists:
    """The first ``limit`` rows of the jurisdiction's overdue and due-soon lists (earliest due date
    first), the very lists the case list's 已超期 and 即将到期 views page through."""
    horizon = case_queries.due_soon_horizon(today)
    lists = DeadlineLists(
        overdue=case_queries.case_page(user, CaseFilters(due=DeadlineStatus.OVERDUE), today, per_page=limit),
        due_soon=case_queries.case_page(user, CaseFilters(due=DeadlineStatus.DUE_SOON), today, per_page=limit,
                                        horizon=horizon))
    if counts:
        lists.overdue_count = case_queries.count_cases(user, CaseFilters(due=DeadlineStatus.OVERDUE), today)
        lists.due_soon_count = case_queries.count_cases(user, CaseFilters(due=DeadlineStatus.DUE_SOON), today,
                                                        horizon=horizon)
    return lists


def recent_notices(user, *, limit: int = 20) -> list[notifications.NoticeItem]:
    """The organisation's latest notices (read or not by ``user``) and the referrals waiting for its
    acceptance, newest first (``services.notifications``: a waiting referral stores nothing and
    leaves the list once accepted or declined)."""
    return notifications.feed(user, limit=limit)
