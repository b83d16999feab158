"""The generated OpenAPI document against what the API does: schemathesis calls every operation
with data generated from the document, with a token, and checks that nothing is a 5xx, that
every status and content type is one the document declares, and that every body matches its
schema. Half the examples use a real case of the token's user so the success paths are reached.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from mediation.services.tokens import create_token
from mediation.services.transitions import apply_transition
from tests.factories import make_case

#: Examples per operation; rendering PDFs is slow, so the document and package operations get fewer.
MAX_EXAMPLES = 10
FEWER = {'/api/v1/cases/{case_id}/documents/{kind}': 4, '/api/v1/cases/{case_id}/package': 3}


@schemathesis.serializer('application/pdf')
def _pdf(ctx, value):
    """A generated PDF body (the document says: any bytes) as it is sent."""
    return value if isinstance(value, bytes) else str(value).encode()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_world(app, db, users):
    """A token of a village mediator, one case of theirs (accepted) and one pending."""
    accepted = make_case(users.village)
    apply_transition(accepted.stages[0], 'accept', users.village)
    pending = make_case(users.village)
    token = create_token(users.village.username)
    db.session.commit()
    return {'token': token, 'case_ids': [accepted.id, pending.id]}


def test_every_operation_conforms(app, api_world):
    """Every operation of the document (schemathesis's pytest loader does not run under this pytest:
    the operations are walked here, each with its own hypothesis run)."""
    loaded = schemathesis.openapi.from_wsgi('/api/v1/openapi.json', app)
    headers = {'Authorization': f'Bearer {api_world["token"]}'}
    called = []
    for result in loaded.get_all_operations():
        operation = result.ok()

        @settings(max_examples=FEWER.get(operation.path, MAX_EXAMPLES), deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            parameters = case.path_parameters or {}
            if isinstance(parameters.get('case_id'), int) and parameters['case_id'] % 2 == 0:
                case.path_parameters['case_id'] = api_world['case_ids'][parameters['case_id'] // 2 % 2]
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
            called.append((operation.method.upper(), operation.path.removeprefix('/api/v1'), response.status_code))
        run()
    assert {(method, path) for method, path, _ in called} >= {
        ('GET', '/cases'), ('POST', '/cases'), ('GET', '/cases/{case_id}'), ('GET', '/cases/{case_id}/events'),
        ('POST', '/cases/{case_id}/transitions'), ('GET', '/cases/{case_id}/documents'),
        ('GET', '/cases/{case_id}/documents/{kind}'), ('GET', '/cases/{case_id}/package'), ('POST', '/verify')}
    successes = {(method, path) for method, path, status in called if status < 300}
    assert {('GET', '/cases'), ('GET', '/cases/{case_id}'), ('GET', '/cases/{case_id}/events'),
            ('GET', '/cases/{case_id}/documents'), ('POST', '/verify')} <= successes, sorted(successes)


def test_the_document_is_valid_openapi(app, client):
    """The document loads as OpenAPI 3 and names every operation the API routes."""
    loaded = schemathesis.openapi.from_wsgi('/api/v1/openapi.json', app)
    operations = {(op.ok().method.upper(), op.ok().path) for op in loaded.get_all_operations()}
    routed = {(method, '/api/v1' + rule.rule[len('/api/v1'):].replace('<int:case_id>', '{case_id}')
               .replace('<kind>', '{kind}'))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith('api.')
              for method in rule.methods - {'HEAD', 'OPTIONS'}}
    assert routed == {(method, path) for method, path in operations}
