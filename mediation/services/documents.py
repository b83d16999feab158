"""The statutory documents of a case: which apply to a stage, what they say, and their PDFs.

Each committee that handles a case keeps its own dossier (PML Art 27), so documents belong to a
stage. ``context_for`` turns the stage's records into the plain ``DocumentContext`` the templates
read; a sealed agreement is served as it was stored, never rendered again (``services.sealing``).
Documents carry personal details: only the case's handlers get them, and every opening is logged.
"""
import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from mediation.access import handles_case
from mediation.chinatime import china_date
from mediation.chinatime import china_time
from mediation.chinatime import utcnow
from mediation.documents.context import AgreementView
from mediation.documents.context import DocumentContext
from mediation.documents.context import FollowUpView
from mediation.documents.context import PartyView
from mediation.documents.context import SessionView
from mediation.documents.context import SignatureView
from mediation.documents.context import TermView
from mediation.errors import MediationError
from mediation.errors import NotFound
from mediation.errors import PermissionDenied
from mediation.extensions import db
from mediation.models import Agreement
from mediation.models import Case
from mediation.models import Event
from mediation.models import FollowUpVisit
from mediation.models import IssuedDocument
from mediation.models import MediationSession
from mediation.models import Organisation
from mediation.models import Stage
from mediation.models import User
from mediation.models import court_district
from mediation.services import records
from mediation.services import storage
from mediation.services.agreements import agreement_of
from mediation.services.agreements import signer_slots
from mediation.services.events import record_event
from workflows.enums import AgreementKind
from workflows.enums import DocumentKind
from workflows.enums import EventKind
from workflows.enums import Level
from workflows.enums import PartyKind
from workflows.enums import Source
from workflows.states import State

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = PROJECT_ROOT / 'templates' / 'documents'

#: Where the 终止调解通知书 applies (PML Art 26: mediation ended without agreement).
_ENDED_WITHOUT_AGREEMENT = {State.TERMINATED, State.FAILED}
#: A court-sent case that went back to its court without agreement: the committee reports in writing.
_BACK_TO_THE_COURT = {State.RETURNED_TO_COURT, State.TERMINATED, State.WITHDRAWN}


@dataclass(frozen=True)
class DocumentEntry:
    kind: DocumentKind
    #: sealed: issued under the committee's seal and stored; otherwise rendered when opened
    sealed: bool = False
    sha256: Optional[str] = None
    verification_code: Optional[str] = None

    @property
    def title(self) -> str:
        return self.kind.label_zh


def documents_stage(case: Case, user: User) -> Optional[Stage]:
    """The stage whose dossier ``user`` works with: the newest at their committee or court."""
    own = [stage for stage in case.stages
           if stage.committee_id == user.organisation_id or stage.court_id == user.organisation_id]
    return own[-1] if own else None


_UNREAD = object()


def applicable(stage: Stage, agreement=_UNREAD) -> list[DocumentEntry]:
    """The documents of this stage's dossier, in its order (domain.md §3.1), and the whole dossier last.

    ``agreement``: the stage's agreement (or None) when the caller has it already.
    """
    if stage.kind.at_court:
        return []  # the court keeps its own file; the committees' documents are theirs
    agreement = agreement_of(stage) if agreement is _UNREAD else agreement
    issued = {document.kind: document for document in db.session.scalars(
        sa.select(IssuedDocument).where(IssuedDocument.stage_id == stage.id))}
    kinds = []
    if stage.case.source == Source.PARTY_APPLICATION and stage.previous_stage_id is None:
        kinds.append(DocumentKind.APPLICATION)
    kinds += [DocumentKind.REGISTRATION, DocumentKind.RIGHTS_NOTICE]
    if stage.accepted_at is not None:
        kinds.append(DocumentKind.SESSION_RECORD)
    if agreement is not None and agreement.kind == AgreementKind.WRITTEN:
        kinds.append(DocumentKind.AGREEMENT)
    if agreement is not None and agreement.kind == AgreementKind.ORAL and stage.agreement_effective_at:
        kinds.append(DocumentKind.ORAL_AGREEMENT)
    if stage.agreement_effective_at is not None:
        kinds.append(DocumentKind.FOLLOW_UP)
        if DocumentKind.AGREEMENT in issued and stage.case.category.confirmable:
            kinds.append(DocumentKind.CONFIRMATION_APPLICATION)
    if stage.state in _ENDED_WITHOUT_AGREEMENT:
        kinds.append(DocumentKind.TERMINATION_NOTICE)
    if stage.kind.court_sent and stage.state in _BACK_TO_THE_COURT:
        kinds.append(DocumentKind.CLOSING_REPORT)  # TY16 Art 26: the written report to the court
    kinds.append(DocumentKind.DOSSIER)
    return [DocumentEntry(kind, kind in issued, issued[kind].file_sha256 if kind in issued else None,
                          issued[kind].verification_code if kind in issued else None) for kind in kinds]


def document_pdf(case: Case, kind: DocumentKind, actor: User, *, public_base_url: str = '') -> bytes:
    """The PDF of ``kind`` for ``actor``'s stage of ``case``: the stored one if sealed, else rendered now.

    ``public_base_url`` is where the verification page is (for the QR code of a sealed agreement
    bound into the dossier).
    """
    if not handles_case(actor, case):
        raise PermissionDenied('文书载有当事人的个人信息，只有承办该案件的人员可以打开。')
    stage = documents_stage(case, actor)
    entry = next((entry for entry in applicable(stage) if entry.kind == kind), None) if stage else None
    if entry is None:
        raise NotFound('该案件没有这份文书。')
    from mediation.services.court import TRANSCRIPT_DOCUMENTS
    from mediation.services.court import court_may_see_records
    if kind in TRANSCRIPT_DOCUMENTS and not court_may_see_records(actor, case):
        raise PermissionDenied('调解记录未经双方当事人同意不向法院提供（《最高人民法院关于人民法院特邀调解的规定》第二十二条）。')
    record_event(stage, EventKind.DOCUMENT_OPENED, actor, utcnow(), data={'document': kind.value})
    if entry.sealed:
        return storage.read(entry.sha256)
    from mediation.documents.fonts import FontsMissing
    from mediation.documents.render import RenderError
    try:
        return render_unsealed(stage, kind, public_base_url=public_base_url)
    except (FontsMissing, RenderError) as error:
        raise DocumentsUnavailable(f'文书无法生成：{error}')


class DocumentsUnavailable(MediationError):
    """A document cannot be printed faithfully here (no Chinese font, a character no font has): say so."""

    status = 503
    code = 'documents_unavailable'


def font_problem() -> str:
    """What is wrong with the document fonts, in Chinese, or '' (checked once per process)."""
    from mediation.documents.fonts import check_fonts
    check = check_fonts()
    if check.ok:
        return ''
    return f'{check.message_zh}（安装：{"；".join(check.install_commands)}）'


def render_unsealed(stage: Stage, kind: DocumentKind, *, public_base_url: str = '') -> bytes:
    from mediation.documents.html import dossier_cover_html
    from mediation.documents.render import render_dossier
    from mediation.documents.render import render_records
    context = context_for(stage)
    if kind == DocumentKind.DOSSIER:
        parts = [part for entry in applicable(stage) if entry.kind != DocumentKind.DOSSIER
                 for part in _parts(stage, entry, context, public_base_url)]
        return render_dossier(parts, lambda contents: dossier_cover_html(context, contents), **render_settings())
    # a record per session or visit: each on its own pages, all in one file
    return render_records([html for _title, html in _parts(stage, DocumentEntry(kind), context, public_base_url)],
                          **render_settings())


def _parts(stage, entry, context, public_base_url) -> list[tuple[str, str]]:
    """The (title, HTML) pages of one document: a record per session or visit (a blank form when there is
    none), and a sealed agreement as the committee issued it."""
    from mediation.documents.html import document_html
    if entry.kind == DocumentKind.FOLLOW_UP:
        visits = context.follow_ups or (None,)
        return [(entry.title, document_html(entry.kind.value, context, follow_up=visit)) for visit in visits]
    if entry.kind == DocumentKind.SESSION_RECORD:
        sessions = context.sessions or (None,)
        return [(entry.title, document_html(entry.kind.value, context, session=session)) for session in sessions]
    if entry.sealed:
        return [(entry.title, document_html(entry.kind.value, sealed_context(stage, context, public_base_url)))]
    return [(entry.title, document_html(entry.kind.value, context))]


def render_settings() -> dict:
    fonts = current_app.config['FONT_CACHE_PATH'] or Path(current_app.instance_path) / 'fonts'
    return {'base_url': TEMPLATES, 'allowed_roots': [TEMPLATES], 'font_cache_dir': Path(fonts)}


# --------------------------------------------------------------------------- the context

def context_for(stage: Stage, *, agreement_view: Optional[AgreementView] = None,
                today: Optional[date] = None) -> DocumentContext:
    """The stage's records as the templates read them (phones and ID numbers decrypted: handlers only)."""
    case = stage.case
    today = today or china_date(utcnow())
    agreement = agreement_of(stage)
    parties = _party_views(case, agreement, today)
    if agreement_view is None and agreement is not None:
        agreement_view = agreement_view_of(stage, agreement, parties)
    events = db.session.scalars(sa.select(Event).where(Event.stage_id == stage.id)
                                .order_by(Event.at, Event.id)).all()
    accepted_by = next((event.actor for event in events if event.kind == 'accept' and event.actor), None)
    return DocumentContext(
        committee_name=stage.committee.committee_name, committee_short_name=stage.committee.short_name,
        court_name=_court_name(stage), matter_code=case.matter_code, title=case.title,
        category=case.category.full_name_zh, source=case.source.label_zh, source_group=case.source.group.label_zh,
        facts=case.facts or '', requests=case.requests or '', place=case.place or '',
        amount=f'{case.amount:,.2f} 元' if case.amount is not None else '',
        registered_on=china_date(stage.received_at), accepted_on=china_date(stage.accepted_at),
        case_number=stage.case_number or '', parties=parties,
        registrar=_display_name(case.created_by_id),
        mediators=(agreement.mediator if agreement and agreement.mediator else
                   accepted_by.display_name if accepted_by else ''),
        ended_on=china_date(stage.ended_at), outcome=stage.outcome or '', agreement=agreement_view,
        sessions=tuple(session_view(session) for session in records.stage_records(stage, MediationSession)),
        follow_ups=tuple(follow_up_view(visit) for visit in records.stage_records(stage, FollowUpVisit)),
        termination_reason=stage.outcome if stage.state in _ENDED_WITHOUT_AGREEMENT else '',
        termination_on=china_date(stage.ended_at) if stage.state in _ENDED_WITHOUT_AGREEMENT else None,
        dossier_title=case.title, retention='长期', printed_on=today,
        court_case_number=_court_case_number(stage), delegation=stage.kind.label_zh if stage.kind.court_sent else '',
    )


def _court_case_number(stage: Stage) -> str:
    """The court's number of a case it sent down (on the court's stage the committee stage came from)."""
    previous = stage.previous_stage
    if stage.kind.court_sent and previous is not None and previous.kind.at_court:
        return previous.court_case_number or ''
    return stage.court_case_number or ''


def session_view(session: MediationSession) -> SessionView:
    """A session record as the 人民调解记录 prints it: each side's account, then the facts checked."""
    held = china_time(session.held_at)
    statements = [(statement.get('name', ''), statement.get('text', '')) for statement in session.statements]
    if session.facts_checked:
        statements.append(('经调查核实', session.facts_checked))
    outcome = session.outcome.label_zh
    if session.next_session_on:
        outcome += f'；定于{session.next_session_on.year}年{session.next_session_on.month}月' \
                   f'{session.next_session_on.day}日继续调解'
    return SessionView(
        held_at=f'{held.year}年{held.month}月{held.day}日 {held.hour}:{held.minute:02d}', place=session.place,
        mediators=session.mediators, participants=session.participants, parties_present=session.parties_present,
        statements=tuple(statements), proposal=session.proposal, outcome=outcome, next_step=session.next_step,
        recorder=session.recorder)


def follow_up_view(visit: FollowUpVisit) -> FollowUpView:
    """A visit record as the 人民调解回访记录 prints it (a lawsuit, risks and measures under 回访情况)."""
    situation = [visit.situation]
    if visit.court_action:
        situation.append(f'反悔、起诉情况：{visit.court_action}')
    if visit.risks:
        situation.append(f'隐患及采取的措施：{visit.risks}')
    return FollowUpView(
        visited_on=visit.visited_on, visited=visit.person_visited, visitor=visit.visitors,
        method=visit.method.label_zh, performance=visit.performance.label_zh if visit.performance else '',
        situation='\n'.join(part for part in situation if part),
        satisfaction=visit.satisfaction.label_zh if visit.satisfaction else '')


def agreement_view_of(stage: Stage, agreement: Agreement, parties=None, *, sealed: bool = False,
                      signatures: Optional[dict] = None, effective_on: Optional[date] = None,
                      **seal) -> AgreementView:
    """The agreement as printed. Drafts carry a note; the sealed copy carries signatures, stamp and code
    and the day it takes effect (``effective_on``: the moment of sealing)."""
    slots = signer_slots(agreement)
    signatures = signatures or {}
    views = {slot.slot: SignatureView(label=slot.label, name=slot.name, **signatures.get(slot.slot, {}))
             for slot in slots}
    note = '' if sealed else ('待签（未生效）' if stage.state == State.AGREEMENT_PENDING else '草稿（未生效）')
    if agreement.kind == AgreementKind.ORAL and stage.agreement_effective_at:
        note = ''
    return AgreementView(
        number=stage.case_number or '', facts=agreement.facts, disputes=agreement.disputes,
        responsibility=agreement.responsibility,
        terms=tuple(TermView(**term) for term in agreement.terms), copies=agreement.copies,
        formed_on=china_date(stage.agreement_effective_at) or effective_on,
        mediator=agreement.mediator, recorder=agreement.recorder, is_oral=agreement.kind == AgreementKind.ORAL,
        party_signatures=tuple(views[slot.slot] for slot in slots if slot.is_party),
        mediator_signature=views['mediator'], recorder_signature=views['recorder'],
        sealed=sealed, draft_note=note, **seal)


def sealed_context(stage: Stage, context: DocumentContext, public_base_url: str = '') -> DocumentContext:
    """For the dossier: the agreement part printed from the issued record (its code, QR code and stamp)."""
    import dataclasses

    from mediation.documents.fonts import FONT_FAMILY_STACK
    from mediation.documents.qr import qr_svg
    from mediation.documents.stamp import committee_stamp_svg
    issued = db.session.scalar(sa.select(IssuedDocument).where(
        IssuedDocument.stage_id == stage.id, IssuedDocument.kind == DocumentKind.AGREEMENT))
    agreement = agreement_of(stage)
    view = agreement_view_of(stage, agreement, context.parties, sealed=True,
                             signatures=signature_images(agreement),
                             stamp_svg=committee_stamp_svg(stage.committee.committee_name,
                                                           font_family=FONT_FAMILY_STACK),
                             verification_code=issued.verification_code,
                             **verification_block(issued.verification_code, public_base_url, qr_svg))
    return dataclasses.replace(context, agreement=view)


def verification_block(code: str, public_base_url: str, qr_svg) -> dict:
    """The address of the verification page for ``code`` and its QR code (none without an address)."""
    if not public_base_url:
        return {}
    url = f'{public_base_url.rstrip("/")}/verify?code={code}'
    return {'verify_url': url, 'qr_svg': qr_svg(url)}


def signature_images(agreement: Agreement) -> dict:
    """slot → the SignatureView fields of its signature: the image on screen, or 'paper'."""
    result = {}
    for signature in agreement.signatures:
        fields = {'method': signature.method.value, 'signed_on': china_date(signature.signed_at)}
        if signature.method.value == 'screen':
            png = storage.read(signature.file_sha256)
            fields['image'] = 'data:image/png;base64,' + base64.b64encode(png).decode()
        result[signature.slot] = fields
    return result


def _party_views(case: Case, agreement: Optional[Agreement], today: date) -> tuple[PartyView, ...]:
    cipher = current_app.extensions['field_cipher']
    records = {party.id: party for party in case.parties}
    role_labels = {'applicant': '申请人', 'respondent': '被申请人', 'third_party': '第三人'}
    if agreement is not None:
        lines = agreement.parties
    else:
        lines = [{'party_id': party.id, 'role': party.role.value, 'kind': party.kind.value, 'name': party.name,
                  'sex': {'male': '男', 'female': '女'}.get(party.sex or '', ''), 'ethnicity': party.ethnicity or '',
                  'age': None, 'occupation': party.occupation or '', 'address': party.address or '',
                  'legal_representative': party.legal_representative or '', 'representative_title': ''}
                 for party in case.parties]
    views = []
    for line in lines:
        record = records.get(line.get('party_id'))
        birth_date = record.birth_date if record else None
        age = line.get('age')
        if age is None and birth_date is not None:
            age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
        views.append(PartyView(
            role=role_labels.get(line['role'], '当事人'), is_organisation=line['kind'] == PartyKind.ORGANISATION.value,
            name=line['name'], sex=line.get('sex', ''), ethnicity=line.get('ethnicity', ''), age=age,
            birth_date=birth_date, occupation=line.get('occupation', ''), address=line.get('address', ''),
            phone=(cipher.decrypt(record.phone_encrypted) or '') if record else '',
            id_number=(cipher.decrypt(record.id_number_encrypted) or '') if record else '',
            uscc=(record.uscc or '') if record else '',
            legal_representative=line.get('legal_representative', ''),
            representative_title=line.get('representative_title', '')))
    return tuple(views)


def _court_name(stage: Stage) -> str:
    if stage.court is not None:
        return stage.court.name
    district = stage.committee.ancestor_at(Level.DISTRICT)
    if district is None:
        return ''
    court = db.session.scalar(sa.select(Organisation).join(court_district, court_district.c.court_id == Organisation.id)
                              .where(court_district.c.district_id == district.id).order_by(Organisation.id))
    return court.name if court else ''


def _display_name(user_id: Optional[int]) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else ''
