"""Read-only queries behind the work pages (views stay thin, templates never query)."""
from collections import namedtuple
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.access import visible_stages_clause
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Notice
from mediation.models import Organisation
from mediation.models import Stage
from mediation.services.case_queries import in_hand
from workflows.enums import DeadlineStatus
from workflows.enums import StageKind
from workflows.states import State


def own_stage_counts(user, today: date) -> dict:
    """Stages in the hands of the user's own committee: total, pending acceptance, due soon, overdue.

    The same conditions as the case list's ``mine`` and ``due`` filters, so each tile's number
    is the length of the list it links to.
    """
    base = sa.select(sa.func.count()).select_from(Stage).where(
        Stage.committee_id == user.organisation_id, in_hand(Stage))
    return {
        'open': db.session.scalar(base),
        'pending': db.session.scalar(base.where(Stage.state == State.PENDING_ACCEPTANCE)),
        'due_soon': db.session.scalar(base.where(Stage.deadline_status_clause(DeadlineStatus.DUE_SOON, today))),
        'overdue': db.session.scalar(base.where(Stage.deadline_status_clause(DeadlineStatus.OVERDUE, today))),
    }


def deadline_watch(user, today: date, *, limit: int = 200):
    """Due-soon and overdue stages in the user's jurisdiction, most urgent first: (overdue, due soon)."""
    overdue = Stage.deadline_status_clause(DeadlineStatus.OVERDUE, today)
    query = (sa.select(Stage).join(Case, Case.id == Stage.case_id)
             .where(visible_stages_clause(user),
                    sa.or_(overdue, Stage.deadline_status_clause(DeadlineStatus.DUE_SOON, today)))
             .options(so.contains_eager(Stage.case), so.joinedload(Stage.committee))
             .order_by(Stage.due_on, Stage.id).limit(limit))
    stages = db.session.scalars(query).all()
    return ([s for s in stages if s.deadline_status(today) is DeadlineStatus.OVERDUE],
            [s for s in stages if s.deadline_status(today) is DeadlineStatus.DUE_SOON])


#: One line of the dashboard's notices: a stored notice (``message``) or a stage waiting for the
#: organisation to accept it (``sender``: the committee it came from).
FeedItem = namedtuple('FeedItem', 'at case_id title message sender due_on to_court')


def recent_notices(user, *, limit: int = 20) -> list[FeedItem]:
    """The organisation's latest notices and the referrals waiting for its acceptance, newest first.

    A stage that arrived by referral (from a committee, or sent to the court) and waits for
    acceptance is its own notice: nothing is stored for it, and it leaves the list once accepted
    or declined.
    """
    stored = db.session.scalars(sa.select(Notice).where(Notice.organisation_id == user.organisation_id)
                                .options(so.joinedload(Notice.stage).joinedload(Stage.case))
                                .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)).all()
    previous = so.aliased(Stage)
    arrivals = db.session.execute(
        sa.select(Stage, Organisation.name).join(previous, previous.id == Stage.previous_stage_id)
        .join(Organisation, Organisation.id == previous.committee_id)
        .where(Stage.committee_id == user.organisation_id, Stage.state == State.PENDING_ACCEPTANCE)
        .options(so.joinedload(Stage.case)).order_by(Stage.received_at.desc(), Stage.id.desc()).limit(limit)).all()
    items = [FeedItem(n.created_at, n.stage and n.stage.case_id, n.stage and n.stage.case.title, n.message,
                      None, None, False) for n in stored]
    items += [FeedItem(stage.received_at, stage.case_id, stage.case.title, None, sender, stage.due_on,
                       stage.kind == StageKind.COURT) for stage, sender in arrivals]
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]
