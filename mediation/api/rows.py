"""The case list's rows as the API returns them, loaded lean.

``case_queries.case_page`` finds the page (the keyset query the pages use) and hands the case ids
here: two queries — the cases with their categories and their current (newest) stages with the
committees' names; their parties' names — and no more, since the API's line shows no records,
performance or arrival (the pages' ``load_rows`` reads those too).
"""
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from mediation.api.serialise import iso
from mediation.extensions import db
from mediation.models import Case
from mediation.models import Category
from mediation.models import Organisation
from mediation.models import Party
from mediation.models import Stage
from mediation.services.case_queries import alias


@dataclass
class ApiRow:
    json: dict
    key: tuple


@lru_cache(maxsize=None)
def _statements():
    """The two statements, built once (building them costs about what running them does)."""
    ids = sa.bindparam('ids', expanding=True)
    parent, later = alias(Category, 'parent_category'), alias(Stage, 'later_stage')
    cases = (sa.select(Case.id, Case.matter_code, Case.title, Case.source, Case.created_at, Case.risk_level,
                       Category.name.label('category'), parent.name.label('parent_category'),
                       Stage.id.label('stage_id'), Stage.level, Stage.kind, Stage.state, Stage.version, Stage.due_on,
                       Stage.number_year, Stage.number_prefix, Stage.number_serial, Organisation.committee_name)
             .join(Category, Category.id == Case.category_id).outerjoin(parent, parent.id == Category.parent_id)
             .join(Stage, Stage.case_id == Case.id).join(Organisation, Organisation.id == Stage.committee_id)
             # the case's current stage: no later one
             .where(Case.id.in_(ids), ~sa.exists().where(later.case_id == Stage.case_id, later.id > Stage.id)))
    parties = sa.select(Party.case_id, Party.role, Party.kind, Party.name).where(
        Party.case_id.in_(ids)).order_by(Party.id)
    return cases, parties


def load_api_rows(case_ids: list[int], keys: list[tuple]) -> list[ApiRow]:
    if not case_ids:
        return []
    cases, parties_of = _statements()
    connection = db.session.connection()  # Core rows: no ORM result processing
    found = {row.id: row for row in connection.execute(cases, {'ids': case_ids})}
    parties = {}
    for row in connection.execute(parties_of, {'ids': case_ids}):
        parties.setdefault(row.case_id, []).append({'role': row.role.value, 'kind': row.kind.value,
                                                    'name': row.name})
    rows = []
    for case_id, key in zip(case_ids, keys):
        if case_id not in found:  # deleted between the two reads
            continue
        case = stage = found[case_id]
        rows.append(ApiRow({
            'id': case.id, 'matter_code': case.matter_code, 'title': case.title,
            'category': f'{case.parent_category} / {case.category}' if case.parent_category else case.category,
            'source': case.source.value, 'created_at': iso(case.created_at),
            'risk_level': case.risk_level.value if case.risk_level else None,
            'stage': {'id': stage.stage_id, 'committee': stage.committee_name, 'level': stage.level.value,
                      'kind': stage.kind.value, 'state': stage.state.value, 'state_label': stage.state.label_zh,
                      'case_number': _case_number(stage), 'version': stage.version,
                      'due_on': stage.due_on.isoformat() if stage.due_on else None},
            'parties': parties.get(case_id, []),
        }, key))
    return rows


#: The stage's case number, as the model spells it, from the row's number columns.
_case_number = Stage.case_number.fget
