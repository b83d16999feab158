"""Every model, imported here so Alembic and the app see the whole schema."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.models.calendar import CalendarDay
from mediation.models.calendar import CalendarYear
from mediation.models.calendar import CaseNumberCounter
from mediation.models.case import Case
from mediation.models.case import Category
from mediation.models.case import Party
from mediation.models.case import Stage
from mediation.models.court import InvitedOrganisation
from mediation.models.document import Agreement
from mediation.models.document import IssuedDocument
from mediation.models.document import Signature
from mediation.models.document import StoredFile
from mediation.models.event import Event
from mediation.models.event import Notice
from mediation.models.org import Organisation
from mediation.models.org import court_district
from mediation.models.record import Attachment
from mediation.models.record import CaseNote
from mediation.models.record import FollowUpVisit
from mediation.models.record import Investigation
from mediation.models.record import MediationSession
from mediation.models.record import NoticeRead
from mediation.models.record import PerformanceRecord
from mediation.models.user import ApiToken
from mediation.models.user import SignInFailure
from mediation.models.user import User

__all__ = [
    'Agreement', 'ApiToken', 'Attachment', 'CalendarDay', 'CalendarYear', 'Case', 'CaseNote', 'CaseNumberCounter',
    'Category', 'Event', 'FollowUpVisit', 'InvitedOrganisation', 'Investigation', 'IssuedDocument',
    'MediationSession', 'Notice',
    'NoticeRead', 'Organisation', 'Party', 'PerformanceRecord', 'SignInFailure', 'Signature', 'Stage', 'StoredFile',
    'User', 'court_district',
]


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded event."""


@sa.event.listens_for(so.Session, 'before_flush')
def _keep_events_append_only(session, flush_context, instances):
    for obj in list(session.deleted) + [o for o in session.dirty if session.is_modified(o)]:
        if isinstance(obj, Event):
            raise AuditTrailIsAppendOnly(f'event {obj.id} is part of the audit trail and cannot be changed')
