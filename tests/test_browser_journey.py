"""The issue's phone journey (issue 12), clicked through in Debian's Chromium on a 390×844 viewport.

A village mediator logs a dispute between a person and a company, accepts it, records a session with each
side's statement and a photo taken at it, records the failure and refers the case up with the parties' consent.
The town mediator, on their own phone, finds it in the inbox, accepts it, drafts the agreement, has it signed on
the pad and seals it, records the performance of its term and a follow-up visit. The case page's history and
each stage's diagram then show both stages. Every main step leaves a screenshot in test-results/journey/.
"""
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediation.chinatime import today_in_china
from mediation.identifiers import resident_id_check_char
from mediation.identifiers import uscc_check_char
from tests.test_browser import draw_signature
from tests.test_browser import live_server  # noqa: F401 (a fixture)
from tests.test_browser import page  # noqa: F401 (a fixture)
from tests.test_browser import sign_in
from tests.test_browser import usernames  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / 'test-results' / 'journey'
PHONE = {'width': 390, 'height': 844}
ID_NUMBER = '33068119850612331' + resident_id_check_char('33068119850612331')
USCC = '91330681MA2B7Q4K1' + uscc_check_char('91330681MA2B7Q4K1')
TITLE = '建材货款纠纷'


class Camera:
    """Screenshots numbered in the order they are taken (the whole page, or one ``element`` of it); each also
    checks the page fits the phone's width."""

    def __init__(self):
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob('*.png'):
            old.unlink()
        self.count, self.too_wide = 0, []

    def __call__(self, tab, name, element=None):
        self.count += 1
        path = str(SHOTS / f'{self.count:02d}-{name}.png')
        if element is not None:
            element.screenshot(path=path)
        else:
            tab.screenshot(path=path, full_page=True)
        width = tab.evaluate('document.documentElement.scrollWidth')
        if width > PHONE['width']:
            self.too_wide.append((name, width))


def open_action(tab, label):
    """Open the case page's form of a transition (its <details>), whose summary reads ``label``."""
    summary = tab.locator('.actions summary').filter(has_text=re.compile(f'^{label}$'))
    summary.click()
    return summary.locator('xpath=..').locator('form')


def photo(tmp_path) -> Path:
    from PIL import Image
    path = tmp_path / '现场照片.png'
    buffer = io.BytesIO()
    Image.new('RGB', (120, 80), (90, 140, 60)).save(buffer, 'PNG')
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def keys(usernames, db):  # noqa: F811 (the fixture imported above)
    """The committees' signing keys, made before the browser starts (the seal needs the town's)."""
    from mediation.services import sealing
    sealing.init_committee_keys()
    db.session.commit()
    db.session.rollback()


def test_a_dispute_goes_from_a_village_phone_to_the_town_and_back_into_the_history(
        live_server, page, usernames, keys, db, tmp_path):  # noqa: F811 (fixtures imported above)
    camera = Camera()
    page.set_default_timeout(30000)  # the whole suite runs beside it on two cores
    # ---- 1. the village mediator, on the phone
    sign_in(page, live_server, usernames.village)
    page.click('text=登记纠纷')
    page.fill('#title', TITLE)
    page.select_option('#category_id', label='合同纠纷')
    page.fill('#facts', '王建国向建材公司购买瓷砖，货到后发现部分破损，双方就退款发生争执。')
    page.fill('#parties-0-name', '王建国')
    page.fill('#parties-0-id_number', ID_NUMBER)
    page.fill('#parties-0-phone', '139 0575 6688')
    page.fill('#parties-0-address', '诸暨市枫桥镇枫源村5组18号')
    assert page.input_value('#parties-1-role') == 'respondent'
    page.select_option('#parties-1-kind', 'organisation')
    assert page.locator('#parties-1-id_number').is_hidden()  # only the organisation's own fields
    page.fill('#parties-1-name', '诸暨市枫源建材有限公司')
    page.fill('#parties-1-uscc', USCC)
    page.fill('#parties-1-legal_representative', '陈立新')
    page.fill('#parties-1-phone', '0575-87001234')
    page.fill('#parties-1-address', '诸暨市枫桥镇工业园区8号')
    camera(page, 'village-intake')
    page.click('button:has-text("提交登记")')
    page.wait_for_selector('text=纠纷已登记')
    case_url = page.url
    assert page.locator(f'text={ID_NUMBER[:6]}********{ID_NUMBER[-4:]}').count() == 1
    assert page.locator(f'text={USCC}').count() == 1
    camera(page, 'village-logged')

    form = open_action(page, '受理')
    form.locator('input[name=consent]').check()
    form.locator('button:has-text("确认：受理")').click()
    page.wait_for_selector('text=已完成“受理”')
    assert page.locator('text=人调字第1号').count() >= 1
    camera(page, 'village-accepted')

    page.click('text=+ 调解记录')
    page.fill('#statements-0-text', '瓷砖送到时有三十余块破损，要求退还破损部分货款。')
    page.fill('#statements-1-text', '破损系卸货时造成，公司只同意补发一半。')
    page.fill('#proposal', '公司补发全部破损瓷砖，王建国承担一半运费。')
    page.select_option('#outcome', 'not_agreed')
    camera(page, 'village-session-form')
    page.click('button:has-text("保存调解记录")')
    page.wait_for_selector('text=调解记录已保存')
    camera(page, 'village-session-saved')

    session = page.locator('details.record[id^=session-]')
    assert session.evaluate('record => record.open')  # the page came back to it, opened
    session.locator('text=上传本次调解的证据').click()
    page.wait_for_selector('#file')
    assert page.locator('#session_id option:checked').get_attribute('value') != ''  # the session it came from
    page.select_option('#evidence_kind', 'photo')
    page.fill('#title', '破损瓷砖照片')
    page.fill('#provided_by', '王建国')
    page.set_input_files('#file', str(photo(tmp_path)))
    page.click('button:has-text("上传")')
    page.wait_for_selector('text=证据材料已上传')
    assert page.locator('table.evidence', has_text='破损瓷砖照片').count() == 1
    camera(page, 'village-evidence')

    form = open_action(page, '调解不成')
    form.locator('textarea[name=reason]').fill('双方对破损责任分歧较大，村调委会调解不成。')
    form.locator('button:has-text("确认：调解不成")').click()
    page.wait_for_selector('text=已完成“调解不成”')
    form = open_action(page, '移交上级调解')
    form.locator('input[name=consent]').check()
    form.locator('textarea[name=reason]').fill('双方同意移交镇调委会继续调解。')
    form.locator('button:has-text("确认：移交上级调解")').click()
    page.wait_for_selector('text=已完成“移交上级调解”')
    camera(page, 'village-referred-up')

    # ---- 2. the town mediator, on their own phone
    town = page.context.browser.new_context(viewport=PHONE, locale='zh-CN')
    town.set_default_timeout(30000)
    phone = town.new_page()
    sign_in(phone, live_server, usernames.town)
    phone.goto(f'{live_server}/cases/')
    phone.click('text=我的待受理')
    phone.wait_for_url(re.compile(r'view=inbox'))
    camera(phone, 'town-inbox')
    phone.click(f'a:has-text("{TITLE}")')
    phone.wait_for_url(case_url)
    form = open_action(phone, '受理')
    form.locator('input[name=consent]').check()
    form.locator('button:has-text("确认：受理")').click()
    phone.wait_for_selector('text=已完成“受理”')
    camera(phone, 'town-accepted')

    phone.click('text=填写调解协议')
    phone.fill('#disputes', '破损瓷砖的责任及货款如何处理。')
    phone.fill('#responsibility', '公司送货包装不当，对破损负主要责任。')
    phone.fill('#terms-0-content', '诸暨市枫源建材有限公司补发破损瓷砖三十二块。')
    phone.fill('#terms-0-manner', '送货上门')
    phone.fill('#terms-0-place', '王建国住所')
    phone.fill('#terms-0-deadline', '协议生效之日起七日内')
    camera(phone, 'town-agreement-draft')
    phone.click('button:has-text("定稿，转入签名")')
    phone.wait_for_selector('text=协议已定稿')
    for slot in ('party-0', 'party-1', 'mediator'):
        section = phone.locator(f'#signer-{slot}')
        draw_signature(phone, section.locator('canvas'))
        section.locator('button:has-text("确认签名")').click()
        phone.wait_for_selector(f'#signer-{slot}.signed')
    camera(phone, 'town-agreement-signed')
    phone.click('button:has-text("盖章，协议生效")')
    phone.wait_for_selector('text=协议已盖章生效')
    camera(phone, 'town-agreement-sealed')

    phone.click('text=+ 履行情况')
    phone.select_option('#term_no', '1')
    phone.select_option('#status', 'fulfilled')
    phone.fill('#note', '已于当日补发，王建国签收。')
    phone.click('button:has-text("登记")')
    phone.wait_for_selector('text=履行情况已登记')
    camera(phone, 'town-performance')
    phone.click('text=+ 回访记录')
    phone.select_option('#method', 'phone')
    phone.select_option('#performance', 'fulfilled')
    phone.select_option('#satisfaction', 'satisfied')
    phone.fill('#situation', '电话回访王建国，瓷砖已补发到位，双方无新的争议。')
    phone.click('button:has-text("保存回访记录")')
    phone.wait_for_selector('text=回访记录已保存')
    camera(phone, 'town-follow-up')

    # ---- 3. the history and both stages' diagrams
    card = phone.locator('.card', has=phone.locator('h2', has_text='办理记录'))
    text = card.locator('ul.timeline').inner_text()
    village, town_user = usernames.village, usernames.town
    for who, step in ((village, '登记纠纷'), (village, '受理'), (village, '调解记录'), (village, '添加证据材料'),
                      (village, '调解不成'), (village, '移交上级调解'), (town_user, '受理'), (town_user, '制作调解协议'),
                      (town_user, '签名'), (town_user, '协议生效'), (town_user, '登记履行情况'), (town_user, '回访记录')):
        assert re.search(f"{who}：\\s*{step}", text), (who, step, text)
    year = today_in_china().year
    assert f'（{year}）枫源人调字第1号' in text and f'（{year}）枫桥人调字第1号' in text  # each stage's own number
    camera(phone, 'history', element=card)
    stages = phone.locator('.card[id^=stage-]')
    assert stages.count() == 2
    for index, (name, current) in enumerate((('village', '已移交上级'), ('town', '已达成协议'))):
        diagram = stages.nth(index).locator('details.diagram')
        diagram.locator('summary').click()
        svg = diagram.locator('.diagram-box svg')
        svg.wait_for(state='visible', timeout=30000)
        assert svg.locator('g.current').count() == 1, name  # the state the stage is in
        assert svg.locator('g.visited').count() >= 2, name  # and the ones it passed through
        assert diagram.locator('.current-state', has_text=current).count() == 1, name
        camera(phone, f'diagram-{name}', element=diagram)
    town.close()

    # what the clicks stored
    from mediation.models import Attachment
    from mediation.models import Case
    from mediation.models import FollowUpVisit
    from mediation.models import PerformanceRecord
    db.session.rollback()
    case = db.session.scalar(sa.select(Case).where(Case.title == TITLE))
    assert [(stage.level.value, stage.state.value) for stage in case.stages] == [
        ('village', 'referred_up'), ('town', 'agreed')]
    evidence = db.session.scalar(sa.select(Attachment).where(Attachment.case_id == case.id))
    assert evidence.session_id is not None and evidence.stage_id == case.stages[0].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceRecord)) == 1
    assert db.session.scalar(sa.select(FollowUpVisit.satisfaction)).value == 'satisfied'
    db.session.rollback()
    assert camera.too_wide == [], 'pages wider than the phone'
