"""Sign-in, lock-out, CSRF, sign-out and the session cookie."""
from datetime import datetime
from datetime import timedelta

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


def test_repeated_failures_lock_the_account(client, users, app, db):
    for _ in range(app.config['LOGIN_MAX_FAILURES']):
        client.post('/login', data={'username': users.town.username, 'password': 'wrong-password'})
    page = client.post('/login', data={'username': users.town.username, 'password': 'password123'})
    assert page.status_code == 200 and '锁定' in page.get_data(as_text=True)
    db.session.refresh(users.town)
    assert users.town.locked_until > datetime.utcnow() + timedelta(minutes=10)
    # once the lock-out has passed the right password works again
    users.town.locked_until = datetime.utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post('/login', data={'username': users.town.username, 'password': 'password123'}).status_code == 302


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
