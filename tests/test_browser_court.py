"""The court's journey (issue 13), clicked through in Debian's Chromium: the court officer sends a 委派 case
down to a village on the court's roster, the village accepts it, the mediation fails and the village returns
it, and it comes back to the court's inbox with its closing report. Screenshots in test-results/court/.
"""
import re
from pathlib import Path

import pytest

from tests.test_browser import live_server  # noqa: F401 (a fixture)
from tests.test_browser import page  # noqa: F401 (a fixture)
from tests.test_browser import sign_in
from tests.test_browser import usernames  # noqa: F401 (a fixture)
from tests.test_browser_journey import open_action

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / 'test-results' / 'court'
DESKTOP = {'width': 1280, 'height': 900}
TITLE = '装修合同款纠纷'
NUMBER = '（2026）浙0681民诉前调88号'


class Camera:
    def __init__(self):
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob('*.png'):
            old.unlink()
        self.count = 0

    def __call__(self, tab, name):
        self.count += 1
        tab.screenshot(path=str(SHOTS / f'{self.count:02d}-{name}.png'), full_page=True)


@pytest.fixture
def roster(usernames, orgs, db):  # noqa: F811 (the fixture imported above)
    """The court's roster lists the village (made before the browser starts: SQLite's one writer)."""
    from mediation.models import InvitedOrganisation
    db.session.add(InvitedOrganisation(court_id=orgs.court.id, committee_id=orgs.village_a1.id))
    db.session.commit()
    names = {'village': orgs.village_a1.committee_name}
    db.session.rollback()
    return names


def switch_user(tab, base, username):
    tab.context.clear_cookies()
    sign_in(tab, base, username)


def test_a_delegated_case_goes_down_fails_and_comes_back_with_its_closing_report(
        live_server, page, usernames, roster):  # noqa: F811
    camera = Camera()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, usernames.court)
    page.click('nav >> text=委派调解')
    page.wait_for_selector('h1:has-text("委派（委托）调解")')
    page.select_option('#kind', 'court_delegated')
    page.fill('#court_case_number', '（2026）浙0681民初88号')  # the wrong type for a 委派 first
    page.select_option('#committee_id', label=roster['village'])
    page.fill('#title', TITLE)
    page.select_option('#category_id', label='合同纠纷')
    page.fill('#facts', '装修完工后业主拖欠尾款三万元。')
    page.fill('#reason', '原告同意诉前委派调解')
    page.fill('#parties-0-name', '孙八')
    page.fill('#parties-0-phone', '13812345678')
    page.fill('#parties-1-name', '周九')
    page.click('main button[type=submit]:has-text("委派（委托）调解")')
    page.wait_for_selector('.error-summary')
    assert page.locator('.field-error', has_text='民诉前调').count() == 1
    assert page.input_value('#title') == TITLE and page.input_value('#parties-1-name') == '周九'
    camera(page, 'delegation-refused')
    page.fill('#court_case_number', NUMBER)
    page.click('main button[type=submit]:has-text("委派（委托）调解")')
    page.wait_for_selector('text=已委派（委托）调解')
    case_url = page.url
    assert page.locator('.badge', has_text='委派（委托）调解中').count() >= 1
    assert page.locator('text=人调字').count() == 0
    camera(page, 'sent-down')
    page.goto(f'{live_server}/court/sent')
    row = page.locator('table.court-sent tbody tr', has_text=TITLE)
    assert row.count() == 1 and NUMBER in row.inner_text() and '待受理' in row.inner_text()
    camera(page, 'sent-list')

    # the village, on its phone: accept, the mediation fails, back to the court
    switch_user(page, live_server, usernames.village)
    page.set_viewport_size({'width': 390, 'height': 844})
    page.goto(case_url)
    open_action(page, '受理').locator('button[type=submit]').click()
    page.wait_for_selector('text=已完成“受理”')
    form = open_action(page, '调解不成')
    form.locator('textarea[name=reason]').fill('被告认为工程有质量问题，拒绝支付尾款，双方差距过大')
    form.locator('button[type=submit]').click()
    page.wait_for_selector('text=已完成“调解不成”')
    form = open_action(page, '退回法院')
    form.locator('textarea[name=reason]').fill('调解不成，退回法院并附结案报告')
    form.locator('button[type=submit]').click()
    page.wait_for_selector('text=已完成“退回法院”')
    assert page.locator('.badge', has_text='已退回法院').count() >= 1
    camera(page, 'returned-by-village')

    # the court's inbox: the case is back, with the closing report and the next step
    switch_user(page, live_server, usernames.court)
    page.set_viewport_size(DESKTOP)
    page.click('nav >> text=法院收案')
    row = page.locator('table.court-inbox tbody tr', has_text=TITLE)
    row.wait_for()
    text = row.inner_text()
    assert '调解不成' in text and '结案报告' in text and '调解不成，退回法院并附结案报告' in text
    assert '登记立案' in text and '转入审判' not in text
    assert re.search(r'2026|届满', text)
    camera(page, 'court-inbox')
    row.locator('a', has_text='结案报告').click()
    page.wait_for_selector('h1:has-text("结案报告")')
    report = page.locator('.closing-report-page').inner_text()
    assert NUMBER in report and '未能达成调解协议' in report and '调解不成，退回法院并附结案报告' in report
    camera(page, 'closing-report')
    page.go_back()
    row = page.locator('table.court-inbox tbody tr', has_text=TITLE)
    row.locator('a', has_text=TITLE).click()
    page.wait_for_selector('text=调解结果已退回')
    assert page.locator('.transcripts-withheld').count() >= 1
    camera(page, 'court-case-page')
