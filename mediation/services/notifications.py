"""What each user has to read: the stored notices of their organisation, read per user, and the
referrals waiting for the organisation's acceptance.

Two kinds of item:

* **Stored notices** (``Notice``: due soon, overdue, risk alert, returned to the court) go to an
  organisation; each of its users marks them read for themselves (``NoticeRead``), so one
  mediator's reading never hides a notice from a colleague. Only the last ``UNREAD_DAYS`` days
  count as unread: older notices are history (the page still lists them), so a new colleague
  does not start with years of reminders and the count stays one cheap indexed query.
* **Waiting arrivals**: a stage referred up (or sent to the court) that waits for this
  organisation's acceptance. It is a task, not a message: it counts as unread for everyone at
  the organisation until someone accepts or declines it, and cannot be marked read.
"""
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.errors import NotFound
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Notice
from mediation.models import NoticeRead
from mediation.models import Organisation
from mediation.models import Stage
from mediation.services import bulk
from workflows.enums import NoticeKind
from workflows.enums import StageKind
from workflows.states import State

#: Notices older than this are history, not unread.
UNREAD_DAYS = 60
#: The navigation shows "99+" beyond this: counting stops there.
COUNT_CAP = 100
PAGE_SIZE = 50


@dataclass(frozen=True)
class NoticeItem:
    """One line of the notices page or the dashboard's card."""

    at: datetime
    case_id: Optional[int]
    title: Optional[str]
    #: None for a waiting arrival
    kind: Optional[NoticeKind]
    message: str = ''
    message_en: str = ''
    notice_id: Optional[int] = None
    read: bool = False
    #: a waiting arrival: the committee it came from, its acceptance due date, whether it went to a court
    sender: Optional[str] = None
    due_on: Optional[date] = None
    to_court: bool = False

    @property
    def is_arrival(self) -> bool:
        return self.notice_id is None


def _since(now: datetime) -> datetime:
    return now - timedelta(days=UNREAD_DAYS)


def _read_by(user_id):
    return sa.exists().where(NoticeRead.notice_id == Notice.id, NoticeRead.user_id == user_id)


def _waiting(organisation_id):
    """SQL: stages that arrived from another stage and wait for ``organisation_id`` to accept them."""
    return sa.and_(Stage.committee_id == organisation_id, Stage.state == State.PENDING_ACCEPTANCE,
                   Stage.previous_stage_id.is_not(None))


def unread_count(user, now: Optional[datetime] = None) -> int:
    """Unread recent notices plus waiting arrivals, at most ``COUNT_CAP`` of each: one statement."""
    now = now or utcnow()
    unread = (sa.select(Notice.id).where(Notice.organisation_id == user.organisation_id,
                                         Notice.created_at >= _since(now), sa.not_(_read_by(user.id)))
              .limit(COUNT_CAP).subquery())
    waiting = sa.select(Stage.id).where(_waiting(user.organisation_id)).limit(COUNT_CAP).subquery()
    count = (sa.select(sa.func.count()).select_from(unread).scalar_subquery()
             + sa.select(sa.func.count()).select_from(waiting).scalar_subquery())
    return db.session.scalar(sa.select(count)) or 0


def stored_notices(user, *, before: Optional[str] = None, limit: int = PAGE_SIZE,
                   now: Optional[datetime] = None) -> tuple[list[NoticeItem], Optional[str]]:
    """The organisation's notices newest first, ``limit`` at a time after the cursor ``before``,
    each marked read or not for ``user``; and the cursor of the next page (None on the last)."""
    now = now or utcnow()
    read_at = (sa.select(NoticeRead.read_at).where(NoticeRead.notice_id == Notice.id, NoticeRead.user_id == user.id)
               .scalar_subquery())
    query = (sa.select(Notice, Case.id, Case.title, read_at)
             .outerjoin(Stage, Stage.id == Notice.stage_id).outerjoin(Case, Case.id == Stage.case_id)
             .where(Notice.organisation_id == user.organisation_id)
             .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit + 1))
    position = parse_cursor(before)
    if position is not None:
        query = query.where(sa.tuple_(Notice.created_at, Notice.id) < sa.tuple_(*position))
    rows = db.session.execute(query).all()
    since = _since(now)
    items = [NoticeItem(at=notice.created_at, case_id=case_id, title=title, kind=notice.kind,
                        message=notice.message, message_en=notice.message_en, notice_id=notice.id,
                        read=read is not None or notice.created_at < since)
             for notice, case_id, title, read in rows[:limit]]
    following = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        following = f'{last.created_at.isoformat()}_{last.id}'
    return items, following


def parse_cursor(text: Optional[str]):
    """(created_at, id) from a cursor ``stored_notices`` made; None for anything else (a stale or edited link)."""
    if not text or '_' not in text:
        return None
    moment, _, number = text.rpartition('_')
    try:
        return datetime.fromisoformat(moment), int(number)
    except ValueError:
        return None


def waiting_arrivals(user, *, limit: int = 200) -> list[NoticeItem]:
    """Stages waiting for the organisation's acceptance, newest first, with the committee they came from."""
    previous = so.aliased(Stage)
    rows = db.session.execute(
        sa.select(Stage.received_at, Stage.case_id, Case.title, Organisation.name, Stage.due_on, Stage.kind)
        .join(Case, Case.id == Stage.case_id)
        .join(previous, previous.id == Stage.previous_stage_id)
        .join(Organisation, Organisation.id == previous.committee_id)
        .where(_waiting(user.organisation_id))
        .order_by(Stage.received_at.desc(), Stage.id.desc()).limit(limit)).all()
    return [NoticeItem(at=received, case_id=case_id, title=title, kind=None, sender=sender, due_on=due_on,
                       to_court=kind == StageKind.COURT)
            for received, case_id, title, sender, due_on, kind in rows]


def feed(user, *, limit: int = 20, now: Optional[datetime] = None) -> list[NoticeItem]:
    """The latest notices and waiting arrivals together, newest first (the dashboard's card)."""
    stored, _ = stored_notices(user, limit=limit, now=now)
    items = stored + waiting_arrivals(user, limit=limit)
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]


def _own_notice(user, notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.organisation_id != user.organisation_id:
        raise NotFound('找不到该提醒。')
    return notice


def mark_read(user, notice_id: int, now: Optional[datetime] = None) -> None:
    """``user`` has read one of their organisation's notices (again: nothing changes)."""
    notice = _own_notice(user, notice_id)
    conn = db.session.connection()
    conn.execute(bulk.insert(conn, NoticeRead.__table__)
                 .values(notice_id=notice.id, user_id=user.id, read_at=now or utcnow())
                 .on_conflict_do_nothing())


def mark_all_read(user, now: Optional[datetime] = None) -> int:
    """``user`` has read every notice of their organisation; how many were unread (older ones are
    history already: nothing is written for them)."""
    now = now or utcnow()
    unread = sa.select(Notice.id, sa.literal(user.id, sa.Integer), sa.literal(now, sa.DateTime)).where(
        Notice.organisation_id == user.organisation_id, Notice.created_at >= _since(now),
        sa.not_(_read_by(user.id)))
    conn = db.session.connection()
    marked = conn.execute(bulk.insert(conn, NoticeRead.__table__)
                          .from_select(['notice_id', 'user_id', 'read_at'], unread).on_conflict_do_nothing()
                          .returning(NoticeRead.notice_id))  # rowcount is -1 for INSERT … SELECT on psycopg
    return len(marked.all())
