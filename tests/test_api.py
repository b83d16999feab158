"""The JSON API: every operation and its error paths, jurisdiction through every operation, the
case list's cursor pages, the transfer package, rate limits. The OpenAPI document is checked
against the behaviour in tests/test_api_schema.py.

Contract changes on purpose (issue 13): a stale version is 409 ``stale_version`` (was
``conflict``) with words for an API client; the case's handlers get the parties' ID numbers and
phones in full (logged as ``pii_viewed``), everyone else masked.
"""
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mediation.chinatime import utcnow
from mediation.models import Event
from mediation.services.cases import PartyInput
from mediation.services.tokens import create_token
from mediation.services.tokens import revoke_tokens
from tests.factories import category
from tests.factories import make_case

USCC = '91350100M000100Y43'


def _client_for(client, db, user):
    token = create_token(user.username)
    db.session.commit()
    headers = {'Authorization': f'Bearer {token}'}

    class Api:
        def get(self, path, **kwargs):
            return client.get(path, headers=headers, **kwargs)

        def post(self, path, json=None, **kwargs):
            return client.post(path, json=json, headers={**headers, **kwargs.pop('headers', {})}, **kwargs)

        def raw(self, method, path, **kwargs):
            return client.open(path, method=method, headers={**headers, **kwargs.pop('headers', {})}, **kwargs)
    api = Api()
    api.token = token
    return api


@pytest.fixture
def api(client, users, db):
    return _client_for(client, db, users.village)


@pytest.fixture
def as_user(client, db):
    return lambda user: _client_for(client, db, user)


def _error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type.startswith('application/json'), response.content_type
    error = response.get_json()['error']
    assert error['message'] and isinstance(error['code'], str)
    if code:
        assert error['code'] == code, error
    return error


# --------------------------------------------------------------------------- tokens

def test_token_required(client, users):
    response = client.get('/api/v1/cases/1')
    assert response.status_code == 401 and response.get_json()['error']['code'] == 'unauthorised'
    response = client.get('/api/v1/cases/1', headers={'Authorization': 'Bearer nope'})
    assert response.status_code == 401


@pytest.mark.parametrize('path', ['/api/v1/cases', '/api/v1/cases/1', '/api/v1/cases/1/events',
                                  '/api/v1/cases/1/documents', '/api/v1/cases/1/documents/registration',
                                  '/api/v1/cases/1/package'])
def test_every_read_needs_a_token(client, users, path):
    _error(client.get(path), 401, 'unauthorised')
    _error(client.get(path, headers={'Authorization': 'Basic dXNlcjpwYXNz'}), 401, 'unauthorised')


def test_a_revoked_token_stops_working(client, users, db):
    api = _client_for(client, db, users.village)
    assert api.get('/api/v1/cases').status_code == 200
    revoke_tokens(users.village.username)
    db.session.commit()
    _error(api.get('/api/v1/cases'), 401, 'unauthorised')


def test_a_token_is_stored_hashed(client, users, db):
    from mediation.models import ApiToken
    token = create_token(users.village.username)
    db.session.commit()
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored


# --------------------------------------------------------------------------- transitions (kept from before)

def test_transition_then_stale_version_conflict(api, users):
    case = make_case(users.village)
    body = api.get(f'/api/v1/cases/{case.id}').get_json()
    stage = body['stages'][0]
    assert stage['allowed_transitions'][:2] == ['accept', 'decline']
    # the village handles the case: the ID number in full (was masked before issue 13)
    assert body['parties'][0]['id_number'] == '11010519491231002X'
    ok = api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': stage['version']})
    assert ok.status_code == 201 and ok.get_json()['stage']['case_number'].endswith('人调字第1号')
    stale = api.post(f'/api/v1/cases/{case.id}/transitions',
                     {'transition': 'pause', 'version': stage['version'], 'reason': '等待鉴定',
                      'data': {'requested_by': 'parties'}})
    error = _error(stale, 409, 'stale_version')
    assert error['current_version'] == stage['version'] + 1
    assert '刷新' not in error['message'] and f'GET /api/v1/cases/{case.id}' in error['message']
    events = api.get(f'/api/v1/cases/{case.id}/events').get_json()['events']
    assert [e['kind'] for e in events] == ['created', 'pii_viewed', 'accept']


def test_a_transition_with_data_and_reason(api, users):
    case = make_case(users.village)
    version = api.get(f'/api/v1/cases/{case.id}').get_json()['stages'][0]['version']
    api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': version})
    paused = api.post(f'/api/v1/cases/{case.id}/transitions',
                      {'transition': 'pause', 'version': version + 1, 'reason': '等待鉴定',
                       'data': {'requested_by': 'parties'}})
    assert paused.status_code == 201 and paused.get_json()['stage']['state'] == 'paused'
    event = api.get(f'/api/v1/cases/{case.id}/events').get_json()['events'][-1]
    assert event['kind'] == 'pause' and event['reason'] == '等待鉴定' and event['data'] == {'requested_by': 'parties'}


def test_a_missing_reason_is_a_422(api, users):
    case = make_case(users.village)
    version = api.get(f'/api/v1/cases/{case.id}').get_json()['stages'][0]['version']
    _error(api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'decline', 'version': version}), 422)


def test_illegal_transition_lists_the_allowed_ones(api, users):
    case = make_case(users.village)
    version = api.get(f'/api/v1/cases/{case.id}').get_json()['stages'][0]['version']
    response = api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'close', 'version': version})
    assert response.status_code == 422
    error = response.get_json()['error']
    assert error['code'] == 'invalid_transition' and error['allowed'] == ['accept', 'decline', 'withdraw']
    assert '待受理' in error['message']


@pytest.mark.parametrize('body', [None, [], {'transition': 'accept'}, {'transition': 'accept', 'version': 'x'},
                                  {'transition': 5, 'version': 1}, {'transition': 'accept', 'version': 1, 'data': []},
                                  {'transition': 'accept', 'version': 1, 'colour': 'red'},
                                  {'transition': 'accept', 'version': True}])
def test_bad_bodies_get_a_json_error_not_a_500(api, users, body):
    case = make_case(users.village)
    response = api.post(f'/api/v1/cases/{case.id}/transitions', body)
    assert response.status_code in (400, 422)
    assert response.get_json()['error']['message']


def test_a_wrong_field_is_named(api, users):
    case = make_case(users.village)
    error = _error(api.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': 'x'}),
                   422, 'validation_failed')
    assert 'version' in error['errors'] and 'version' in error['message']


@pytest.mark.parametrize('body, content_type', [
    ('transition=accept&version=1', 'application/x-www-form-urlencoded'),
    ('{"transition": "accept", "version": 1', 'application/json'),
    ('{"transition": "accept", "version": NaN}', 'application/json'),
    ('{"transition": "accept", "version": Infinity}', 'application/json'),
    ('{"transition": "accept", "version": 1, "data": ' + '{"a": ' * 50 + '1' + '}' * 50 + '}', 'application/json'),
    ('{"transition": "accept", "version": 1}', 'text/plain'),
])
@pytest.mark.parametrize('path', ['/api/v1/cases/{id}/transitions', '/api/v1/cases'])
def test_bodies_that_are_not_json_are_400_json(api, users, body, content_type, path):
    case = make_case(users.village)
    response = api.raw('POST', path.format(id=case.id), data=body, headers={'Content-Type': content_type})
    _error(response, 400, 'invalid_json')
    assert b'Traceback' not in response.data


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


def test_a_stage_that_is_not_the_cases_is_404(api, users):
    case = make_case(users.village)
    other = make_case(users.village)
    response = api.post(f'/api/v1/cases/{case.id}/transitions',
                        {'transition': 'accept', 'version': 1, 'stage_id': other.stages[0].id})
    _error(response, 404, 'not_found')


def test_a_reader_who_does_not_act_gets_404_for_a_transition(as_user, users):
    case = make_case(users.village)
    town = as_user(users.town)  # reads the village's cases, acts on none of them
    _error(town.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': 1}), 404)


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


# --------------------------------------------------------------------------- one case

def _organisation_case(user):
    return make_case(user, parties=[
        PartyInput(role='applicant', kind='person', name='张三', id_number='11010519491231002X', phone='13812345678'),
        PartyInput(role='respondent', kind='organisation', name='枫桥建材有限公司', uscc=USCC,
                   legal_representative='王五', phone='0575-87654321')])


def test_parties_in_full_for_handlers_masked_for_readers(as_user, users, db):
    case = _organisation_case(users.village)
    handler = as_user(users.village).get(f'/api/v1/cases/{case.id}').get_json()
    person, company = handler['parties']
    assert person['id_number'] == '11010519491231002X' and person['phone'] == '13812345678'
    assert person['uscc'] is None
    assert company['uscc'] == USCC and company['id_number'] is None and company['legal_representative'] == '王五'
    reader = as_user(users.town).get(f'/api/v1/cases/{case.id}').get_json()  # supervises, does not handle
    person, company = reader['parties']
    assert person['id_number'] == '110105********002X' and person['phone'] == '138****5678'
    assert company['uscc'] == USCC[:6] + '********' + USCC[-4:]
    assert USCC not in json.dumps(reader)
    viewed = db.session.scalars(sa.select(Event).where(Event.case_id == case.id, Event.kind == 'pii_viewed')).all()
    assert [event.actor_id for event in viewed] == [users.village.id]


def test_a_case_carries_its_stages(api, users):
    case = make_case(users.village)
    body = api.get(f'/api/v1/cases/{case.id}').get_json()
    assert body['matter_code'] == case.matter_code and body['title'] == '邻里排水纠纷'
    assert body['source'] == 'party_application' and body['created_at'].endswith('Z')
    [stage] = body['stages']
    assert stage['state'] == 'pending_acceptance' and stage['level'] == 'village' and stage['version'] == 1


# --------------------------------------------------------------------------- registering

def _intake_body(**extra):
    return {'title': '宅基地边界纠纷', 'category_id': category('LL').id, 'source': 'party_application',
            'facts': '两户因围墙位置发生争执。',
            'parties': [{'role': 'applicant', 'kind': 'person', 'name': '赵六', 'id_number': '11010519491231002X',
                         'phone': '13812345678'},
                        {'role': 'respondent', 'kind': 'organisation', 'name': '某建材公司', 'uscc': USCC}],
            **extra}


def test_a_committee_user_registers_a_case(api, users, db):
    response = api.post('/api/v1/cases', _intake_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers['Location'].endswith(f'/api/v1/cases/{body["id"]}')
    assert body['stages'][0]['state'] == 'pending_acceptance' and body['stages'][0]['level'] == 'village'
    assert body['parties'][0]['id_number'] == '11010519491231002X' and body['parties'][1]['uscc'] == USCC
    assert isinstance(body['warnings'], list)
    fetched = api.get(f'/api/v1/cases/{body["id"]}').get_json()
    assert fetched['title'] == '宅基地边界纠纷'
    kinds = [e['kind'] for e in api.get(f'/api/v1/cases/{body["id"]}/events').get_json()['events']]
    assert kinds[0] == 'created'


@pytest.mark.parametrize('change, field', [
    ({'title': ''}, 'title'),
    ({'category_id': 10 ** 6}, 'category_id'),
    ({'source': 'rumour'}, 'source'),
    ({'category_id': 'LL'}, 'category_id'),
    ({'amount': 'lots'}, 'amount'),
    ({'parties': [{'role': 'applicant', 'kind': 'person', 'name': '赵六', 'id_number': '123'}]}, None),
    ({'parties': [{'role': 'judge', 'kind': 'person', 'name': '赵六'}]}, 'parties'),
    ({'unknown_field': 1}, 'unknown_field'),
])
def test_intake_problems_are_422_naming_them(api, users, db, change, field):
    from mediation.models import Case
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    error = _error(api.post('/api/v1/cases', {**_intake_body(), **change}), 422)
    if field:
        assert field in json.dumps(error, ensure_ascii=False)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == before


def test_an_administrator_cannot_register(as_user, users):
    _error(as_user(users.admin).post('/api/v1/cases', _intake_body()), 403, 'forbidden')


def _delegation_body(committee_id, **delegation):
    return {'title': '买卖合同纠纷', 'category_id': category('LL').id, 'facts': '货款未付。',
            'parties': [{'role': 'applicant', 'kind': 'organisation', 'name': '某建材公司', 'uscc': USCC},
                        {'role': 'respondent', 'kind': 'person', 'name': '钱七', 'phone': '13812345678'}],
            'delegation': {'kind': 'court_delegated', 'court_case_number': '（2026）浙0102民诉前调1234号',
                           'committee_id': committee_id, 'reason': '当事人同意诉前调解', **delegation}}


def test_a_court_officer_sends_a_case_down(as_user, users, orgs, db):
    """委派 through mediation.services.court.delegate_case: a court stage, and the invited committee's stage."""
    from mediation.services.court import set_invited
    set_invited(users.admin, orgs.court.id, orgs.village_a1.id, True)
    db.session.commit()
    court = as_user(users.court)
    response = court.post('/api/v1/cases', _delegation_body(orgs.village_a1.id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body['source'] == 'court_delegated'
    assert body['parties'][0]['uscc'] == USCC
    village_stage = body['stages'][-1]
    assert village_stage['kind'] == 'court_delegated' and village_stage['state'] == 'pending_acceptance'
    assert body['id'] in [row['id'] for row in as_user(users.village).get('/api/v1/cases').get_json()['cases']]
    assert body['id'] in [row['id'] for row in court.get('/api/v1/cases').get_json()['cases']]


@pytest.mark.parametrize('change, field', [
    ({'court_case_number': '（2026）浙0102民初567号'}, 'court_case_number'),  # a 委托 number for a 委派
    ({'kind': 'people'}, 'kind'),
    ({'committee_id': 'five'}, 'committee_id'),
    ({'colour': 'red'}, 'colour'),
])
def test_delegation_problems_are_422(as_user, users, orgs, db, change, field):
    from mediation.services.court import set_invited
    set_invited(users.admin, orgs.court.id, orgs.village_a1.id, True)
    db.session.commit()
    body = _delegation_body(orgs.village_a1.id)
    body['delegation'].update(change)
    error = _error(as_user(users.court).post('/api/v1/cases', body), 422)
    assert field in json.dumps(error, ensure_ascii=False)


def test_a_delegation_to_a_committee_not_invited_is_422(as_user, users, orgs):
    _error(as_user(users.court).post('/api/v1/cases', _delegation_body(orgs.village_a2.id)), 422)


def test_a_court_officer_must_send_a_delegation(as_user, users):
    _error(as_user(users.court).post('/api/v1/cases', _intake_body()), 422, 'validation_failed')


def test_delegation_is_only_for_courts(api, users, orgs):
    _error(api.post('/api/v1/cases', _intake_body(delegation=_delegation_body(orgs.village_a1.id)['delegation'])),
           422, 'validation_failed')


@pytest.mark.parametrize('missing', ['category_id', 'source', 'title'])
def test_intake_needs_its_fields(api, users, missing):
    body = _intake_body()
    del body[missing]
    assert missing in _error(api.post('/api/v1/cases', body), 422, 'validation_failed')['errors']


# --------------------------------------------------------------------------- the list

def _all_pages(api, query='', limit=3):
    seen, cursor, pages = [], None, 0
    while True:
        path = f'/api/v1/cases?limit={limit}{query}' + (f'&cursor={cursor}' if cursor else '')
        response = api.get(path)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen += [row['id'] for row in body['cases']]
        pages += 1
        cursor = body['next_cursor']
        if cursor is None:
            return seen, pages
        assert len(body['cases']) == limit


def test_the_list_pages_through_every_visible_case(api, users):
    mine = [make_case(users.village).id for _ in range(7)]
    make_case(users.village_other)
    seen, pages = _all_pages(api)
    assert seen == sorted(mine, reverse=True) and pages == 3


def test_the_list_default_page_and_limit_bounds(api, users):
    make_case(users.village)
    body = api.get('/api/v1/cases').get_json()
    assert len(body['cases']) == 1 and body['next_cursor'] is None
    row = body['cases'][0]
    assert row['stage']['state'] == 'pending_acceptance' and row['parties'][0]['name'] == '张三'
    assert 'id_number' not in row['parties'][0]
    for limit in (0, 201, -1, 'many'):
        _error(api.get(f'/api/v1/cases?limit={limit}'), 422, 'validation_failed')
    assert api.get('/api/v1/cases?limit=200').status_code == 200


def test_a_cursor_altered_or_from_another_list_is_400(api, users):
    for _ in range(3):
        make_case(users.village)
    cursor = api.get('/api/v1/cases?limit=1').get_json()['next_cursor']
    _error(api.get(f'/api/v1/cases?cursor={cursor[:-2]}xy'), 400, 'invalid_cursor')
    _error(api.get('/api/v1/cases?cursor=nonsense'), 400, 'invalid_cursor')
    _error(api.get(f'/api/v1/cases?due=overdue&cursor={cursor}'), 400, 'invalid_cursor')


def test_cursor_pages_see_every_case_once_while_cases_are_added(api, users, db):
    """Cases registered while a client pages through: each case visible at the start is seen
    exactly once; new ones (newest first) come before the cursor, so never twice."""
    at_start = [make_case(users.village).id for _ in range(10)]
    seen, cursor = [], None
    while True:
        body = api.get('/api/v1/cases?limit=3' + (f'&cursor={cursor}' if cursor else '')).get_json()
        seen += [row['id'] for row in body['cases']]
        make_case(users.village)  # someone registers a case between two pages
        make_case(users.village_other)
        cursor = body['next_cursor']
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(at_start)


@pytest.mark.parametrize('user_name', ['town', 'district', 'court'])
def test_cursor_pages_in_other_orders_see_every_case_once(as_user, users, db, orgs, user_name):
    """A town or district walks (registered, id), a court (case id): both page without repeats."""
    from mediation.services.transitions import apply_transition
    made = []
    for user in (users.village, users.village_other, users.village_b, users.town):
        for _ in range(3):
            made.append((make_case(user), user))
    referred = set()
    for case, user in made[::3]:  # one of each committee's cases goes to the court
        stage = case.stages[0]
        apply_transition(stage, 'accept', user)
        apply_transition(stage, 'refer_to_court', user, reason='调解不成')
        referred.add(case.id)
    db.session.commit()
    api = as_user(getattr(users, user_name))
    seen, _ = _all_pages(api, limit=2)
    assert len(seen) == len(set(seen))
    town_a = {orgs.town_a.id, orgs.village_a1.id, orgs.village_a2.id}
    expected = {'town': {case.id for case, user in made if user.organisation_id in town_a},
                'district': {case.id for case, _ in made}, 'court': referred}[user_name]
    assert set(seen) == expected


@pytest.mark.parametrize('query, expected', [
    ('state=pending_acceptance', {'new', 'risky'}),
    ('state=mediating', {'accepted'}),
    ('state=open', {'new', 'accepted', 'risky'}),
    ('state=withdrawn', {'withdrawn'}),
    ('level=village', {'new', 'accepted', 'withdrawn', 'risky'}),
    ('level=town', set()),
    ('source=grid_report', {'risky'}),
    ('risk=red', {'risky'}),
    ('q=王', {'risky'}),
    ('q=11010519491231002X', {'new', 'accepted', 'withdrawn'}),
    ('view=inbox', {'new', 'risky'}),
    ('accepted_from=2026-03-02&accepted_to=2026-03-02', {'accepted'}),
    ('accepted_from=2026-03-03', set()),
    ('received_from=2026-03-01&received_to=2026-03-01', {'new', 'accepted', 'withdrawn'}),
    ('received_to=2026-02-28', set()),
    ('due_before=2100-01-01', {'new', 'accepted', 'risky'}),
    ('due_before=2000-01-01', set()),
])
def test_the_list_filters(api, users, db, query, expected):
    from mediation.services.transitions import apply_transition
    from tests.helpers import utc
    names = {}
    names['new'] = make_case(users.village, now=utc(2026, 3, 1)).id
    accepted = make_case(users.village, now=utc(2026, 3, 1))
    apply_transition(accepted.stages[0], 'accept', users.village, now=utc(2026, 3, 2))
    names['accepted'] = accepted.id
    withdrawn = make_case(users.village, now=utc(2026, 3, 1))
    apply_transition(withdrawn.stages[0], 'withdraw', users.village, reason='和解', now=utc(2026, 3, 1, 10))
    names['withdrawn'] = withdrawn.id
    risky = make_case(users.village, now=utc(2026, 3, 5), risk_level='red', parties=[
        PartyInput(role='applicant', kind='person', name='王二', phone='13900001111')])
    risky.source = 'grid_report'
    names['risky'] = risky.id
    db.session.commit()
    make_case(users.village_other, now=utc(2026, 3, 1))
    seen, _ = _all_pages(api, '&' + query, limit=50)
    assert set(seen) == {names[name] for name in expected}


@pytest.mark.parametrize('query', ['state=lost', 'level=galaxy', 'committee=abc', 'committee=0', 'category=-1',
                                   'received_from=2026-02-30', 'due_before=3000-01-01', 'risk=blue',
                                   'view=outbox', 'due=tomorrow', 'colour=red', 'q=' + 'x' * 101])
def test_bad_list_arguments_are_422(api, users, query):
    error = _error(api.get('/api/v1/cases?' + query), 422, 'validation_failed')
    assert error['errors']


def test_the_committee_and_category_filters(as_user, users, orgs):
    mine = make_case(users.village).id
    other = make_case(users.village_other).id
    town = as_user(users.town)
    seen, _ = _all_pages(town, f'&committee={orgs.village_a2.id}')
    assert seen == [other]
    seen, _ = _all_pages(town, f'&category={category("LL").id}')
    assert sorted(seen) == sorted([mine, other])


# --------------------------------------------------------------------------- jurisdiction

def test_another_jurisdiction_sees_nothing_through_any_operation(as_user, users):
    case = make_case(users.village)
    for user in (users.village_other, users.village_b, users.town_b, users.court):
        outsider = as_user(user)
        assert case.id not in [row['id'] for row in outsider.get('/api/v1/cases').get_json()['cases']]
        for path in ('', '/events', '/documents', '/documents/registration', '/package'):
            _error(outsider.get(f'/api/v1/cases/{case.id}{path}'), 404, 'not_found')
        _error(outsider.post(f'/api/v1/cases/{case.id}/transitions', {'transition': 'accept', 'version': 1}),
               404, 'not_found')


def test_a_supervisor_reads_but_gets_no_documents_or_package(as_user, users):
    case = make_case(users.village)
    town = as_user(users.town)
    assert town.get(f'/api/v1/cases/{case.id}').status_code == 200
    assert town.get(f'/api/v1/cases/{case.id}/documents').get_json() == {'documents': []}
    _error(town.get(f'/api/v1/cases/{case.id}/documents/registration'), 403, 'forbidden')
    _error(town.get(f'/api/v1/cases/{case.id}/package'), 403, 'forbidden')


def test_a_court_reaches_only_cases_connected_to_it(as_user, users, db, orgs):
    from mediation.services.transitions import apply_transition
    referred, kept = make_case(users.village), make_case(users.village)
    stage = referred.stages[0]
    apply_transition(stage, 'accept', users.village)
    apply_transition(stage, 'refer_to_court', users.village, reason='调解不成')
    db.session.commit()
    court = as_user(users.court)
    assert [row['id'] for row in court.get('/api/v1/cases').get_json()['cases']] == [referred.id]
    assert court.get(f'/api/v1/cases/{referred.id}').status_code == 200
    _error(court.get(f'/api/v1/cases/{kept.id}'), 404)


# --------------------------------------------------------------------------- documents and the package

def test_documents_list_and_pdf(api, users):
    case = make_case(users.village)
    listing = api.get(f'/api/v1/cases/{case.id}/documents').get_json()['documents']
    kinds = [entry['kind'] for entry in listing]
    assert 'registration' in kinds and kinds[-1] == 'dossier'
    pdf = api.get(f'/api/v1/cases/{case.id}/documents/registration')
    assert pdf.status_code == 200 and pdf.content_type == 'application/pdf' and pdf.data.startswith(b'%PDF')
    _error(api.get(f'/api/v1/cases/{case.id}/documents/nonsense'), 404, 'not_found')
    _error(api.get(f'/api/v1/cases/{case.id}/documents/agreement'), 404, 'not_found')


def test_the_transfer_package(api, users, db):
    from mediation.services.transitions import apply_transition
    case = _organisation_case(users.village)
    apply_transition(case.stages[0], 'accept', users.village)
    db.session.commit()
    response = api.get(f'/api/v1/cases/{case.id}/package')
    assert response.status_code == 200 and response.content_type == 'application/zip'
    assert 'attachment' in response.headers['Content-Disposition']
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert names[0] == 'manifest.json' and names[-1] == 'SHA256SUMS'
    manifest = json.loads(archive.read('manifest.json'))
    assert manifest['case']['id'] == case.id and manifest['case']['parties'][1]['uscc'] == USCC
    assert [s['state'] for s in manifest['case']['stages']] == ['mediating']
    assert [e['kind'] for e in manifest['events']][:2] == ['created', 'accept']
    kinds = {entry['kind'] for entry in manifest['documents']}
    assert {'application', 'registration', 'rights_notice'} <= kinds
    assert 'session_record' not in kinds and 'dossier' not in kinds  # transcripts: no consent recorded
    assert {entry['kind'] for entry in manifest['left_out']} == {'session_record', 'dossier'}
    assert manifest['records_disclosed_to_court'] is False
    for entry in manifest['documents']:
        data = archive.read(entry['file'])
        assert data.startswith(b'%PDF') and hashlib.sha256(data).hexdigest() == entry['sha256']
    sums = dict(reversed(line.split('  ', 1)) for line in archive.read('SHA256SUMS').decode().splitlines())
    assert set(sums) == set(names) - {'SHA256SUMS'}
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_the_package_holds_the_transcripts_when_both_parties_agreed(api, users, db):
    from mediation.services.court import record_disclosure
    from mediation.services.transitions import apply_transition
    case = make_case(users.village)
    apply_transition(case.stages[0], 'accept', users.village)
    record_disclosure(users.village, case, reason='双方当事人于调解时书面同意')
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(api.get(f'/api/v1/cases/{case.id}/package').data))
    manifest = json.loads(archive.read('manifest.json'))
    assert manifest['records_disclosed_to_court'] is True and manifest['left_out'] == []
    assert {'session_record', 'dossier'} <= {entry['kind'] for entry in manifest['documents']}


# --------------------------------------------------------------------------- verification

def test_verify_takes_any_bytes_without_a_token(client, users):
    response = client.post('/api/v1/verify', data=b'not a pdf', headers={'Content-Type': 'application/pdf'})
    assert response.status_code == 200 and response.get_json()['valid'] is False
    assert response.get_json()['reason']


# --------------------------------------------------------------------------- errors, limits, the document

@pytest.mark.parametrize('method, path, status, code', [
    ('GET', '/api/v1/nothing-here', 404, 'not_found'),
    ('GET', '/api/v1/cases/abc', 404, 'not_found'),
    ('DELETE', '/api/v1/cases', 405, 'method_not_allowed'),
    ('PUT', '/api/v1/cases/1', 405, 'method_not_allowed'),
    ('GET', '/api/v1/verify', 405, 'method_not_allowed'),
    ('POST', '/api/v1/openapi.json', 405, 'method_not_allowed'),
])
def test_unknown_paths_and_methods_are_json(api, users, method, path, status, code):
    response = api.raw(method, path)
    error = _error(response, status, code)
    assert '/api/v1/openapi.json' in error['message']
    if status == 405:
        assert response.headers['Allow']


def test_pages_keep_their_html_error_pages(client, users):
    response = client.get('/nothing-here')
    assert response.status_code == 404 and response.content_type.startswith('text/html')
    response = client.delete('/login')
    assert response.status_code == 405 and response.content_type.startswith('text/html')


def test_an_unexpected_error_under_the_api_is_json_without_a_traceback(api, users, monkeypatch):
    from mediation.services import case_queries

    def broken(*args, **kwargs):
        raise RuntimeError('secret detail')
    monkeypatch.setattr(case_queries, 'case_page', broken)
    response = api.get('/api/v1/cases')
    error = _error(response, 500, 'internal_error')
    assert 'secret' not in response.get_data(as_text=True) and 'Traceback' not in error['message']


def test_rate_limit_is_per_token_with_retry_after(app, client, users, db):
    from mediation.extensions import limiter
    first, second = _client_for(client, db, users.village), _client_for(client, db, users.village_other)
    app.config['API_RATE_LIMIT'] = '3 per minute'
    limiter.reset()
    try:
        for _ in range(3):
            assert first.get('/api/v1/cases').status_code == 200
        response = first.get('/api/v1/cases')
        _error(response, 429, 'too_many_requests')
        assert int(response.headers['Retry-After']) > 0
        assert second.get('/api/v1/cases').status_code == 200  # another token counts on its own
        _error(first.get('/api/v1/cases/1/events'), 429)  # every operation shares the count
    finally:
        app.config['API_RATE_LIMIT'] = '100000 per minute'
        limiter.reset()


def test_the_document_and_its_page(client):
    spec = client.get('/api/v1/openapi.json')
    assert spec.status_code == 200 and spec.content_type == 'application/json'
    document = spec.get_json()
    assert document['openapi'].startswith('3.')
    assert set(document['paths']) >= {
        '/api/v1/cases', '/api/v1/cases/{case_id}', '/api/v1/cases/{case_id}/events',
        '/api/v1/cases/{case_id}/transitions', '/api/v1/cases/{case_id}/documents',
        '/api/v1/cases/{case_id}/documents/{kind}', '/api/v1/cases/{case_id}/package', '/api/v1/verify'}
    assert document['components']['securitySchemes']['bearer'] == {
        'type': 'http', 'scheme': 'bearer', 'description': document['components']['securitySchemes']['bearer'][
            'description']}
    listing = document['paths']['/api/v1/cases']['get']
    assert {p['name'] for p in listing['parameters']} >= {
        'state', 'level', 'committee', 'category', 'source', 'risk', 'received_from', 'received_to',
        'accepted_from', 'accepted_to', 'due_before', 'q', 'limit', 'cursor'}
    transition = document['components']['schemas']['TransitionArgs']['properties']
    assert {'transition', 'version', 'reason', 'data', 'stage_id'} <= set(transition)
    assert 'unit' in transition['data']['properties'] and 'requested_by' in transition['data']['properties']
    page = client.get('/api/v1/docs')
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'http://' not in html and 'https://' not in html and '//cdn' not in html
    assert '/static/vendor/swagger-ui/swagger-ui-bundle.js' in html
    for asset in ('swagger-ui-bundle.js', 'swagger-ui.css'):
        with client.get(f'/static/vendor/swagger-ui/{asset}') as response:
            assert response.status_code == 200


def test_times_are_utc_iso(api, users):
    case = make_case(users.village, now=utcnow() - timedelta(days=1))
    row = api.get('/api/v1/cases').get_json()['cases'][0]
    assert row['id'] == case.id and row['created_at'].endswith('Z')


def test_limits_count_in_redis_when_redis_url_is_set(tmp_path, monkeypatch):
    """Several app servers share one count: the limiter's storage is Redis when REDIS_URL is set,
    in-process memory otherwise (the API's limit and sign-in's are the same limiter)."""
    from mediation import create_app
    from tests.conftest import TEST_KEY
    settings = {'SQLALCHEMY_DATABASE_URI': f'sqlite:///{tmp_path}/x.sqlite3', 'SECRET_KEY': 's',
                'FIELD_ENCRYPTION_KEY': TEST_KEY}
    monkeypatch.delenv('REDIS_URL', raising=False)
    assert create_app(dict(settings)).config['RATELIMIT_STORAGE_URI'] == 'memory://'
    monkeypatch.setenv('REDIS_URL', 'redis://127.0.0.1:6379/3')
    app = create_app(dict(settings))
    assert app.config['RATELIMIT_STORAGE_URI'] == 'redis://127.0.0.1:6379/3'
    assert app.config['API_RATE_LIMIT']
