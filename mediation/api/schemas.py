"""The API's request and response shapes: marshmallow schemas that flask-smorest reads the
OpenAPI document from, and webargs parses query strings and bodies with.

Request schemas check types and ranges (a wrong type is a 422 naming the field); the services
check the rest (the intake rules, the workflow's guards and transition data) and answer with
their own 422. Response schemas describe what the views return; the schemathesis run in
tests/test_api_schema.py checks every response against them.
"""
from datetime import date

import marshmallow as ma
from marshmallow import fields
from marshmallow import validate

from mediation.database import INTEGER_MAX
from mediation.inputs import DATE_RANGE
from mediation.services.case_queries import RISKS
from workflows.enums import DeadlineStatus
from workflows.enums import Level
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source
from workflows.machine import DATA_LABELS
from workflows.machine import TRIGGERS
from workflows.states import State

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_CURSOR = 300


def _id(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(1, INTEGER_MAX), **kwargs)


def _query_id(**kwargs):
    return fields.Integer(validate=validate.Range(1, INTEGER_MAX), **kwargs)


def _day(description):
    return fields.Date(validate=validate.Range(DATE_RANGE[0], DATE_RANGE[1]), metadata={'description': description})


def _values(enum):
    return [member.value for member in enum]


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


# --------------------------------------------------------------------------- errors

class ErrorBodySchema(ma.Schema):
    code = fields.String(required=True, metadata={
        'description': 'Machine-readable: unauthorised, forbidden, not_found, method_not_allowed, invalid_json, '
                       'validation_failed, invalid_cursor, invalid_transition, '
                       'stale_version, conflict, too_many_requests, not_implemented, internal_error …'})
    message = fields.String(required=True, metadata={'description': 'What went wrong, in Chinese, for a person.'})
    allowed = fields.List(fields.String(), metadata={
        'description': 'invalid_transition: the transitions this token may start now.'})
    current_version = fields.Integer(metadata={'description': 'stale_version: the stage version now.'})
    errors = fields.Dict(metadata={'description': 'validation_failed: the problems by field.'})
    field = fields.String(metadata={'description': 'validation_failed: the field at fault.'})


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# --------------------------------------------------------------------------- cases: reading

class PartySchema(ma.Schema):
    role = fields.String(required=True, metadata={'enum': _values(PartyRole)})
    kind = fields.String(required=True, metadata={'enum': _values(PartyKind)})
    name = fields.String(required=True)
    id_number = fields.String(allow_none=True, metadata={
        'description': 'A person’s ID number: in full for the users who handle the case (the view is logged as '
                       'a pii_viewed event), else masked 110105********002X.'})
    phone = fields.String(allow_none=True, metadata={'description': 'In full for its handlers, else masked.'})
    uscc = fields.String(allow_none=True, metadata={
        'description': 'An organisation’s unified social credit code (统一社会信用代码): in full for its handlers, '
                       'else masked like an ID number (first 6 and last 4 kept).'})
    legal_representative = fields.String(allow_none=True)


class StageSchema(ma.Schema):
    id = fields.Integer(required=True)
    committee = fields.String(required=True)
    level = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    version = fields.Integer(required=True, metadata={
        'description': 'Send it back with a transition: a different version means someone changed the stage.'})
    received_at = fields.String(allow_none=True, metadata={'format': 'date-time'})
    accepted_at = fields.String(allow_none=True, metadata={'format': 'date-time'})
    due_on = fields.String(allow_none=True, metadata={'format': 'date'})
    due_provisional = fields.Boolean()
    allowed_transitions = fields.List(fields.String(), metadata={
        'description': 'The transitions this token’s user may start on the stage now.'})


class CaseSchema(ma.Schema):
    id = fields.Integer(required=True)
    matter_code = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    source = fields.String(required=True)
    created_at = fields.String(required=True, metadata={'format': 'date-time'})
    amount = fields.String(allow_none=True, metadata={'description': 'Decimal yuan, as text.'})
    people_involved = fields.Integer(allow_none=True)
    risk_level = fields.String(allow_none=True, metadata={'enum': _values(RiskLevel) + [None]})
    parties = fields.List(fields.Nested(PartySchema), required=True)
    stages = fields.List(fields.Nested(StageSchema), required=True)
    warnings = fields.List(fields.String(), metadata={'description': 'POST only: what intake noticed.'})


class ListStageSchema(ma.Schema):
    id = fields.Integer(required=True)
    committee = fields.String(required=True)
    level = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    due_on = fields.String(allow_none=True, metadata={'format': 'date'})


class ListPartySchema(ma.Schema):
    role = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)


class CaseRowSchema(ma.Schema):
    id = fields.Integer(required=True)
    matter_code = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    source = fields.String(required=True)
    created_at = fields.String(required=True, metadata={'format': 'date-time'})
    risk_level = fields.String(allow_none=True)
    stage = fields.Nested(ListStageSchema, required=True, metadata={'description': 'The case’s current stage.'})
    parties = fields.List(fields.Nested(ListPartySchema), required=True)


class CaseListSchema(ma.Schema):
    cases = fields.List(fields.Nested(CaseRowSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        'description': 'Pass it as cursor for the next page; null on the last page.'})


class CaseListArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    state = fields.String(validate=validate.OneOf(_values(State) + ['open']), metadata={
        'description': 'A stage state, or open (every open state).'})
    level = fields.String(validate=validate.OneOf(_values(Level)))
    committee = _query_id(metadata={'description': 'Committee (or court) id: a stage there.'})
    category = _query_id(metadata={'description': 'Category id (a top-level one includes its subcategories).'})
    source = fields.String(validate=validate.OneOf(_values(Source)))
    risk = fields.String(validate=validate.OneOf(RISKS))
    view = fields.String(validate=validate.OneOf(['inbox']), metadata={
        'description': 'inbox: waiting for the token user’s own committee to accept.'})
    due = fields.String(validate=validate.OneOf([DeadlineStatus.DUE_SOON.value, DeadlineStatus.OVERDUE.value]))
    received_from = _day('Registered on or after this China date.')
    received_to = _day('Registered on or before this China date.')
    accepted_from = _day('A stage accepted on or after this China date.')
    accepted_to = _day('A stage accepted on or before this China date.')
    due_before = _day('A stage due on or before this date.')
    q = fields.String(validate=validate.Length(1, 100), metadata={
        'description': 'A party’s name (from its start), a matter code, a case number, or a full ID number or '
                       'phone (matched exactly).'})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(validate=validate.Length(1, MAX_CURSOR), metadata={
        'description': 'The next_cursor of the previous page (opaque).'})


class EventSchema(ma.Schema):
    id = fields.Integer(required=True)
    stage_id = fields.Integer(allow_none=True)
    at = fields.String(required=True, metadata={'format': 'date-time'})
    kind = fields.String(required=True)
    actor = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class EventListSchema(ma.Schema):
    events = fields.List(fields.Nested(EventSchema), required=True)


# --------------------------------------------------------------------------- transitions

def _data_description() -> str:
    uses = {}
    for spec in TRIGGERS.values():
        for key in spec.required_data:
            uses.setdefault(key, []).append(spec.name)
    lines = [f'{key} ({DATA_LABELS.get(key, key)}): required by {", ".join(names)}' for key, names in uses.items()]
    return ('What the transition needs besides its name and reason. ' + '; '.join(lines)
            + '. consent (true): the parties’ consent is recorded (extend, refer_up, accept after an automatic '
              'referral). court_id: refer_to_court to a court other than the district’s.')


#: What is known of the data keys' types; every key the workflow names (DATA_LABELS) is listed.
_DATA_TYPES = {
    'consent': {'type': 'boolean', 'description': 'The parties agreed (extension, referral, continuing).'},
    'unit': {'type': 'string', 'enum': ['days', 'months', 'workdays']},
    'amount': {'type': 'integer', 'minimum': 1, 'maximum': 366},
    'court_id': {'type': 'integer', 'minimum': 1, 'description': 'refer_to_court: the court’s id.'},
}
TRANSITION_DATA_PROPERTIES = {
    **{key: {'description': label} for key, label in DATA_LABELS.items()},
    **{key: {**{'description': DATA_LABELS.get(key, '')}, **spec} for key, spec in _DATA_TYPES.items()},
}


class TransitionArgs(Strict):
    transition = fields.String(required=True, validate=validate.Length(1, 64), metadata={
        'enum': list(TRIGGERS), 'description': 'The transition’s name (allowed_transitions of the stage).'})
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=0), metadata={
        'description': 'The stage version read with GET /cases/{id}: 409 stale_version if it changed since.'})
    reason = fields.String(load_default='', metadata={
        'description': 'Why (up to 5,000 characters). Required by: '
                       + ', '.join(name for name, spec in TRIGGERS.items() if spec.reason_required) + '.'})
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        'description': _data_description(), 'properties': TRANSITION_DATA_PROPERTIES, 'additionalProperties': True})
    stage_id = fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        'description': 'The stage; default: the newest stage at the token user’s own committee or court.'})


class TransitionResultSchema(ma.Schema):
    event_id = fields.Integer(required=True)
    stage = fields.Nested(StageSchema, required=True)


# --------------------------------------------------------------------------- cases: registering

class PartyInputSchema(Strict):
    role = fields.String(required=True, validate=validate.OneOf(_values(PartyRole)))
    kind = fields.String(required=True, validate=validate.OneOf(_values(PartyKind)))
    name = fields.String(required=True, validate=validate.Length(0, 200))
    sex = fields.String(allow_none=True, validate=validate.Length(0, 20))
    ethnicity = fields.String(allow_none=True, validate=validate.Length(0, 50))
    birth_date = fields.Date(allow_none=True, validate=validate.Range(date(1900, 1, 1), DATE_RANGE[1]))
    occupation = fields.String(allow_none=True, validate=validate.Length(0, 100))
    address = fields.String(allow_none=True, validate=validate.Length(0, 255))
    phone = fields.String(allow_none=True, validate=validate.Length(0, 50))
    phone_contact = fields.String(allow_none=True, validate=validate.Length(0, 50))
    id_number = fields.String(allow_none=True, validate=validate.Length(0, 50))
    uscc = fields.String(allow_none=True, validate=validate.Length(0, 50))
    legal_representative = fields.String(allow_none=True, validate=validate.Length(0, 50))


class DelegationSchema(Strict):
    kind = fields.String(required=True, validate=validate.Length(0, 40), metadata={
        'enum': ['court_delegated', 'court_entrusted', 'court_entrusted_summary'],
        'description': '委派 (before filing), 委托 (ordinary procedure), 委托 (summary procedure).'})
    court_case_number = fields.String(required=True, validate=validate.Length(0, 64), metadata={
        'description': 'The court’s number in the 2016 format: （2026）浙0102民诉前调1234号 for 委派, '
                       '（2026）浙0102民初567号 for 委托.'})
    committee_id = _id(required=True, metadata={'description': 'The invited committee.'})
    reason = fields.String(load_default='', validate=validate.Length(0, 2000), metadata={
        'description': 'The officer’s note to the committee (why, what the parties want).'})


class CaseInputSchema(Strict):
    """A committee user's intake (mediation.services.cases.create_case); a court officer's 委派/委托
    delegation adds the ``delegation`` object."""

    title = fields.String(required=True, validate=validate.Length(0, 200))
    category_id = _id(metadata={'description': 'Required for intake.'})
    source = fields.String(validate=validate.OneOf(_values(Source)), metadata={
        'description': 'Required for intake; a delegation’s follows from its kind.'})
    facts = fields.String(load_default='', validate=validate.Length(0, 20000))
    requests = fields.String(load_default='', validate=validate.Length(0, 20000))
    place = fields.String(load_default='', validate=validate.Length(0, 255))
    amount = fields.String(allow_none=True, validate=validate.Length(0, 30), metadata={
        'description': 'Yuan, as decimal text.'})
    people_involved = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 1000000))
    mzx_risk = fields.Boolean(load_default=False)
    group_dispute = fields.Boolean(load_default=False)
    petition_risk = fields.Boolean(load_default=False)
    major_difficult = fields.Boolean(load_default=False)
    cross_area = fields.Boolean(load_default=False)
    abnormal_death = fields.Boolean(load_default=False)
    minor_involved = fields.Boolean(load_default=False)
    risk_level = fields.String(allow_none=True, validate=validate.OneOf(_values(RiskLevel)))
    intake_level = fields.String(allow_none=True, validate=validate.OneOf(_values(Level)))
    handled_elsewhere = fields.Boolean(load_default=False)
    parties = fields.List(fields.Nested(PartyInputSchema), load_default=list, validate=validate.Length(0, 50))
    delegation = fields.Nested(DelegationSchema, metadata={
        'description': 'Court officers only, and required of them: the 委派/委托 delegation to a committee on the '
                       'court’s roster of invited organisations. With the body’s title, facts, category_id and '
                       'parties it makes a mediation.services.court.DelegationInput.'})


# --------------------------------------------------------------------------- documents, verification

class DocumentEntrySchema(ma.Schema):
    kind = fields.String(required=True)
    title = fields.String(required=True)
    sealed = fields.Boolean(required=True)
    sha256 = fields.String(allow_none=True)
    url = fields.String(required=True)


class DocumentListSchema(ma.Schema):
    documents = fields.List(fields.Nested(DocumentEntrySchema), required=True)


class VerificationSchema(ma.Schema):
    valid = fields.Boolean(required=True, metadata={'description': 'Intact, signed by a key this system trusts.'})
    intact = fields.Boolean(required=True)
    trusted = fields.Boolean(required=True)
    committee = fields.String(allow_none=True)
    case_number = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    signed_at = fields.String(allow_none=True, metadata={'format': 'date-time'})
    reason = fields.String(required=True)


def pdf_response(description):
    return {'description': description,
            'content': {'application/pdf': {'schema': {'type': 'string', 'format': 'binary'}}}}


def zip_response(description):
    return {'description': description,
            'content': {'application/zip': {'schema': {'type': 'string', 'format': 'binary'}}}}
