"""keys: our own root CA and committee certificates, created idempotently with private file modes."""
import os
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from mediation.documents import keys


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _snapshot(folder):
    return {path: path.read_bytes() for path in sorted(folder.rglob('*')) if path.is_file()}


def test_init_is_idempotent_and_says_what_it_did(tmp_path):
    folder = tmp_path / 'keys'
    first = keys.init_keys(folder, [('org-12', '枫源村人民调解委员会')])
    assert first[0].startswith('已创建根证书') and first[1].startswith('已创建「枫源村人民调解委员会」（org-12）')
    files = _snapshot(folder)
    second = keys.init_keys(folder, [('org-12', '枫源村人民调解委员会')])
    assert second[0].startswith('根证书已存在，未改动') and '已存在，未改动' in second[1]
    assert _snapshot(folder) == files


def test_private_files_and_folders_are_private(keys_dir):
    assert _mode(keys_dir) == 0o700
    assert _mode(keys_dir / keys.COMMITTEE_FOLDER) == 0o700
    assert _mode(keys_dir / keys.ROOT_KEY_FILE) == 0o600
    assert _mode(keys.committee_key_path(keys_dir, 'org-12')) == 0o600


def test_committee_certificate_is_for_signing_with_non_repudiation(keys_dir):
    certificate = x509.load_pem_x509_certificate(keys.committee_cert_path(keys_dir, 'org-12').read_bytes())
    root = x509.load_pem_x509_certificate((keys_dir / keys.ROOT_CERT_FILE).read_bytes())
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # content_commitment is nonRepudiation
    assert not usage.key_cert_sign
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == '枫源村人民调解委员会'
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == '枫源村人民调解委员会'
    certificate.verify_directly_issued_by(root)
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == keys.ROOT_COMMON_NAME
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert root.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_a_new_committee_gets_a_certificate_from_the_existing_root(tmp_path):
    folder = tmp_path / 'keys'
    keys.init_keys(folder, [('org-12', '枫源村人民调解委员会')])
    root_before = (folder / keys.ROOT_CERT_FILE).read_bytes()
    lines = keys.init_keys(folder, [('org-12', '枫源村人民调解委员会'), ('org-13', '枫溪村人民调解委员会')])
    assert lines[2].startswith('已创建「枫溪村人民调解委员会」（org-13）')
    assert (folder / keys.ROOT_CERT_FILE).read_bytes() == root_before
    assert [committee.key_id for committee in keys.list_committee_keys(folder)] == ['org-12', 'org-13']
    for committee in keys.list_committee_keys(folder):
        assert committee.issued_by_root and committee.key_file_private


def test_a_renamed_committee_is_reported_not_overwritten(tmp_path):
    folder = tmp_path / 'keys'
    keys.init_keys(folder, [('org-12', '枫源村人民调解委员会')])
    files = _snapshot(folder)
    lines = keys.init_keys(folder, [('org-12', '枫源社区人民调解委员会')])
    assert '证书上的名称是「枫源村人民调解委员会」' in lines[1]
    assert _snapshot(folder) == files


def test_key_ids_cannot_leave_the_folder(tmp_path):
    for key_id in ('../org-12', 'org/12', '.hidden', ''):
        with pytest.raises(ValueError):
            keys.init_keys(tmp_path / 'keys', [(key_id, '枫源村人民调解委员会')])


def test_describe_keys_lists_root_and_committees(keys_dir, tmp_path):
    lines = keys.describe_keys(keys_dir)
    assert lines[0].startswith('根证书：枫桥式人民调解案件管理系统根证书')
    assert any('「枫源村人民调解委员会」（org-12）' in line for line in lines)
    assert any('「枫桥镇人民调解委员会」（org-3）' in line for line in lines)
    assert 'mediation keys init' in keys.describe_keys(tmp_path / 'nothing')[0]


def test_signer_is_loaded_once_and_reloaded_when_the_files_change(tmp_path):
    folder = tmp_path / 'keys'
    keys.init_keys(folder, [('org-12', '枫源村人民调解委员会')])
    signer = keys.load_signer(folder, 'org-12')
    assert keys.load_signer(folder, 'org-12') is signer
    certificate = keys.committee_cert_path(folder, 'org-12')
    later = certificate.stat().st_mtime_ns + 1_000_000_000
    os.utime(certificate, ns=(later, later))
    assert keys.load_signer(folder, 'org-12') is not signer


def test_missing_signer_says_how_to_create_it(keys_dir):
    with pytest.raises(keys.SigningKeyMissing, match='mediation keys init'):
        keys.load_signer(keys_dir, 'org-999')
