"""Hostile input on every form, query string, API body and command: never a 5xx, never a traceback,
nothing stored when the answer is a refusal, and never a NUL or an unpaired surrogate stored.

The forms are found by reading the app's own pages, so a form added later is fed too; a POST
route that no page offers as a form fails ``test_every_post_route_is_covered`` until it is
given a way in here. Runs on SQLite and on PostgreSQL, where a NUL byte used to fail.
"""
import hashlib
import json
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mediation.chinatime import utcnow
from mediation.extensions import db as _db
from mediation.services import notices
from mediation.services import tokens
from tests.factories import make_case
from tests.helpers import accepted_stage
from tests.helpers import complete_draft
from tests.helpers import fire
from tests.helpers import utc
from workflows.enums import Clock
from workflows.enums import NoticeKind

#: The classes of input the hardening issue found breaking things, and their neighbours.
HOSTILE = (
    '9' * 400, '-' + '9' * 30, 'NaN', 'sNaN', 'Infinity', '-Infinity', '-0', '1e999', '0x1F',
    '9999-12-31', '0001-01-01', '9999-12-31T23:59', '2026-02-30', '２０２６－０１－０１',
    'a\x00b', '\x00', ' ', '\t\n', 'x' * 70_000, '中' * 300, '<script>alert(1)</script>', "'; DROP TABLE stage; --",
    '\u202eevil', '\ufeff', '𠮷' * 50,
)
#: Query-string names the pages read; unknown names are ignored, so every GET route gets them all.
QUERY_NAMES = ('q', 'qh', 'qm', 'state', 'category_id', 'level', 'due', 'mine', 'page', 'start', 'unit', 'amount',
               'year', 'day', 'kind', 'parent', 'role', 'organisation', 'next')
#: Columns every request may touch legitimately: when a token was last used, a sign-in time, failed sign-ins.
VOLATILE = {'api_token': {'last_used_at'}, 'user_account': {'last_login_at'}, 'sign_in_failure': None}


class FormReader(HTMLParser):
    """The forms of a page: (method, action, {field name: default value})."""

    def __init__(self):
        super().__init__()
        self.forms, self._current, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form':
            self._current = (attrs.get('method', 'get').lower(), attrs.get('action', ''), {})
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag == 'input' and attrs.get('name'):
            if attrs.get('type') in ('checkbox', 'radio') and 'checked' not in attrs:
                self._current[2].setdefault(attrs['name'], '')
            else:
                self._current[2][attrs['name']] = attrs.get('value', '')
        elif tag == 'select' and attrs.get('name'):
            self._select = attrs['name']
            self._current[2].setdefault(self._select, '')
        elif tag == 'option' and self._select and ('selected' in attrs or not self._current[2][self._select]):
            self._current[2][self._select] = attrs.get('value', '')
        elif tag == 'textarea' and attrs.get('name'):
            self._textarea = attrs['name']
            self._current[2][self._textarea] = ''

    def handle_endtag(self, tag):
        if tag == 'form':
            self._current = None
        elif tag == 'select':
            self._select = None
        elif tag == 'textarea':
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current[2][self._textarea] += data


def forms_on(client, path):
    reader = FormReader()
    reader.feed(client.get(path).get_data(as_text=True))
    return [(method, urlsplit(action).path or path, fields) for method, action, fields in reader.forms]


def stored_digest(exclude_volatile=True):
    """A digest of everything stored (the volatile columns left out)."""
    digest = hashlib.sha256()
    for table in _db.metadata.sorted_tables:
        skip = VOLATILE.get(table.name, set()) if exclude_volatile else set()
        if skip is None:
            continue
        columns = [column for column in table.columns if column.name not in skip]
        rows = _db.session.execute(sa.select(*columns)).all()
        digest.update(table.name.encode())
        for row in sorted(repr(tuple(row)) for row in rows):
            digest.update(row.encode())
    _db.session.rollback()
    return digest.hexdigest()


def unstorable_text():
    """(table, column) pairs holding a NUL or an unpaired surrogate."""
    found = []
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text)):
                values = _db.session.scalars(sa.select(column)).all()
                if any(value and ('\x00' in value or any('\ud800' <= ch <= '\udfff' for ch in value))
                       for value in values):
                    found.append((table.name, column.name))
    _db.session.rollback()
    return found


@pytest.fixture
def world(app, db, orgs, users, client):
    """A village case pending acceptance, one mediating, an API token, and the forms the pages offer."""
    pending = make_case(users.village, now=utc(2026, 3, 2))
    mediating = accepted_stage(users.village, utc(2026, 3, 2))
    signing = accepted_stage(users.village, utc(2026, 3, 2))
    complete_draft(signing, users.village)
    fire(signing, 'draft_agreement', users.village, utc(2026, 3, 5))
    token = tokens.create_token(users.village.username, 'fuzz')
    agreed = accepted_stage(users.village, utc(2026, 3, 2))  # the work records' forms, new and corrected
    complete_draft(agreed, users.village, kind='oral')
    fire(agreed, 'register_oral_agreement', users.village, utc(2026, 3, 5))
    corrected = _work_records(mediating, agreed, users.village)
    # a case referred to the court: its page offers to record the parties' consent to show the court the records
    referred = accepted_stage(users.village, utc(2026, 3, 2))
    fire(referred, 'refer_to_court', users.village, utc(2026, 3, 5), reason='当事人要求诉讼')
    from mediation.models import InvitedOrganisation
    _db.session.add(InvitedOrganisation(court_id=orgs.court.id, committee_id=orgs.village_a1.id))
    # a notice for the village, so the notices page offers its "mark read" buttons
    notices.notify(_db.session.connection(), NoticeKind.DUE_SOON, [notices.Notification.worded(
        users.village.organisation_id, mediating.id, notices.due_soon_text(Clock.MEDIATION, date(2026, 4, 2)))],
        utcnow())
    _db.session.commit()
    forms = []

    def read(user, paths):
        client.post('/logout')
        client.post('/login', data={'username': user.username, 'password': 'password123'})
        for path in paths:
            forms.extend((user, method, action, fields) for method, action, fields in forms_on(client, path))

    read(users.village, ['/', '/cases/', '/cases/new', f'/cases/{pending.id}', f'/cases/{mediating.case_id}',
                         f'/cases/{referred.case_id}', '/deadline-calculator', '/notices',
                         f'/cases/{mediating.case_id}/stages/{mediating.id}/agreement',
                         f'/cases/{signing.case_id}/stages/{signing.id}/agreement/sign']
         + [f'/cases/{mediating.case_id}/stages/{mediating.id}/{page}'
            for page in ('sessions/new', 'investigations/new', 'evidence/new', 'notes/new')]
         + [f'/cases/{agreed.case_id}/stages/{agreed.id}/{page}' for page in ('performance', 'follow-ups/new')]
         + corrected)
    read(users.admin, ['/admin/organisations/new', f'/admin/organisations/{orgs.village_a1.id}/edit',
                       '/admin/users/new', f'/admin/users/{users.village.id}/edit', '/admin/users',
                       '/admin/calendar', f'/admin/courts/{orgs.court.id}/roster'])
    read(users.court, ['/court/delegate'])
    client.post('/logout')
    for path in ('/login', '/verify'):
        forms.extend((None, method, action, fields) for method, action, fields in forms_on(client, path))
    forms = [form for form in forms if form[2] not in ('/logout',)]
    return {'forms': forms, 'token': token, 'case_id': mediating.case_id, 'stage_id': mediating.id}


def _work_records(mediating, agreed, user) -> list[str]:
    """A session, an investigation and a follow-up visit, and the pages that correct them."""
    from mediation.services import records
    session = records.add_session(mediating, user, records.SessionInput(
        held_at=utc(2026, 3, 3), place='调解室', mediators='调解员', parties_present='张三',
        statements=[records.StatementInput(mediating.case.parties[0].id, '陈述')], outcome='adjourned'),
        now=utc(2026, 3, 3, 12))
    investigation = records.add_investigation(mediating, user, records.InvestigationInput(
        held_at=utc(2026, 3, 3), place='现场', investigators='调解员', subject='邻居', content='问答'),
        now=utc(2026, 3, 3, 12))
    visit = records.add_follow_up(agreed, user, records.FollowUpInput(
        visited_on=date(2026, 3, 6), method='phone', visitors='调解员', person_visited='张三', situation='已履行'),
        now=utc(2026, 3, 6, 12))
    return [f'/cases/{mediating.case_id}/stages/{mediating.id}/sessions/{session.id}',
            f'/cases/{mediating.case_id}/stages/{mediating.id}/investigations/{investigation.id}',
            f'/cases/{agreed.case_id}/stages/{agreed.id}/follow-ups/{visit.id}']


def _sign_in_as(client, user):
    client.post('/logout')
    if user is not None:
        assert client.post('/login', data={'username': user.username, 'password': 'password123'}).status_code == 302


def test_every_post_route_is_covered(app, world):
    offered = {action for _, method, action, _ in world['forms'] if method == 'post'}
    # see test_api_bodies below, and tests/test_agreements.py for /api/v1/verify
    covered_elsewhere = {'/logout', '/api/v1/cases/<int:case_id>/transitions', '/api/v1/verify',
                         '/api/v1/cases'}  # tests/test_api.py feeds its bodies
    missing = []
    for rule in app.url_map.iter_rules():
        if 'POST' not in rule.methods or rule.rule in covered_elsewhere:
            continue
        pattern = rule.rule.replace('<int:case_id>', '*').replace('<int:stage_id>', '*').replace(
            '<int:org_id>', '*').replace('<int:user_id>', '*').replace('<code>', '*').replace('<int:notice_id>', '*')
        pattern = pattern.replace('<int:record_id>', '*').replace('<int:court_id>', '*')
        if not any(_matches(pattern, action) for action in offered) and not rule.rule.endswith('/unlock'):
            missing.append(rule.rule)
    assert missing == [], 'POST routes no page offers a form for: feed them in tests/test_hostile_input.py'


def _matches(pattern, path):
    parts, actual = pattern.strip('/').split('/'), path.strip('/').split('/')
    return len(parts) == len(actual) and all(p == '*' or p == a for p, a in zip(parts, actual))


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data(), value=st.sampled_from(HOSTILE), everywhere=st.booleans())
def test_forms_take_hostile_input_without_a_server_error(app, client, world, data, value, everywhere):
    user, method, action, fields = data.draw(st.sampled_from(world['forms']), label='form')
    if not fields:
        fields = {'next': ''}
    target = data.draw(st.sampled_from(sorted(fields)), label='field')
    sent = {name: value if (everywhere or name == target) else default for name, default in fields.items()}
    _sign_in_as(client, user)
    before = stored_digest()
    if method == 'post':
        response = client.post(action, data=sent)
    else:
        response = client.get(action, query_string=sent)
    assert response.status_code < 500, (action, target, value[:40])
    if response.status_code >= 400:
        assert stored_digest() == before, f'{action} refused ({response.status_code}) but stored something'
    assert unstorable_text() == []


@pytest.mark.parametrize('value', HOSTILE, ids=range(len(HOSTILE)))
def test_every_get_page_takes_hostile_query_strings(app, client, world, users, value):
    _sign_in_as(client, users.admin)
    admin_pages = [rule.rule for rule in app.url_map.iter_rules()
                   if 'GET' in rule.methods and '<' not in rule.rule and rule.rule.startswith('/admin')]
    _sign_in_as(client, users.village)
    pages = [rule.rule for rule in app.url_map.iter_rules() if 'GET' in rule.methods and '<' not in rule.rule
             and not rule.rule.startswith(('/admin', '/api'))]
    pages += [f'/cases/{world["case_id"]}']
    for path in pages:
        response = client.get(path, query_string={name: value for name in QUERY_NAMES})
        assert response.status_code < 500, path
        assert len(response.headers.get('Location', '')) < 4096, path
    _sign_in_as(client, users.admin)
    for path in admin_pages:
        assert client.get(path, query_string={name: value for name in QUERY_NAMES}).status_code < 500, path


def _body(**values):
    body = {'transition': 'extend', 'version': 2, 'reason': '双方同意延长',
            'data': {'unit': 'days', 'amount': 10, 'consent': True}}
    for key, value in values.items():
        if key in ('unit', 'amount', 'consent'):
            body['data'][key] = value
        else:
            body[key] = value
    return json.dumps(body)


API_BODIES = [
    pytest.param('[' * 100_000 + ']' * 100_000, 400, id='deeply-nested'),
    pytest.param('{"a":' * 30 + '1' + '}' * 30, 400, id='nested-past-the-limit'),
    pytest.param(_body().replace('"amount": 10', '"amount": Infinity'), 400, id='Infinity'),
    pytest.param(_body().replace('"amount": 10', '"amount": -Infinity'), 400, id='-Infinity'),
    pytest.param(_body().replace('"amount": 10', '"amount": NaN'), 400, id='NaN'),
    pytest.param(_body().replace('"amount": 10', '"amount": 1e999'), 400, id='1e999'),
    pytest.param(_body(amount=True), 422, id='amount-true'),
    pytest.param(_body(amount=10**400), 422, id='amount-400-digits'),
    pytest.param(_body(amount='10'), 201, id='amount-as-text'),
    pytest.param(_body(version=10**400), 409, id='version-400-digits'),
    pytest.param(_body(stage_id=10**400), 404, id='stage-id-400-digits'),
    pytest.param(_body(reason='\ud800'), 201, id='lone-surrogate'),
    pytest.param(_body(reason='a\x00b'), 201, id='NUL'),
    pytest.param(_body(transition='\x00'), 422, id='NUL-transition'),
    pytest.param(_body(reason='x' * 2_000_000), 400, id='a-2-MB-body'),
    pytest.param(_body(reason='x' * 5001), 422, id='a-reason-longer-than-the-form-allows'),
    pytest.param('not json', 400, id='not-json'),
    pytest.param('', 400, id='empty'),
    pytest.param('[]', 422, id='a-list'),
    pytest.param('{"transition": ' + '"x' * 10 + '"}', 400, id='broken'),
]


@pytest.mark.parametrize('body, status', API_BODIES)
def test_api_bodies(client, world, body, status):
    before = stored_digest()
    response = client.post(f'/api/v1/cases/{world["case_id"]}/transitions', data=body,
                           headers={'Authorization': f'Bearer {world["token"]}', 'Content-Type': 'application/json'})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status >= 400:
        error = response.get_json()['error']
        assert set(error) >= {'code', 'message'} and error['message']
        assert stored_digest() == before
    assert unstorable_text() == []


def test_a_body_over_the_request_limit_is_refused_unread(client, world, app):
    response = client.post(f'/api/v1/cases/{world["case_id"]}/transitions', data=b'{' + b' ' * (21 * 1024 * 1024),
                           headers={'Authorization': f'Bearer {world["token"]}', 'Content-Type': 'application/json'})
    assert response.status_code == 413 and response.get_json()['error']['code'] == 'request_entity_too_large'


def test_an_api_body_that_is_not_json_is_a_json_error(client, world):
    response = client.post(f'/api/v1/cases/{world["case_id"]}/transitions', data='transition=accept',
                           headers={'Authorization': f'Bearer {world["token"]}',
                                    'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 400 and response.get_json()['error']['code'] == 'invalid_json'


def test_a_refused_request_tells_its_id(client, world):
    response = client.post(f'/api/v1/cases/{world["case_id"]}/transitions', data='[',
                           headers={'Authorization': f'Bearer {world["token"]}', 'Content-Type': 'application/json',
                                    'X-Request-ID': 'proxy-abc-123'})
    assert response.status_code == 400 and response.headers['X-Request-ID'] == 'proxy-abc-123'
    assert response.get_json()['error']['code'] == 'invalid_json'
    made_up = client.get('/login', headers={'X-Request-ID': 'bad id\x00'}).headers['X-Request-ID']
    assert made_up != 'bad id\x00' and len(made_up) == 16


def test_an_unexpected_error_is_logged_once_with_the_request_id(tmp_path, caplog):
    from mediation import create_app
    from tests.conftest import TEST_KEY
    app = create_app({'SQLALCHEMY_DATABASE_URI': f'sqlite:///{tmp_path}/x.sqlite3', 'SECRET_KEY': 's',
                      'FIELD_ENCRYPTION_KEY': TEST_KEY})

    @app.route('/boom')
    def boom():
        raise RuntimeError('kaboom')

    response = app.test_client().get('/boom')
    request_id = response.headers['X-Request-ID']
    records = [record for record in caplog.records if 'kaboom' in str(record.exc_info)]
    assert response.status_code == 500 and len(records) == 1
    assert request_id in records[0].getMessage() and request_id in response.get_data(as_text=True)


@pytest.mark.parametrize('args, says', [
    (['deadline', '9999-12-31', '--days', '1'], '日期须在 1990 年至 2100 年之间'),
    (['deadline', '2026-01-01', '--months', '99999999999'], '--months'),
    (['deadline', '2026-01-01', '--workdays', '0'], '--workdays'),
    (['deadline', '0001-01-01', '--days', '1'], '日期须在 1990 年至 2100 年之间'),
    (['sweep', '--now', '9999-12-31T23:59'], '日期须在 1990 年至 2100 年之间'),
    (['sweep', '--now', 'tomorrow'], '不是有效的时间'),
    (['calendar', 'load', '99999999999999999999'], 'YEAR'),
    (['calendar', 'set', '9999-12-31', 'holiday'], '日期须在 1990 年至 2100 年之间'),
    (['create-token', 'nobody-at-all'], '找不到用户'),
])
def test_the_command_line_answers_mistakes_in_one_line_with_status_2(app, tmp_path, args, says):
    import os
    import subprocess
    import sys
    env = dict(os.environ, DATABASE_URL=app.config['SQLALCHEMY_DATABASE_URI'], SECRET_KEY='x',
               FIELD_ENCRYPTION_KEY=app.config['FIELD_ENCRYPTION_KEY'], MEDIATION_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, '-m', 'mediation', *args], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('Error: ') and says in lines[0], result.stderr
    assert 'Traceback' not in result.stderr
