"""The records of a mediator's work on a stage (``workflows.records``): adding and correcting them, the
performance of the agreed terms, evidence files, and everything the case page shows about them.

Only the stage's own handlers write records, and only in the states ``workflows.records`` allows. Every
record added or corrected writes an audit event in the same transaction, whose ``data`` names the record
(``{'record': kind, 'id': id}``): the case's history links to it, and the case page reads which kinds of
records a case has from its events, so a case without evidence costs no evidence query. A correction keeps
the values it replaced in its event. Services only flush; the request commits.
"""
import re
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from mediation.access import acting_as
from mediation.access import visible_cases
from mediation.chinatime import china_date
from mediation.chinatime import china_time
from mediation.chinatime import utcnow
from mediation.errors import Conflict
from mediation.errors import MediationError
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Agreement
from mediation.models import Attachment
from mediation.models import Case
from mediation.models import CaseNote
from mediation.models import Event
from mediation.models import FollowUpVisit
from mediation.models import Investigation
from mediation.models import MediationSession
from mediation.models import Party
from mediation.models import PerformanceRecord
from mediation.models import Stage
from mediation.models import User
from mediation.services import storage
from mediation.services.events import record_event
from workflows.enums import EventKind
from workflows.enums import EvidenceKind
from workflows.enums import PerformanceStatus
from workflows.enums import Satisfaction
from workflows.enums import SessionOutcome
from workflows.enums import VisitMethod
from workflows.machine import HANDLER
from workflows.records import CORRECTABLE
from workflows.records import RecordKind
from workflows.records import may_record
from workflows.records import performance_summary
from workflows.records import refusal

#: Longest text per field, as the forms say.
LIMITS = {
    'place': 200, 'mediators': 200, 'recorder': 64, 'parties_present': 500, 'participants': 500,
    'statement': 5000, 'facts_checked': 5000, 'proposal': 5000, 'next_step': 2000,
    'investigators': 200, 'subject': 100, 'subject_details': 255, 'content': 10000,
    'title': 200, 'description': 2000, 'provided_by': 100, 'filename': 255,
    'note': 2000, 'visitors': 100, 'person_visited': 100, 'situation': 5000, 'court_action': 500, 'risks': 3000,
    'text': 3000,
}
#: A time typed a little ahead of the server's clock (a phone's clock, a session just starting) is accepted.
CLOCK_SLACK = timedelta(minutes=15)

STALE_RECORD = '该记录已被他人更正（您看到的是旧版本）。您填写的内容仍在下方，请对照最新内容后重新提交。'
CHANGED_MEANWHILE = '该记录刚被他人修改，您的更正未保存，请对照最新内容后重新提交。'


class RecordRefused(MediationError):
    """The record cannot be written in the stage's state (``workflows.records.refusal`` says why)."""

    status = 422
    code = 'record_refused'


# --------------------------------------------------------------------------- inputs

@dataclass
class StatementInput:
    party_id: Optional[int]
    text: str = ''


@dataclass
class SessionInput:
    held_at: Optional[datetime] = None  # naive UTC, as stored
    place: str = ''
    mediators: str = ''
    recorder: str = ''
    parties_present: str = ''
    participants: str = ''
    statements: list[StatementInput] = field(default_factory=list)
    facts_checked: str = ''
    proposal: str = ''
    outcome: str = ''
    next_step: str = ''
    next_session_on: Optional[date] = None


@dataclass
class InvestigationInput:
    held_at: Optional[datetime] = None  # naive UTC
    place: str = ''
    investigators: str = ''
    recorder: str = ''
    subject: str = ''
    subject_details: str = ''
    content: str = ''


@dataclass
class EvidenceInput:
    evidence_kind: str = ''
    title: str = ''
    description: str = ''
    provided_by: str = ''
    filename: str = ''
    data: bytes = b''
    session_id: Optional[int] = None
    investigation_id: Optional[int] = None


#: The performance form's choice that records an urging (督促履行) instead of a status.
URGED = 'urged'


@dataclass
class PerformanceInput:
    term_no: Optional[int] = None
    status: str = ''  # a PerformanceStatus value, or URGED
    due_on: Optional[date] = None
    checked_on: Optional[date] = None
    note: str = ''


@dataclass
class FollowUpInput:
    visited_on: Optional[date] = None
    method: str = ''
    visitors: str = ''
    person_visited: str = ''
    situation: str = ''
    performance: str = ''
    satisfaction: str = ''
    court_action: str = ''
    risks: str = ''


# --------------------------------------------------------------------------- rights and checks

def may_add(user: User, stage: Stage, kind: RecordKind) -> bool:
    """The page shows the button: the user handles the stage and its state allows the record."""
    return acting_as(user, stage) == HANDLER and may_record(kind, stage.state) and not _court_refuses(stage, kind)


def _court_refuses(stage: Stage, kind: RecordKind) -> bool:
    """The court's own stages keep notes only: mediation's records belong to the committees."""
    return stage.kind.at_court and kind != RecordKind.NOTE


def check(stage: Stage, actor: User, kind: RecordKind) -> None:
    """Raise unless ``actor`` may write a ``kind`` record on ``stage`` now (its handler, in a state that allows it)."""
    if acting_as(actor, stage) != HANDLER:
        raise PermissionDenied('只有该阶段所在调解组织的承办人员可以添加或更正记录。')
    if not may_record(kind, stage.state) or _court_refuses(stage, kind):
        raise RecordRefused(refusal(kind, stage.state))


def _text(value, name: str, *, required: str = '', field_name: str = '') -> str:
    text = value.strip() if isinstance(value, str) else ''
    if required and not text:
        raise ValidationFailed(required, field=field_name or name)
    if len(text) > LIMITS[name]:
        raise ValidationFailed(f'内容过长：不能超过 {LIMITS[name]} 字。', field=field_name or name)
    return text


def _member(enum, value, name: str, message: str, *, optional: bool = False):
    if optional and not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise ValidationFailed(message, field=name)


def _moment(value: Optional[datetime], stage: Stage, now: datetime, name: str = 'held_at') -> datetime:
    """A time a thing happened at: given, not ahead of now, not before the stage came to its committee."""
    if value is None:
        raise ValidationFailed('请填写时间。', field=name)
    if value > now + CLOCK_SLACK:
        raise ValidationFailed('时间不能晚于现在。', field=name)
    received = china_date(stage.received_at)
    if china_date(value) < received:
        raise ValidationFailed(f'时间不能早于本阶段收到纠纷的日期（{received.isoformat()}）。', field=name)
    return value


def _day(value: Optional[date], name: str, *, earliest: Optional[date], today: date, what: str,
         required: bool = True) -> Optional[date]:
    if value is None:
        if required:
            raise ValidationFailed('请填写日期。', field=name)
        return None
    if value > today:
        raise ValidationFailed('日期不能晚于今天。', field=name)
    if earliest is not None and value < earliest:
        raise ValidationFailed(f'日期不能早于{what}（{earliest.isoformat()}）。', field=name)
    return value


def _stage_record(model, stage: Stage, record_id) -> object:
    """A record of this stage by id, or a validation error on the form's link to it."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        return None
    record = db.session.get(model, record_id)
    return record if record is not None and record.stage_id == stage.id else None


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=' ', timespec='minutes')
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, 'value'):
        return value.value
    return value


def _event(stage, kind: EventKind, actor, now, record_kind: RecordKind, record, reason: str, **data) -> Event:
    return record_event(stage, kind, actor, now, reason=reason[:500],
                        data={'record': record_kind.value, 'id': record.id, **data})


def _correct(record, kind: RecordKind, stage: Stage, actor: User, values: dict, expected_version: Optional[int],
             now: datetime, summary: str) -> None:
    """Write ``values`` over ``record`` if nobody corrected it since ``expected_version``; the event keeps
    what each changed field said before."""
    if kind not in CORRECTABLE:
        raise RecordRefused('这种记录不能更正，请另行添加一条记录说明。')
    if expected_version is not None and record.version != expected_version:
        raise Conflict(STALE_RECORD, current_version=record.version)
    before = {name: getattr(record, name) for name in values}
    changed = [name for name, value in values.items() if before[name] != value]
    if not changed:
        return
    for name in changed:
        setattr(record, name, values[name])
    record.updated_at = now
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(CHANGED_MEANWHILE)
    _event(stage, EventKind.RECORD_CORRECTED, actor, now, kind, record, f'更正{kind.label_zh}：{summary}',
           version=record.version, changed=changed, before={name: _jsonable(before[name]) for name in changed})
    db.session.flush()


# --------------------------------------------------------------------------- sessions

def _session_values(stage: Stage, data: SessionInput, now: datetime) -> dict:
    parties = {party.id: party for party in stage.case.parties}
    statements = []
    for index, statement in enumerate(data.statements):
        text = _text(statement.text, 'statement', field_name=f'statements-{index}-text')
        if not text:
            continue
        party = parties.get(statement.party_id)
        if party is None:
            raise ValidationFailed('陈述所属的当事人不是本案当事人，请刷新页面后重新填写。',
                                   field=f'statements-{index}-text')
        statements.append({'party_id': party.id, 'role': party.role.value, 'name': party.name, 'text': text})
    values = {
        'held_at': _moment(data.held_at, stage, now),
        'place': _text(data.place, 'place', required='请填写调解地点。'),
        'mediators': _text(data.mediators, 'mediators', required='请填写参加调解的人民调解员。'),
        'recorder': _text(data.recorder, 'recorder'),
        'parties_present': _text(data.parties_present, 'parties_present', required='请填写到场的当事人。'),
        'participants': _text(data.participants, 'participants'),
        'statements': statements,
        'facts_checked': _text(data.facts_checked, 'facts_checked'),
        'proposal': _text(data.proposal, 'proposal'),
        'outcome': _member(SessionOutcome, data.outcome, 'outcome', '请选择调解结果。'),
        'next_step': _text(data.next_step, 'next_step'),
        'next_session_on': data.next_session_on,
    }
    if not statements:
        raise ValidationFailed('请至少填写一方当事人的陈述。', field='statements-0-text' if data.statements else 'statements')
    if values['next_session_on'] is not None and values['next_session_on'] < china_date(values['held_at']):
        raise ValidationFailed('下次调解日期不能早于本次调解。', field='next_session_on')
    return values


def _session_summary(session: MediationSession) -> str:
    return f'{china_time(session.held_at):%Y-%m-%d %H:%M} {session.place}，{session.outcome.label_zh}'


def add_session(stage: Stage, actor: User, data: SessionInput, *, now: Optional[datetime] = None) -> MediationSession:
    now = now or utcnow()
    check(stage, actor, RecordKind.SESSION)
    session = MediationSession(case_id=stage.case_id, stage_id=stage.id, created_by_id=actor.id, created_at=now,
                               **_session_values(stage, data, now))
    db.session.add(session)
    db.session.flush()
    _event(stage, EventKind.SESSION_RECORDED, actor, now, RecordKind.SESSION, session, _session_summary(session),
           outcome=session.outcome.value)
    db.session.flush()
    return session


def correct_session(session: MediationSession, actor: User, data: SessionInput, *, expected_version: Optional[int],
                    now: Optional[datetime] = None) -> MediationSession:
    now = now or utcnow()
    stage = db.session.get(Stage, session.stage_id)
    check(stage, actor, RecordKind.SESSION)
    values = _session_values(stage, data, now)
    _correct(session, RecordKind.SESSION, stage, actor, values, expected_version, now, _session_summary(session))
    return session


# --------------------------------------------------------------------------- investigations

def _investigation_values(stage: Stage, data: InvestigationInput, now: datetime) -> dict:
    return {
        'held_at': _moment(data.held_at, stage, now),
        'place': _text(data.place, 'place', required='请填写调查地点。'),
        'investigators': _text(data.investigators, 'investigators', required='请填写调查人。'),
        'recorder': _text(data.recorder, 'recorder'),
        'subject': _text(data.subject, 'subject', required='请填写被调查人。'),
        'subject_details': _text(data.subject_details, 'subject_details'),
        'content': _text(data.content, 'content', required='请填写调查内容。'),
    }


def _investigation_summary(record: Investigation) -> str:
    return f'{china_time(record.held_at):%Y-%m-%d %H:%M} 调查{record.subject}（{record.place}）'


def add_investigation(stage: Stage, actor: User, data: InvestigationInput, *,
                      now: Optional[datetime] = None) -> Investigation:
    now = now or utcnow()
    check(stage, actor, RecordKind.INVESTIGATION)
    record = Investigation(case_id=stage.case_id, stage_id=stage.id, created_by_id=actor.id, created_at=now,
                           **_investigation_values(stage, data, now))
    db.session.add(record)
    db.session.flush()
    _event(stage, EventKind.INVESTIGATION_RECORDED, actor, now, RecordKind.INVESTIGATION, record,
           _investigation_summary(record))
    db.session.flush()
    return record


def correct_investigation(record: Investigation, actor: User, data: InvestigationInput, *,
                          expected_version: Optional[int], now: Optional[datetime] = None) -> Investigation:
    now = now or utcnow()
    stage = db.session.get(Stage, record.stage_id)
    check(stage, actor, RecordKind.INVESTIGATION)
    values = _investigation_values(stage, data, now)
    _correct(record, RecordKind.INVESTIGATION, stage, actor, values, expected_version, now,
             _investigation_summary(record))
    return record


# --------------------------------------------------------------------------- evidence

#: What may be uploaded, by the type read from the file's first bytes, and the name ending it is served with.
ALLOWED_TYPES = {
    'application/pdf': '.pdf', 'image/jpeg': '.jpg', 'image/png': '.png', 'audio/mpeg': '.mp3',
    'audio/mp4': '.m4a', 'video/mp4': '.mp4', 'text/plain; charset=utf-8': '.txt',
    'text/plain; charset=gb18030': '.txt',
}
#: The endings a file of each type may keep (a photo named .jpeg stays .jpeg).
_ENDINGS = {'.pdf': {'.pdf'}, '.jpg': {'.jpg', '.jpeg', '.jpe'}, '.png': {'.png'}, '.mp3': {'.mp3'},
            '.m4a': {'.m4a', '.m4b', '.aac'}, '.mp4': {'.mp4', '.m4v'}, '.txt': {'.txt', '.text', '.log', '.csv'}}
_MP4_VIDEO_BRANDS = {b'isom', b'iso2', b'iso4', b'iso5', b'iso6', b'mp41', b'mp42', b'avc1', b'M4V ', b'MSNV',
                     b'dash', b'qt  '}
_MP4_AUDIO_BRANDS = {b'M4A ', b'M4B '}
UNSUPPORTED_TYPE = '不支持这种文件：只能上传 PDF、JPEG 或 PNG 图片、MP3 或 M4A 录音、MP4 视频，或纯文本文件。'


def size_text(size: int) -> str:
    """A size as people say it: 15 MB, 1.5 MB, 300 KB."""
    if size >= 1024 * 1024:
        return f'{size / 1024 / 1024:.1f}'.removesuffix('.0') + ' MB'
    return f'{max(1, round(size / 1024))} KB'


def max_upload() -> str:
    """The largest file that may be uploaded, as the form says it."""
    return size_text(current_app.config['MAX_UPLOAD_BYTES'])


def sniff(data: bytes) -> str:
    """The file's real type, read from its bytes (never from what the browser said), or a ValidationFailed."""
    if not data:
        raise ValidationFailed('没有收到文件（或文件是空的），请重新选择文件。', field='file')
    limit = current_app.config['MAX_UPLOAD_BYTES']
    if len(data) > limit:
        raise ValidationFailed(f'文件过大：不能超过 {max_upload()}（这个文件约 {size_text(len(data))}）。'
                               f'照片可先压缩，录音、视频可截取相关片段。', field='file')
    if data.startswith(b'%PDF-'):
        if b'%%EOF' not in data[-2048:]:
            raise ValidationFailed('PDF 文件不完整，请重新扫描或导出后上传。', field='file')
        return 'application/pdf'
    if data.startswith(b'\x89PNG\r\n\x1a\n') or data.startswith(b'\xff\xd8\xff'):
        from mediation.services.agreements import _check_image  # the same image check the signed scans pass
        try:
            return _check_image(data, max_size=limit, types=('image/png', 'image/jpeg'))
        except ValidationFailed:
            raise ValidationFailed('图片文件已损坏或不完整，请重新选择。', field='file')
    if data[4:8] == b'ftyp':
        brand = data[8:12]
        if brand in _MP4_AUDIO_BRANDS:
            return 'audio/mp4'
        if brand in _MP4_VIDEO_BRANDS:
            return 'video/mp4'
        raise ValidationFailed(UNSUPPORTED_TYPE, field='file')
    if data.startswith(b'ID3') or _mpeg_audio_frame(data[:4]):
        return 'audio/mpeg'
    return _text_type(data)


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (an MP3 without an ID3 tag): sync bits, and no reserved values."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


_CONTROL = re.compile(r'[\x00-\x08\x0b\x0e-\x1f\x7f]')


def _text_type(data: bytes) -> str:
    """Plain text in UTF-8, or in GB 18030 (what Windows Notepad saves in China); else unsupported."""
    for encoding, content_type in (('utf-8-sig', 'text/plain; charset=utf-8'),
                                   ('gb18030', 'text/plain; charset=gb18030')):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            return content_type
    raise ValidationFailed(UNSUPPORTED_TYPE, field='file')


def download_name(filename: str, content_type: str) -> str:
    """The uploaded name, as a plain file name with an ending that matches what the file really is."""
    name = PurePosixPath((filename or '').replace('\\', '/')).name
    name = _CONTROL.sub('', name).replace('"', '').strip(' .') or '证据材料'
    ending = ALLOWED_TYPES[content_type]
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in _ENDINGS[ending]:
        name += ending
    if len(name) > LIMITS['filename']:
        name = name[:LIMITS['filename'] - len(ending)] + ending
    return name


def add_evidence(stage: Stage, actor: User, data: EvidenceInput, *, now: Optional[datetime] = None) -> Attachment:
    """Keep the file (once, by its hash, in the shared storage folder) and record it as evidence of the stage."""
    now = now or utcnow()
    check(stage, actor, RecordKind.EVIDENCE)
    kind = _member(EvidenceKind, data.evidence_kind, 'evidence_kind', '请选择证据类型。')
    title = _text(data.title, 'title', required='请填写证据名称。')
    description = _text(data.description, 'description')
    provided_by = _text(data.provided_by, 'provided_by')
    session = investigation = None
    if data.session_id:
        session = _stage_record(MediationSession, stage, data.session_id)
        if session is None:
            raise ValidationFailed('所选调解记录不属于本阶段。', field='session_id')
    if data.investigation_id:
        investigation = _stage_record(Investigation, stage, data.investigation_id)
        if investigation is None:
            raise ValidationFailed('所选调查记录不属于本阶段。', field='investigation_id')
    content_type = sniff(data.data)
    stored = storage.store(data.data, content_type)
    attachment = Attachment(
        case_id=stage.case_id, stage_id=stage.id, created_by_id=actor.id, created_at=now,
        token=secrets.token_urlsafe(24), evidence_kind=kind, title=title, description=description,
        provided_by=provided_by, file_sha256=stored.sha256, filename=download_name(data.filename, content_type),
        content_type=content_type, size=len(data.data), session_id=session.id if session else None,
        investigation_id=investigation.id if investigation else None)
    db.session.add(attachment)
    db.session.flush()
    _event(stage, EventKind.EVIDENCE_ADDED, actor, now, RecordKind.EVIDENCE, attachment,
           f'{kind.label_zh}：{title}', sha256=stored.sha256, size=len(data.data), content_type=content_type)
    db.session.flush()
    return attachment


def attachment_by_token(case: Case, token: str) -> Optional[Attachment]:
    """The case's attachment with this token (the case already checked as visible to the user), or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Attachment).where(Attachment.token == token, Attachment.case_id == case.id))


# --------------------------------------------------------------------------- performance

def agreement_in_force(stage: Stage) -> Agreement:
    """The stage's agreement with its terms, or RecordRefused (nothing to record the performance of)."""
    agreement = db.session.scalar(sa.select(Agreement).where(Agreement.stage_id == stage.id))
    if agreement is None or not agreement.terms:
        raise RecordRefused('本阶段没有生效的调解协议条款，不能登记履行情况。')
    return agreement


def record_performance(stage: Stage, actor: User, data: PerformanceInput, *,
                       now: Optional[datetime] = None) -> PerformanceRecord:
    """One agreed term's status as checked on a day (or an urging to perform it, PML Art 31); the agreement's
    summary (``performance``, ``terms_fulfilled``) follows its terms' latest statuses."""
    now = now or utcnow()
    check(stage, actor, RecordKind.PERFORMANCE)
    agreement = agreement_in_force(stage)
    if not isinstance(data.term_no, int) or not 1 <= data.term_no <= len(agreement.terms):
        raise ValidationFailed(f'请选择协议条款（第 1 至 {len(agreement.terms)} 项）。', field='term_no')
    urged = data.status == URGED
    status = None if urged else _member(PerformanceStatus, data.status, 'status', '请选择履行情况。')
    effective = china_date(stage.agreement_effective_at)
    checked_on = _day(data.checked_on, 'checked_on', earliest=effective, today=china_date(now), what='协议生效日期')
    if data.due_on is not None and effective is not None and data.due_on < effective:
        raise ValidationFailed(f'履行期限不能早于协议生效日期（{effective.isoformat()}）。', field='due_on')
    note = _text(data.note, 'note',
                 required='请填写督促的方式和当事人的答复。' if urged else
                 '未履行或部分履行的，请说明情况。' if status in (PerformanceStatus.BREACHED, PerformanceStatus.PARTLY) else '')
    record = PerformanceRecord(case_id=stage.case_id, stage_id=stage.id, created_by_id=actor.id, created_at=now,
                               agreement_id=agreement.id, term_no=data.term_no, status=status, due_on=data.due_on,
                               urged=urged, checked_on=checked_on, note=note)
    db.session.add(record)
    db.session.flush()
    if urged:
        _event(stage, EventKind.PERFORMANCE_URGED, actor, now, RecordKind.PERFORMANCE, record,
               f'督促履行第{data.term_no}项：{note}', term=data.term_no)
    else:
        _refresh_summary(agreement)
        reason = f'第{data.term_no}项：{status.label_zh}' + (f'（{note}）' if note else '')
        _event(stage, EventKind.PERFORMANCE_RECORDED, actor, now, RecordKind.PERFORMANCE, record, reason,
               term=data.term_no, status=status.value, performance=agreement.performance.value,
               fulfilled=agreement.terms_fulfilled, terms=len(agreement.terms))
    try:
        db.session.flush()
    except StaleDataError:  # someone recorded another term at the same moment: the summary must count both
        raise Conflict('协议履行情况刚被他人更新，您的登记未保存，请刷新页面后重新提交。')
    return record


def _refresh_summary(agreement: Agreement) -> None:
    rows = db.session.scalars(sa.select(PerformanceRecord).where(
        PerformanceRecord.agreement_id == agreement.id, PerformanceRecord.status.is_not(None))).all()
    latest = _latest_statuses(rows)
    statuses = [latest.get(number, PerformanceStatus.PENDING) for number in range(1, len(agreement.terms) + 1)]
    agreement.performance, agreement.terms_fulfilled, _ = performance_summary(statuses)


def _latest_statuses(rows) -> dict[int, PerformanceStatus]:
    latest = {}
    for row in sorted((row for row in rows if row.status is not None), key=lambda row: (row.checked_on, row.id)):
        latest[row.term_no] = row.status
    return latest


_CN_DIGITS = {'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}


def _number(text: str) -> Optional[int]:
    """'15', '十五', '三十', '二十一' → the number (up to 999)."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char in '十百':
            total += (current or 1) * (10 if char == '十' else 100)
            current = 0
        else:
            return None
    return total + current


_EXACT_DAY = re.compile(r'(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})')
_WITHIN = re.compile(r'([0-9零〇一二两三四五六七八九十百]+)\s*[日天]内')


def due_date_from(deadline: str, effective: Optional[date]) -> Optional[date]:
    """The day a term falls due, read from the agreement's words where they say it plainly: a date
    ("2026年3月20日前") or a number of days from the agreement taking effect ("协议生效之日起十日内")."""
    text = deadline or ''
    match = _EXACT_DAY.search(text)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    match = _WITHIN.search(text)
    if match and effective is not None:
        days = _number(match.group(1))
        if days is not None and 0 < days <= 3650:
            return effective + timedelta(days=days)
    if effective is not None and ('生效时' in text or '当场' in text or '签订时' in text):
        return effective
    return None


# --------------------------------------------------------------------------- follow-up visits

def _visit_values(stage: Stage, data: FollowUpInput, now: datetime) -> dict:
    return {
        'visited_on': _day(data.visited_on, 'visited_on', earliest=china_date(stage.agreement_effective_at),
                           today=china_date(now), what='协议生效日期'),
        'method': _member(VisitMethod, data.method, 'method', '请选择回访方式。'),
        'visitors': _text(data.visitors, 'visitors', required='请填写回访人。'),
        'person_visited': _text(data.person_visited, 'person_visited', required='请填写被回访人。'),
        'situation': _text(data.situation, 'situation', required='请填写回访情况。'),
        'performance': _member(PerformanceStatus, data.performance, 'performance', '请选择协议履行情况。',
                               optional=True),
        'satisfaction': _member(Satisfaction, data.satisfaction, 'satisfaction', '请选择当事人意见。', optional=True),
        'court_action': _text(data.court_action, 'court_action'),
        'risks': _text(data.risks, 'risks'),
    }


def _visit_summary(visit: FollowUpVisit) -> str:
    parts = [visit.visited_on.isoformat(), visit.method.label_zh, visit.person_visited]
    if visit.satisfaction:
        parts.append(visit.satisfaction.label_zh)
    return '，'.join(part for part in parts if part)


def add_follow_up(stage: Stage, actor: User, data: FollowUpInput, *, now: Optional[datetime] = None) -> FollowUpVisit:
    now = now or utcnow()
    check(stage, actor, RecordKind.FOLLOW_UP)
    visit = FollowUpVisit(case_id=stage.case_id, stage_id=stage.id, created_by_id=actor.id, created_at=now,
                          **_visit_values(stage, data, now))
    db.session.add(visit)
    db.session.flush()
    _event(stage, EventKind.FOLLOW_UP_RECORDED, actor, now, RecordKind.FOLLOW_UP, visit, _visit_summary(visit),
           satisfaction=visit.satisfaction.value if visit.satisfaction else None)
    db.session.flush()
    return visit


def correct_follow_up(visit: FollowUpVisit, actor: User, data: FollowUpInput, *, expected_version: Optional[int],
                      now: Optional[datetime] = None) -> FollowUpVisit:
    now = now or utcnow()
    stage = db.session.get(Stage, visit.stage_id)
    check(stage, actor, RecordKind.FOLLOW_UP)
    _correct(visit, RecordKind.FOLLOW_UP, stage, actor, _visit_values(stage, data, now), expected_version, now,
             _visit_summary(visit))
    return visit


# --------------------------------------------------------------------------- notes

def add_note(stage: Stage, actor: User, text: str, *, now: Optional[datetime] = None) -> CaseNote:
    now = now or utcnow()
    check(stage, actor, RecordKind.NOTE)
    note = CaseNote(case_id=stage.case_id, stage_id=stage.id, created_by_id=actor.id, created_at=now,
                    text=_text(text, 'text', required='请填写备注内容。'))
    db.session.add(note)
    db.session.flush()
    _event(stage, EventKind.NOTE_ADDED, actor, now, RecordKind.NOTE, note, note.text[:200])
    db.session.flush()
    return note


# --------------------------------------------------------------------------- reading

#: Which event kinds say a case has records of which table (a record is always added with its event;
#: follow-up visits made from old events by the migration keep their old event kind).
_TABLE_OF_EVENT = {
    EventKind.SESSION_RECORDED.value: MediationSession,
    EventKind.INVESTIGATION_RECORDED.value: Investigation,
    EventKind.EVIDENCE_ADDED.value: Attachment,
    EventKind.PERFORMANCE_RECORDED.value: PerformanceRecord,
    EventKind.PERFORMANCE_URGED.value: PerformanceRecord,
    EventKind.FOLLOW_UP_RECORDED.value: FollowUpVisit,
    EventKind.LEGACY_FOLLOW_UP.value: FollowUpVisit,
    EventKind.NOTE_ADDED.value: CaseNote,
}
_ORDER = {
    MediationSession: (MediationSession.held_at, MediationSession.id),
    Investigation: (Investigation.held_at, Investigation.id),
    Attachment: (Attachment.created_at, Attachment.id),
    PerformanceRecord: (PerformanceRecord.checked_on, PerformanceRecord.id),
    FollowUpVisit: (FollowUpVisit.visited_on, FollowUpVisit.id),
    CaseNote: (CaseNote.created_at, CaseNote.id),
}


@dataclass
class TermPerformance:
    """One agreed term on the case page: its latest status, when it falls due, its history and urgings."""

    term_no: int
    content: str
    deadline: str  # as the agreement words it
    status: PerformanceStatus
    due_on: Optional[date]
    checked_on: Optional[date]
    history: list = field(default_factory=list)  # status rows, oldest first
    urgings: list = field(default_factory=list)

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and self.status != PerformanceStatus.FULFILLED


@dataclass
class PerformanceTable:
    terms: list[TermPerformance]
    status: PerformanceStatus
    fulfilled: int

    @property
    def total(self) -> int:
        return len(self.terms)


@dataclass
class StageRecords:
    sessions: list = field(default_factory=list)
    investigations: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    performance_rows: list = field(default_factory=list)
    performance: Optional[PerformanceTable] = None

    def __bool__(self):
        return bool(self.sessions or self.investigations or self.attachments or self.visits or self.notes
                    or self.performance_rows)


def load_case(case: Case) -> None:
    """The case's stages (with their committees and courts) and parties in two queries, whatever their number."""
    stages = db.session.scalars(sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.id).options(
        so.joinedload(Stage.committee), so.joinedload(Stage.court))).all()
    set_committed_value(case, 'stages', stages)
    for stage in stages:
        set_committed_value(stage, 'case', case)
    set_committed_value(case, 'parties', db.session.scalars(
        sa.select(Party).where(Party.case_id == case.id).order_by(Party.id)).all())


def agreements_of(case: Case) -> dict[int, Agreement]:
    """stage id → its agreement, for every stage of the case, in one query (a stage awaiting signatures reads
    its agreement's signatures when the page counts them: one query more, whatever their number)."""
    return {agreement.stage_id: agreement for agreement in db.session.scalars(
        sa.select(Agreement).join(Stage, Stage.id == Agreement.stage_id).where(Stage.case_id == case.id))}


def case_records(case: Case, events, agreements: dict[int, Agreement]) -> dict[int, StageRecords]:
    """stage id → its records, for the case page: one query per kind of record the case has (its ``events``
    say which), never one per stage or per record."""
    tables = {_TABLE_OF_EVENT[event.kind] for event in events if event.kind in _TABLE_OF_EVENT}
    bundles = {stage.id: StageRecords() for stage in case.stages}
    attribute = {MediationSession: 'sessions', Investigation: 'investigations', Attachment: 'attachments',
                 PerformanceRecord: 'performance_rows', FollowUpVisit: 'visits', CaseNote: 'notes'}
    for model in (MediationSession, Investigation, Attachment, PerformanceRecord, FollowUpVisit, CaseNote):
        if model not in tables:
            continue
        for record in db.session.scalars(sa.select(model).where(model.case_id == case.id).order_by(*_ORDER[model])):
            bundle = bundles.get(record.stage_id)
            if bundle is not None:
                getattr(bundle, attribute[model]).append(record)
    for stage in case.stages:
        agreement = agreements.get(stage.id)
        if agreement is not None and stage.agreement_effective_at is not None and agreement.terms:
            bundles[stage.id].performance = performance_table(stage, agreement, bundles[stage.id].performance_rows)
    return bundles


def performance_table(stage: Stage, agreement: Agreement, rows) -> PerformanceTable:
    """Each agreed term's latest status and due date, its history and urgings."""
    effective = china_date(stage.agreement_effective_at)
    terms = []
    for number, term in enumerate(agreement.terms, start=1):
        mine = [row for row in rows if row.term_no == number]
        statuses = [row for row in mine if row.status is not None]
        latest = statuses[-1] if statuses else None
        due_on = next((row.due_on for row in reversed(statuses) if row.due_on), None) \
            or due_date_from(term.get('deadline', ''), effective)
        terms.append(TermPerformance(
            term_no=number, content=term.get('content', ''), deadline=term.get('deadline', ''),
            status=latest.status if latest else PerformanceStatus.PENDING, due_on=due_on,
            checked_on=latest.checked_on if latest else None, history=statuses,
            urgings=[row for row in mine if row.urged]))
    status, fulfilled, _ = performance_summary([term.status for term in terms])
    return PerformanceTable(terms=terms, status=status, fulfilled=fulfilled)


def stage_records(stage: Stage, model) -> list:
    """One stage's records of one kind, oldest first (the documents and the record forms)."""
    return db.session.scalars(sa.select(model).where(model.stage_id == stage.id).order_by(*_ORDER[model])).all()


def case_id_by_code(user: User, code: str) -> Optional[int]:
    """The id of the case with this matter code (the QR code's link), if ``user`` may see it."""
    code = (code or '').strip().upper()
    if not code or len(code) > 20:
        return None
    return db.session.scalar(visible_cases(user).with_only_columns(Case.id).where(Case.matter_code == code))


def record_of(case: Case, model, record_id: int):
    """A record of the case by id, or None."""
    record = db.session.get(model, record_id)
    return record if record is not None and record.case_id == case.id else None
