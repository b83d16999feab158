"""Sign-in, lock-out, CSRF, sign-out and the session cookie."""
from datetime import timedelta

import sqlalchemy as sa

from mediation.chinatime import utcnow
from mediation.models import SignInFailure
from tests.conftest import csrf_token_from


def test_login_page_is_chinese_and_serves_its_own_css(client):
    page = client.get('/login').get_data(as_text=True)
    assert '登录' in page and 'lang="zh-CN"' in page
    assert '/static/css/app.css' in page and 'http' not in page.split('<body')[0].replace('http-equiv', '')
    with client.get('/static/css/app.css') as response:
        assert response.status_code == 200


def test_anonymous_users_are_sent_to_login(client):
    for path in ('/', '/cases/', '/deadlines', '/admin/users'):
        response = client.get(path)
        assert response.status_code == 302 and '/login' in response.headers['Location']


def test_sign_in_and_out(client, users, login):
    login(users.village)
    assert '工作台' in client.get('/').get_data(as_text=True)
    response = client.post('/logout')
    assert response.status_code == 302
    assert client.get('/').status_code == 302


def test_wrong_password_gives_one_message_for_unknown_and_known_users(client, users):
    unknown = client.post('/login', data={'username': 'nobody', 'password': 'x' * 10}).get_data(as_text=True)
    wrong = client.post('/login', data={'username': users.village.username, 'password': 'x' * 10})
    wrong = wrong.get_data(as_text=True)
    assert '用户名或密码错误' in unknown and '用户名或密码错误' in wrong


def sign_in(client, username, password, address='10.1.1.1'):
    return client.post('/login', data={'username': username, 'password': password},
                       environ_base={'REMOTE_ADDR': address})


def test_repeated_failures_lock_out_that_client_only(client, users, app, db):
    for _ in range(app.config['LOGIN_MAX_FAILURES']):
        sign_in(client, users.town.username, 'wrong-password', address='10.9.9.9')
    page = sign_in(client, users.town.username, 'password123', address='10.9.9.9')  # even the right one
    assert page.status_code == 200 and '须等待 15 分钟' in page.get_data(as_text=True)
    # The account is not locked: the same name from another computer signs in.
    assert sign_in(client, users.town.username, 'password123', address='10.1.1.1').status_code == 302
    client.post('/logout')
    # once the window has passed, the locked-out client may try again
    db.session.execute(sa.update(SignInFailure).values(at=utcnow() - app.config['LOGIN_LOCKOUT'] - timedelta(1)))
    db.session.commit()
    assert sign_in(client, users.town.username, 'password123', address='10.9.9.9').status_code == 302


def test_failing_from_elsewhere_cannot_shut_the_administrator_out(client, users, app):
    for _ in range(app.config['LOGIN_MAX_FAILURES'] * 3):
        sign_in(client, users.admin.username, 'guess', address='203.0.113.5')
    assert sign_in(client, users.admin.username, 'password123', address='10.1.1.1').status_code == 302


def test_unknown_wrong_and_locked_answer_alike(client, users, app, monkeypatch):
    """The same words, one password hash each and one recorded failure each: nothing tells them apart."""
    from mediation.services import accounts
    hashes = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, 'check_password_hash', lambda *args: hashes.append(1) or real_check(*args))
    for _ in range(app.config['LOGIN_MAX_FAILURES']):
        sign_in(client, users.village.username, 'wrong-password', address='10.2.2.2')
    answers, counts = {}, {}
    attempts = {'unknown': ('nobody', 'password123'), 'wrong': (users.town.username, 'wrong-password'),
                'locked': (users.village.username, 'password123')}
    for case, (username, password) in attempts.items():
        hashes.clear()
        response = sign_in(client, username, password, address='10.2.2.2')
        answers[case] = (response.status_code, _flash(response.get_data(as_text=True)))
        counts[case] = len(hashes)
    assert answers['unknown'] == answers['wrong'] == answers['locked']
    assert '用户名或密码错误' in answers['unknown'][1]
    assert counts == {'unknown': 1, 'wrong': 1, 'locked': 1}


def test_the_dummy_hash_costs_what_a_real_one_costs(app_ctx):
    from mediation.services.accounts import _dummy_hash
    method = app_ctx.config['PASSWORD_HASH_METHOD']
    assert _dummy_hash(method).startswith(method.split(':')[0] + ':') and method in _dummy_hash(method)


def _flash(page):
    import re
    return re.search(r'<div class="flash danger" role="alert">(.*?)</div>', page).group(1)


def test_one_client_may_try_only_so_often(client, users, app, monkeypatch):
    from mediation import config as defaults
    from mediation.extensions import limiter
    monkeypatch.setitem(app.config, 'LOGIN_RATE_LIMIT', defaults.LOGIN_RATE_LIMIT)
    limiter.reset()
    try:
        limit = int(app.config['LOGIN_RATE_LIMIT'].split()[0])
        answers = [sign_in(client, f'user{n}', 'x', address='10.3.3.3').status_code for n in range(limit + 1)]
        assert answers[:limit] == [200] * limit and answers[-1] == 429
        refused = sign_in(client, users.village.username, 'password123', address='10.3.3.3')
        assert refused.status_code == 429 and int(refused.headers['Retry-After']) > 0
        assert '请求过于频繁' in refused.get_data(as_text=True)
        # other clients are not held back
        assert sign_in(client, users.village.username, 'password123', address='10.4.4.4').status_code == 302
    finally:
        limiter.reset()


def test_inactive_user_cannot_sign_in(client, users, db):
    users.village.active = False
    db.session.commit()
    response = client.post('/login', data={'username': users.village.username, 'password': 'password123'})
    assert response.status_code == 200 and '停用' in response.get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client, users, app):
    app.config['WTF_CSRF_ENABLED'] = True
    try:
        response = client.post('/login', data={'username': users.village.username, 'password': 'password123'})
        assert response.status_code == 400
        assert 'CSRF' in response.get_data(as_text=True)
        token = csrf_token_from(client.get('/login').get_data(as_text=True))
        response = client.post('/login', data={'username': users.village.username, 'password': 'password123',
                                               'csrf_token': token})
        assert response.status_code == 302
    finally:
        app.config['WTF_CSRF_ENABLED'] = False


def test_an_expired_form_is_explained_once_in_plain_words(client, users, app):
    app.config['WTF_CSRF_ENABLED'] = True
    try:
        response = client.post('/login', data={'username': users.village.username, 'password': 'password123'},
                               headers={'Referer': 'http://localhost/login'})
    finally:
        app.config['WTF_CSRF_ENABLED'] = False
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count('这次提交没有保存') == 1 and '刷新页面重新提交' in page


def test_open_redirect_after_login_is_refused(client, users):
    response = client.post('/login?next=//evil.example/', data={'username': users.village.username,
                                                                'password': 'password123'})
    assert response.headers['Location'] == '/'


def test_session_cookie_is_http_only(client, users, login):
    response = login(users.village)
    cookie = response.headers['Set-Cookie']
    assert 'HttpOnly' in cookie and 'SameSite=Lax' in cookie


def test_language_switch_to_english(client, users, login):
    login(users.village)
    client.post('/locale/en', data={'next': '/'})
    page = client.get('/').get_data(as_text=True)
    assert '<html lang="en">' in page and 'Dashboard' in page
