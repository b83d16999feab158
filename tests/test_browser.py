"""Main journeys in a real browser: Debian's Chromium driven by Playwright (no browser download)."""
import re
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from tests.factories import make_case

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app):
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
    thread.join()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update', '--disable-sync'])
        context = browser.new_context(viewport={'width': 390, 'height': 844}, locale='zh-CN')  # a phone
        context.set_default_timeout(10000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def usernames(users, db):
    """The demo usernames, read before the browser starts: the test's own session must not hold
    SQLite's write lock (transactions there begin IMMEDIATE) while the server handles requests."""
    names = SimpleNamespace(**{key: user.username for key, user in vars(users).items()})
    db.session.rollback()
    return names


def sign_in(page, base, username):
    page.goto(f'{base}/login')
    page.fill('#username', username)
    page.fill('#password', 'password123')
    page.click('main button[type=submit]')
    page.wait_for_url(f'{base}/')


def test_village_mediator_logs_and_accepts_a_dispute(live_server, page, usernames):
    sign_in(page, live_server, usernames.village)
    page.click('text=登记纠纷')
    page.fill('#title', '宅基地边界纠纷')
    page.select_option('#category_id', label='房屋宅基地纠纷')
    page.fill('#facts', '两户因宅基地边界围墙发生争执。')
    page.fill('#parties-0-name', '王五')
    page.fill('#parties-0-id_number', '11010519491231002x')
    page.fill('#parties-0-phone', '+86 138-1234-5678')
    page.select_option('#parties-1-role', 'respondent')
    page.fill('#parties-1-name', '赵六')
    page.click('button:has-text("登记")')
    page.wait_for_selector('text=纠纷已登记')
    assert page.locator('text=110105********002X').count() == 1
    page.locator('summary').filter(has_text=re.compile(r'^受理$')).click()
    page.click('button:has-text("确认：受理")')
    page.wait_for_selector('text=已完成“受理”')
    assert page.locator('text=人调字第1号').count() >= 1
    # The deadline line: the clock's name once ("调解期限"), then the due date.
    assert page.locator('dd.deadline-line', has_text='届满').count() >= 1
    # Found again by the party's ID number; the address bar (and history) never holds the number.
    page.goto(f'{live_server}/cases/')
    page.fill('#q', '11010519491231002X')
    page.click('button:has-text("筛选")')
    page.wait_for_url(re.compile(r'qh='))
    assert '1949' not in page.url
    assert page.locator('text=宅基地边界纠纷').count() == 1
    assert page.locator('text=按身份证号或电话查找：110105********002X').count() == 1


def test_bad_id_number_keeps_what_was_typed(live_server, page, usernames):
    sign_in(page, live_server, usernames.village)
    page.goto(f'{live_server}/cases/new')
    page.fill('#title', '借款纠纷')
    page.select_option('#category_id', label='合同纠纷')
    page.fill('#facts', '借款到期未还。')
    page.fill('#parties-0-name', '钱七')
    page.fill('#parties-0-id_number', '110105194912310021')
    page.click('button:has-text("登记")')
    page.wait_for_selector('text=校验')
    assert page.input_value('#title') == '借款纠纷'
    assert page.input_value('#parties-0-id_number') == '110105194912310021'


def test_other_village_cannot_open_the_case(live_server, page, users, db):
    case_id, other = make_case(users.village).id, users.village_other.username
    db.session.rollback()
    sign_in(page, live_server, other)
    response = page.goto(f'{live_server}/cases/{case_id}')
    assert response.status == 404
    assert page.locator('text=找不到该案件').count() == 1


ARTIFACTS = Path(__file__).resolve().parent.parent / 'test-results'


def shot(page, name):
    """Keep a screenshot of the step as a test artifact (test-results/, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f'{name}.png'), full_page=True)


def draw_signature(page, canvas):
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box['x'] + 20, box['y'] + box['height'] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 22, y + (18 if step % 2 else -18), steps=3)
    page.mouse.up()


def test_an_agreement_is_drafted_signed_on_the_pad_sealed_downloaded_and_verified(
        live_server, page, users, db, tmp_path):
    from mediation.services import sealing
    from tests.helpers import accepted_stage
    from tests.helpers import utc
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    sealing.init_committee_keys()
    case_id, username = stage.case_id, users.village.username
    db.session.commit()
    db.session.rollback()
    sign_in(page, live_server, username)
    page.goto(f'{live_server}/cases/{case_id}')
    page.click('text=填写调解协议')
    # The items the case did not give: the respondent's details, the dispute, responsibility, the terms.
    page.select_option('#parties-1-sex', '男')
    page.fill('#parties-1-age', '45')
    page.fill('#parties-1-address', '枫桥镇枫源村2组8号')
    page.fill('#disputes', '排水沟由谁疏通、损失由谁承担。')
    page.fill('#responsibility', '被申请人未及时清理排水沟，负主要责任。')
    page.fill('#terms-0-content', '被申请人赔偿申请人损失人民币1200元。')
    page.fill('#terms-0-manner', '银行转账')
    page.fill('#terms-0-place', '枫源村村民委员会')
    page.fill('#terms-0-deadline', '2026年3月20日前')
    shot(page, 'agreement-1-draft')
    page.click('button:has-text("定稿，转入签名")')
    page.wait_for_selector('text=协议已定稿')
    for slot in ('party-0', 'party-1', 'mediator'):
        section = page.locator(f'#signer-{slot}')
        draw_signature(page, section.locator('canvas'))
        section.locator('button:has-text("确认签名")').click()
        page.wait_for_selector(f'#signer-{slot}.signed')
    shot(page, 'agreement-2-signed')
    page.click('button:has-text("盖章，协议生效")')
    page.wait_for_selector('text=协议已盖章生效')
    code = re.search(r'验证码 ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})', page.content()).group(1)
    shot(page, 'agreement-3-sealed')
    with page.expect_download() as download:
        page.locator('.documents li', has_text='人民调解协议书').locator('text=下载').click()
    saved = tmp_path / 'agreement.pdf'
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b'%PDF')
    page.goto(f'{live_server}/verify')
    page.set_input_files('#document', str(saved))
    page.click('button:has-text("核验")')
    page.wait_for_selector('text=真实有效')
    assert page.locator(f'text={code}').count() == 1
    assert page.locator('text=枫源村人民调解委员会').count() >= 1
    shot(page, 'agreement-4-verified')
