"""Jurisdiction: the one place that decides what a user may see and act on.

- Committee users (village, town, district) act on stages at their own committee and read the
  whole subtree below it (a town supervisor sees every village of the town, read-only).
- Court officers see the court's own stages and every stage their court sent down or received.
- Administrators read their subtree (masked) but never act on cases.
- Acting on a stage: its own committee's (or court's) users, and the court that sent it down
  (``acting_as``; the state machine then decides what each of them may do).
Every listing and lookup of cases goes through ``visible_cases``/``get_visible_case``.
"""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.errors import NotFound
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Organisation
from mediation.models import Stage
from workflows.enums import Role
from workflows.machine import COURT
from workflows.machine import HANDLER


def visible_stages_clause(user, stage=Stage):
    """SQL condition on ``stage`` (``Stage`` or an alias of it) for the stages ``user`` may read."""
    if user.role == Role.COURT_OFFICER:
        return sa.or_(stage.committee_id == user.organisation_id, stage.court_id == user.organisation_id)
    subtree = sa.select(Organisation.id).where(Organisation.path.startswith(user.organisation.path, autoescape=True))
    return stage.committee_id.in_(subtree)


def visible_cases(user):
    """``select(Case)`` limited to cases with at least one stage the user may read."""
    seen = so.aliased(Stage)  # an alias, so callers may join Stage themselves
    return sa.select(Case).where(sa.exists().where(seen.case_id == Case.id, visible_stages_clause(user, seen)))


def get_visible_case(user, case_id) -> Case:
    """The case, or NotFound when it does not exist *or* lies outside the user's jurisdiction.

    Both give the same 404 so that probing case ids tells nothing.
    """
    case = db.session.scalar(visible_cases(user).where(Case.id == case_id))
    if case is None:
        raise NotFound('找不到该案件，或该案件不在您的管辖范围内。')
    return case


def acting_as(user, stage: Stage) -> Optional[str]:
    """How a signed-in user may act on ``stage``: as its handler (a stage at their own committee or
    court), as the court that sent it down (court officers), or not at all (None: administrators,
    inactive accounts, everyone else)."""
    if user.role == Role.ADMIN or not user.active:
        return None
    if stage.committee_id == user.organisation_id:
        return HANDLER
    if user.role == Role.COURT_OFFICER and stage.court_id == user.organisation_id:
        return COURT
    return None


def handles_case(user, case: Case) -> bool:
    """The case's handlers: users of a committee or court that has (had) a stage of it."""
    if user.role == Role.ADMIN:
        return False
    return any(stage.committee_id == user.organisation_id or stage.court_id == user.organisation_id
               for stage in case.stages)
