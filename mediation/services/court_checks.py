"""What the court's steps check before the state machine moves a stage: the court's case number
(the 2016 format and the right type for the step) and the roster a case may be sent down to.

``services.transitions`` asks here; ``services.court`` (the delegation, the roster's upkeep and
the court's lists) builds on it.
"""
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.database import database_integer
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import InvitedOrganisation
from mediation.models import Organisation
from mediation.models import Stage
from workflows.court import DELEGATION_TYPES
from workflows.court import CourtNumberInvalid
from workflows.court import check_type
from workflows.court import confirmation_type
from workflows.court import parse_court_case_number
from workflows.enums import OrgKind
from workflows.enums import Source
from workflows.enums import StageKind


def court_number(text, *, field: str = 'court_case_number', allowed: tuple[str, ...] = (), what: str = '') -> str:
    """The court case number, normalised (full-width brackets), or ValidationFailed saying what is wrong."""
    try:
        number = parse_court_case_number(text, this_year=china_date(utcnow()).year + 1)
        if allowed:
            check_type(number, allowed, what)
    except CourtNumberInvalid as error:
        raise ValidationFailed(error.message, field=field) from None
    return str(number)


def delegation_kind(value) -> StageKind:
    try:
        kind = StageKind(value)
    except ValueError:
        kind = None
    if kind is None or not kind.court_sent:
        raise ValidationFailed('请选择委派调解（立案前）或委托调解（立案后，普通程序或简易程序）。', field='kind')
    return kind


def delegation_number(text, kind: StageKind) -> str:
    """A delegation's number: 民诉前调 before filing (委派), 民初 for a filed case (委托)."""
    return court_number(text, allowed=DELEGATION_TYPES[kind], what=kind.label_zh)


def court_delegated_case(stage: Stage) -> bool:
    """The case came through the court's pre-filing mediation (its confirmation is numbered 诉前调确)."""
    case = stage.case
    return case.source == Source.COURT_DELEGATED or any(s.kind == StageKind.COURT_DELEGATED for s in case.stages)


def confirmation_number(text, stage: Stage) -> str:
    """A confirmation's number: 诉前调确 after the court's pre-filing mediation (since 2022), else 民特."""
    return court_number(text, allowed=(confirmation_type(court_delegated_case(stage)),), what='司法确认')


def roster(court_id: int, *, active_only: bool = True) -> list[Organisation]:
    """The committees on the court's roster of invited organisations, by code."""
    query = (sa.select(Organisation).join(InvitedOrganisation, InvitedOrganisation.committee_id == Organisation.id)
             .where(InvitedOrganisation.court_id == court_id).order_by(Organisation.path, Organisation.code))
    if active_only:
        query = query.where(InvitedOrganisation.active.is_(True), Organisation.active.is_(True))
    return list(db.session.scalars(query))


def invited_committee(court_id: int, committee_id, *, field: str = 'committee_id') -> Organisation:
    """The committee ``committee_id`` if it is on the court's roster; ValidationFailed otherwise."""
    try:
        wanted = database_integer(committee_id) if committee_id not in (None, '') else None
    except ValueError:
        wanted = None
    committee: Optional[Organisation] = db.session.get(Organisation, wanted) if wanted else None
    if committee is None or committee.kind == OrgKind.COURT:
        raise ValidationFailed('请从本院特邀调解组织名册中选择受托调解组织。', field=field)
    listed = db.session.scalar(sa.select(InvitedOrganisation).where(
        InvitedOrganisation.court_id == court_id, InvitedOrganisation.committee_id == committee.id))
    if listed is None or not listed.active or not committee.active:
        raise ValidationFailed(f'{committee.committee_name}不在本院特邀调解组织名册中，不能委派或委托。', field=field)
    return committee
