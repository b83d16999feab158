"""Administrators' pages: organisations, users and roles, the holiday calendar."""
from datetime import date

import pytest
import sqlalchemy as sa

from mediation.models import CalendarDay
from mediation.models import CalendarYear
from mediation.models import Organisation
from mediation.models import SignInFailure
from mediation.models import User
from mediation.services import orgs as org_service
from workflows.calendar import chinesecalendar_overrides
from workflows.calendar import chinesecalendar_years
from workflows.enums import Role

PAGES = ['/admin/organisations', '/admin/organisations/new', '/admin/users', '/admin/users/new', '/admin/calendar']
POSTS = ['/admin/organisations/new', '/admin/users/new', '/admin/calendar/day', '/admin/calendar/day/remove',
         '/admin/calendar/load', '/admin/calendar/notice', '/admin/users/1/unlock', '/admin/users/1/edit',
         '/admin/organisations/1/edit']


def html(response):
    return response.get_data(as_text=True)


def org_form(org, **changes):
    data = {'name': org.name, 'committee_name': org.committee_name, 'short_name': org.short_name, 'code': org.code,
            'parent_id': str(org.parent_id or 0), 'served_districts': [str(d.id) for d in org.served_districts],
            'active': 'y' if org.active else ''}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ''}


def user_form(user, **changes):
    data = {'display_name': user.display_name, 'role': user.role.value, 'organisation_id': str(user.organisation_id),
            'active': 'y' if user.active else ''}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ''}


# --- access ----------------------------------------------------------------------------------

@pytest.mark.parametrize('url', PAGES)
def test_anonymous_is_sent_to_login(client, users, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers['Location'].startswith('/login')


@pytest.mark.parametrize('who', ['village', 'town', 'district', 'court'])
@pytest.mark.parametrize('url', PAGES)
def test_other_roles_are_refused(client, users, login, who, url):
    login(getattr(users, who))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize('url', POSTS)
def test_other_roles_cannot_post(client, users, login, db, url):
    login(users.court)
    response = client.post(url, data={'kind': 'district', 'name': '新区', 'short_name': '新', 'code': 'NEW',
                                      'parent_id': '0', 'day': '2030-01-02', 'year': '2025',
                                      'text': '2030-01-02 holiday 测试'})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(Organisation).where(Organisation.code == 'NEW')) is None
    assert db.session.get(CalendarDay, date(2030, 1, 2)) is None


@pytest.mark.parametrize('url', PAGES)
def test_admin_sees_every_page(client, users, login, url):
    login(users.admin)
    response = client.get(url)
    assert response.status_code == 200
    assert 'class="responsive"' in html(response) or '<form method="post"' in html(response)


# --- organisations ---------------------------------------------------------------------------

def test_tree_lists_committees_in_order_and_courts_separately(client, users, login, orgs):
    login(users.admin)
    page = html(client.get('/admin/organisations'))
    committees, courts = page.split('法院（诉调对接）')
    assert committees.index('诸暨区') < committees.index('店口镇') < committees.index('湄池村') \
        < committees.index('枫桥镇') < committees.index('陈家村') < committees.index('枫源村')
    assert '诸暨市人民法院' not in committees
    assert '诸暨市人民法院' in courts and '诸暨区' in courts  # the district the court serves


def test_create_town_defaults_committee_name_and_path(client, users, login, orgs, db):
    login(users.admin)
    response = client.post('/admin/organisations/new', data={
        'kind': 'town', 'name': '赵家镇', 'short_name': '赵家', 'code': '330681-ZJ', 'parent_id': str(orgs.district.id)})
    assert response.status_code == 302
    town = db.session.scalar(sa.select(Organisation).where(Organisation.code == '330681-ZJ'))
    assert town.committee_name == '赵家镇人民调解委员会'
    assert town.parent_id == orgs.district.id and town.active
    assert town.path == f'{orgs.district.path}{town.id}/'
    assert '已新建“赵家镇”' in html(client.get(response.headers['Location']))


def test_create_court_with_served_districts(client, users, login, orgs, db):
    login(users.admin)
    response = client.post('/admin/organisations/new', data={
        'kind': 'court', 'name': '绍兴市中级人民法院', 'short_name': '绍兴中院', 'code': 'COURT-SX',
        'parent_id': '0', 'served_districts': [str(orgs.district.id)]})
    assert response.status_code == 302
    court = db.session.scalar(sa.select(Organisation).where(Organisation.code == 'COURT-SX'))
    assert court.committee_name == '绍兴市中级人民法院'
    assert [d.id for d in court.served_districts] == [orgs.district.id]
    edit = html(client.get(f'/admin/organisations/{court.id}/edit'))
    assert f'checked id="served_districts-0" name="served_districts" type="checkbox" value="{orgs.district.id}"' in edit


def test_create_with_missing_fields_keeps_input(client, users, login, orgs, db):
    login(users.admin)
    response = client.post('/admin/organisations/new', data={
        'kind': 'village', 'name': '', 'short_name': '新村简称', 'code': 'KEEP-ME', 'parent_id': str(orgs.town_a.id)})
    assert response.status_code == 422
    page = html(response)
    assert '请填写名称。' in page
    assert 'value="新村简称"' in page and 'value="KEEP-ME"' in page
    assert f'selected value="{orgs.town_a.id}"' in page
    assert db.session.scalar(sa.select(Organisation).where(Organisation.code == 'KEEP-ME')) is None


def test_service_errors_appear_at_their_field(client, users, login, orgs, db):
    login(users.admin)
    wrong_parent = client.post('/admin/organisations/new', data={
        'kind': 'village', 'name': '错挂村', 'short_name': '错挂', 'code': 'X-1', 'parent_id': str(orgs.district.id)})
    assert wrong_parent.status_code == 422
    page = html(wrong_parent)
    assert '村（社区）级单位的上级必须是乡镇（街道）级单位。' in page
    assert page.index('id="parent_id"') < page.index('上级必须是') < page.index('served_districts')
    assert 'value="错挂村"' in page

    taken = client.post('/admin/organisations/new', data={
        'kind': 'town', 'name': '重码镇', 'short_name': '重码', 'code': '330681-FQ', 'parent_id': str(orgs.district.id)})
    assert taken.status_code == 422
    assert '编码“330681-FQ”已被使用。' in html(taken)

    not_court = client.post('/admin/organisations/new', data={
        'kind': 'district', 'name': '新区', 'short_name': '新区', 'code': 'X-2', 'parent_id': '0',
        'served_districts': [str(orgs.district.id)]})
    assert '只有法院可以设置对接的区（县）。' in html(not_court)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 7


@pytest.mark.parametrize('data', [
    {'kind': 'bogus', 'name': 'a', 'short_name': 'a', 'code': 'a', 'parent_id': '0'},
    {'kind': 'town', 'name': 'a', 'short_name': 'a', 'code': 'a', 'parent_id': 'abc'},
    {'kind': 'town', 'name': 'a', 'short_name': 'a', 'code': 'a', 'parent_id': '99999'},
    {'kind': 'court', 'name': 'a', 'short_name': 'a', 'code': 'a', 'parent_id': '0', 'served_districts': ['x']},
    {},
])
def test_tampered_organisation_forms_are_422_not_500(client, users, login, orgs, data):
    login(users.admin)
    response = client.post('/admin/organisations/new', data=data)
    assert response.status_code == 422
    assert 'field-error' in html(response)


def test_moving_a_town_moves_its_villages(client, users, login, orgs, db):
    other = org_service.create_organisation(kind='district', name='柯桥区', short_name='柯桥', code='330603')
    db.session.commit()
    login(users.admin)
    response = client.post(f'/admin/organisations/{orgs.town_a.id}/edit',
                           data=org_form(orgs.town_a, parent_id=str(other.id)))
    assert response.status_code == 302
    assert '该单位及其下级已移到新的上级之下。' in html(client.get(response.headers['Location']))
    db.session.expire_all()
    assert orgs.town_a.parent_id == other.id
    assert orgs.town_a.path == f'{other.path}{orgs.town_a.id}/'
    for village in (orgs.village_a1, orgs.village_a2):
        assert village.path == f'{other.path}{orgs.town_a.id}/{village.id}/'
    assert orgs.village_b1.path.startswith(orgs.district.path)  # the other town stays


def test_edit_organisation_renames_and_deactivates(client, users, login, orgs, db):
    login(users.admin)
    page = html(client.get(f'/admin/organisations/{orgs.village_a1.id}/edit'))
    assert 'value="枫源村人民调解委员会"' in page and 'checked' in page
    response = client.post(f'/admin/organisations/{orgs.village_a1.id}/edit',
                           data=org_form(orgs.village_a1, name='枫源社区', committee_name='', active=''))
    assert response.status_code == 302
    db.session.expire_all()
    assert orgs.village_a1.name == '枫源社区'
    assert orgs.village_a1.committee_name == '枫源社区人民调解委员会'
    assert orgs.village_a1.active is False
    assert '已停用' in html(client.get('/admin/organisations'))


def test_edit_organisation_error_keeps_input(client, users, login, orgs, db):
    login(users.admin)
    response = client.post(f'/admin/organisations/{orgs.village_a1.id}/edit',
                           data=org_form(orgs.village_a1, name='改了名', short_name=''))
    assert response.status_code == 422
    assert '请填写简称（用于案号）。' in html(response) and 'value="改了名"' in html(response)
    db.session.expire_all()
    assert orgs.village_a1.name == '枫源村'


def test_edit_unknown_organisation_is_404(client, users, login):
    login(users.admin)
    assert client.get('/admin/organisations/99999/edit').status_code == 404


# --- users -----------------------------------------------------------------------------------

def test_user_list_shows_roles_and_search(client, users, login):
    login(users.admin)
    page = html(client.get('/admin/users'))
    for text in ('village_a1', '村（社区）调解员', '法院诉调对接工作人员', '诸暨市人民法院', '系统管理员'):
        assert text in page
    found = html(client.get('/admin/users?q=court'))
    assert '>court<' in found and 'village_a1' not in found


def test_create_user(client, users, login, orgs, db):
    login(users.admin)
    response = client.post('/admin/users/new', data={
        'username': 'newbie', 'display_name': '王五', 'role': 'town_mediator', 'organisation_id': str(orgs.town_b.id),
        'password': 'secret-pass-1', 'confirm': 'secret-pass-1'})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == 'newbie'))
    assert (user.display_name, user.role, user.organisation_id) == ('王五', Role.TOWN_MEDIATOR, orgs.town_b.id)
    assert user.check_password('secret-pass-1')
    assert '已新建用户“newbie”' in html(client.get(response.headers['Location']))


def test_create_user_with_an_organisation_id_out_of_range_is_a_message(client, users, login, orgs, db):
    """A 40-digit id is not one of the choices: it must never reach the database (SQLite overflows)."""
    login(users.admin)
    response = client.post('/admin/users/new', data={
        'username': 'huge', 'display_name': '大数', 'role': 'village_mediator', 'organisation_id': '9' * 40,
        'password': 'secret-pass-1', 'confirm': 'secret-pass-1'})
    assert response.status_code == 422
    assert '请选择列表中的单位。' in html(response)
    assert db.session.scalar(sa.select(User).where(User.username == 'huge')) is None


def test_create_user_role_must_fit_organisation(client, users, login, orgs, db):
    login(users.admin)
    response = client.post('/admin/users/new', data={
        'username': 'mismatch', 'display_name': '错配', 'role': 'village_mediator',
        'organisation_id': str(orgs.town_a.id), 'password': 'secret-pass-1', 'confirm': 'secret-pass-1'})
    assert response.status_code == 422
    page = html(response)
    assert '“村（社区）调解员”只能属于村（社区）级单位，而“枫桥镇”是乡镇（街道）级。' in page
    assert 'value="mismatch"' in page and 'value="错配"' in page
    assert db.session.scalar(sa.select(User).where(User.username == 'mismatch')) is None


@pytest.mark.parametrize('changes, message', [
    ({'confirm': 'other-pass-1'}, '两次输入的密码不一致。'),
    ({'password': 'short', 'confirm': 'short'}, '密码至少需要 8 个字符。'),
    ({'username': 'village_a1'}, '用户名“village_a1”已被使用。'),
    ({'username': 'has space'}, '用户名不能包含空格。'),
    ({'organisation_id': '0'}, '请选择所属单位。'),
    ({'role': 'emperor'}, '请选择角色。'),
])
def test_create_user_errors(client, users, login, orgs, db, changes, message):
    login(users.admin)
    data = {'username': 'fresh', 'display_name': '新人', 'role': 'village_mediator',
            'organisation_id': str(orgs.village_b1.id), 'password': 'secret-pass-1', 'confirm': 'secret-pass-1'}
    data.update(changes)
    response = client.post('/admin/users/new', data=data)
    assert response.status_code == 422
    assert message in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 8


def test_edit_user_changes_role_organisation_and_password(client, users, login, orgs, db):
    login(users.admin)
    response = client.post(f'/admin/users/{users.village.id}/edit', data=user_form(
        users.village, display_name='张调解', role='town_mediator', organisation_id=str(orgs.town_a.id),
        new_password='brand-new-pass', confirm='brand-new-pass'))
    assert response.status_code == 302
    db.session.expire_all()
    assert (users.village.display_name, users.village.role, users.village.organisation_id) == \
        ('张调解', Role.TOWN_MEDIATOR, orgs.town_a.id)
    assert users.village.check_password('brand-new-pass')


def test_edit_user_without_new_password_keeps_it(client, users, login, db):
    login(users.admin)
    response = client.post(f'/admin/users/{users.town.id}/edit', data=user_form(users.town, active=''))
    assert response.status_code == 302
    db.session.expire_all()
    assert users.town.active is False and users.town.check_password('password123')


def test_edit_user_role_mismatch_keeps_input(client, users, login, orgs, db):
    login(users.admin)
    response = client.post(f'/admin/users/{users.village.id}/edit', data=user_form(
        users.village, display_name='改名了', role='court_officer'))
    assert response.status_code == 422
    assert '“法院诉调对接工作人员”只能属于法院级单位' in html(response)
    assert 'value="改名了"' in html(response)
    db.session.expire_all()
    assert users.village.role == Role.VILLAGE_MEDIATOR and users.village.display_name == 'village_a1'


@pytest.mark.parametrize('changes, message', [
    ({'role': 'district_officer'}, '不能取消自己的系统管理员角色'),
    ({'active': ''}, '不能停用自己的账号'),
])
def test_admin_cannot_demote_or_deactivate_self(client, users, login, db, changes, message):
    login(users.admin)
    response = client.post(f'/admin/users/{users.admin.id}/edit', data=user_form(users.admin, **changes))
    assert response.status_code == 422
    assert message in html(response)
    db.session.expire_all()
    assert users.admin.role == Role.ADMIN and users.admin.active
    assert client.get('/admin/users').status_code == 200  # still an administrator


def test_admin_may_demote_another_admin(client, users, login, orgs, db):
    from tests.factories import make_user
    other = make_user('admin2', Role.ADMIN, orgs.district)
    login(users.admin)
    response = client.post(f'/admin/users/{other.id}/edit', data=user_form(other, role='district_officer'))
    assert response.status_code == 302
    db.session.expire_all()
    assert other.role == Role.DISTRICT_OFFICER


def fail_sign_in(client, username, times, address='10.0.0.7'):
    for _ in range(times):
        client.post('/login', data={'username': username, 'password': 'wrong-password'},
                    environ_base={'REMOTE_ADDR': address})


def failures_of(db, username):
    return db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)
                             .where(SignInFailure.username == username))


def test_unlock_user(client, users, login, db, app):
    fail_sign_in(client, users.village.username, app.config['LOGIN_MAX_FAILURES'])
    login(users.admin)
    listing = html(client.get('/admin/users'))
    assert '5 次' in listing and '1 处已锁定' in listing and '解锁' in listing
    assert '1 处已锁定' in html(client.get(f'/admin/users/{users.village.id}/edit'))
    response = client.post(f'/admin/users/{users.village.id}/edit', data=user_form(users.village, unlock='y'))
    assert response.status_code == 302
    assert failures_of(db, users.village.username) == 0


def test_edit_user_new_password_confirmation(client, users, login, db):
    login(users.admin)
    response = client.post(f'/admin/users/{users.village.id}/edit', data=user_form(
        users.village, new_password='brand-new-pass', confirm='different-pass'))
    assert response.status_code == 422 and '两次输入的密码不一致。' in html(response)
    response = client.post(f'/admin/users/{users.village.id}/edit', data=user_form(
        users.village, new_password='short', confirm='short'))
    assert response.status_code == 422 and '密码至少需要 8 个字符。' in html(response)
    db.session.expire_all()
    assert users.village.check_password('password123')


# --- calendar --------------------------------------------------------------------------------

LAST_PACKAGE_YEAR = chinesecalendar_years().stop - 1


@pytest.fixture
def today_in_last_package_year(monkeypatch):
    today = date(LAST_PACKAGE_YEAR, 11, 21)
    monkeypatch.setattr('mediation.admin.views.today_in_china', lambda: today)
    return today


def test_calendar_page_warns_about_next_year_and_lists_days(client, users, login, today_in_last_package_year):
    login(users.admin)
    missing = LAST_PACKAGE_YEAR + 1
    page = html(client.get(f'/admin/calendar?year={LAST_PACKAGE_YEAR}'))
    assert f'{missing} 年节假日安排尚未录入：涉及 {missing} 年的期限暂按周一至周五计算并标记为“暂定”' in page
    assert f'{LAST_PACKAGE_YEAR} 年节假日安排尚未录入' not in page
    assert f'{chinesecalendar_years().start}–{LAST_PACKAGE_YEAR}' in page  # known years
    first_holiday = min(day for day, (workday, _) in chinesecalendar_overrides(LAST_PACKAGE_YEAR).items()
                        if not workday)
    assert first_holiday.isoformat() in page and '元旦' in page
    assert '尚未录入，按周一至周五计算' in html(client.get(f'/admin/calendar?year={missing}'))


def test_set_and_remove_day(client, users, login, db):
    login(users.admin)
    response = client.post('/admin/calendar/day', data={'day': '2030-10-01', 'kind': 'holiday', 'name': '国庆节'})
    assert response.status_code == 302
    row = db.session.get(CalendarDay, date(2030, 10, 1))
    assert (row.is_workday, row.name, row.source, row.updated_by_id) == (False, '国庆节', 'admin', users.admin.id)
    assert db.session.get(CalendarYear, 2030) is not None
    page = html(client.get(response.headers['Location']))
    assert '已将 2030-10-01 设为休息日（国庆节）' in page and '2030-10-01' in page

    client.post('/admin/calendar/day', data={'day': '2030-10-12', 'kind': 'workday', 'name': '国庆节调休上班'})
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2030, 10, 12)).is_workday is True

    response = client.post('/admin/calendar/day/remove', data={'day': '2030-10-01'}, follow_redirects=True)
    assert '已删除 2030-10-01 的安排' in html(response)
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2030, 10, 1)) is None

    response = client.post('/admin/calendar/day/remove', data={'day': '2030-10-01'}, follow_redirects=True)
    assert '2030-10-01 没有特别安排' in html(response)


def test_change_link_prefills_the_day_form(client, users, login, db):
    login(users.admin)
    client.post('/admin/calendar/day', data={'day': '2030-10-12', 'kind': 'workday', 'name': '国庆节调休上班'})
    page = html(client.get('/admin/calendar?year=2030&day=2030-10-12'))
    assert 'value="2030-10-12"' in page and 'value="国庆节调休上班"' in page
    assert 'selected value="workday"' in page


@pytest.mark.parametrize('data, message', [
    ({'day': '2030-02-30', 'kind': 'holiday'}, '请输入有效日期'),
    ({'day': '', 'kind': 'holiday'}, '请输入有效日期'),
    ({'day': '1800-01-01', 'kind': 'holiday'}, '日期须在 1990 年至 2100 年之间。'),
    ({'day': '2030-01-02', 'kind': 'maybe'}, '请选择放假或上班。'),
])
def test_set_day_errors_keep_input(client, users, login, db, data, message):
    login(users.admin)
    response = client.post('/admin/calendar/day', data=dict(data, name='保留的名称'))
    assert response.status_code == 422
    assert message in html(response) and 'value="保留的名称"' in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay).where(
        CalendarDay.source == 'admin')) == 0


def test_load_year_keeps_hand_entered_days(client, users, login, db):
    year = LAST_PACKAGE_YEAR
    ordinary = next(date(year, 3, d) for d in range(2, 9)
                    if date(year, 3, d).weekday() < 5 and date(year, 3, d) not in chinesecalendar_overrides(year))
    login(users.admin)
    client.post('/admin/calendar/day', data={'day': ordinary.isoformat(), 'kind': 'holiday', 'name': '本地停电'})
    response = client.post('/admin/calendar/load', data={'year': str(year)}, follow_redirects=True)
    assert f'已载入 {year} 年节假日安排（{len(chinesecalendar_overrides(year))} 天）' in html(response)
    db.session.expire_all()
    assert db.session.get(CalendarDay, ordinary).name == '本地停电'
    package_rows = db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay).where(
        CalendarDay.source == 'chinesecalendar', CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    assert package_rows == len(chinesecalendar_overrides(year))


@pytest.mark.parametrize('year, message', [
    (str(LAST_PACKAGE_YEAR + 1), f'没有 {LAST_PACKAGE_YEAR + 1} 年的'),
    ('abc', '请输入年份。'),
    ('3000', '年份须在 1990 至 2100 之间。'),
])
def test_load_year_errors(client, users, login, db, year, message):
    login(users.admin)
    response = client.post('/admin/calendar/load', data={'year': year})
    assert response.status_code == 422
    assert message in html(response)
    assert db.session.get(CalendarYear, LAST_PACKAGE_YEAR + 1) is None


def test_notice_enters_a_whole_year(client, users, login, db):
    login(users.admin)
    text = '\n'.join(['# 2031 年安排', '2031-01-01 holiday 元旦', '', '2031-01-22~2031-01-28 holiday 春节',
                      '2031-01-19 workday 春节调休上班', '2031-02-08 班 春节调休上班'])
    response = client.post('/admin/calendar/notice', data={'text': text}, follow_redirects=True)
    assert '已按通知录入 10 天（放假 8 天，调休上班 2 天）' in html(response)
    rows = db.session.scalars(sa.select(CalendarDay).where(CalendarDay.day.between(
        date(2031, 1, 1), date(2031, 12, 31))).order_by(CalendarDay.day)).all()
    assert len(rows) == 10
    assert [r.day for r in rows if r.is_workday] == [date(2031, 1, 19), date(2031, 2, 8)]
    assert {r.name for r in rows if not r.is_workday} == {'元旦', '春节'}
    assert db.session.get(CalendarYear, 2031) is not None


def test_notice_with_bad_lines_saves_nothing(client, users, login, db):
    login(users.admin)
    text = '\n'.join(['2032-01-01 holiday 元旦', '2032-02-30 holiday 春节', '2032-02-10~2032-02-05 holiday 春节',
                      '2032-05-01 vacation 劳动节', '2032-01-01 workday 重复', 'nonsense'])
    response = client.post('/admin/calendar/notice', data={'text': text})
    assert response.status_code == 422
    page = html(response)
    assert '全部未保存' in page
    for line in (2, 3, 4, 5, 6):
        assert f'<li>第 {line} 行：' in page
    assert '<li>第 1 行' not in page
    assert '2032-01-01 与第 1 行重复。' in page
    assert '2032-02-10~2032-02-05 holiday 春节' in page  # the text is kept for correction
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay).where(
        CalendarDay.day.between(date(2032, 1, 1), date(2032, 12, 31)))) == 0
    assert db.session.get(CalendarYear, 2032) is None


def test_holiday_block_is_listed_once_and_removed_together(client, users, login, db):
    login(users.admin)
    client.post('/admin/calendar/notice', data={'text': '2031-01-22~2031-01-28 holiday 春节\n2031-01-29 holiday 其他'})
    page = html(client.get('/admin/calendar?year=2031'))
    assert page.count('>春节<') == 1 and '删除这 7 天' in page
    response = client.post('/admin/calendar/day/remove', data={'day': '2031-01-22', 'until': '2031-01-28'},
                           follow_redirects=True)
    assert '已删除 2031-01-22 至 2031-01-28 的安排（7 天）' in html(response)
    remaining = db.session.scalars(sa.select(CalendarDay.day).where(
        CalendarDay.day.between(date(2031, 1, 1), date(2031, 12, 31)))).all()
    assert remaining == [date(2031, 1, 29)]


@pytest.mark.parametrize('data, message', [
    ({'day': '2031-01-28', 'until': '2031-01-22'}, '结束日期早于开始日期。'),
    ({'day': '2031-01-01', 'until': '2031-03-01'}, '一次最多删除 31 天。'),
    ({'day': 'soon'}, '请输入有效日期'),
])
def test_remove_day_errors(client, users, login, db, data, message):
    login(users.admin)
    client.post('/admin/calendar/notice', data={'text': '2031-01-22~2031-01-28 holiday 春节'})
    response = client.post('/admin/calendar/day/remove', data=data)
    assert response.status_code == 422 and message in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay).where(
        CalendarDay.day.between(date(2031, 1, 1), date(2031, 12, 31)))) == 7


def test_unlock_button_on_the_list(client, users, login, db, app):
    fail_sign_in(client, 'village_a1', app.config['LOGIN_MAX_FAILURES'], address='127.0.0.1')
    login(users.admin)
    assert f'/admin/users/{users.village.id}/unlock' in html(client.get('/admin/users'))
    response = client.post(f'/admin/users/{users.village.id}/unlock', follow_redirects=True)
    assert '已解除“village_a1”的登录锁定。' in html(response)
    db.session.expire_all()
    assert failures_of(db, 'village_a1') == 0 and users.village.role == Role.VILLAGE_MEDIATOR
    assert f'/admin/users/{users.village.id}/unlock' not in html(response)
    login_again = client.post('/logout')
    assert login_again.status_code == 302
    assert client.post('/login', data={'username': 'village_a1', 'password': 'password123'}).status_code == 302


def test_failed_sign_ins_are_listed_with_names_that_do_not_exist(client, users, login, app):
    fail_sign_in(client, 'nobody-here', 2)
    fail_sign_in(client, users.town.username, 1)
    login(users.admin)
    page = html(client.get('/admin/sign-in-failures'))
    assert page.count('nobody-here') == 2 and '不存在的用户名' in page
    assert users.town.username in page and '10.0.0.7' in page


def test_the_user_list_pages_forward_and_back(client, users, login, app):
    login(users.admin)
    app.config['PAGE_SIZE'] = 3
    try:
        first = html(client.get('/admin/users'))
        second = html(client.get('/admin/users?page=2'))
    finally:
        app.config['PAGE_SIZE'] = 50
    assert 'page=2' in first and '下一页' in first and '上一页' not in first
    assert 'page=1' in second and '上一页' in second
