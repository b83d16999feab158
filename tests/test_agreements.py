"""Agreements end to end: drafting with every required item, signatures as records, the seal, the
stored PDF, and checking it afterwards on the public page and through the API."""
import hashlib
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from mediation.errors import Conflict
from mediation.errors import InvalidTransition
from mediation.errors import ValidationFailed
from mediation.extensions import db as _db
from mediation.models import Event
from mediation.models import IssuedDocument
from mediation.models import Signature
from mediation.services import agreements
from mediation.services import sealing
from mediation.services import storage
from mediation.services import tokens
from mediation.services.transitions import apply_transition
from tests.factories import case_input
from tests.helpers import accepted_stage
from tests.helpers import complete_draft
from tests.helpers import fire
from tests.helpers import seal
from tests.helpers import sign_all
from tests.helpers import signature_png
from tests.helpers import utc
from workflows.enums import Clock
from workflows.states import State

S = State


@pytest.fixture
def stage(db, orgs, users):
    return accepted_stage(users.village, utc(2026, 3, 2))


def pdf_text(data: bytes) -> str:
    return '\n'.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --------------------------------------------------------------------------- drafting

def test_a_first_draft_is_taken_from_the_case(stage, users):
    draft = agreements.draft_from_case(stage, users.village)
    assert [line.name for line in draft.parties] == ['张三', '李四']
    assert draft.parties[0].sex == '女' and draft.parties[0].age == 76  # from the ID number: born 1949-12-31, even
    assert draft.parties[0].address == '枫桥镇枫源村3组12号'
    assert draft.facts == '双方因排水沟堵塞发生争执。' and draft.mediator == users.village.display_name


def test_every_missing_item_is_named_and_finalising_is_refused(stage, users):
    data = agreements.draft_from_case(stage, users.village)
    data.terms = [agreements.TermInput(content='赔偿1200元', manner='转账')]
    saved = agreements.save_draft(stage, users.village, data)
    _db.session.commit()
    missing = agreements.missing_items(saved)
    assert missing == ['第2位当事人（李四）的住址或住所、性别、年龄', '争议事项', '各方当事人的责任',
                       '第1项协议的履行地点、履行期限']
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(stage, 'draft_agreement', users.village)
    assert '争议事项' in refused.value.message and '第1项协议的履行地点、履行期限' in refused.value.message
    _db.session.rollback()
    assert stage.state == S.MEDIATING


def test_drafts_are_saved_again_and_again_with_the_version_check(stage, users):
    first = complete_draft(stage, users.village)
    assert first.version == 1
    data = agreements.as_input(first)
    data.responsibility = '双方均有责任。'
    second = agreements.save_draft(stage, users.village, data, expected_version=1)
    _db.session.commit()
    assert second.version == 2 and second.responsibility == '双方均有责任。'
    with pytest.raises(Conflict):
        agreements.save_draft(stage, users.village, data, expected_version=1)  # another user's older copy
    _db.session.rollback()
    drafted = _db.session.scalars(sa.select(Event.kind).where(Event.stage_id == stage.id)).all()
    assert drafted.count('agreement_drafted') == 2


def test_the_text_is_locked_once_final_and_reopening_voids_the_signatures(stage, users):
    sign_all(stage, users.village)
    assert stage.state == S.AGREEMENT_PENDING
    with pytest.raises(InvalidTransition):
        agreements.save_draft(stage, users.village, agreements.as_input(agreements.agreement_of(stage)))
    _db.session.rollback()
    fire(stage, 'reopen_drafting', users.village, utc(2026, 3, 20), reason='条款需要修改')
    assert stage.state == S.MEDIATING and agreements.agreement_of(stage).signatures == []
    voided = _db.session.scalars(sa.select(Signature).where(Signature.voided_at.is_not(None))).all()
    assert len(voided) == 3  # two parties and the mediator: kept, not deleted


def test_another_committee_cannot_draft(stage, users):
    with pytest.raises(Exception) as refused:
        agreements.save_draft(stage, users.village_other, agreements.draft_from_case(stage, users.village))
    assert '承办人员' in str(refused.value)


def test_an_oral_agreement_takes_effect_when_registered(stage, users):
    complete_draft(stage, users.village, kind='oral')
    fire(stage, 'register_oral_agreement', users.village, utc(2026, 3, 5))
    assert stage.state == S.AGREED and stage.clock == Clock.JC_APPLY


# --------------------------------------------------------------------------- signatures

def test_a_marriage_case_refuses_party_signatures_on_screen(db, orgs, users):
    from tests.factories import make_case
    case = make_case(users.village, category_code='HY-HY')
    stage = case.stages[0]
    fire(stage, 'accept', users.village, utc(2026, 3, 2))
    complete_draft(stage, users.village)
    fire(stage, 'draft_agreement', users.village, utc(2026, 3, 3))
    with pytest.raises(ValidationFailed) as refused:
        agreements.record_screen_signature(stage, users.village, 'party:0', signature_png())
    assert '电子签名法' in refused.value.message
    _db.session.rollback()
    agreements.record_screen_signature(stage, users.village, 'mediator', signature_png())  # the mediator may
    scan = _scan_pdf()
    signed = agreements.record_paper_signatures(stage, users.village, ['party:0', 'party:1'], scan)
    assert {s.method.value for s in signed} == {'paper'} and signed[0].file_sha256 == hashlib.sha256(scan).hexdigest()


def _scan_pdf():
    return b'%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'


@pytest.mark.parametrize('upload, says', [
    (b'', '没有收到扫描件'), (b'not an image at all', '不是有效的图像'), (b'%PDF-1.4 truncated', 'PDF 文件不完整'),
    (b'\x89PNG\r\n\x1a\n' + b'\x00' * 40, '不是有效的图像'),
])
def test_a_scan_that_is_not_a_pdf_or_image_is_refused(stage, users, upload, says):
    complete_draft(stage, users.village)
    fire(stage, 'draft_agreement', users.village, utc(2026, 3, 3))
    with pytest.raises(ValidationFailed) as refused:
        agreements.record_paper_signatures(stage, users.village, ['party:0'], upload)
    assert says in refused.value.message


def test_the_agreement_cannot_be_sealed_with_a_signature_missing(stage, users):
    sealing.init_committee_keys()
    complete_draft(stage, users.village)
    fire(stage, 'draft_agreement', users.village, utc(2026, 3, 3))
    agreements.record_screen_signature(stage, users.village, 'party:0', signature_png())
    agreements.record_screen_signature(stage, users.village, 'mediator', signature_png())
    with pytest.raises(InvalidTransition) as refused:
        sealing.seal_agreement(stage, users.village, public_base_url='http://t')
    assert refused.value.message == '以下人员尚未签名：被申请人李四'
    _db.session.rollback()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 0


def test_sealing_without_keys_says_how_to_create_them(stage, users, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, 'SIGNING_KEYS_PATH', str(tmp_path / 'no-keys-here'))
    sign_all(stage, users.village)
    with pytest.raises(sealing.SealingUnavailable) as refused:
        sealing.seal_agreement(stage, users.village, public_base_url='http://t')
    assert 'mediation keys init' in refused.value.message


# --------------------------------------------------------------------------- the sealed agreement

@pytest.fixture
def sealed(stage, users):
    issued = seal(stage, users.village, at=utc(2026, 3, 10))
    return stage, issued, storage.read(issued.file_sha256)


def test_sealing_makes_the_agreement_effective_and_starts_the_confirmation_window(sealed):
    stage, issued, pdf = sealed
    assert stage.state == S.AGREED and stage.agreement_effective_at == utc(2026, 3, 10)
    assert (stage.clock, stage.due_on.isoformat()) == (Clock.JC_APPLY, '2026-04-09')
    event = _db.session.scalar(sa.select(Event).where(Event.stage_id == stage.id, Event.kind == 'sign_agreement'))
    assert event.data['verification_code'] == issued.verification_code and event.data['sha256'] == issued.file_sha256


def test_the_sealed_agreement_holds_every_required_item(sealed):
    stage, issued, pdf = sealed
    text = pdf_text(pdf)
    for expected in ('人民调解协议书', '张三', '李四', '（2026）枫源人调字第1号', '纠纷主要事实', '争议事项',
                     '排水沟由谁疏通', '被申请人未及时清理排水沟', '赔偿申请人损失人民币1200元', '银行转账',
                     '枫源村村民委员会', '2026年3月20日前', '一式3份', issued.verification_code, '2026年3月10日'):
        assert expected in text, expected
    assert '11010519491231002X' not in text  # the agreement carries no ID numbers
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert issued.verification_code in page.extract_text()
        for font in page['/Resources']['/Font'].values():
            font = font.get_object()
            descendant = font['/DescendantFonts'][0].get_object() if '/DescendantFonts' in font else font
            assert '/FontFile2' in descendant['/FontDescriptor'] or '/FontFile3' in descendant['/FontDescriptor']
            assert font['/BaseFont'][7] == '+'  # subset: ABCDEF+Name


def test_the_sealed_agreement_validates_against_our_root_and_the_archive(sealed):
    stage, issued, pdf = sealed
    result = sealing.verify_document(pdf)
    assert (result.valid, result.intact, result.trusted, result.archived) == (True, True, True, True)
    assert result.committee == '枫源村人民调解委员会' and result.case_number == '（2026）枫源人调字第1号'
    assert result.verification_code == issued.verification_code


def test_one_byte_changed_inside_the_signed_range_is_reported_altered(sealed, client):
    stage, issued, pdf = sealed
    position = pdf.index(b'/MediationCaseNumber') - 200  # inside the first revision, well before the signature
    altered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1:]
    assert not sealing.verify_document(altered).valid
    api = client.post('/api/v1/verify', data=altered, headers={'Content-Type': 'application/pdf'})
    assert api.status_code == 200 and api.get_json()['valid'] is False and api.get_json()['intact'] is False
    page = client.post('/verify', data={'document': (io.BytesIO(altered), 'agreement.pdf')},
                       content_type='multipart/form-data')
    assert page.status_code == 200 and '未通过核验' in page.get_data(as_text=True)


def test_bytes_appended_after_sealing_are_an_alteration(sealed):
    stage, issued, pdf = sealed
    assert not sealing.verify_document(pdf + b'\n% appended\n').valid


def test_the_sealed_agreement_is_served_as_stored_byte_for_byte(sealed, client, login, users):
    stage, issued, pdf = sealed
    login(users.village)
    first = client.get(f'/cases/{stage.case_id}/documents/agreement')
    second = client.get(f'/cases/{stage.case_id}/documents/agreement?download=1')
    assert first.status_code == second.status_code == 200
    assert first.data == second.data == pdf and first.mimetype == 'application/pdf'
    assert 'attachment' in second.headers['Content-Disposition']


def test_the_public_page_checks_an_upload_and_shows_nothing_personal(sealed, client):
    stage, issued, pdf = sealed
    page = client.post('/verify', data={'document': (io.BytesIO(pdf), 'x.pdf')}, content_type='multipart/form-data')
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and '真实有效' in text and '枫源村人民调解委员会' in text
    assert '（2026）枫源人调字第1号' in text and '与系统存档' in text
    assert '张三' not in text and '李四' not in text and '1200' not in text


def test_the_public_page_looks_up_a_printed_code(sealed, client):
    stage, issued, pdf = sealed
    typed = issued.verification_code.lower().replace('-', ' ')
    text = client.get('/verify', query_string={'code': typed}).get_data(as_text=True)
    assert '验证码有效' in text and '枫源村人民调解委员会' in text and '张三' not in text
    assert '查无此验证码' in client.get('/verify?code=AAAA-BBBB-CCCC').get_data(as_text=True)


@pytest.mark.parametrize('body', [b'', b'garbage', b'%PDF-1.7\n', b'%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF',
                                  b'\x00' * 5000])
def test_anything_not_ours_is_valid_false_never_a_server_error(app_ctx, client, body):
    response = client.post('/api/v1/verify', data=body, headers={'Content-Type': 'application/pdf'})
    assert response.status_code == 200
    result = response.get_json()
    assert result['valid'] is False and result['reason']
    assert set(result) == {'valid', 'intact', 'trusted', 'committee', 'case_number', 'verification_code',
                           'signed_at', 'reason'}


def test_the_verification_page_needs_no_sign_in(client):
    assert client.get('/verify').status_code == 200


# --------------------------------------------------------------------------- documents, access, API

def test_documents_follow_the_case_access_rules(sealed, client, login, users):
    stage, issued, pdf = sealed
    login(users.village_other)  # another village: the case does not exist for them
    assert client.get(f'/cases/{stage.case_id}/documents/agreement').status_code == 404
    client.post('/logout')
    login(users.town)  # the town supervises the village read-only: documents hold personal details
    assert client.get(f'/cases/{stage.case_id}/documents/agreement').status_code == 403


def test_the_api_lists_and_serves_the_documents(sealed, client, users):
    stage, issued, pdf = sealed
    token = tokens.create_token(users.village.username)
    _db.session.commit()
    headers = {'Authorization': f'Bearer {token}'}
    listing = client.get(f'/api/v1/cases/{stage.case_id}/documents', headers=headers).get_json()['documents']
    kinds = [entry['kind'] for entry in listing]
    assert kinds == ['application', 'registration', 'rights_notice', 'session_record', 'agreement', 'follow_up',
                     'confirmation_application', 'dossier']
    agreement = next(entry for entry in listing if entry['kind'] == 'agreement')
    assert agreement['sealed'] and agreement['sha256'] == issued.file_sha256 and agreement['title'] == '人民调解协议书'
    got = client.get(agreement['url'], headers=headers)
    assert got.status_code == 200 and got.mimetype == 'application/pdf' and got.data == pdf
    assert client.get(f'/api/v1/cases/{stage.case_id}/documents/nonsense', headers=headers).status_code == 404
    other = tokens.create_token(users.village_other.username)
    _db.session.commit()
    assert client.get(f'/api/v1/cases/{stage.case_id}/documents',
                      headers={'Authorization': f'Bearer {other}'}).status_code == 404


def test_the_dossier_binds_the_documents_that_apply_in_order(sealed, client, login, users):
    stage, issued, pdf = sealed
    login(users.village)
    dossier = client.get(f'/cases/{stage.case_id}/documents/dossier')
    assert dossier.status_code == 200
    text = pdf_text(dossier.data)
    positions = [text.index(title) for title in ('调解卷宗', '人民调解申请书', '人民调解受理登记表',
                                                 '权利义务告知书', '人民调解记录', '人民调解协议书')]
    assert positions == sorted(positions)
    assert issued.verification_code in text


def test_every_document_of_the_stage_opens(sealed, client, login, users):
    stage, issued, pdf = sealed
    login(users.village)
    for kind in ('application', 'registration', 'rights_notice', 'session_record', 'follow_up',
                 'confirmation_application'):
        response = client.get(f'/cases/{stage.case_id}/documents/{kind}')
        assert response.status_code == 200 and response.data.startswith(b'%PDF'), kind
        assert '（2026）枫源人调字第1号' in pdf_text(response.data), kind
    opened = _db.session.scalars(sa.select(Event.data).where(Event.kind == 'document_opened')).all()
    assert len(opened) == 6


def test_a_case_still_pending_has_its_intake_documents_only(db, orgs, users, client, login):
    from mediation.services.cases import create_case
    case = create_case(users.village, case_input()).case
    _db.session.commit()
    login(users.village)
    page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    assert '人民调解申请书' in page and '人民调解协议书' not in page
    assert client.get(f'/cases/{case.id}/documents/agreement').status_code == 404


def test_without_a_chinese_font_the_page_says_so_instead_of_printing_boxes(
        stage, users, client, login, monkeypatch):
    from mediation.documents import fonts
    missing = fonts.FontCheck(regular=None, bold=None, harfbuzz_subset=True, problems=(fonts.FontProblem(
        'error', '未安装中文字体 Noto Serif CJK SC', 'No Chinese font', 'apt-get install -y fonts-noto-cjk'),))
    monkeypatch.setattr(fonts, 'check_fonts', lambda refresh=False: missing)
    login(users.village)
    page = client.get(f'/cases/{stage.case_id}').get_data(as_text=True)
    assert '缺少打印文书所需的中文字体' in page and 'fonts-noto-cjk' in page
    response = client.get(f'/cases/{stage.case_id}/documents/registration')
    assert response.status_code == 503 and '文书无法生成' in response.get_data(as_text=True)
