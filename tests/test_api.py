"""The JSON API's transitions: 201, 409 on a stale version, 422 with the allowed list."""
import pytest

from mediation.services.tokens import create_token
from tests.factories import make_case


@pytest.fixture
def api(client, users, db):
    token = create_token(users.village.username)
    db.session.commit()
    headers = {'Authorization': f'Bearer {token}'}

    class Api:
        def get(self, path):
            return client.get(path, headers=headers)

        def post(self, path, json):
            return client.post(path, json=json, headers=headers)
    return Api()


def test_token_required(client, users):
    response = client.get('/api/v1/cases/1')
    assert response.status_code == 401 and response.get_json()['error']['code'] == 'unauthorised'
    response = client.get('/api/v1/cases/1', headers={'Authorization': 'Bearer nope'})
    assert response.status_code == 401


def test_transition_then_stale_version_conflict(api, users):
    case = make_case(users.village)
    body = api.get(f'/api/v1/cases/{case.id}').get_json()
    stage = body['stages'][0]
    assert stage['allowed_transitions'][:2] == ['accept', 'decline']
    assert body['parties'][0]['id_number'] == '110105********002X'
    ok = api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': stage['version']})
    assert ok.status_code == 201 and ok.get_json()['stage']['case_number'].endswith('人调字第1号')
    stale = api.post(f'/api/v1/cases/{case.id}/transitions',
                     {'transition': 'pause', 'version': stage['version'], 'reason': '等待鉴定',
                      'data': {'requested_by': 'parties'}})
    assert stale.status_code == 409 and stale.get_json()['error']['code'] == 'conflict'
    events = api.get(f'/api/v1/cases/{case.id}/events').get_json()['events']
    assert [e['kind'] for e in events] == ['created', 'accept']


def test_illegal_transition_lists_the_allowed_ones(api, users):
    case = make_case(users.village)
    version = api.get(f'/api/v1/cases/{case.id}').get_json()['stages'][0]['version']
    response = api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'close', 'version': version})
    assert response.status_code == 422
    error = response.get_json()['error']
    assert error['code'] == 'invalid_transition' and error['allowed'] == ['accept', 'decline', 'withdraw']
    assert '待受理' in error['message']


@pytest.mark.parametrize('body', [None, [], {'transition': 'accept'}, {'transition': 'accept', 'version': 'x'},
                                  {'transition': 5, 'version': 1}, {'transition': 'accept', 'version': 1, 'data': []}])
def test_bad_bodies_get_a_json_error_not_a_500(api, users, body):
    case = make_case(users.village)
    response = api.post(f'/api/v1/cases/{case.id}/transitions', body)
    assert response.status_code in (400, 422)
    assert response.get_json()['error']['message']


def test_other_jurisdiction_is_404_json(client, users, db):
    case = make_case(users.village)
    token = create_token(users.village_other.username)
    db.session.commit()
    response = client.get(f'/api/v1/cases/{case.id}', headers={'Authorization': f'Bearer {token}'})
    assert response.status_code == 404 and response.get_json()['error']['code'] == 'not_found'


@pytest.mark.parametrize('data', [{'unit': 'weeks', 'amount': 1, 'consent': True},
                                  {'unit': 'days', 'amount': 'many', 'consent': True}])
def test_invalid_transition_data_is_a_422_not_a_500(api, users, data):
    case = make_case(users.village)
    version = api.get(f'/api/v1/cases/{case.id}').get_json()['stages'][0]['version']
    api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': version})
    response = api.post(f'/api/v1/cases/{case.id}/transitions',
                        {'transition': 'extend', 'version': version + 1, 'data': data})
    assert response.status_code == 422 and '不正确' in response.get_json()['error']['message']


@pytest.mark.parametrize('extra', [{'data': {'court_id': 'abc'}}, {'data': {'court_id': 10 ** 20}},
                                   {'stage_id': 'first'}])
def test_ids_that_are_not_ids_are_a_422_not_a_500(api, users, extra):
    case = make_case(users.village)
    version = api.get(f'/api/v1/cases/{case.id}').get_json()['stages'][0]['version']
    api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': version})
    response = api.post(f'/api/v1/cases/{case.id}/transitions',
                        {'transition': 'refer_to_court', 'version': version + 1, 'reason': '调解不成', **extra})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()['error']['code'] in ('invalid_transition', 'validation_failed')


def test_an_id_longer_than_the_database_holds_is_a_404(api):
    response = api.get(f'/api/v1/cases/{10 ** 20}')
    assert response.status_code == 404 and response.get_json()['error']['code'] == 'not_found'


def test_the_sending_court_sees_what_it_may_do_on_a_court_sent_stage(client, users, db, orgs):
    """The API and the pages answer "who may act" with the same rule (access.acting_as)."""
    from mediation.services.transitions import apply_transition
    from workflows.enums import StageKind
    case = make_case(users.village)
    stage = case.stages[0]
    stage.kind, stage.court_id = StageKind.COURT_DELEGATED, orgs.court.id
    apply_transition(stage, 'accept', users.village, data={'consent': True})
    db.session.commit()
    token = create_token(users.court.username)
    db.session.commit()
    body = client.get(f'/api/v1/cases/{case.id}', headers={'Authorization': f'Bearer {token}'}).get_json()
    assert body['stages'][0]['allowed_transitions'] == ['return_to_court']
