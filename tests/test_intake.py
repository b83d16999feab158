"""The intake form: every problem beside its field and all at once, only the chosen kind's fields,
the second party a respondent, categories under their parents, nothing typed lost, nothing stored."""
import html
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediation.extensions import db as _db
from mediation.models import Case
from mediation.models import Party
from mediation.services.cases import CaseInput
from mediation.services.cases import PartyInput
from mediation.services.cases import check_intake
from tests.factories import category
from tests.factories import make_case

VALID_USCC = '91350100M000100Y43'
STATIC = Path(__file__).resolve().parent.parent / 'mediation' / 'static'


def _form(**overrides):
    data = {'title': '排水沟纠纷', 'category_id': str(category('LL').id), 'source': 'party_application',
            'facts': '双方因排水沟堵塞发生争执。', 'people_involved': '2', 'intake_level': 'village',
            'parties-0-role': 'applicant', 'parties-0-kind': 'person', 'parties-0-name': '张三',
            'parties-0-id_number': '11010519491231002X', 'parties-0-phone': '13812345678',
            'parties-1-role': 'respondent', 'parties-1-kind': 'person', 'parties-1-name': '李四'}
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def _cases():
    return _db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def _refused(client, **overrides) -> str:
    response = client.post('/cases/new', data=_form(**overrides))
    assert response.status_code == 422, response.status_code
    assert _cases() == 0
    return response.get_data(as_text=True)


def _field_block(page: str, name: str) -> str:
    """The ``div.field`` that holds the input called ``name`` (its label, input, help and messages)."""
    blocks = re.split(r'(?=<div class="field[ "])', page)
    found = [block for block in blocks if re.search(rf'name="{re.escape(name)}"', block)]
    assert found, f'no field {name} on the page'
    return found[0]


def _errors_beside(page: str, name: str) -> list[str]:
    """The messages shown in the field block of ``name``."""
    block = _field_block(page, name)
    match = re.search(r'<div class="field-error" id="[^"]+-error">((?:<div>.*?</div>)+)</div>', block, re.S)
    return [html.unescape(text) for text in re.findall(r'<div>(.*?)</div>', match.group(1))] if match else []


def _selected(page: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select).group(1)


# --- the empty form -------------------------------------------------------------------------------

def test_the_second_party_defaults_to_the_respondent(client, users, login):
    login(users.village)
    page = client.get('/cases/new').get_data(as_text=True)
    assert re.search(r'name="parties-0-role"[^>]*>\s*<option selected value="applicant"', page)
    assert re.search(r'name="parties-1-role"[^>]*>.*?<option selected value="respondent"', page, re.S)
    assert re.search(r'name="parties-1-kind"[^>]*>\s*<option selected value="person"', page)


def test_subcategories_are_grouped_under_their_parent(client, users, login):
    login(users.village)
    page = client.get('/cases/new').get_data(as_text=True)
    select = re.search(r'<select[^>]*name="category_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    group = re.search(r'<optgroup label="婚姻家庭纠纷">(.*?)</optgroup>', select, re.S).group(1)
    names = re.findall(r'>([^<]+)</option>', group)
    assert names == ['婚姻家庭纠纷（其他）', '婚姻纠纷', '继承纠纷', '赡养纠纷', '抚养纠纷', '收养纠纷']
    outside = re.sub(r'<optgroup.*?</optgroup>', '', select, flags=re.S)
    assert '邻里纠纷' in outside and '继承纠纷' not in outside
    # every active category can be chosen, each once
    assert len(re.findall(r'<option ', select)) == 1 + 20


def test_each_party_field_is_marked_with_its_kind(client, users, login):
    login(users.village)
    page = client.get('/cases/new').get_data(as_text=True)
    for name in ('id_number', 'sex', 'birth_date', 'ethnicity', 'occupation'):
        assert 'field person-only' in _field_block(page, f'parties-0-{name}'), name
    for name in ('uscc', 'legal_representative'):
        assert 'field org-only' in _field_block(page, f'parties-1-{name}'), name
    for name in ('role', 'kind', 'name', 'phone', 'phone_contact', 'address'):
        block = _field_block(page, f'parties-0-{name}')
        assert 'person-only' not in block.split('>')[0] and 'org-only' not in block.split('>')[0], name
    assert 'class="party-kind"' in _field_block(page, 'parties-0-kind')
    # the stylesheet hides the other kind's fields without JavaScript (:has on the kind select) …
    css = (STATIC / 'css' / 'app.css').read_text(encoding='utf-8')
    assert 'option[value="organisation"]:checked) .person-only { display: none; }' in css
    # … and the small script does it for browsers without :has()
    assert 'src="/static/js/intake.js"' in page and (STATIC / 'js' / 'intake.js').exists()


def test_a_new_party_card_is_added_with_everything_typed_kept(client, users, login):
    login(users.village)
    typed = {'parties-1-kind': 'organisation', 'parties-1-uscc': VALID_USCC}
    page = client.post('/cases/new', data=_form(add_party='1', **typed))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="parties-2-name"' in text
    assert 'value="排水沟纠纷"' in text and f'value="{VALID_USCC}"' in text
    assert _selected(text, 'parties-1-kind') == 'organisation'
    assert _cases() == 0


# --- bad input, field by field ---------------------------------------------------------------------

LONG = '长' * 300

BAD_INPUT = [
    # (field, value, other changes, part of the message shown beside it)
    ('title', '', {}, '请填写纠纷名称'),
    ('title', LONG, {}, '200'),
    ('category_id', '0', {}, '请选择纠纷类型'),
    ('category_id', '999999', {}, ''),
    ('source', 'court_delegated', {}, ''),
    ('handled_elsewhere', 'y', {}, '不得受理'),
    ('facts', '', {}, '请填写纠纷简要情况'),
    ('requests', '长' * 10001, {}, '10000'),
    ('place', LONG, {}, '200'),
    ('amount', '一万元', {}, ''),
    ('people_involved', 'abc', {}, '请输入整数。'),
    ('people_involved', '-1', {}, '涉及人数须在 0 至 100000 之间。'),
    ('risk_level', 'blue', {}, ''),
    ('intake_level', 'district', {}, '不能直接提交'),
    ('parties-0-role', 'judge', {}, ''),
    ('parties-0-kind', 'robot', {}, ''),
    ('parties-0-name', '', {}, '请填写第 1 位当事人的姓名或名称。'),
    ('parties-0-name', LONG, {}, '100'),
    ('parties-0-id_number', '110105194912310021', {}, '校验'),
    ('parties-0-id_number', '1101051949', {}, '18位'),
    ('parties-0-sex', 'x', {}, ''),
    ('parties-0-ethnicity', '长' * 21, {}, '20'),
    ('parties-0-birth_date', '2999-01-01', {}, '日期不能晚于今天。'),
    ('parties-0-birth_date', '1949-13-45', {}, '请输入有效日期'),
    ('parties-0-occupation', LONG, {}, '100'),
    ('parties-0-address', LONG, {}, '255'),
    ('parties-0-phone', '12345', {}, '第 1 位当事人：'),
    ('parties-0-phone_contact', LONG, {}, '50'),
    ('parties-1-uscc', '91350100M000100Y44', {'parties-1-kind': 'organisation'}, '校验位错误'),
    ('parties-1-uscc', 'ABC', {'parties-1-kind': 'organisation'}, '18位'),
    ('parties-1-legal_representative', LONG, {'parties-1-kind': 'organisation'}, '50'),
]


@pytest.mark.parametrize(('name', 'value', 'others', 'message'), BAD_INPUT,
                         ids=[f'{name}={value[:12]!r}' for name, value, _, _ in BAD_INPUT])
def test_bad_input_is_marked_beside_its_field_and_nothing_is_lost(client, users, login, name, value, others, message):
    login(users.village)
    page = _refused(client, **{'place': '枫源村3组', name: value, **others})
    errors = _errors_beside(page, name)
    assert errors, f'no message beside {name}'
    assert any(message in error for error in errors), errors
    assert 'aria-invalid="true"' in _field_block(page, name)
    # The summary at the top links to the field (an input's id is its name).
    assert f'href="#{name}"' in page
    # Only that field is marked (the form's other inputs are fine).
    marked = set(re.findall(r'aria-describedby="([^"]+)-error"', page))
    assert len(marked) == 1, marked
    # Everything typed is still there.
    if name != 'title':
        assert 'value="排水沟纠纷"' in page
    if name != 'parties-0-id_number':
        assert 'value="11010519491231002X"' in page
    assert '双方因排水沟堵塞发生争执。' in page or name == 'facts'
    if value and name.endswith(('name', 'id_number', 'uscc', 'phone', 'amount', 'birth_date')):
        assert f'value="{html.escape(value)}"' in page


def test_every_problem_of_every_party_shows_at_once(client, users, login):
    login(users.village)
    page = _refused(client, title='', **{
        'parties-0-id_number': '110105194912310021', 'parties-0-phone': '12345',
        'parties-1-kind': 'organisation', 'parties-1-name': '', 'parties-1-uscc': '91350100M000100Y44',
        'parties-1-phone': '0575-87654321',
        'parties-2-role': 'third_party', 'parties-2-kind': 'person', 'parties-2-name': '王五',
        'parties-2-birth_date': '2999-01-01', 'people_involved': 'abc'})
    assert '请填写纠纷名称' in ' '.join(_errors_beside(page, 'title'))
    assert '请输入整数。' in _errors_beside(page, 'people_involved')
    assert '校验' in ' '.join(_errors_beside(page, 'parties-0-id_number'))
    assert _errors_beside(page, 'parties-0-phone')
    assert '请填写第 2 位当事人的姓名或名称。' in _errors_beside(page, 'parties-1-name')
    assert '校验位错误' in ' '.join(_errors_beside(page, 'parties-1-uscc'))
    assert '日期不能晚于今天。' in _errors_beside(page, 'parties-2-birth_date')
    assert 'value="0575-87654321"' in page and 'value="王五"' in page
    assert '请修改以下 7 处后重新提交' in page


def test_an_intake_with_only_blank_parties_is_refused_beside_the_first_card(client, users, login):
    login(users.village)
    page = _refused(client, **{'parties-0-name': '', 'parties-0-id_number': '', 'parties-0-phone': '',
                               'parties-1-name': ''})
    assert '请至少登记一名当事人。' in _errors_beside(page, 'parties-0-name')


def test_a_dispute_already_with_a_court_is_not_taken_in(client, users, login):
    login(users.village)
    page = _refused(client, handled_elsewhere='y')
    assert '人民调解委员会不得受理' in ' '.join(_errors_beside(page, 'handled_elsewhere'))
    assert re.search(r'<input[^>]*checked[^>]*name="handled_elsewhere"|name="handled_elsewhere"[^>]*checked', page)


def test_a_repeat_dispute_is_still_pointed_out(client, users, login, db):
    earlier = make_case(users.village)
    login(users.village)
    response = client.post('/cases/new', data=_form(), follow_redirects=True)
    assert response.status_code == 200
    assert f'另有未结纠纷（案件编码 {earlier.matter_code}）' in response.get_data(as_text=True)


# --- kinds -----------------------------------------------------------------------------------------

def test_an_organisation_keeps_only_its_own_fields(client, users, login, db):
    """What was typed in the person fields before the card became 单位 is ignored, not refused."""
    login(users.village)
    response = client.post('/cases/new', data=_form(**{
        'parties-1-kind': 'organisation', 'parties-1-name': '枫桥建材有限公司', 'parties-1-uscc': VALID_USCC.lower(),
        'parties-1-legal_representative': '王经理', 'parties-1-id_number': '110105194912310021',
        'parties-1-birth_date': '1949-13-45', 'parties-1-sex': 'male', 'parties-1-ethnicity': '汉族',
        'parties-1-occupation': '经理'}))
    assert response.status_code == 302, response.get_data(as_text=True)
    firm = db.session.scalar(sa.select(Party).where(Party.name == '枫桥建材有限公司'))
    assert (firm.kind.value, firm.uscc, firm.legal_representative) == ('organisation', VALID_USCC, '王经理')
    assert (firm.id_number_hash, firm.sex, firm.birth_date, firm.ethnicity, firm.occupation) == (
        None, None, None, None, None)


def test_a_person_keeps_only_their_own_fields(client, users, login, db):
    login(users.village)
    response = client.post('/cases/new', data=_form(**{
        'parties-0-uscc': 'not a code', 'parties-0-legal_representative': '某某', 'parties-0-ethnicity': '汉族'}))
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.session.scalar(sa.select(Party).where(Party.name == '张三'))
    assert (person.uscc, person.legal_representative, person.ethnicity) == (None, None, '汉族')
    assert person.id_number_masked == '110105********002X'


def test_a_card_with_only_the_other_kinds_fields_is_blank(db, users):
    data = CaseInput(title='纠纷', category_id=category('LL').id, source='party_application', facts='经过', parties=[
        PartyInput(role='applicant', kind='person', name='张三'),
        PartyInput(role='respondent', kind='organisation', name='', id_number='110105194912310021')])
    assert check_intake(users.village, data) == {}


def test_the_service_names_every_problem_with_its_field(db, users):
    data = CaseInput(title='', category_id=0, source='nowhere', facts='', amount='abc', risk_level='blue',
                     intake_level='moon', parties=[
                         PartyInput(role='x', kind='y', name='', phone='13812345678'),
                         PartyInput(role='respondent', kind='person', name='李四', id_number='123', phone='1'),
                         PartyInput(role='respondent', kind='organisation', name='某公司', uscc='123')])
    problems = check_intake(users.village, data)
    assert set(problems) == {'category_id', 'source', 'title', 'amount', 'risk_level', 'parties-0-role',
                             'parties-0-kind', 'parties-0-name', 'parties-1-id_number', 'parties-1-phone',
                             'parties-2-uscc'}
    assert problems['parties-1-id_number'][0].startswith('第 2 位当事人：')
