"""Read-only queries behind the work pages (views stay thin, templates never query)."""
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.access import visible_stages_clause
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Notice
from mediation.models import Stage
from workflows.enums import Clock
from workflows.states import OPEN_STATES


def _still_relevant(today: date):
    """A lapsed judicial-confirmation window is the parties' matter, not overdue work."""
    return sa.or_(Stage.clock.is_(None), Stage.clock != Clock.JC_APPLY, Stage.due_on >= today)


def own_stage_counts(user, today: date) -> dict:
    """Open stages at the user's own committee: total, pending acceptance, due soon, overdue."""
    open_values = [s.value for s in OPEN_STATES]
    base = sa.select(sa.func.count()).select_from(Stage).where(
        Stage.committee_id == user.organisation_id, Stage.state.in_(open_values))
    return {
        'open': db.session.scalar(base),
        'pending': db.session.scalar(base.where(Stage.state == 'pending_acceptance')),
        'due_soon': db.session.scalar(base.where(Stage.due_soon_on <= today, Stage.due_on >= today)),
        'overdue': db.session.scalar(base.where(Stage.due_on < today, _still_relevant(today))),
    }


def deadline_watch(user, today: date, *, limit: int = 200):
    """Due-soon and overdue stages in the user's jurisdiction, most urgent first."""
    query = (sa.select(Stage).join(Case, Case.id == Stage.case_id)
             .where(visible_stages_clause(user), Stage.due_soon_on <= today, _still_relevant(today))
             .options(so.contains_eager(Stage.case), so.joinedload(Stage.committee))
             .order_by(Stage.due_on, Stage.id).limit(limit))
    stages = db.session.scalars(query).all()
    return ([s for s in stages if s.due_on < today], [s for s in stages if s.due_on >= today])


def recent_notices(user, *, limit: int = 20):
    return db.session.scalars(sa.select(Notice).where(Notice.organisation_id == user.organisation_id)
                              .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)).all()
