"""Listing and reading cases within the user's jurisdiction (masked unless the user handles the case)."""
import re
from dataclasses import dataclass
from typing import NamedTuple
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from mediation.access import visible_cases
from mediation.extensions import db
from mediation.identifiers import InvalidIdentifier
from mediation.identifiers import mask_phone
from mediation.identifiers import mask_resident_id
from mediation.identifiers import parse_phone
from mediation.identifiers import parse_resident_id
from mediation.models import Case
from mediation.models import Category
from mediation.models import Event
from mediation.models import Party
from mediation.models import Stage
from workflows.enums import DeadlineStatus
from workflows.states import OPEN_STATES


def in_hand(stage=Stage):
    """SQL: the stage still asks something of its committee — open, or a clock still running on it
    (an agreement's judicial-confirmation window). The dashboard counts these and ``mine`` lists them."""
    return sa.or_(stage.state.in_([s.value for s in OPEN_STATES]), stage.due_on.is_not(None))


@dataclass
class CaseFilters:
    q: str = ''
    #: The lookup hash of an ID number or phone searched for, and its masked form for the page:
    #: the number itself never goes into a URL, where access logs and browser history keep it.
    identifier_hash: str = ''
    identifier_masked: str = ''
    state: str = ''
    category_id: Optional[int] = None
    level: str = ''
    due: Optional[DeadlineStatus] = None
    mine: bool = False

    def as_args(self) -> dict:
        """The filters as the list's query string names them (``qh``/``qm``: a searched ID number or phone)."""
        args = {'q': self.q, 'qh': self.identifier_hash, 'qm': self.identifier_masked, 'state': self.state,
                'category_id': self.category_id, 'level': self.level, 'due': self.due and self.due.value,
                'mine': '1' if self.mine else ''}
        return {name: value for name, value in args.items() if value}


def search_cases(user, filters: CaseFilters, today, *, page: int = 1, per_page: int = 50):
    """One page of visible cases, newest first, and whether more follow."""
    newer = so.aliased(Stage)
    latest = sa.select(sa.func.max(newer.id)).where(newer.case_id == Case.id).correlate(Case).scalar_subquery()
    query = visible_cases(user).join(Stage, Stage.id == latest)
    if filters.q:
        term = f'%{filters.q.strip()}%'
        query = query.where(sa.or_(Case.title.ilike(term), Case.matter_code.ilike(term),
                                   sa.exists().where(Party.case_id == Case.id, Party.name.ilike(term))))
    if filters.identifier_hash:  # an ID number or phone typed in full: exact match on the keyed hash
        query = query.where(sa.exists().where(Party.case_id == Case.id, sa.or_(
            Party.id_number_hash == filters.identifier_hash, Party.phone_hash == filters.identifier_hash)))
    if filters.state:
        query = query.where(Stage.state == filters.state)
    if filters.category_id:
        sub = sa.select(Category.id).where(sa.or_(Category.id == filters.category_id,
                                                  Category.parent_id == filters.category_id))
        query = query.where(Case.category_id.in_(sub))
    if filters.level:
        query = query.where(Stage.level == filters.level)
    if filters.due:
        query = query.where(Stage.deadline_status_clause(filters.due, today))
    if filters.mine:
        query = query.where(Stage.committee_id == user.organisation_id, in_hand(Stage))
    # What each row shows, loaded in a few queries for the page instead of several per row
    query = query.options(so.selectinload(Case.stages).joinedload(Stage.committee), so.selectinload(Case.parties),
                          so.joinedload(Case.category).joinedload(Category.parent))
    rows = db.session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc())
                              .offset((page - 1) * per_page).limit(per_page + 1)).all()
    return rows[:per_page], len(rows) > per_page


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


def case_events(case: Case):
    """The case's history, oldest first, with each event's actor (the page names them all)."""
    return db.session.scalars(sa.select(Event).where(Event.case_id == case.id)
                              .options(so.selectinload(Event.actor)).order_by(Event.at, Event.id)).all()


def categories():
    return db.session.scalars(sa.select(Category).where(Category.active.is_(True))
                              .order_by(Category.parent_id.is_not(None), Category.sort_order, Category.id)).all()
