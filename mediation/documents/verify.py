"""Check a PDF sealed by ``seal.seal_pdf``: intact, chained to our root, unchanged since sealing, and whose.

``verify_pdf`` never raises: garbage, truncated, unsigned, encrypted or foreign files come back with
``valid`` False and a plain Chinese sentence saying why. The committee, case number and verification
code are reported only from a signature that is intact and chained to our root (otherwise they are a
stranger's claims) and are read from the signed revision, so bytes appended later cannot change them.
pyHanko is imported inside the functions.
"""
import dataclasses
import datetime
import functools
import io
import logging

from mediation.documents.seal import metadata_key

LOGGER = logging.getLogger(__name__)
#: Dates are shown in China Standard Time (no daylight saving), as on the printed document.
CHINA_TIME = datetime.timezone(datetime.timedelta(hours=8), 'CST')


@dataclasses.dataclass(frozen=True)
class Verification:
    valid: bool
    intact: bool
    trusted: bool
    committee: str | None
    case_number: str | None
    verification_code: str | None
    signed_at: str | None
    reason: str

    def as_dict(self) -> dict:
        """The JSON body of ``POST /api/v1/verify``."""
        return dataclasses.asdict(self)


def _rejected(reason: str, *, intact: bool = False, trusted: bool = False) -> Verification:
    return Verification(valid=False, intact=intact, trusted=trusted, committee=None, case_number=None,
                        verification_code=None, signed_at=None, reason=reason)


def verify_pdf(data: bytes, trust_root_pem: bytes) -> Verification:
    """Verify ``data`` against the root certificate ``trust_root_pem`` (PEM or DER). Never raises."""
    try:
        root = _load_certificate(trust_root_pem)
    except Exception:  # our configuration, not the visitor's file: say so, and log it loudly
        LOGGER.exception('The trust root given to verify_pdf cannot be read')
        return _rejected('本系统的根证书无法读取，暂时无法验证文书，请联系系统管理员。')
    try:
        return _verify(bytes(data or b''), root)
    except Exception:  # a broken file must get an answer, not a 500: log it for us, tell the user plainly
        LOGGER.info('PDF verification failed on unreadable input', exc_info=True)
        return _rejected('文件已损坏或不完整，无法读取其中的电子签章，不能证明它是本系统盖章的文书。')


def _verify(data: bytes, root) -> Verification:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not data:
        return _rejected('文件是空的，请上传盖章的 PDF 文书。')
    if b'%PDF-' not in data[:1024]:
        return _rejected('这不是 PDF 文件，请上传本系统生成并盖章的 PDF 文书。')
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted:
        return _rejected('文件已加密，无法验证。本系统盖章的文书不加密，请上传原始文件。')
    signatures = reader.embedded_signatures
    if not signatures:
        return _rejected('文件中没有电子签章，不是本系统盖章的文书，或者签章已被去除。')
    signature = signatures[0]
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    # skip_diff: any update after sealing already makes the file invalid, so pyHanko's analysis of what
    # the update changed is not needed (and costs time).
    status = validate_pdf_signature(signature, context, skip_diff=True)
    intact = bool(status.intact and status.valid)
    trusted = bool(status.trusted)
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1
    if not intact:
        return _rejected('文件在盖章后被改动过：签章所覆盖的内容与签章不符。此文件不能作为有效文书使用。',
                         trusted=trusted)
    if not trusted:
        return _rejected(_untrusted_reason(status.trust_problem_indic), intact=True)
    committee = _committee(signature.signer_cert)
    metadata = _signed_metadata(reader, signature)
    signed_at = signature.self_reported_timestamp
    if signed_at is not None:
        signed_at = signed_at.astimezone(CHINA_TIME)
    signed_at_text = signed_at.isoformat() if signed_at else None
    case_number = metadata.get('case_number')
    fields = dict(intact=True, trusted=True, committee=committee, case_number=case_number,
                  verification_code=metadata.get('verification_code'), signed_at=signed_at_text)
    when = f'{signed_at:%Y年%m月%d日}' if signed_at else '（日期不明）'
    about = f'案号 {case_number} 的文书' if case_number else '此文书'
    if not whole_file:
        return Verification(valid=False, reason=(
            f'{about}由{committee}于{when}盖章，但盖章后文件又被追加或修改过内容，现在的文件已不是盖章时的样子，'
            '不能作为有效文书使用。'), **fields)
    return Verification(valid=True, reason=(
        f'{about}由{committee}于{when}盖章，签章有效，出自本系统，盖章后未被改动。'), **fields)


def _untrusted_reason(problem) -> str:
    name = getattr(problem, 'name', None)
    if name in ('EXPIRED', 'NOT_YET_VALID', 'OUT_OF_BOUNDS_NO_POE', 'OUT_OF_BOUNDS_NOT_REVOKED'):
        return '电子签章所用的证书已过期或尚未生效，无法确认签章有效。'
    if name in ('REVOKED', 'REVOKED_NO_POE', 'REVOKED_CA_NO_POE'):
        return '电子签章所用的证书已被吊销，签章无效。'
    if name in (None, 'NO_CERTIFICATE_CHAIN_FOUND'):
        return '电子签章不是由本系统的根证书签发的，不能证明此文书出自本系统。'
    return f'电子签章的证书未通过本系统根证书的验证（{name}），不能证明此文书出自本系统。'


def _load_certificate(pem_or_der: bytes):
    return _parse_certificate(bytes(pem_or_der))


@functools.lru_cache(maxsize=8)
def _parse_certificate(data: bytes):
    from asn1crypto import pem
    from asn1crypto import x509
    if pem.detect(data):
        data = pem.unarmor(data)[2]
    certificate = x509.Certificate.load(data, strict=True)
    certificate.native  # asn1crypto parses lazily: fail here, on our configuration, not inside validation
    return certificate


def _committee(certificate) -> str | None:
    subject = certificate.subject.native
    return subject.get('organization_name') or subject.get('common_name')


def _signed_metadata(reader, signature) -> dict[str, str]:
    """Our ``/Mediation…`` document-information entries as they were in the signed revision."""
    trailer = reader.get_historical_resolver(signature.signed_revision).trailer_view
    if '/Info' not in trailer:
        return {}
    metadata = {}
    for name, value in trailer['/Info'].items():
        key = metadata_key(str(name))
        if key is not None:
            metadata[key] = str(value)
    return metadata
