"""The case list: its views, filters, search, keyset pages, CSV export, and the dashboard's tiles.

Every test runs on a fixed "today" (2026-03-10, a Tuesday) so that deadlines counted from the
recorded facts fall due soon or lapse where the test wants them.
"""
import csv
import io
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from mediation.models import Agreement
from mediation.models import FollowUpVisit
from mediation.models import Stage
from mediation.services import case_queries
from mediation.services.case_queries import CaseFilters
from mediation.services.deadlines import refresh_deadline
from tests.factories import category
from tests.factories import make_case
from tests.helpers import accepted_stage
from tests.helpers import agree_orally
from tests.helpers import fire
from tests.helpers import utc
from workflows.enums import DeadlineStatus
from workflows.enums import PerformanceStatus
from workflows.enums import StageKind
from workflows.enums import VisitMethod
from workflows.states import State

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    import mediation.cases.list_views
    import mediation.main.views
    monkeypatch.setattr(mediation.cases.list_views, 'today_in_china', lambda: TODAY)
    monkeypatch.setattr(mediation.main.views, 'today_in_china', lambda: TODAY)


def titles(page: str) -> list[str]:
    """The titles of the case list's rows, in order."""
    return [unescape(t) for t in re.findall(r'class="case-title" href="/cases/\d+">([^<]*)</a>', page)]


def listed(client, **args) -> list[str]:
    response = client.get('/cases/', query_string=args)
    assert response.status_code == 200
    return titles(response.get_data(as_text=True))


def link(page: str, rel: str):
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return unescape(match.group(1)) if match else None


def all_pages(client, url):
    """Every row of a list, page after page through its "next" links."""
    seen = []
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += titles(page)
        url = link(page, 'next')
    return seen


@pytest.fixture
def world(db, orgs, users):
    """Cases in every situation the lists tell apart, at two villages, a town and the court."""
    w = {}
    w['new'] = make_case(users.village, title='新登记的纠纷', now=utc(2026, 3, 9))
    w['overdue'] = accepted_stage(users.village, utc(2026, 2, 5)).case  # due 2026-03-05
    w['overdue'].title = '已超期的纠纷'
    w['due_soon'] = accepted_stage(users.village, utc(2026, 2, 12)).case  # due 2026-03-12
    w['due_soon'].title = '即将到期的纠纷'
    w['calm'] = accepted_stage(users.village, utc(2026, 3, 2)).case
    w['calm'].title = '刚受理的纠纷'
    agreed = accepted_stage(users.village, utc(2026, 1, 20))
    agree_orally(agreed, users.village, utc(2026, 2, 12))  # confirmation window: 2026-03-14
    agreed.case.title = '待申请司法确认的纠纷'
    w['window'] = agreed.case
    referred = accepted_stage(users.village, utc(2026, 3, 1))
    fire(referred, 'refer_up', users.village, utc(2026, 3, 9), reason='案情复杂', consent=True)
    referred.case.title = '上交镇里的纠纷'
    w['referred'] = referred.case
    court_sent = make_case(users.village, title='法院委派的纠纷', now=utc(2026, 3, 9, 10))
    court_sent.stages[0].kind, court_sent.stages[0].court_id = StageKind.COURT_DELEGATED, orgs.court.id
    refresh_deadline(court_sent.stages[0])
    w['court_sent'] = court_sent
    to_court = accepted_stage(users.village_other, utc(2026, 3, 2))
    fire(to_court, 'refer_to_court', users.village_other, utc(2026, 3, 4), reason='当事人要求诉讼')
    to_court.case.title = '陈家村移送法院的纠纷'
    w['to_court'] = to_court.case
    w['other_village'] = make_case(users.village_other, title='陈家村的纠纷', now=utc(2026, 3, 9))
    w['town_b'] = make_case(users.village_b, title='湄池村的纠纷', now=utc(2026, 3, 9))
    db.session.commit()
    return w


# --------------------------------------------------------------------------- views

def test_the_inbox_holds_what_waits_for_acceptance_and_says_where_it_came_from(client, users, login, world, orgs):
    login(users.village)
    page = client.get('/cases/?view=inbox').get_data(as_text=True)
    assert set(titles(page)) == {'新登记的纠纷', '法院委派的纠纷'}
    assert '新登记' in page and f'{orgs.court.name}委派<' in page
    client.post('/logout')
    login(users.town)
    page = client.get('/cases/?view=inbox').get_data(as_text=True)
    assert titles(page) == ['上交镇里的纠纷'] and f'{orgs.village_a1.name}移交' in page
    client.post('/logout')
    login(users.court)
    page = client.get('/cases/?view=inbox').get_data(as_text=True)
    assert titles(page) == ['陈家村移送法院的纠纷'] and f'{orgs.village_a2.name}移送法院' in page


def test_due_soon_and_overdue_views_by_due_date(client, users, login, world):
    login(users.village)
    assert listed(client, due='overdue') == ['已超期的纠纷']
    # the parties' confirmation window is due soon too: a prompt to remind them
    assert listed(client, due='due_soon') == ['即将到期的纠纷', '待申请司法确认的纠纷']
    client.post('/logout')
    login(users.town)  # the town supervises the village's deadlines
    assert listed(client, due='due_soon') == ['即将到期的纠纷', '待申请司法确认的纠纷']
    assert listed(client, due='overdue') == ['已超期的纠纷']


def test_everything_in_the_jurisdiction_newest_first(client, users, login, world):
    login(users.village)
    shown = listed(client)
    assert set(shown) == {'新登记的纠纷', '已超期的纠纷', '即将到期的纠纷', '刚受理的纠纷', '待申请司法确认的纠纷',
                          '上交镇里的纠纷', '法院委派的纠纷'}
    assert shown[0] == '法院委派的纠纷'  # registered last
    client.post('/logout')
    login(users.town)
    assert set(listed(client)) == set(shown) | {'陈家村的纠纷', '陈家村移送法院的纠纷'}
    client.post('/logout')
    login(users.district)
    assert len(listed(client)) == 10


def test_a_row_shows_the_current_stage_number_deadline_category_and_parties(client, users, login, world, orgs):
    login(users.village)
    page = client.get('/cases/?q=' + world['overdue'].matter_code).get_data(as_text=True)
    row = page.split('class="case-title"')[1].split('</tr>')[0]
    stage = world['overdue'].stages[0]
    assert world['overdue'].matter_code in row and stage.case_number in row
    assert f'{orgs.village_a1.name} · <strong>调解中</strong>' in row and '已超期 2026-03-05' in row
    assert '邻里纠纷' in row and '张三' in row and '李四' in row
    assert '11010519491231002X' not in row and '110105' not in row  # no ID numbers in lists
    # the town's row of the referred case shows the town's stage, wherever the village sees it
    page = client.get('/cases/', query_string={'q': world['referred'].matter_code}).get_data(as_text=True)
    assert f'{orgs.town_a.name} · <strong>待受理</strong>' in page


# --------------------------------------------------------------------------- filters

def test_filters_narrow_the_list_and_combine(client, users, login, world, orgs, db):
    login(users.town)
    assert listed(client, state='agreed') == ['待申请司法确认的纠纷']
    assert listed(client, state='referred_up') == ['上交镇里的纠纷']  # the village's stage, referred
    assert set(listed(client, state='open', committee_id=orgs.village_a1.id)) == {
        '新登记的纠纷', '已超期的纠纷', '即将到期的纠纷', '刚受理的纠纷', '法院委派的纠纷'}
    assert listed(client, level='town') == ['上交镇里的纠纷']
    assert listed(client, committee_id=orgs.town_a.id, state='pending_acceptance') == ['上交镇里的纠纷']
    assert listed(client, source='court_delegated') == []  # the case's own source stays an application
    world['court_sent'].source = 'court_delegated'
    db.session.commit()
    assert listed(client, source='court_delegated') == ['法院委派的纠纷']
    assert listed(client, source='court_delegated', state='mediating') == []


def test_a_parent_category_includes_its_children(client, users, login, db):
    parent = category('HY')
    child = db.session.scalar(sa.select(type(parent)).where(type(parent).parent_id == parent.id))
    make_case(users.village, title='婚姻家庭纠纷', category_code='HY')
    make_case(users.village, title='子类纠纷', category_code=child.code)
    make_case(users.village, title='邻里纠纷')
    login(users.village)
    assert set(listed(client, category_id=parent.id)) == {'婚姻家庭纠纷', '子类纠纷'}
    assert listed(client, category_id=child.id) == ['子类纠纷']


def test_registration_dates_are_china_dates(client, users, login, db):
    make_case(users.village, title='三月一日零点半', now=utc(2026, 3, 1, 0, 30))  # 2026-02-28 16:30 UTC
    make_case(users.village, title='二月二十八日深夜', now=utc(2026, 2, 28, 23, 50))
    login(users.village)
    assert listed(client, **{'from': '2026-03-01'}) == ['三月一日零点半']
    assert listed(client, to='2026-02-28') == ['二月二十八日深夜']
    assert listed(client, **{'from': '2026-02-28', 'to': '2026-02-28'}) == ['二月二十八日深夜']
    page = client.get('/cases/', query_string={'from': '2026-02-30', 'to': 'x'}).get_data(as_text=True)
    assert '登记日期（起）：请输入有效日期' in page and '登记日期（止）' in page and len(titles(page)) == 2
    page = client.get('/cases/', query_string={'from': '2026-03-01', 'to': '2026-02-01'}).get_data(as_text=True)
    assert '起止颠倒' in page and len(titles(page)) == 2  # 2026-02-01 to 2026-03-01


def test_risk_filters(client, users, login, db):
    make_case(users.village, title='普通纠纷')
    make_case(users.village, title='民转刑风险纠纷', mzx_risk=True, intake_level='village')
    red = make_case(users.village, title='红色风险纠纷')
    red.risk_level = 'red'
    db.session.commit()
    login(users.village)
    assert set(listed(client, risk='any')) == {'民转刑风险纠纷', '红色风险纠纷'}
    assert listed(client, risk='mzx') == ['民转刑风险纠纷']
    assert listed(client, risk='red') == ['红色风险纠纷']
    assert set(listed(client, risk='orange')) == {'红色风险纠纷'}


def test_the_committee_filter_offers_only_the_jurisdiction(client, users, login, world, orgs):
    login(users.village)
    page = client.get('/cases/').get_data(as_text=True)
    assert f'value="{orgs.village_a2.id}"' not in page.split('id="committee_id"')[1].split('</select>')[0]
    # another village's id in the URL is ignored: the whole (own) list, never the other village's
    assert '陈家村的纠纷' not in listed(client, committee_id=orgs.village_a2.id)
    client.post('/logout')
    login(users.town)
    page = client.get('/cases/').get_data(as_text=True)
    options = page.split('id="committee_id"')[1].split('</select>')[0]
    assert orgs.village_a1.name in options and orgs.village_b1.name not in options


def test_the_filter_form_redirects_to_a_url_that_keeps_every_filter(client, users, login, world, orgs):
    login(users.town)
    response = client.post('/cases/', data={
        'q': '张', 'state': 'open', 'level': 'village', 'source': 'party_application',
        'committee_id': orgs.village_a1.id, 'from': '2026-01-01', 'to': '2026-03-10', 'risk': '', 'due': 'overdue',
        'category_id': category('LL').id})
    assert response.status_code == 302
    args = parse_qs(urlsplit(response.headers['Location']).query)
    assert {name: value[0] for name, value in args.items()} == {
        'q': '张', 'state': 'open', 'level': 'village', 'source': 'party_application',
        'committee_id': str(orgs.village_a1.id), 'from': '2026-01-01', 'to': '2026-03-10', 'due': 'overdue',
        'category_id': str(category('LL').id)}
    assert titles(client.get(response.headers['Location']).get_data(as_text=True)) == ['已超期的纠纷']


def test_old_links_still_work(client, users, login, world, orgs):
    login(users.village)
    assert set(listed(client, mine='1')) == {'新登记的纠纷', '已超期的纠纷', '即将到期的纠纷', '刚受理的纠纷', '法院委派的纠纷'}
    assert listed(client, mine='1', due='overdue', page='3') == ['已超期的纠纷']


# --------------------------------------------------------------------------- search

def test_search_by_party_name_case_number_and_matter_code(client, users, login, world, db):
    login(users.village)
    stage = world['overdue'].stages[0]
    assert '已超期的纠纷' in listed(client, q='张三')
    assert '已超期的纠纷' in listed(client, q='张')  # a surname finds the names it begins
    assert listed(client, q='三') == []  # names match from their start
    for typed in (stage.case_number, stage.case_number.replace('（', '(').replace('）', ')'),
                  f'{stage.number_prefix}人调字第{stage.number_serial}号', f'第{stage.number_serial}号'):
        assert '已超期的纠纷' in listed(client, q=typed), typed
    assert listed(client, q=f'（2025）{stage.number_prefix}人调字第{stage.number_serial}号') == []
    code = world['overdue'].matter_code
    assert listed(client, q=code) == ['已超期的纠纷']
    assert listed(client, q=code.lower()) == ['已超期的纠纷']
    assert '已超期的纠纷' in listed(client, q=code[:10])
    client.post('/logout')
    login(users.village_other)
    assert listed(client, q='张三') == ['陈家村的纠纷', '陈家村移送法院的纠纷'] or \
        set(listed(client, q='张三')) == {'陈家村的纠纷', '陈家村移送法院的纠纷'}
    assert listed(client, q=code) == []  # another village's case is never found


@pytest.mark.parametrize('typed, expected', [
    ('（2026）枫源人调字第3号', (3, 2026, '枫源')), ('(2026)枫源人调字3号', (3, 2026, '枫源')),
    ('枫源人调字第12号', (12, None, '枫源')), ('第7号', (7, None, '')), ('人调字第7号', (7, None, '')),
    ('（2026）第5号', (5, 2026, '')), ('张三', None), ('3', None), ('张3号', None), ('3号楼', None),
])
def test_case_numbers_are_read_as_typed(typed, expected):
    found = case_queries.parse_case_number(typed)
    assert (found and (found.serial, found.year, found.prefix)) == expected


# --------------------------------------------------------------------------- pages

@pytest.fixture
def small_pages(monkeypatch):
    import mediation.cases.list_views
    monkeypatch.setattr(mediation.cases.list_views, 'PER_PAGE', 3)


def test_pages_follow_each_other_without_gaps_or_repeats(client, users, login, db, small_pages, orgs):
    for n in range(8):
        make_case(users.village, title=f'纠纷{n}', now=utc(2026, 3, 1 + n))
    login(users.town)  # the town's list: by registration
    assert all_pages(client, '/cases/') == [f'纠纷{n}' for n in reversed(range(8))]
    login(users.village)  # the village's list: its stages
    assert all_pages(client, '/cases/') == [f'纠纷{n}' for n in reversed(range(8))]
    # and back: "previous" from the third page gives the second
    first = client.get('/cases/').get_data(as_text=True)
    second = client.get(link(first, 'next')).get_data(as_text=True)
    third = client.get(link(second, 'next')).get_data(as_text=True)
    assert titles(client.get(link(third, 'prev')).get_data(as_text=True)) == titles(second)
    assert titles(client.get(link(second, 'prev')).get_data(as_text=True)) == titles(first)
    assert link(first, 'prev') is None and link(third, 'next') is None


def test_filters_survive_paging(client, users, login, db, small_pages, orgs):
    for n in range(5):
        make_case(users.village, title=f'本村{n}', now=utc(2026, 3, 1 + n))
        make_case(users.village_other, title=f'邻村{n}', now=utc(2026, 3, 1 + n))
    login(users.town)
    url = f'/cases/?committee_id={orgs.village_a1.id}&state=pending_acceptance'
    page = client.get(url).get_data(as_text=True)
    following = link(page, 'next')
    assert f'committee_id={orgs.village_a1.id}' in following and 'state=pending_acceptance' in following
    assert all_pages(client, url) == [f'本村{n}' for n in reversed(range(5))]


def test_deadline_views_page_by_due_date(client, users, login, db, small_pages):
    for day in (3, 5, 9, 6, 4):  # accepted in February: due in early March, all lapsed by the 10th
        accepted_stage(users.village, utc(2026, 2, day)).case.title = f'二月{day}日受理'
    db.session.commit()
    login(users.village)
    assert all_pages(client, '/cases/?due=overdue') == [f'二月{day}日受理' for day in (3, 4, 5, 6, 9)]


def test_a_tampered_or_foreign_cursor_gives_the_first_page_and_says_so(client, users, login, db, small_pages):
    for n in range(5):
        make_case(users.village, title=f'纠纷{n}', now=utc(2026, 3, 1 + n))
    login(users.village)
    first = client.get('/cases/').get_data(as_text=True)
    cursor = parse_qs(urlsplit(link(first, 'next')).query)['cursor'][0]
    for bad in (cursor[:-2] + ('AA' if not cursor.endswith('AA') else 'BB'), 'x' * 5000, 'abc', '',
                cursor.split('.')[0] + '.', '..', '%00'):
        response = client.get('/cases/', query_string={'cursor': bad})
        assert response.status_code == 200, bad
        page = response.get_data(as_text=True)
        assert titles(page) == titles(first), bad
        if bad:
            assert '翻页链接无效或已过期' in page, bad
    # a cursor of the due-date order used on the newest-first list: refused the same way
    accepted_stage(users.village, utc(2026, 2, 2))
    accepted_stage(users.village, utc(2026, 2, 3))
    accepted_stage(users.village, utc(2026, 2, 4))
    accepted_stage(users.village, utc(2026, 2, 5))
    overdue = client.get('/cases/?due=overdue').get_data(as_text=True)
    foreign = parse_qs(urlsplit(link(overdue, 'next')).query)['cursor'][0]
    page = client.get('/cases/', query_string={'cursor': foreign}).get_data(as_text=True)
    assert '翻页链接无效或已过期' in page


def test_a_cursor_signed_with_another_key_is_refused(client, users, login, db, app):
    from itsdangerous import URLSafeSerializer
    make_case(users.village, title='纠纷')
    login(users.village)
    forged = URLSafeSerializer('not-the-key', salt='case-list-cursor').dumps(['case', 'n', 10**12])
    assert '翻页链接无效或已过期' in client.get('/cases/', query_string={'cursor': forged}).get_data(as_text=True)
    # well signed but holding nonsense: still a page, never an error
    serializer = URLSafeSerializer(app.secret_key, salt='case-list-cursor')
    for values in (['case', 'n', 10**12], ['case', 'n', 'x'], ['case', 'x', 1], ['case', 'n', True], {'a': 1},
                   ['registered', 'n', '2026-99-01', 1], ['due', 'n', 5, 1], ['case', 'n']):
        response = client.get('/cases/', query_string={'cursor': serializer.dumps(values)})
        assert response.status_code == 200 and '纠纷' in response.get_data(as_text=True), values


@pytest.mark.parametrize('name', ['cursor', 'committee_id', 'from', 'to', 'referred_in', 'source', 'risk', 'view',
                                  'category_id', 'state', 'level', 'due', 'q', 'qh', 'qm'])
@pytest.mark.parametrize('value', ['9' * 400, '-1', '0', 'NaN', '2026-13-01', '9999-12', '0000-00', '\x00',
                                   '<script>', '中' * 300, "'; DROP TABLE stage; --"])
def test_bad_query_strings_never_break_the_list_or_the_export(client, users, login, db, name, value):
    make_case(users.village, title='纠纷')
    login(users.village)
    assert client.get('/cases/', query_string={name: value}).status_code < 500
    assert client.get('/cases/export.csv', query_string={name: value}).status_code < 500


def test_the_list_reads_a_fixed_number_of_queries_whatever_its_rows(client, users, login, db, orgs):
    """Parties, stages, agreements and follow-up visits are read once for the page, not per row."""
    def queries(url):
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)
        sa.event.listen(db.engine, 'before_cursor_execute', count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(db.engine, 'before_cursor_execute', count)
        return len(statements)

    def a_few_cases(n):
        for _ in range(n):
            stage = accepted_stage(users.village, utc(2026, 1, 20))
            agree_orally(stage, users.village, utc(2026, 2, 12))
            db.session.add(FollowUpVisit(case_id=stage.case_id, stage_id=stage.id, visited_on=date(2026, 3, 1),
                                         method=VisitMethod.PHONE, visitors='调解员', person_visited='张三', situation='好'))
            referred = accepted_stage(users.village, utc(2026, 3, 1))
            fire(referred, 'refer_up', users.village, utc(2026, 3, 3), reason='复杂', consent=True)
        db.session.commit()

    login(users.town)
    a_few_cases(1)
    few = {url: queries(url) for url in ('/cases/', '/cases/?state=agreed', '/cases/?due=due_soon', '/')}
    a_few_cases(6)
    assert {url: queries(url) for url in few} == few


def test_rows_show_performance_and_follow_up_visits(client, users, login, db):
    stage = accepted_stage(users.village, utc(2026, 1, 20))
    agree_orally(stage, users.village, utc(2026, 2, 12))
    agreement = db.session.scalar(sa.select(Agreement).where(Agreement.stage_id == stage.id))
    agreement.terms = agreement.terms + [{'content': '道歉', 'manner': '', 'place': '', 'deadline': ''},
                                         {'content': '修沟', 'manner': '', 'place': '', 'deadline': ''}]
    agreement.performance, agreement.terms_fulfilled = PerformanceStatus.PARTLY, 2
    for day in (1, 5):
        db.session.add(FollowUpVisit(case_id=stage.case_id, stage_id=stage.id, visited_on=date(2026, 3, day),
                                     method=VisitMethod.PHONE, visitors='调解员', person_visited='张三', situation='好'))
    db.session.commit()
    login(users.village)
    page = client.get('/cases/').get_data(as_text=True)
    assert '履行中 2/3' in page and '回访 2 次' in page
    agreement.performance, agreement.terms_fulfilled = PerformanceStatus.FULFILLED, 3
    db.session.commit()
    assert '已履行' in client.get('/cases/').get_data(as_text=True)
    agreement.performance = PerformanceStatus.BREACHED
    db.session.commit()
    assert '未履行' in client.get('/cases/').get_data(as_text=True)


# --------------------------------------------------------------------------- CSV

def read_csv(response):
    body = response.get_data()
    assert body.startswith('\ufeff'.encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(body.decode('utf-8-sig'))))


def test_the_export_holds_every_row_of_the_list_masked(client, users, login, world, small_pages):
    login(users.village)
    response = client.get('/cases/export.csv')
    assert response.status_code == 200 and response.mimetype == 'text/csv'
    assert 'attachment' in response.headers['Content-Disposition']
    rows = read_csv(response)
    assert rows[0][:3] == ['案件编码', '纠纷名称', '纠纷类型']
    assert {row[1] for row in rows[1:]} == set(listed(client)) | {  # every page, not just the first (3 rows)
        '新登记的纠纷', '已超期的纠纷', '即将到期的纠纷', '刚受理的纠纷', '待申请司法确认的纠纷', '上交镇里的纠纷', '法院委派的纠纷'}
    assert len(rows) == 8
    text = response.get_data(as_text=True)
    assert '110105********002X' in text and '138****5678' in text
    assert '11010519491231002X' not in text and '13812345678' not in text
    overdue = read_csv(client.get('/cases/export.csv?due=overdue'))
    assert [row[1] for row in overdue[1:]] == ['已超期的纠纷'] and overdue[1][10] == '已超期'


def test_the_export_never_leaves_the_jurisdiction(client, users, login, world, orgs):
    login(users.village_other)
    names = {row[1] for row in read_csv(client.get('/cases/export.csv'))[1:]}
    assert names == {'陈家村的纠纷', '陈家村移送法院的纠纷'}
    names = {row[1] for row in read_csv(client.get(f'/cases/export.csv?committee_id={orgs.village_a1.id}'))[1:]}
    assert names == {'陈家村的纠纷', '陈家村移送法院的纠纷'}  # a foreign committee is ignored
    client.post('/logout')
    login(users.court)
    assert {row[1] for row in read_csv(client.get('/cases/export.csv'))[1:]} == {'陈家村移送法院的纠纷',
                                                                                 '法院委派的纠纷'}


def test_the_export_defuses_spreadsheet_formulas(client, users, login, db):
    from mediation.services.cases import PartyInput
    make_case(users.village, title='=HYPERLINK("http://evil","点我")', parties=[
        PartyInput(role='applicant', kind='person', name='@SUM(A1)'),
        PartyInput(role='respondent', kind='person', name='+86李四')])
    make_case(users.village, title='-2+3')
    login(users.village)
    rows = read_csv(client.get('/cases/export.csv'))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil\",\"点我\")" in cells and "'-2+3" in cells
    assert any(cell.startswith("'@SUM(A1)") for cell in cells)
    assert not any(cell[:1] in '=+-@' for cell in cells if cell)


def test_an_id_number_in_an_export_link_is_moved_to_its_hash(client, users, login, world):
    login(users.village)
    response = client.get('/cases/export.csv', query_string={'q': '11010519491231002X'})
    assert response.status_code == 302 and '11010519491231002X' not in response.headers['Location']
    rows = read_csv(client.get(response.headers['Location']))
    assert {row[1] for row in rows[1:]} == {
        '新登记的纠纷', '已超期的纠纷', '即将到期的纠纷', '刚受理的纠纷', '待申请司法确认的纠纷', '上交镇里的纠纷', '法院委派的纠纷'}


# --------------------------------------------------------------------------- jurisdiction

def test_a_village_never_sees_another_villages_cases_in_any_list(client, users, login, world, orgs):
    login(users.village_other)
    foreign = {'新登记的纠纷', '已超期的纠纷', '即将到期的纠纷', '刚受理的纠纷', '待申请司法确认的纠纷', '上交镇里的纠纷',
               '法院委派的纠纷', '湄池村的纠纷'}
    for args in ({}, {'view': 'inbox'}, {'due': 'due_soon'}, {'due': 'overdue'}, {'state': 'open'},
                 {'state': 'referred_up'}, {'committee_id': orgs.village_a1.id}, {'level': 'town'}, {'q': '张三'},
                 {'referred_in': '2026-03'}, {'risk': 'any'}):
        assert not foreign & set(listed(client, **args)), args
    dashboard = client.get('/').get_data(as_text=True)
    assert not any(title in dashboard for title in foreign)
    assert client.get('/supervision').status_code == 403


def test_court_officers_see_only_their_courts_cases(client, users, login, world):
    login(users.court)
    assert set(listed(client)) == {'陈家村移送法院的纠纷', '法院委派的纠纷'}
    assert listed(client, due='overdue') == []
    assert client.get('/supervision').status_code == 403


# --------------------------------------------------------------------------- dashboard

def tile_counts(page: str) -> dict:
    """Each tile's link and number."""
    return {unescape(href): int(number) for href, number in re.findall(
        r'<a class="tile[^"]*"\s+href="([^"]+)">.*?<div class="stat">(\d+)</div>', page, re.S)}


@pytest.mark.parametrize('who', ['village', 'village_other', 'town', 'district', 'court', 'admin'])
def test_each_tile_counts_the_list_it_opens(client, users, login, world, who, small_pages):
    login(getattr(users, who))
    tiles = tile_counts(client.get('/').get_data(as_text=True))
    assert len(tiles) == (2 if who == 'admin' else 4)
    for url, count in tiles.items():
        assert len(all_pages(client, url)) == count, url


def test_a_towns_due_soon_tile_counts_a_villages_confirmation_window(client, users, login, world):
    """The reported bug: the town's tile said 0 while its list showed a due-soon window."""
    login(users.town)
    page = client.get('/').get_data(as_text=True)
    tiles = tile_counts(page)
    assert tiles['/cases/?due=due_soon'] == 2 == len(listed(client, due='due_soon'))
    assert '待申请司法确认的纠纷' in page.split('<h2>即将到期')[1]
    assert tiles['/cases/?due=overdue'] == 1
    assert tiles['/cases/?view=inbox'] == 1  # the referral from the village


def test_the_tiles_and_lists_use_the_list_queries(db, users, world):
    """The service behind the tiles counts with the list's own filters."""
    from mediation.services import dashboard
    for tile in dashboard.tiles(users.town, TODAY):
        page = case_queries.case_page(users.town, tile.filters, TODAY, per_page=100)
        assert len(page.rows) == tile.count == case_queries.count_cases(users.town, tile.filters, TODAY)
    assert case_queries.count_cases(users.town, CaseFilters(due=DeadlineStatus.DUE_SOON), TODAY) == 2


def test_the_deadlines_page_lists_both_with_their_counts(client, users, login, world):
    login(users.town)
    page = client.get('/deadlines').get_data(as_text=True)
    overdue, due_soon = page.split('<h2>已超期')[1].split('<h2>即将到期')
    assert '1 件' in overdue and '已超期的纠纷' in overdue
    assert '2 件' in due_soon and '即将到期的纠纷' in due_soon and '待申请司法确认的纠纷' in due_soon


def test_open_states_predicate_matches_the_index(db):
    from mediation.models.case import OPEN_PREDICATE
    open_states = [f"'{state.value}'" for state in sorted(State) if state in case_queries.OPEN_STATES]
    assert OPEN_PREDICATE == f"state IN ({', '.join(open_states)})"
    index = next(i for i in Stage.__table__.indexes if i.name == 'ix_stage_open_received_at')
    assert str(index.dialect_options['sqlite']['where']) == OPEN_PREDICATE
