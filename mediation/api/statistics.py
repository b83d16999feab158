"""The statistics as JSON and as the monthly report's XLSX: the figures of
``services.statistics`` (the page's own), for the token user's jurisdiction."""
import marshmallow as ma
from flask import current_app
from flask import g
from flask import jsonify
from marshmallow import fields
from marshmallow import validate

from mediation.api import BEARER
from mediation.api import bp
from mediation.api.auth import token_required
from mediation.api.views import _errors
from mediation.inputs import DATE_RANGE
from mediation.services import statistics


class StatisticsArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    start = fields.Date(required=True, validate=validate.Range(DATE_RANGE[0], DATE_RANGE[1]), metadata={
        'description': 'First China date of the period (included).'})
    end = fields.Date(required=True, validate=validate.Range(DATE_RANGE[0], DATE_RANGE[1]), metadata={
        'description': 'Last China date of the period (included).'})
    org = fields.String(validate=validate.Length(1, 40), metadata={
        'description': 'Code of a committee, town or district inside the token user’s jurisdiction '
                       '(default: the whole jurisdiction).'})


class StatisticsSchema(ma.Schema):
    """The headline figures at the top level (see ``definitions`` for each one's exact meaning),
    breakdowns as lists of rows carrying the same figure names."""

    scope = fields.Dict(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    today = fields.Date(required=True)
    accepted = fields.Integer(required=True)
    agreed = fields.Integer(required=True)
    success_rate = fields.Float(required=True, allow_none=True, metadata={'description': 'agreed ÷ (accepted − '
                                                                                         'withdrawn); null if 0.'})
    by_category = fields.List(fields.Dict(), required=True)
    by_source_group = fields.List(fields.Dict(), required=True)
    by_committee = fields.List(fields.Dict(), required=True)
    by_level = fields.List(fields.Dict(), required=True)
    monthly = fields.List(fields.Dict(), required=True)
    ladder = fields.Dict(keys=fields.String(validate=validate.OneOf(statistics.LADDER_KEYS)),
                         values=fields.Float(allow_none=True), required=True,
                         metadata={'description': 'Cumulative shares of concluded disputes settled at village '
                                                  'level, at town level or below, within the district.'})
    ladder_counts = fields.Dict(required=True)
    days_to_outcome = fields.Dict(required=True)
    due_soon_now = fields.Integer(required=True)
    overdue_now = fields.Integer(required=True)
    overdue_by_committee = fields.List(fields.Dict(), required=True)
    definitions = fields.Dict(keys=fields.String(), values=fields.String(), required=True)

    class Meta:
        unknown = ma.INCLUDE  # the other headline figures (withdrawn, written, oral, jc_applied, …)


def _figures(start, end, org=None):
    return statistics.figures(g.api_user, start, end, org)  # ValidationFailed (422) if start > end


@bp.route('/statistics', methods=['GET'])
@token_required
@bp.arguments(StatisticsArgs, location='query', as_kwargs=True)
@bp.response(200, StatisticsSchema)
@bp.doc(security=BEARER, responses=_errors(401, 403, 404, 422, 429), summary='Statistics of a period')
def get_statistics(start, end, org=None):
    """The statistics page's figures (the same query module) for the token user's jurisdiction,
    or for the organisation ``org`` inside it. Court officers have no statistics (403)."""
    stats = _figures(start, end, org)
    payload = stats.as_json()
    payload['definitions'] = {key: str(text) for key, text in payload['definitions'].items()}
    return jsonify(payload)


@bp.route('/statistics.xlsx', methods=['GET'])
@token_required
@bp.arguments(StatisticsArgs, location='query', as_kwargs=True)
@bp.doc(security=BEARER, summary='The monthly report of a period (XLSX)', responses={
    '200': {'description': 'One row per committee, categories as columns, a totals row; the same figures as '
                           'GET /statistics.',
            'content': {'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                'schema': {'type': 'string', 'format': 'binary'}}}},
    **_errors(401, 403, 404, 422, 429)})
def get_statistics_xlsx(start, end, org=None):
    stats = _figures(start, end, org)
    return current_app.response_class(
        statistics.xlsx_bytes(stats), mimetype='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        headers={'Content-Disposition': f'attachment; filename="statistics-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'})
