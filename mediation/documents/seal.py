"""Seal a rendered PDF with the committee's key: a PAdES B-B certification signature by pyHanko.

The document's identifying data (case number, verification code, committee, …) goes into the PDF's
document information dictionary as ``/Mediation…`` entries in the same incremental update as the
signature, so the signature covers it and ``verify`` reads it back from the signed revision.
The signature is a certification (DocMDP "no changes"): any later update counts as an alteration.
pyHanko is imported inside the functions.
"""
import io
import re

#: Room for the CMS signature (RSA-2048 signature, committee and root certificates: ~3.5 KB). A fixed size
#: avoids pyHanko's trial signature, which costs ~90 ms.
BYTES_RESERVED = 8192
SIGNATURE_FIELD = 'CommitteeSeal'
_METADATA_KEY = re.compile(r'[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*')
_INFO_PREFIX = 'Mediation'


def info_key(key: str) -> str:
    """'case_number' -> '/MediationCaseNumber' (a document-information key)."""
    if not _METADATA_KEY.fullmatch(key):
        raise ValueError(f'Metadata key {key!r} must be lower-case snake_case (e.g. "case_number")')
    return '/' + _INFO_PREFIX + ''.join(part.capitalize() for part in key.split('_'))


def metadata_key(info_name: str) -> str | None:
    """'/MediationCaseNumber' -> 'case_number'; None for keys that are not ours."""
    name = info_name.lstrip('/')
    if not name.startswith(_INFO_PREFIX) or len(name) == len(_INFO_PREFIX):
        return None
    return re.sub(r'(?<!^)(?=[A-Z])', '_', name[len(_INFO_PREFIX):]).lower()


def seal_pdf(pdf: bytes, signer, *, reason: str, location: str, metadata: dict[str, str]) -> bytes:
    """Return ``pdf`` with ``metadata`` written into it and a PAdES B-B signature by ``signer`` over the whole file.

    ``signer`` comes from ``keys.load_signer``. One invisible signature field is added; the visible stamp
    is part of the rendered page.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.fields import SigSeedSubFilter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = generic.DictionaryObject()
    if '/Info' in writer.trailer:
        info.update(writer.trailer['/Info'])
    for key, value in metadata.items():
        info[generic.NameObject(info_key(key))] = generic.TextStringObject(str(value))
    writer.set_info(info)

    signature_meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, reason=reason, location=location, md_algorithm='sha256',
        subfilter=SigSeedSubFilter.PADES, certify=True, docmdp_permissions=MDPPerm.NO_CHANGES)
    output = signers.PdfSigner(signature_meta, signer=signer).sign_pdf(writer, bytes_reserved=BYTES_RESERVED)
    return output.getvalue()
