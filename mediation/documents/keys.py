"""The system's own certificate authority and one signing certificate per mediation committee.

Layout of ``keys_dir`` (mode 0700; private keys 0600, never overwritten)::

    root-ca.key.pem  root-ca.cert.pem            the root, self-signed, valid 30 years
    committees/<key id>.key.pem  <key id>.cert.pem   one per committee, issued by the root, valid 20 years

Keys are RSA (3072 bits for the root, 2048 for committees). ECDSA P-256 signs as fast once loaded, but
RSA is the algorithm every PDF reader in use here verifies (Acrobat, Foxit, WPS, older builds
included); the one RSA cost, parsing and checking the private key (~28 ms), is paid once per process
by ``load_signer``, which keeps the parsed key. Committee certificates carry keyUsage
digitalSignature + nonRepudiation: pyHanko's validator requires non-repudiation by default.

``cryptography`` and pyHanko are imported inside the functions (the sweep shares this import tree).
"""
import dataclasses
import datetime
import os
import re
import threading
from pathlib import Path

ROOT_COMMON_NAME = '枫桥式人民调解案件管理系统根证书'
ROOT_ORGANIZATION = '枫桥式人民调解案件管理系统'
ROOT_KEY_FILE = 'root-ca.key.pem'
ROOT_CERT_FILE = 'root-ca.cert.pem'
COMMITTEE_FOLDER = 'committees'
ROOT_VALIDITY_YEARS = 30
COMMITTEE_VALIDITY_YEARS = 20
ROOT_KEY_BITS = 3072
COMMITTEE_KEY_BITS = 2048
#: A key id becomes a file name: letters, digits, '-', '_' and '.', not starting with a dot.
KEY_ID_PATTERN = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,63}')


class SigningKeyMissing(FileNotFoundError):
    """No key or certificate for this committee: ``mediation keys init`` creates them."""


def _check_key_id(key_id: str) -> str:
    if not KEY_ID_PATTERN.fullmatch(key_id or ''):
        raise ValueError(f'Invalid key id {key_id!r}: use letters, digits, "-", "_" and "." (e.g. "org-12")')
    return key_id


def committee_key_path(keys_dir: Path, key_id: str) -> Path:
    return Path(keys_dir) / COMMITTEE_FOLDER / f'{_check_key_id(key_id)}.key.pem'


def committee_cert_path(keys_dir: Path, key_id: str) -> Path:
    return Path(keys_dir) / COMMITTEE_FOLDER / f'{_check_key_id(key_id)}.cert.pem'


def root_certificate_pem(keys_dir: Path) -> bytes:
    """The root certificate (PEM) that verification trusts; ``SigningKeyMissing`` if there is none yet."""
    path = Path(keys_dir) / ROOT_CERT_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyMissing(f'尚未创建根证书（{path}），请运行 mediation keys init / No root certificate yet: '
                                'run "mediation keys init"') from None


# ---------------------------------------------------------------------------------------------------------------
# Creating


def init_keys(keys_dir: Path, committees: list[tuple[str, str]]) -> list[str]:
    """Create what is missing (root, then one certificate per (key id, committee name)); report in Chinese.

    Idempotent: existing keys are never overwritten. A committee certificate whose name differs from the
    given name, or that was not issued by the current root, is reported and left alone.
    """
    keys_dir = Path(keys_dir)
    for key_id, _name in committees:
        _check_key_id(key_id)
    _make_private_folder(keys_dir)
    _make_private_folder(keys_dir / COMMITTEE_FOLDER)
    lines = []
    root_key, root_cert, root_line = _ensure_root(keys_dir)
    lines.append(root_line)
    for key_id, name in committees:
        lines.append(_ensure_committee(keys_dir, key_id, name, root_key, root_cert))
    return lines


def _make_private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask and ignored for an existing folder


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``; O_EXCL makes an existing file an error rather than overwriting it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _new_private_key(bits: int):
    from cryptography.hazmat.primitives.asymmetric import rsa
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _private_key_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certificate_pem(certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return certificate.public_bytes(serialization.Encoding.PEM)


def _load_private_key(path: Path):
    from cryptography.hazmat.primitives import serialization
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _load_certificate(path: Path):
    from cryptography import x509
    return x509.load_pem_x509_certificate(path.read_bytes())


def _name(common_name: str, organization: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, 'CN'),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _years_after(moment: datetime.datetime, years: int) -> datetime.datetime:
    return moment.replace(year=moment.year + years, day=min(moment.day, 28))


def _issue_root(root_key):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    subject = _name(ROOT_COMMON_NAME, ROOT_ORGANIZATION)
    public_key = root_key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(_years_after(now, ROOT_VALIDITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(root_key, hashes.SHA256())
    )


def _issue_committee(committee_key, name: str, root_key, root_cert):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    public_key = committee_key.public_key()
    not_after = min(_years_after(now, COMMITTEE_VALIDITY_YEARS), root_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(name, name)).issuer_name(root_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )


def _ensure_root(keys_dir: Path):
    key_path, cert_path = keys_dir / ROOT_KEY_FILE, keys_dir / ROOT_CERT_FILE
    if key_path.exists() and cert_path.exists():
        root_key, root_cert = _load_private_key(key_path), _load_certificate(cert_path)
        return root_key, root_cert, f'根证书已存在，未改动：{_describe_certificate(root_cert)}（{cert_path.name}）'
    if key_path.exists():  # an earlier run stopped between the two files: certify the key that exists
        root_key = _load_private_key(key_path)
        root_cert = _issue_root(root_key)
        _write_new_file(cert_path, _certificate_pem(root_cert), 0o644)
        return root_key, root_cert, f'根证书缺失，已用已有私钥补建：{_describe_certificate(root_cert)}（{cert_path.name}）'
    if cert_path.exists():
        raise RuntimeError(f'根证书 {cert_path} 存在而私钥 {key_path} 不存在：无法签发委员会证书。'
                           f'请找回私钥，或移走 {cert_path.name}（之前盖章的文书将无法再验证）后重新运行。')
    root_key = _new_private_key(ROOT_KEY_BITS)
    root_cert = _issue_root(root_key)
    _write_new_file(key_path, _private_key_pem(root_key), 0o600)
    _write_new_file(cert_path, _certificate_pem(root_cert), 0o644)
    return root_key, root_cert, f'已创建根证书：{_describe_certificate(root_cert)}（{cert_path.name}）'


def _ensure_committee(keys_dir: Path, key_id: str, name: str, root_key, root_cert) -> str:
    key_path, cert_path = committee_key_path(keys_dir, key_id), committee_cert_path(keys_dir, key_id)
    label = f'「{name}」（{key_id}）'
    if key_path.exists() and cert_path.exists():
        certificate = _load_certificate(cert_path)
        problems = _committee_problems(certificate, name, root_cert)
        if problems:
            return (f'{label}的签章证书已存在，未改动，但{"；".join(problems)}。如需重建，请先移走 '
                    f'{COMMITTEE_FOLDER}/{key_id}.* 再运行 mediation keys init')
        return f'{label}的签章证书已存在，未改动：{_describe_certificate(certificate)}'
    if cert_path.exists():
        raise RuntimeError(f'{label}的证书 {cert_path} 存在而私钥 {key_path} 不存在：无法用它盖章。'
                           f'请找回私钥，或移走 {cert_path.name} 后重新运行。')
    created_key = not key_path.exists()
    committee_key = _new_private_key(COMMITTEE_KEY_BITS) if created_key else _load_private_key(key_path)
    certificate = _issue_committee(committee_key, name, root_key, root_cert)
    if created_key:
        _write_new_file(key_path, _private_key_pem(committee_key), 0o600)
    _write_new_file(cert_path, _certificate_pem(certificate), 0o644)
    verb = '已创建' if created_key else '证书缺失，已用已有私钥补建'
    return f'{verb}{label}的签章证书：{_describe_certificate(certificate)}'


def _committee_problems(certificate, name: str, root_cert) -> list[str]:
    problems = []
    certificate_name = _common_name(certificate)
    if certificate_name != name:
        problems.append(f'证书上的名称是「{certificate_name}」，与现名称「{name}」不同')
    if not _issued_by(certificate, root_cert):
        problems.append('它不是由当前根证书签发的，用它盖章的文书将验证不通过')
    return problems


def _issued_by(certificate, root_cert) -> bool:
    try:
        certificate.verify_directly_issued_by(root_cert)
    except Exception:  # ValueError, TypeError or InvalidSignature: not issued by this root either way
        return False
    return True


def _common_name(certificate) -> str:
    from cryptography.x509.oid import NameOID
    attributes = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attributes[0].value) if attributes else ''


def _describe_certificate(certificate) -> str:
    from cryptography.hazmat.primitives import hashes
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return (f'{_common_name(certificate)}，有效期至 {certificate.not_valid_after_utc:%Y-%m-%d}，'
            f'SHA-256 指纹 {fingerprint[:16]}…')


# ---------------------------------------------------------------------------------------------------------------
# Describing


@dataclasses.dataclass(frozen=True)
class CommitteeKey:
    key_id: str
    committee: str
    not_after: datetime.datetime
    issued_by_root: bool
    key_file_private: bool


def describe_keys(keys_dir: Path) -> list[str]:
    """What exists in ``keys_dir``, one Chinese line per certificate, with any problem found."""
    keys_dir = Path(keys_dir)
    root_cert_path = keys_dir / ROOT_CERT_FILE
    if not root_cert_path.exists():
        return [f'{keys_dir} 中尚无根证书和签章密钥。请运行 mediation keys init 创建。']
    root_cert = _load_certificate(root_cert_path)
    lines = [f'根证书：{_describe_certificate(root_cert)}（{root_cert_path}）']
    if not (keys_dir / ROOT_KEY_FILE).exists():
        lines.append('  注意：根证书私钥不在此目录，无法为新的调解委员会签发证书。')
    lines.extend(_permission_warnings(keys_dir / ROOT_KEY_FILE))
    committees = list_committee_keys(keys_dir, root_cert)
    if not committees:
        lines.append('尚无调解委员会签章证书。')
    for committee in committees:
        line = (f'「{committee.committee}」（{committee.key_id}）签章证书，'
                f'有效期至 {committee.not_after:%Y-%m-%d}')
        if not committee.issued_by_root:
            line += '；不是由当前根证书签发，盖章的文书将验证不通过'
        lines.append(line)
        lines.extend(_permission_warnings(committee_key_path(keys_dir, committee.key_id)))
    return lines


def list_committee_keys(keys_dir: Path, root_cert=None) -> list[CommitteeKey]:
    """Every committee certificate that has its private key next to it."""
    keys_dir = Path(keys_dir)
    if root_cert is None and (keys_dir / ROOT_CERT_FILE).exists():
        root_cert = _load_certificate(keys_dir / ROOT_CERT_FILE)
    found = []
    for cert_path in sorted((keys_dir / COMMITTEE_FOLDER).glob('*.cert.pem')):
        key_id = cert_path.name.removesuffix('.cert.pem')
        key_path = cert_path.with_name(f'{key_id}.key.pem')
        if not KEY_ID_PATTERN.fullmatch(key_id) or not key_path.exists():
            continue
        certificate = _load_certificate(cert_path)
        found.append(CommitteeKey(
            key_id=key_id, committee=_common_name(certificate), not_after=certificate.not_valid_after_utc,
            issued_by_root=root_cert is not None and _issued_by(certificate, root_cert),
            key_file_private=(key_path.stat().st_mode & 0o077) == 0))
    return found


def _permission_warnings(key_path: Path) -> list[str]:
    if key_path.exists() and key_path.stat().st_mode & 0o077:
        return [f'  注意：私钥 {key_path} 的权限是 {key_path.stat().st_mode & 0o777:o}，应为 600'
                f'（请运行 chmod 600 {key_path}）。']
    return []


# ---------------------------------------------------------------------------------------------------------------
# Signing


_signers: dict[tuple[str, str], tuple[tuple, object]] = {}
_signers_lock = threading.Lock()


def load_signer(keys_dir: Path, key_id: str):
    """The committee's pyHanko signer, parsed once per process and re-read when a key or certificate file changes."""
    keys_dir = Path(keys_dir).resolve()
    key_path, cert_path = committee_key_path(keys_dir, key_id), committee_cert_path(keys_dir, key_id)
    root_path = keys_dir / ROOT_CERT_FILE
    try:
        version = tuple((stat.st_mtime_ns, stat.st_size, stat.st_ino)
                        for stat in (key_path.stat(), cert_path.stat(), root_path.stat()))
    except FileNotFoundError:
        raise SigningKeyMissing(
            f'尚未为 {key_id} 创建签章密钥，请运行 mediation keys init / No signing key for {key_id}: '
            'run "mediation keys init"') from None
    cache_key = (str(keys_dir), key_id)
    with _signers_lock:
        cached = _signers.get(cache_key)
        if cached is not None and cached[0] == version:
            return cached[1]
        signer = _make_signer(key_path.read_bytes(), cert_path.read_bytes(), root_path.read_bytes())
        _signers[cache_key] = (version, signer)
        return signer


def _make_signer(key_pem: bytes, cert_pem: bytes, root_pem: bytes):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class PreloadedKeySigner(SimpleSigner):
        """pyHanko's SimpleSigner re-parses the private key on every signature (~28 ms for RSA); this one keeps it."""

        def __init__(self, private_key, **kwargs):
            super().__init__(**kwargs)
            self._private_key = private_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko.sign.general import get_pyca_cryptography_hash
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism != 'rsassa_pkcs1v15':  # not what we issue; let pyHanko handle it
                return super().sign_raw(data, digest_algorithm)
            return self._private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    private_key = serialization.load_pem_private_key(key_pem, password=None)
    key_info = asn1_keys.PrivateKeyInfo.load(private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    certificate = asn1_x509.Certificate.load(pem.unarmor(cert_pem)[2])
    root = asn1_x509.Certificate.load(pem.unarmor(root_pem)[2])
    return PreloadedKeySigner(
        private_key, signing_cert=certificate, signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([root]))
