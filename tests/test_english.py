"""The English interface is complete: the main pages, with a case that has a subcategory, risk
flags, a person and an organisation, deadlines and notices, show no Chinese but the data the users
typed (names, the dispute's own words), and the chosen language survives signing out."""
import pprint
import re

import pytest

from tests.factories import case_input
from tests.factories import category
from tests.helpers import fire
from tests.helpers import sweep
from tests.helpers import utc
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import NoticeKind
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Source

CJK = re.compile(r'[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+')
TITLE, FACTS = '遗产房屋继承纠纷', '兄弟二人因父亲遗留房屋的继承份额发生争执。'


@pytest.fixture
def client(client):
    """Each request chooses its language afresh (see tests/test_i18n.py: the ``db`` fixture's app
    context would otherwise keep the first request's locale in ``g``)."""
    from flask import g
    from flask import has_app_context
    original = client.open

    def open_fresh(*args, **kwargs):
        if has_app_context():
            g.pop('_flask_babel', None)
        return original(*args, **kwargs)

    client.open = open_fresh
    return client


@pytest.fixture
def world(db, users, orgs):
    """A risky inheritance case between a person and a company, accepted at the village, a due-soon
    reminder and a risk alert; another case referred up to the town."""
    from mediation.services.cases import PartyInput
    from mediation.services.cases import create_case
    parties = [PartyInput(role='applicant', kind='person', name='张大山', id_number='11010519491231002X',
                          phone='13812345678', address='枫桥镇枫源村3组12号'),
               PartyInput(role='respondent', kind='organisation', name='枫桥建材有限公司', uscc='91350100M000100Y43',
                          legal_representative='王建国', address='枫桥镇工业区8号')]
    data = case_input(TITLE, category_code='HY-JC', parties=parties, mzx_risk=True, risk_level='orange',
                      intake_level='town')
    data.facts, data.place = FACTS, '枫源村'
    case = create_case(users.village, data, now=utc(2026, 3, 2)).case
    db.session.commit()
    stage = case.stages[0]
    fire(stage, 'accept', users.town, utc(2026, 3, 2), consent=True)
    sweep(utc(2026, 3, 30))  # due soon: a reminder for the town
    referred = create_case(users.village, case_input('宅基地边界纠纷'), now=utc(2026, 3, 20)).case
    db.session.commit()
    fire(referred.stages[0], 'accept', users.village, utc(2026, 3, 20), consent=True)
    fire(referred.stages[0], 'refer_up', users.village, utc(2026, 3, 25), consent=True)
    db.session.commit()
    data_strings = [TITLE, FACTS, '枫源村', '宅基地边界纠纷', '双方因排水沟堵塞发生争执。', '张大山', '枫桥建材有限公司',
                    '王建国', '枫桥镇枫源村3组12号', '枫桥镇工业区8号', '张三', '李四', '枫桥镇枫源村3组12号',
                    stage.case_number, referred.stages[0].case_number]
    for user in vars(users).values():
        data_strings.append(user.display_name)
    for org in vars(orgs).values():
        data_strings += [org.committee_name, org.name]
    return {'case': case, 'referred': referred, 'data': sorted(set(filter(None, data_strings)), key=len, reverse=True)}


def _english(client):
    assert client.post('/locale/en', data={'next': '/'}).status_code == 302


def _chinese_left(page: str, data) -> list[str]:
    """Chinese on ``page`` once the users' own data and the language switch ('中文') are taken out."""
    body = page.split('<body>', 1)[1]
    body = re.sub(r'<script.*?</script>', '', body, flags=re.S)
    for text in data:
        body = body.replace(text, '')
    body = body.replace('>中文<', '><')
    return sorted(set(CJK.findall(body)))


def test_the_main_pages_have_no_chinese_but_the_users_data(client, users, login, world):
    case = world['case']
    login(users.town)
    _english(client)
    pages = {
        '/': ('Dashboard', 'Reminders and alerts', 'Assessed as high risk', 'risk of turning into a criminal case',
              'Report to the police promptly', 'Due on 2026-04-02: please act on it soon.', 'Risk alert'),
        '/cases/': ('Marriage and family / Inheritance', 'Application by a party'),
        f'/cases/{case.id}': ('Marriage and family / Inheritance', 'Application by a party', 'Orange',
                              'Applicant', 'Respondent', 'Mediation time limit', 'due 2026-04-02',
                              'Town (subdistrict) mediation time limit: one month from the day after acceptance',
                              'The acceptance day: 2026-03-02 (Monday), not counted'),
        '/cases/new': ('Register a dispute', 'Natural person', 'Organisation', 'Applicant', 'Respondent',
                       'Application by a party', 'Red', 'Neighbours',
                       'Marriage and family (other)', 'Inheritance'),
        '/notices': ('Reminders and alerts', 'Referred cases waiting for acceptance here', 'Due soon',
                     'Risk alert'),
        '/deadline-calculator?start=2026-09-30&unit=workdays&amount=3': (
            'A period of 3 working days, counted from the day after the start day',
            '2026-10-01 (Thursday) to 2026-10-07 (Wednesday): National Day holiday, not counted as working days',
            '2026-10-10 (Saturday) is a make-up working day for National Day: counted as a working day',
            'Due date: 2026-10-10 (Saturday), expiring at 24:00 that day'),
    }
    problems = {}
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert '<html lang="en">' in page, url
        missing = [text for text in expected if text not in page.replace('&#39;', "'")]
        left = _chinese_left(page, world['data'])
        if missing or left:
            problems[url] = {'missing': missing, 'chinese': left}
    assert not problems, pprint.pformat(problems, width=110)


def test_a_fresh_intakes_acceptance_limit_speaks_of_registration(client, users, login, world):
    login(users.village)
    referred = world['referred']
    fresh = world['case']
    # The village's fresh intake before acceptance: its own wording, not the referral's.
    from tests.factories import make_case
    pending = make_case(users.village, title='新登记的纠纷')
    page = client.get(f'/cases/{pending.id}').get_data(as_text=True)
    assert '受理期限：自登记纠纷次日起3个工作日内决定是否受理' in page and '自收到移送、委派材料' not in page
    assert '登记日：' in page
    line = re.search(r'<dd class="deadline-line">(.*?)</dd>', page, re.S).group(1)
    dt = re.findall(r'<dt>([^<]*)</dt><dd class="deadline-line">', page)
    assert dt == ['受理期限'] and '期限' not in line  # "期限" once on the deadline line
    _english(client)
    page = client.get(f'/cases/{pending.id}').get_data(as_text=True)
    assert 'decide whether to accept within 3 working days from the day after the dispute was registered' in page
    assert 'The registration day:' in page
    # The town's stage of the referred case: the referral wording.
    client.post('/logout')
    login(users.town)
    _english(client)
    town_stage = referred.stages[-1]
    page = client.get(f'/cases/{referred.id}').get_data(as_text=True)
    assert town_stage.clock == Clock.ACCEPTANCE
    assert 'from the day after the referred or delegated materials arrived' in page
    assert fresh.id != referred.id


def test_the_language_survives_signing_out(client, users, login):
    login(users.village)
    _english(client)
    response = client.post('/logout', follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and 'Sign in' in page
    login(users.village)
    assert '<html lang="en">' in client.get('/').get_data(as_text=True)
    # A new browser session (the session cookie gone: closed browser, expired session) still remembers it.
    client.post('/logout')
    client.delete_cookie('session')
    assert client.get_cookie('locale').value == 'en'
    assert '<html lang="en">' in client.get('/login').get_data(as_text=True)
    # Choosing Chinese again is remembered the same way.
    client.post('/locale/zh_CN', data={'next': '/'})
    assert client.get_cookie('locale').value == 'zh_CN'


def test_labels_follow_the_language(app, users, world):
    from mediation.web import label
    case = world['case']
    from flask_babel import refresh
    with app.test_request_context('/'):
        from flask import session
        session['locale'] = 'en'
        refresh()
        assert case.category.full_name == 'Marriage and family / Inheritance'
        assert case.category.full_name_zh == '婚姻家庭纠纷 / 继承纠纷'
        assert [label(member) for member in (Source.PARTY_APPLICATION, RiskLevel.ORANGE, PartyRole.RESPONDENT,
                                             PartyKind.ORGANISATION, Level.TOWN, NoticeKind.RISK_ALERT)] == [
            'Application by a party', 'Orange', 'Respondent', 'Organisation', 'Town (subdistrict)', 'Risk alert']
        assert label(case.category) == 'Inheritance'
    with app.test_request_context('/'):
        refresh()  # the test's app context is shared: forget the locale the last request chose
        assert case.category.full_name == '婚姻家庭纠纷 / 继承纠纷'
        assert label(RiskLevel.ORANGE) == '橙色'


def test_every_seeded_category_has_an_english_name(db):
    import sqlalchemy as sa

    from mediation.models import Category
    categories = db.session.scalars(sa.select(Category)).all()
    assert len(categories) >= 20
    assert all(c.name_en and c.name_en.isascii() for c in categories), [c.code for c in categories if not c.name_en]
    assert category('HY-SY').name_en == 'Support of elderly parents'
