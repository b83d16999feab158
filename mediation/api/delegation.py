"""A court officer's ``POST /api/v1/cases`` body as ``mediation.services.court.DelegationInput``.

The body is the intake's (title, facts, category_id, parties) plus a ``delegation`` object
(``schemas.DelegationSchema``: kind, court's case number, invited committee, note); the service
checks the rest and names every problem.
"""
import dataclasses

from mediation.errors import ValidationFailed
from mediation.services.cases import PartyInput


def delegation_input(cls, body: dict):
    given = body.get('delegation')
    if not isinstance(given, dict):
        raise ValidationFailed('法院登记委派/委托调解须提供 delegation 对象（kind、court_case_number、committee_id）。',
                               field='delegation', errors={'delegation': ['必填。']})
    names = {field.name for field in dataclasses.fields(cls)}
    values = {name: value for name, value in body.items() if name in names and name != 'delegation'}
    values.update({name: value for name, value in given.items() if name in names})
    values['parties'] = [PartyInput(**party) for party in body.get('parties') or []]
    return cls(**values)
