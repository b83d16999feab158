"""The case transfer package (移交包): one ZIP a court system takes the whole file in.

- ``manifest.json``: the case (parties in full: only the case's handlers get a package), its
  stages and events, and the list of documents with their SHA-256, and what was left out and why;
- ``documents/stage-<id>-<kind>.pdf``: every document of the stages the user's committee or court
  has (had), from the documents service: the sealed copy when one was issued, else rendered now;
- ``SHA256SUMS``: ``sha256sum -c`` format, for every other file in the ZIP.

Mediation transcripts (调解记录, and the dossier that binds them) are left out unless both
parties agreed that the court may see them (``case.records_disclosed_to_court``, recorded by
``court.record_disclosure``): facts admitted only to reach a settlement are not for court use
(domain.md §1.8).
"""
import hashlib
import io
import json
import zipfile

from mediation.access import handles_case
from mediation.api.serialise import case_json
from mediation.api.serialise import event_json
from mediation.api.serialise import iso
from mediation.chinatime import utcnow
from mediation.errors import PermissionDenied
from mediation.services import case_queries
from mediation.services import documents
from mediation.services import storage
from mediation.services.cases import reveal_identifiers
from mediation.services.events import record_event
from workflows.enums import DocumentKind
from workflows.enums import EventKind

FORMAT = 'fengqiao-case-package/1'
#: Left out unless both parties agreed: what the parties said to reach a settlement.
TRANSCRIPTS = {DocumentKind.SESSION_RECORD: '调解记录：未经双方当事人同意，不提供给法院或其他机关使用。',
               DocumentKind.DOSSIER: '调解卷宗：装订了调解记录，未经双方当事人同意不提供；卷内其他文书已单独列出。'}


def own_stages(case, user) -> list:
    """The stages whose documents the user's committee or court keeps (or sent down, or received)."""
    return [stage for stage in case.stages
            if stage.committee_id == user.organisation_id or stage.court_id == user.organisation_id]


def build_package(case, user, *, public_base_url: str = '') -> bytes:
    if not handles_case(user, case):
        raise PermissionDenied('移交包载有当事人的个人信息，只有承办该案件的单位可以导出。')
    now = utcnow()
    revealed = reveal_identifiers(case, user)
    disclosed = bool(getattr(case, 'records_disclosed_to_court', False))
    files, listed, left_out = [], [], []
    for stage in own_stages(case, user):
        opened = []
        for entry in documents.applicable(stage):
            if entry.kind in TRANSCRIPTS and not disclosed:
                left_out.append({'stage_id': stage.id, 'kind': entry.kind.value, 'title': entry.title,
                                 'reason': TRANSCRIPTS[entry.kind]})
                continue
            pdf = storage.read(entry.sha256) if entry.sealed else _render(stage, entry.kind, public_base_url)
            name = f'documents/stage-{stage.id}-{entry.kind.value}.pdf'
            files.append((name, pdf))
            opened.append(entry.kind.value)
            listed.append({'stage_id': stage.id, 'kind': entry.kind.value, 'title': entry.title,
                           'sealed': entry.sealed, 'file': name, 'sha256': hashlib.sha256(pdf).hexdigest(),
                           'verification_code': entry.verification_code})
        if opened:
            record_event(stage, EventKind.DOCUMENT_OPENED, user, now, data={'documents': opened, 'package': True})
    manifest = {
        'format': FORMAT, 'generated_at': iso(now), 'generated_by': user.username,
        'organisation': user.organisation.name,
        'case': case_json(case, user, revealed),
        'events': [event_json(event) for event in case_queries.case_events(case)],
        'records_disclosed_to_court': disclosed, 'documents': listed, 'left_out': left_out,
    }
    files.insert(0, ('manifest.json', json.dumps(manifest, ensure_ascii=False, indent=2).encode('utf-8')))
    sums = ''.join(f'{hashlib.sha256(data).hexdigest()}  {name}\n' for name, data in files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files + [('SHA256SUMS', sums.encode('ascii'))]:
            info = zipfile.ZipInfo(name, date_time=_zip_time(now))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _render(stage, kind, public_base_url) -> bytes:
    from mediation.documents.fonts import FontsMissing
    from mediation.documents.render import RenderError
    try:
        return documents.render_unsealed(stage, kind, public_base_url=public_base_url)
    except (FontsMissing, RenderError) as error:
        raise documents.DocumentsUnavailable(f'文书无法生成：{error}')


def _zip_time(moment):
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
