"""Statistics (issue 14): every figure on a hand-built district whose right answers are known,
the links to the case list, the exports, the definitions, the page (and once in a browser)."""
import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import login_user

from mediation.errors import NotFound
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db as _db
from mediation.models import Stage
from mediation.services import case_queries
from mediation.services import records
from mediation.services import statistics
from tests.factories import make_case
from tests.helpers import agree_orally
from tests.helpers import agreement_records
from tests.helpers import fire
from tests.helpers import utc

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
#: "today" for the figures that are about now (a stage accepted on 1 November is overdue then)
TODAY = date(2026, 12, 6)
ROOT = Path(__file__).resolve().parent.parent


def _accepted(user, at, **case):
    stage = make_case(user, now=at, **case).stages[0]
    fire(stage, 'accept', user, at)
    return stage


def _next_stage(stage):
    return _db.session.scalar(sa.select(Stage).where(Stage.previous_stage_id == stage.id))


def _agree_in_writing(stage, user, at):
    """A written agreement: drafted, then signed and sealed (the records written in place, as
    tests/helpers.agreement_records does; the signing itself is tested in test_agreements.py)."""
    agreement_records(stage, signed=(), sealed=False)
    _db.session.commit()
    fire(stage, 'draft_agreement', user, at)
    from mediation.models import Agreement
    from mediation.models import IssuedDocument
    from mediation.models import Signature
    from workflows.enums import DocumentKind
    from workflows.enums import SignatureMethod
    agreement = _db.session.scalar(sa.select(Agreement).where(Agreement.stage_id == stage.id))
    sha = _db.session.scalar(sa.text('SELECT sha256 FROM stored_file LIMIT 1'))
    for slot in ('party:0', 'mediator'):
        _db.session.add(Signature(agreement_id=agreement.id, slot=slot, name='签名人', file_sha256=sha,
                                  method=SignatureMethod.SCREEN))
    _db.session.add(IssuedDocument(case_id=stage.case_id, stage_id=stage.id, kind=DocumentKind.AGREEMENT,
                                   committee_id=stage.committee_id, case_number=stage.case_number,
                                   verification_code=f'TEST-{stage.id:04d}-0000', file_sha256=sha))
    _db.session.commit()
    return fire(stage, 'sign_agreement', user, at)


@pytest.fixture
def district(db, orgs, users):
    """The district of ``tests.factories`` with these cases (China times):

    - A  枫源村: accepted 2026-03-02, oral agreement 03-10; 1000 yuan
    - B  枫源村 → 枫桥镇 → 诸暨区: accepted 04-01, referred up 04-20; the town accepts 04-22 and refers
      up 04-30; the district accepts 05-05 and agrees (oral) 05-20; 2500.50 yuan
    - C  陈家村: accepted 06-01, withdrawn 06-05, closed 06-06
    - D  陈家村: accepted 06-10, referred up 06-20; the town declines it 06-22
    - E  湄池村: accepted 2026-12-31 23:30, oral agreement 2027-01-03 23:30; 民转刑 risk, 5 people
    - F  湄池村: accepted 2027-01-01 00:10 (next year)
    - G  枫源村: accepted 07-01, written agreement 07-05, judicial confirmation applied 07-10 and
      confirmed 07-20, two follow-up visits; group dispute with petition risk, 20 people; 300 yuan
    - H  枫源村: accepted 11-01, still mediating (overdue on 2026-12-06)
    """
    s = {}
    s['A'] = _accepted(users.village, utc(2026, 3, 2), amount='1000', title='A')
    agree_orally(s['A'], users.village, utc(2026, 3, 10))

    s['B'] = _accepted(users.village, utc(2026, 4, 1), amount='2500.50', category_code='HT', title='B')
    fire(s['B'], 'refer_up', users.village, utc(2026, 4, 20), consent=True)
    s['B_town'] = _next_stage(s['B'])
    fire(s['B_town'], 'accept', users.town, utc(2026, 4, 22), consent=True)
    fire(s['B_town'], 'refer_up', users.town, utc(2026, 4, 30), consent=True)
    s['B_district'] = _next_stage(s['B_town'])
    fire(s['B_district'], 'accept', users.district, utc(2026, 5, 5), consent=True)
    agree_orally(s['B_district'], users.district, utc(2026, 5, 20))

    s['C'] = _accepted(users.village_other, utc(2026, 6, 1), title='C')
    fire(s['C'], 'withdraw', users.village_other, utc(2026, 6, 5), reason='当事人自行和解')
    fire(s['C'], 'close', users.village_other, utc(2026, 6, 6))

    s['D'] = _accepted(users.village_other, utc(2026, 6, 10), title='D')
    fire(s['D'], 'refer_up', users.village_other, utc(2026, 6, 20), consent=True)
    s['D_town'] = _next_stage(s['D'])
    fire(s['D_town'], 'decline', users.town, utc(2026, 6, 22), reason='当事人不同意继续调解')

    s['E'] = _accepted(users.village_b, utc(2026, 12, 31, 23, 30), title='E', mzx_risk=True, people_involved=5)
    agree_orally(s['E'], users.village_b, utc(2027, 1, 3, 23, 30))
    s['F'] = _accepted(users.village_b, utc(2027, 1, 1, 0, 10), title='F')

    s['G'] = _accepted(users.village, utc(2026, 7, 1), amount='300', title='G', group_dispute=True,
                       petition_risk=True, people_involved=20, category_code='SC')
    _agree_in_writing(s['G'], users.village, utc(2026, 7, 5))
    fire(s['G'], 'apply_judicial_confirmation', users.village, utc(2026, 7, 10), court=orgs.court.id)
    s['G_court'] = _next_stage(s['G'])
    fire(s['G_court'], 'jc_accept', users.court, utc(2026, 7, 13), court_case_number='（2026）浙0681民特12号')
    fire(s['G_court'], 'jc_confirm', users.court, utc(2026, 7, 20))
    for day in (8, 9):
        records.add_follow_up(s['G'], users.village, records.FollowUpInput(
            visited_on=date(2026, 8, day), method='phone', visitors='调解员', person_visited='张三',
            situation='协议已履行。'), now=utc(2026, 8, day))
    _db.session.commit()

    s['H'] = _accepted(users.village, utc(2026, 11, 1), title='H')
    _db.session.expire_all()
    return s


def _list_count(app, user, args: dict) -> int:
    """How many cases the case list shows for ``args``, read as the list view reads its query string."""
    from mediation.cases import list_views
    with app.test_request_context('/cases/', query_string=args):
        login_user(user)
        committees = case_queries.jurisdiction_committees(user)
        filters, problems = list_views._filters_from(args, {org.id for org in committees})
        assert not problems
        return case_queries.count_cases(user, filters, TODAY)


def _every_figure(stats):
    """(where, figure) of every linked figure of the page."""
    for key, figure in stats.totals.items():
        yield f'total {key}', figure
    for group in ('by_level', 'by_category', 'by_source_group', 'by_committee', 'monthly', 'days',
                  'overdue_by_committee'):
        for row in getattr(stats, group):
            for key, figure in row.figures.items():
                yield f'{group} {row.key} {key}', figure
    for key, figure in stats.ladder.items():
        yield f'ladder {key}', figure


# --------------------------------------------------------------------------- the figures

def test_the_district_year(db, district, users):
    stats = statistics.figures(users.district, *YEAR, today=TODAY)
    t = stats.totals
    # B is accepted at all three levels; D's declined referral is not an acceptance; F is next year
    assert (t['accepted'].value, t['accepted'].cases) == (9, 7)
    levels = {row.key: row.figures for row in stats.by_level}
    assert [levels[k]['accepted'].value for k in ('village', 'town', 'district')] == [7, 1, 1]
    assert (t['agreed'].value, t['agreed'].cases) == (4, 4)
    assert [levels[k]['agreed'].value for k in ('village', 'town', 'district')] == [3, 0, 1]
    assert t['withdrawn'].value == 1
    # the withdrawn stage is neither success nor failure: 4 / (9 - 1)
    assert t['success_rate'].value == pytest.approx(0.5)
    assert levels['village']['success_rate'].value == pytest.approx(3 / 6)
    assert levels['town']['success_rate'].value == 0
    assert levels['district']['success_rate'].value == 1
    assert t['amount'].value == Decimal('3800.50')
    assert (t['written'].value, t['oral'].value) == (1, 3)
    assert (t['jc_applied'].value, t['jc_granted'].value) == (1, 1)
    assert (t['followed_up'].value, t['follow_up_visits'].value) == (1, 2)
    assert (t['mzx_cases'].value, t['mzx_persons'].value) == (1, 5)
    assert (t['petition_cases'].value, t['petition_persons'].value) == (1, 20)


def test_the_ladder_counts_a_case_once_at_the_level_that_settled_it(db, district, users):
    ladder = statistics.figures(users.district, *YEAR, today=TODAY).ladder
    # entered: A B C D E G H; concluded: without H (open) and C (withdrawn, not a failure)
    assert ladder['entered'].value == 7
    assert ladder['concluded'].value == 5
    assert (ladder['village'].cases, ladder['village'].value) == (3, pytest.approx(0.6))
    assert (ladder['town'].cases, ladder['town'].value) == (3, pytest.approx(0.6))
    assert (ladder['district'].cases, ladder['district'].value) == (4, pytest.approx(0.8))


def test_days_to_outcome_per_level(db, district, users):
    days = {row.key: row.figures for row in statistics.figures(users.district, *YEAR, today=TODAY).days}
    # village: E 3, C 4, G 4, A 8, D 10, B 19 → average 8.0, 90th percentile (6th of 6) 19
    assert days['village']['stages'].value == 6
    assert days['village']['days_average'].value == 8.0
    assert days['village']['days_p90'].value == 19.0
    assert (days['town']['days_average'].value, days['town']['days_p90'].value) == (8.0, 8.0)
    assert (days['district']['days_average'].value, days['district']['days_p90'].value) == (15.0, 15.0)


def test_period_boundaries_are_china_days(db, district, users):
    december = statistics.figures(users.district, date(2026, 12, 1), date(2026, 12, 31), today=TODAY)
    assert december.totals['accepted'].value == 1  # E, 23:30 on 31 December
    january = statistics.figures(users.district, date(2027, 1, 1), date(2027, 1, 31), today=TODAY)
    assert january.totals['accepted'].value == 1  # F, 00:10 on 1 January (still 31 December in UTC)
    monthly = {row.key: row.figures['accepted'].value for row in statistics.figures(
        users.district, *YEAR, today=TODAY).monthly}
    assert monthly == {'2026-01': 0, '2026-02': 0, '2026-03': 1, '2026-04': 2, '2026-05': 1, '2026-06': 2,
                       '2026-07': 1, '2026-08': 0, '2026-09': 0, '2026-10': 0, '2026-11': 1, '2026-12': 1}


def test_breakdowns_add_up(db, district, users):
    stats = statistics.figures(users.district, *YEAR, today=TODAY)
    accepted = stats.totals['accepted'].value
    committees = {row.key: row.figures['accepted'].value for row in stats.by_committee}
    assert committees == {'330681': 1, '330681-FQ': 1, 'FQ-FY': 4, 'FQ-CJ': 2, '330681-DK': 0, 'DK-MC': 1}
    assert sum(committees.values()) == accepted
    tops = {row.key: row.figures['accepted'].value for row in stats.by_category if row.depth == 0}
    assert sum(tops.values()) == accepted
    assert tops['HT'] == 3 and tops['SC'] == 1 and tops['LL'] == 5
    groups = {row.key: row.figures['accepted'].value for row in stats.by_source_group}
    assert groups == {'initiative': 0, 'application': 9, 'entrusted': 0}


def test_overdue_and_due_soon_now(db, district, users):
    stats = statistics.figures(users.district, *YEAR, today=TODAY)
    assert stats.overdue_now.value == 1  # H
    ranked = stats.overdue_by_committee
    assert (ranked[0].key, ranked[0].figures['overdue'].value) == ('FQ-FY', 1)
    assert sum(row.figures['overdue'].value for row in ranked) == 1


def test_scope_is_the_jurisdiction(db, district, users, orgs):
    town = statistics.figures(users.town, *YEAR, today=TODAY)
    assert town.totals['accepted'].value == 7  # A B(village) C D G H, and B at the town
    assert [row.key for row in town.by_level] == ['village', 'town']
    village = statistics.figures(users.village, *YEAR, today=TODAY)
    assert village.totals['accepted'].value == 4  # A B G H
    assert [row.key for row in village.by_committee] == ['FQ-FY']
    chosen = statistics.figures(users.district, *YEAR, 'DK-MC', today=TODAY)
    assert chosen.scope.code == 'DK-MC' and chosen.totals['accepted'].value == 1
    with pytest.raises(NotFound):
        statistics.figures(users.village, *YEAR, '330681-FQ', today=TODAY)  # above the village
    with pytest.raises(NotFound):
        statistics.figures(users.town, *YEAR, 'DK-MC', today=TODAY)  # another town's village
    with pytest.raises(NotFound):
        statistics.figures(users.district, *YEAR, 'COURT-ZJ', today=TODAY)
    with pytest.raises(PermissionDenied):
        statistics.figures(users.court, *YEAR, today=TODAY)
    with pytest.raises(ValidationFailed):
        statistics.figures(users.district, date(2026, 2, 1), date(2026, 1, 1), today=TODAY)


# --------------------------------------------------------------------------- every figure is its list

@pytest.mark.parametrize('who', ['district', 'town', 'village'])
def test_every_linked_figure_equals_the_case_list_it_opens(app, db, district, users, who):
    user = getattr(users, who)
    stats = statistics.figures(user, *YEAR, today=TODAY)
    checked = 0
    for where, figure in _every_figure(stats):
        if figure.cases is None:
            continue
        assert _list_count(app, user, figure.args) == figure.cases, where
        checked += 1
    assert checked > 100


def test_json_has_what_the_api_needs(db, district, users):
    data = statistics.figures(users.district, *YEAR, today=TODAY).as_json()
    for key in ('accepted', 'agreed', 'success_rate', 'by_category', 'by_source_group', 'by_committee', 'ladder',
                'overdue_now'):
        assert key in data
    assert (data['accepted'], data['agreed'], data['success_rate'], data['overdue_now']) == (9, 4, 0.5, 1)
    assert data['ladder'] == {'village': 0.6, 'town': 0.6, 'district': 0.8}
    assert data['amount'] == 3800.5
    import json
    json.dumps(data)


# --------------------------------------------------------------------------- exports

def test_xlsx_totals_equal_the_page(db, district, users):
    from openpyxl import load_workbook
    stats = statistics.figures(users.district, *YEAR, today=TODAY)
    book = load_workbook(io.BytesIO(statistics.xlsx_bytes(stats)))
    sheet = book.active
    title = sheet['A1'].value
    assert '诸暨区' in title and '2026年01月01日至2026年12月31日' in title
    assert '填报单位' in sheet['A2'].value
    header = [cell.value for cell in sheet[3]]
    rows = []
    for line in sheet.iter_rows(min_row=4, values_only=True):
        if line[0] is None:
            break
        rows.append(line)
    committees, totals = rows[:-1], rows[-1]
    assert totals[0] == '合计'
    assert [row[0] for row in committees] == [row.label for row in stats.by_committee]
    column = {name: index for index, name in enumerate(header)}
    for key in ('accepted', 'agreed', 'written', 'oral', 'jc_applied', 'jc_granted', 'mzx_cases', 'mzx_persons'):
        index = column[statistics.LABELS[key]]
        assert totals[index] == sum(row[index] for row in committees) == stats.totals[key].value, key
    amount = column[statistics.LABELS['amount']]
    assert totals[amount] == pytest.approx(float(stats.totals['amount'].value))
    assert totals[column[statistics.LABELS['success_rate']]] == pytest.approx(0.5)
    categories = [name for name in header if name.endswith('（受理）')]
    assert sum(totals[column[name]] for name in categories) == stats.totals['accepted'].value


def test_csv_matches_the_xlsx(db, district, users):
    stats = statistics.figures(users.district, *YEAR, today=TODAY)
    text = statistics.csv_text(stats)
    assert text.startswith('\ufeff')
    lines = list(csv.reader(io.StringIO(text.lstrip('\ufeff'))))
    assert '诸暨区' in lines[0][0]
    header, totals = lines[1], next(line for line in lines if line and line[0] == '合计')
    assert int(totals[header.index('受理')]) == 9
    assert int(totals[header.index('调解成功')]) == 4


# --------------------------------------------------------------------------- definitions

def test_every_figure_has_a_definition_and_the_doc_repeats_it():
    doc = (ROOT / 'docs' / 'statistics.md').read_text(encoding='utf-8')
    keys = set(statistics.HEADLINE) | {'ladder_' + key for key in ('entered', 'concluded') + statistics.LADDER_KEYS} | {
        'days_average', 'days_p90', 'due_soon_now', 'overdue_now', 'by_category', 'by_source_group', 'by_committee',
        'monthly'}
    assert keys <= set(statistics.DEFINITIONS)
    assert set(statistics.DEFINITIONS) == set(statistics.LABELS)
    for key, text in statistics.DEFINITIONS.items():
        assert f'`{key}`' in doc, key
        assert text in doc, key


# --------------------------------------------------------------------------- the page

def test_page_shows_figures_links_and_tooltips(client, login, district, users, app):
    login(users.district)
    response = client.get('/statistics/?period=year&year=2026')
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for key in statistics.HEADLINE:
        assert statistics.DEFINITIONS[key].replace('“', '&#34;')[:10] in html or \
            statistics.DEFINITIONS[key][:10] in html, key
    assert 'title="' in html and 'echarts.min.js' in html
    links = re.findall(r'href="(/cases/\?[^"]+)"', html)
    assert len(links) > 30
    assert any('ladder=district' in link for link in links)
    # a link followed: the list answers, its first row from the period
    page = client.get(links[0].replace('&amp;', '&'))
    assert page.status_code == 200


def test_page_keeps_bad_input_and_says_so(client, login, district, users):
    login(users.district)
    html = client.get('/statistics/?period=custom&start=2026-13-01&end=2026-12-31').get_data(as_text=True)
    assert '2026-13-01' in html and 'flash warning' in html
    html = client.get('/statistics/?period=year&year=abc&org=NOPE').get_data(as_text=True)
    assert 'flash warning' in html and '找不到该调解组织' in html


def test_court_officer_has_no_statistics(client, login, users, db):
    login(users.court)
    assert client.get('/statistics/').status_code == 403


def test_exports_download(client, login, district, users):
    login(users.town)
    xlsx = client.get('/statistics/export.xlsx?period=year&year=2026')
    assert xlsx.status_code == 200 and xlsx.data[:2] == b'PK'
    text = client.get('/statistics/export.csv?period=year&year=2026').get_data(as_text=True)
    assert '枫桥镇' in text


@pytest.mark.browser
def test_statistics_page_in_a_browser(app, district, users, db):
    """Drive the page in Chromium: the charts draw, the tables stand beside them; screenshots kept."""
    import shutil
    import threading

    from werkzeug.serving import make_server
    chromium = shutil.which('chromium') or '/usr/bin/chromium'
    if not Path(chromium).exists():
        pytest.fail('chromium is not installed (make test installs it)')
    from playwright.sync_api import sync_playwright
    username = users.district.username
    db.session.rollback()
    out = ROOT / 'test-results' / 'statistics'
    out.mkdir(parents=True, exist_ok=True)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f'http://127.0.0.1:{server.server_port}'
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=['--no-sandbox', '--disable-gpu'])
            page = browser.new_page(viewport={'width': 1280, 'height': 900}, locale='zh-CN')
            page.goto(f'{base}/login')
            page.fill('#username', username)
            page.fill('#password', 'password123')
            page.click('main button[type=submit]')
            page.wait_for_url(f'{base}/')
            page.goto(f'{base}/statistics/?period=year&year=2026')
            for chart in ('chart-monthly', 'chart-categories', 'chart-ladder', 'chart-overdue'):
                page.wait_for_selector(f'#{chart} svg')
            page.screenshot(path=str(out / 'desktop.png'), full_page=True)
            page.emulate_media(media='print')
            page.screenshot(path=str(out / 'print.png'), full_page=True)
            page.emulate_media(media='screen')
            page.set_viewport_size({'width': 390, 'height': 844})
            page.screenshot(path=str(out / 'phone.png'), full_page=True)
            page.set_viewport_size({'width': 1280, 'height': 900})
            page.click('text=小事不出村 >> xpath=../td[1]/a')
            page.wait_for_url(re.compile(r'.*ladder=village.*'))
            assert page.locator('table.case-list tbody tr').count() == 3
            page.screenshot(path=str(out / 'ladder-list.png'), full_page=True)
            browser.close()
    finally:
        server.shutdown()
        thread.join()


def test_the_linked_list_says_what_it_counts_and_keeps_it_when_narrowed(client, login, district, users, orgs):
    login(users.district)
    args = {'within': orgs.district.id, 'accepted_from': '2026-01-01', 'accepted_to': '2026-12-31',
            'ladder': 'village'}
    html = client.get('/cases/', query_string=args).get_data(as_text=True)
    assert '统计口径：诸暨区及下辖 · 受理于 2026-01-01 至 2026-12-31 · 在村级化解' in html
    assert 'name="ladder" value="village"' in html and 'name="accepted_from" value="2026-01-01"' in html
    # narrowing it with the filter form keeps the statistics' filters
    response = client.post('/cases/', data={**args, 'category_id': '', 'q': ''})
    assert 'ladder=village' in response.headers['Location']
    # a bad acceptance date is said, not a 500
    html = client.get('/cases/', query_string={**args, 'accepted_from': '2026-02-30'}).get_data(as_text=True)
    assert '受理日期（起）' in html


@pytest.mark.parametrize('who', ['village', 'town', 'admin'])
def test_page_for_each_role_and_in_english(client, login, district, users, who):
    login(getattr(users, who))
    html = client.get('/statistics/?period=quarter&year=2026&quarter=2').get_data(as_text=True)
    assert '2026-04-01' in html and '2026-06-30' in html
    client.post('/locale/en', data={'next': '/statistics/'})
    response = client.get('/statistics/?period=month&year=2026&month=6')
    assert response.status_code == 200
    assert 'Town (subdistrict)' in response.get_data(as_text=True) or who == 'village'


# --------------------------------------------------------------------------- the API

def _api(client, db, user):
    from tests.test_api import _client_for
    return _client_for(client, db, user)


def test_the_api_gives_the_pages_figures(client, db, district, users):
    expected = statistics.figures(users.district, *YEAR).as_json()
    response = _api(client, db, users.district).get('/api/v1/statistics?start=2026-01-01&end=2026-12-31')
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert (data['accepted'], data['agreed'], data['success_rate']) == (9, 4, 0.5)
    assert data['ladder'] == {'village': 0.6, 'town': 0.6, 'district': 0.8}
    for key in ('by_category', 'by_source_group', 'by_committee', 'overdue_now', 'amount'):
        assert data[key] == expected[key], key
    # one committee inside the jurisdiction: its own figures
    town = _api(client, db, users.district).get('/api/v1/statistics?start=2026-01-01&end=2026-12-31&org=330681-FQ')
    assert town.get_json()['accepted'] == statistics.figures(users.district, *YEAR, '330681-FQ').totals[
        'accepted'].value < 9


def test_the_api_keeps_to_the_jurisdiction_and_says_what_is_wrong(client, db, district, users):
    from tests.test_api import _error
    village = _api(client, db, users.village)
    own = village.get('/api/v1/statistics?start=2026-01-01&end=2026-12-31').get_json()
    assert own['accepted'] == statistics.figures(users.village, *YEAR).totals['accepted'].value < 9
    assert own['scope']['code'] == 'FQ-FY'
    _error(village.get('/api/v1/statistics?start=2026-01-01&end=2026-12-31&org=DK-MC'), 404, 'not_found')
    _error(village.get('/api/v1/statistics?start=2026-01-01&end=2026-12-31&org=330681'), 404, 'not_found')
    _error(_api(client, db, users.court).get('/api/v1/statistics?start=2026-01-01&end=2026-12-31'), 403)
    for query in ('start=2026-12-31&end=2026-01-01', 'end=2026-12-31', 'start=2026-13-01&end=2026-12-31',
                  'start=0001-01-01&end=2026-12-31', 'start=2026-01-01&end=2026-12-31&x=1'):
        _error(village.get(f'/api/v1/statistics?{query}'), 422)
    _error(client.get('/api/v1/statistics?start=2026-01-01&end=2026-12-31'), 401)


def test_the_api_xlsx_totals_equal_the_json(client, db, district, users):
    from openpyxl import load_workbook
    api = _api(client, db, users.district)
    data = api.get('/api/v1/statistics?start=2026-01-01&end=2026-12-31').get_json()
    response = api.get('/api/v1/statistics.xlsx?start=2026-01-01&end=2026-12-31')
    assert response.status_code == 200
    assert response.mimetype == 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[3]]
    totals = next(row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0] == '合计')
    assert totals[header.index(statistics.LABELS['accepted'])] == data['accepted']
    assert totals[header.index(statistics.LABELS['agreed'])] == data['agreed']
