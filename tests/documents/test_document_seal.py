"""seal_pdf and verify_pdf: a sealed agreement verifies, and every kind of alteration or stranger is caught."""
import datetime
import io
import re
import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from document_checks import page
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader
from pypdf import PdfWriter

from mediation.documents import keys
from mediation.documents import seal
from mediation.documents import verify

METADATA = {'case_number': '（2026）枫调字第12号', 'verification_code': 'K7QM-4XRA-9PZD', 'committee': '枫源村人民调解委员会'}


@pytest.fixture(scope='module')
def agreement(render_document):
    return render_document(page('<p>当事人：王𠮷、李䶮。双方自愿达成如下协议：甲方于2026年12月31日前修复排水沟。</p>'))


def _seal(pdf: bytes, keys_dir) -> bytes:
    return seal.seal_pdf(pdf, keys.load_signer(keys_dir, 'org-12'), reason='人民调解协议书生效，加盖调解委员会印章',
                         location='诸暨市枫桥镇枫源村', metadata=METADATA)


@pytest.fixture(scope='module')
def sealed(agreement, keys_dir):
    return _seal(agreement, keys_dir)


@pytest.fixture(scope='module')
def root_pem(keys_dir):
    return keys.root_certificate_pem(keys_dir)


def test_sealed_agreement_is_valid_with_its_data_read_back(sealed, root_pem):
    result = verify.verify_pdf(sealed, root_pem)
    assert result.valid and result.intact and result.trusted, result.reason
    assert result.committee == '枫源村人民调解委员会'
    assert result.case_number == METADATA['case_number']
    assert result.verification_code == METADATA['verification_code']
    signed_at = datetime.datetime.fromisoformat(result.signed_at)
    assert abs(datetime.datetime.now(datetime.UTC) - signed_at) < datetime.timedelta(minutes=10)
    assert signed_at.utcoffset() == datetime.timedelta(hours=8)
    assert '枫源村人民调解委员会' in result.reason and '未被改动' in result.reason
    assert set(result.as_dict()) == {'valid', 'intact', 'trusted', 'committee', 'case_number', 'verification_code',
                                     'signed_at', 'reason'}


def test_the_metadata_is_in_the_document_information(sealed):
    info = PdfReader(io.BytesIO(sealed)).metadata
    assert info['/MediationCaseNumber'] == METADATA['case_number']
    assert info['/MediationVerificationCode'] == METADATA['verification_code']
    assert info['/MediationCommittee'] == METADATA['committee']


def test_sealing_adds_one_signature_and_keeps_the_pages(agreement, sealed):
    assert sealed.startswith(agreement)  # an incremental update: the rendered bytes are untouched
    assert len(PdfReader(io.BytesIO(sealed)).pages) == len(PdfReader(io.BytesIO(agreement)).pages)
    assert len(sealed) - len(agreement) < 20_000


def test_one_byte_changed_inside_the_signed_range_is_not_intact(sealed, root_pem):
    position = sealed.index(b'/Producer')  # in the rendered part, covered by the signature
    altered = sealed[:position + 1] + b'Q' + sealed[position + 2:]
    result = verify.verify_pdf(altered, root_pem)
    assert not result.valid and not result.intact
    assert '改动' in result.reason
    assert result.case_number is None and result.committee is None


def test_an_update_appended_after_sealing_is_altered(sealed, root_pem):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root['/Lang'] = generic.TextStringObject('en')
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)
    result = verify.verify_pdf(output.getvalue(), root_pem)
    assert result.intact and result.trusted and not result.valid
    assert '追加' in result.reason
    assert result.case_number == METADATA['case_number']  # from the signed revision


def test_a_pdf_sealed_by_another_installation_is_not_trusted(agreement, stranger_keys_dir, root_pem):
    foreign = _seal(agreement, stranger_keys_dir)
    result = verify.verify_pdf(foreign, root_pem)
    assert result.intact and not result.trusted and not result.valid
    assert '根证书' in result.reason
    assert result.committee is None and result.case_number is None  # a stranger's claims are not repeated


def test_a_pdf_sealed_with_an_expired_certificate_is_not_trusted(agreement, keys_dir, root_pem, tmp_path):
    folder = tmp_path / 'keys'
    shutil.copytree(keys_dir, folder)
    root_key = serialization.load_pem_private_key((folder / keys.ROOT_KEY_FILE).read_bytes(), password=None)
    root = x509.load_pem_x509_certificate(root_pem)
    current = x509.load_pem_x509_certificate(keys.committee_cert_path(folder, 'org-12').read_bytes())
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(current.subject).issuer_name(root.subject)
               .public_key(current.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=400)).not_valid_after(now - datetime.timedelta(days=1)))
    for extension in current.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    expired = builder.sign(root_key, hashes.SHA256())
    keys.committee_cert_path(folder, 'org-12').write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    result = verify.verify_pdf(_seal(agreement, folder), root_pem)
    assert result.intact and not result.trusted and not result.valid
    assert '过期' in result.reason


def test_an_unsigned_pdf_is_not_valid(agreement, root_pem):
    result = verify.verify_pdf(agreement, root_pem)
    assert not result.valid and '没有电子签章' in result.reason


def test_an_encrypted_pdf_is_not_valid(agreement, root_pem):
    writer = PdfWriter(clone_from=io.BytesIO(agreement))
    writer.encrypt(user_password='', owner_password='owner', algorithm='AES-128')
    output = io.BytesIO()
    writer.write(output)
    result = verify.verify_pdf(output.getvalue(), root_pem)
    assert not result.valid and result.reason


def test_a_broken_trust_root_is_reported_not_raised(sealed):
    for root in (b'-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n',
                 b'-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n', b''):
        result = verify.verify_pdf(sealed, root)
        assert not result.valid and '根证书无法读取' in result.reason


@pytest.mark.parametrize('data', [b'', b'hello', b'%PDF-1.7\n', b'%PDF-1.7\n%%EOF', b'\0' * 4096,
                                  '人民调解协议书'.encode()])
def test_garbage_is_not_valid(data, root_pem):
    result = verify.verify_pdf(data, root_pem)
    assert not result.valid and not result.intact and not result.trusted and result.reason


@settings(max_examples=40, deadline=None)
@given(cut=strategies.floats(min_value=0.0, max_value=0.9999))
def test_truncated_files_are_not_valid(sealed, root_pem, cut):
    result = verify.verify_pdf(sealed[:int(len(sealed) * cut)], root_pem)
    assert not result.valid and result.reason


@settings(max_examples=40, deadline=None)
@given(data=strategies.binary(max_size=4096), prefix=strategies.booleans())
def test_random_bytes_are_not_valid(root_pem, data, prefix):
    result = verify.verify_pdf((b'%PDF-1.7\n' if prefix else b'') + data, root_pem)
    assert not result.valid and result.reason


def _signed_positions(sealed: bytes) -> list[range]:
    """The byte ranges the signature covers: the whole file except the hex string holding the signature itself."""
    byte_range = re.search(rb'/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)', sealed)
    start, length, second_start, second_length = map(int, byte_range.groups())
    assert second_start + second_length == len(sealed)
    return [range(start, start + length), range(second_start, second_start + second_length)]


@settings(max_examples=30, deadline=None)
@given(position=strategies.floats(min_value=0.0, max_value=0.9999), value=strategies.integers(0, 255))
def test_any_byte_changed_in_the_signed_range_is_never_valid(sealed, root_pem, position, value):
    first, second = _signed_positions(sealed)
    offset = int((len(first) + len(second)) * position)
    index = first[offset] if offset < len(first) else second[offset - len(first)]
    if sealed[index] == value:
        return
    result = verify.verify_pdf(sealed[:index] + bytes([value]) + sealed[index + 1:], root_pem)
    assert not result.valid, (index, result)
