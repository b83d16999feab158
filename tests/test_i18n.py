"""The English translation: pages switch to English, and the committed catalogue is complete and compiled.

Chinese is the source language (msgid = Chinese), so zh_CN needs no catalogue. After changing a
translatable string run ``make translations``, translate the new entries in
mediation/translations/en/LC_MESSAGES/messages.po, run it again to compile, and commit the .pot,
.po and .mo together.
"""
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask import has_app_context

from tests.factories import make_case
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import OrgKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import SourceGroup
from workflows.enums import StageKind
from workflows.states import State

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / 'mediation' / 'translations'
PO = TRANSLATIONS / 'en' / 'LC_MESSAGES' / 'messages.po'
MO = TRANSLATIONS / 'en' / 'LC_MESSAGES' / 'messages.mo'
POT = TRANSLATIONS / 'messages.pot'
#: the same keywords as the Makefile's ``translations`` target (forms use lazy_gettext as _l)
KEYWORDS = {**DEFAULT_KEYWORDS, '_l': None, 'lazy_gettext': None}
CJK = re.compile(r'[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]')


def _po():
    with PO.open('rb') as f:
        return read_po(f, locale='en')


def _messages(catalog):
    return {m.id: m.string for m in catalog if m.id}


@pytest.fixture
def client(client):
    """The test client, with each request choosing its language afresh, as a real request does.

    The ``db`` fixture keeps one app context open for the whole test and the client's requests reuse
    it, so Flask-Babel would keep the locale it cached in ``g`` by the first request for every later one.
    """
    original = client.open

    def open_fresh(*args, **kwargs):
        if has_app_context():
            g.pop('_flask_babel', None)
        return original(*args, **kwargs)

    client.open = open_fresh
    return client


def _english(client):
    response = client.post('/locale/en', data={'next': '/'})
    assert response.status_code == 302


# --- pages ----------------------------------------------------------------------------------------

def test_chinese_is_the_default(client, users, login):
    login(users.village)
    page = client.get('/').get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and '工作台' in page and 'Dashboard' not in page


def test_dashboard_in_english(client, users, login):
    login(users.town)
    _english(client)
    page = client.get('/').get_data(as_text=True)
    assert '<html lang="en">' in page
    for text in ('Dashboard', 'Cases', 'Register a dispute', 'Due and overdue', 'Deadline calculator',
                 'Sign out', 'Reminders and alerts', 'Town (subdistrict) mediator'):
        assert text in page, text
    assert '工作台' not in page and '退出' not in page


def test_switching_back_to_chinese(client, users, login):
    login(users.village)
    _english(client)
    client.post('/locale/zh_CN', data={'next': '/'})
    page = client.get('/').get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and '工作台' in page


def test_case_pages_in_english(client, users, login, db):
    case = make_case(users.village)
    login(users.village)
    _english(client)
    page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    for text in ('Matter code', 'Case source', 'Application by a party', 'Parties', 'Applicant', 'Respondent',
                 'Pending acceptance', 'Confirm: Accept', 'Case history', 'Register a dispute',
                 'Village (community)'):
        assert text in page, text
    assert '确认：受理' not in page and '案件编码' not in page
    listing = client.get('/cases/').get_data(as_text=True)
    # the list shows the matter code under each title; the search box names it
    assert 'matter code' in listing.lower() and 'Filter' in listing and 'Pending acceptance' in listing


def test_flash_messages_in_english(client, users, login, db):
    case = make_case(users.village)
    login(users.village)
    _english(client)
    stage = case.current_stage
    response = client.post(f'/cases/{case.id}/stages/{stage.id}/transition',
                           data={'trigger': 'accept', 'version': str(stage.version)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'Done: “Accept”.' in page and 'Case number:' in page


def _without(page, *data):
    for text in data:
        page = page.replace(text, '')
    return page


def test_no_chinese_left_on_pages_without_chinese_data(client, users, login):
    """Apart from data (names) and the language switch itself, an English page has no Chinese."""
    _english(client)
    page = client.get('/login').get_data(as_text=True)
    assert 'Sign in' in page
    assert not CJK.findall(_without(page, '中文')), CJK.findall(page)
    login(users.village)
    _english(client)  # signing in starts a fresh session (see the next test)
    page = client.get('/deadline-calculator').get_data(as_text=True)
    rest = _without(page, '中文', users.village.display_name, users.village.organisation.name)
    assert 'Deadline calculator' in page and not CJK.findall(rest), sorted(set(CJK.findall(rest)))


def test_language_chosen_on_the_login_page_survives_signing_in(client, users, login):
    _english(client)
    login(users.village)
    assert '<html lang="en">' in client.get('/').get_data(as_text=True)


def test_admin_pages_in_english(client, users, login):
    login(users.admin)
    _english(client)
    expected = {
        '/admin/organisations': ('Organisations', 'New district (county)', 'Courts (court–mediation liaison)'),
        '/admin/users': ('Users', 'Username', 'System administrator', 'New user'),
        '/admin/calendar': ('Working calendar', 'Set a day', 'Load from data package'),
    }
    for url, texts in expected.items():
        page = client.get(url).get_data(as_text=True)
        for text in texts:
            assert text in page, (url, text)


@pytest.mark.parametrize('enum', [Level, StageKind, SourceGroup, Source, Clock, Role, State,
                                  RiskLevel, PartyRole, OrgKind])
def test_every_enum_label_has_an_english_label(enum):
    for member in enum:
        assert member.label_zh and member.label_en and not CJK.search(member.label_en), member


# --- the catalogue --------------------------------------------------------------------------------

def test_every_message_is_translated():
    catalog = _po()
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f'untranslated in {PO.name}: {untranslated}'
    assert not fuzzy, f'fuzzy entries in {PO.name} (check them, then remove the fuzzy flag): {fuzzy}'


def test_placeholders_survive_translation():
    for message in _po():
        if message.id:
            assert sorted(re.findall(r'%\(\w+\)s', message.id)) == sorted(re.findall(r'%\(\w+\)s', message.string)), \
                message.id


def test_committed_mo_matches_the_po():
    """The .mo is committed so a fresh checkout works without compiling; it must not go stale."""
    compiled = BytesIO()
    write_mo(compiled, _po())
    compiled.seek(0)
    with MO.open('rb') as f:
        committed = read_mo(f)
    assert _messages(read_mo(compiled)) == _messages(committed), \
        'messages.mo is out of date: run `make translations` (or pybabel compile -d mediation/translations)'


def test_catalogue_is_up_to_date_with_the_sources():
    """Every string marked for translation in the code and templates is in the .pot and the .po."""
    with (ROOT / 'babel.cfg').open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    in_sources = {message[2] for message in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    with POT.open('rb') as f:
        in_pot = {m.id for m in read_po(f) if m.id}
    in_po = {m.id for m in _po() if m.id}
    hint = 'run `make translations` and translate the new entries in ' + str(PO.relative_to(ROOT))
    assert in_sources - in_pot == set(), f'missing from messages.pot — {hint}'
    assert in_sources - in_po == set(), f'missing from messages.po — {hint}'
    assert in_po - in_sources == set(), f'no longer used — {hint}'
