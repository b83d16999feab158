"""What a document template is given: plain values, already worded, never a database object.

The app builds one :class:`DocumentContext` per case (``mediation.services.documents``); every
template under ``templates/documents/`` reads only from it, so templates hold no logic beyond
display and can be rendered from sample data in tests. Text is Chinese; dates are ``date``
objects (templates print them as 2026年3月2日 with the ``cn_date`` filter); a missing value is
``''`` or ``None`` and the template prints a blank line to fill in by hand.
"""
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Optional


@dataclass(frozen=True)
class PartyView:
    role: str  # 申请人 / 被申请人 / 第三人
    is_organisation: bool
    name: str
    sex: str = ''  # 男 / 女
    ethnicity: str = ''
    age: Optional[int] = None
    birth_date: Optional[date] = None
    occupation: str = ''  # 职业或职务
    phone: str = ''  # 联系方式
    address: str = ''  # 住址（单位：住所）
    id_number: str = ''  # 公民身份号码 (only documents that need it print it: 司法确认申请书)
    uscc: str = ''  # 统一社会信用代码 (organisations)
    legal_representative: str = ''  # 法定代表人/负责人 (organisations)
    representative_title: str = ''  # 职务 of the legal representative


@dataclass(frozen=True)
class SignatureView:
    """One signature block: who signs, and what is there when the document is final."""

    label: str  # 当事人 / 法定代表人 / 人民调解员 / 记录人
    name: str
    #: a data: URI of the signature image captured on screen, or None (sign by hand on paper)
    image: Optional[str] = None
    #: '' (blank line), 'screen' (image above), 'paper' (signed on the printed copy, scan on file)
    method: str = ''
    signed_on: Optional[date] = None


@dataclass(frozen=True)
class TermView:
    """One agreed term (协议内容) with how, where and by when it is performed (MOJ02 Art 35)."""

    content: str
    manner: str = ''  # 履行方式
    place: str = ''  # 履行地点
    deadline: str = ''  # 履行期限, as agreed (a date or words such as 协议生效之日起十日内)


@dataclass(frozen=True)
class AgreementView:
    number: str  # equal to the stage's case number: （2026）枫源人调字第1号
    facts: str  # 纠纷主要事实
    disputes: str  # 争议事项
    responsibility: str  # 各方当事人的责任
    terms: tuple[TermView, ...]
    copies: int  # parties + 1 (PML Art 29)
    formed_on: Optional[date]  # 协议达成日期 (the effective date once sealed)
    mediator: str
    recorder: str = ''
    is_oral: bool = False
    #: one per party (organisations: the representative signs and the unit's seal goes on paper)
    party_signatures: tuple[SignatureView, ...] = ()
    mediator_signature: Optional[SignatureView] = None
    recorder_signature: Optional[SignatureView] = None
    #: the final, sealed copy: the red committee stamp (inline SVG), the verification code and
    #: the QR code (inline SVG) leading to the verification page; empty on drafts and previews
    sealed: bool = False
    stamp_svg: str = ''
    verification_code: str = ''
    verify_url: str = ''
    qr_svg: str = ''
    #: a watermark-like note on drafts and previews, e.g. 草稿（未生效）
    draft_note: str = ''


@dataclass(frozen=True)
class SessionView:
    """A mediation session (调解记录); another issue adds these records, until then none exist."""

    held_at: Optional[str] = None  # 2026年3月5日 9:30
    place: str = ''
    subject: str = ''  # 事由
    mediators: str = ''
    participants: str = ''  # 参加人 (invited helpers)
    parties_present: str = ''
    statements: tuple[tuple[str, str], ...] = ()  # (who, what they said)
    proposal: str = ''
    outcome: str = ''
    next_step: str = ''
    recorder: str = ''


@dataclass(frozen=True)
class FollowUpView:
    """A follow-up visit (回访记录)."""

    visited_on: Optional[date] = None
    visited: str = ''  # 被回访人
    visitor: str = ''
    method: str = ''  # 电话 / 上门
    performance: str = ''
    situation: str = ''
    satisfaction: str = ''


@dataclass(frozen=True)
class DocumentContext:
    committee_name: str  # 枫源村人民调解委员会
    committee_short_name: str
    court_name: str  # the court serving the committee (for the 司法确认申请书), '' if none
    matter_code: str  # 一事一码
    title: str  # 纠纷名称
    category: str  # 纠纷类型
    source: str  # 案件来源
    source_group: str  # 当事人申请 / 人民调解委员会主动调解 / 接受委托移送 (the form's tick boxes)
    facts: str  # 纠纷简要情况
    requests: str  # 当事人申请事项 (one per line)
    place: str
    amount: str  # 涉及金额, e.g. '12,000.00 元', or ''
    registered_on: Optional[date]  # 登记日期
    accepted_on: Optional[date]
    case_number: str  # the stage's number, or '' before acceptance: the template prints （　）人调字第　号
    parties: tuple[PartyView, ...]
    registrar: str = ''  # 登记人
    mediators: str = ''  # 人民调解员 (cover, records)
    ended_on: Optional[date] = None
    outcome: str = ''
    agreement: Optional[AgreementView] = None
    sessions: tuple[SessionView, ...] = ()
    follow_ups: tuple[FollowUpView, ...] = ()
    #: 终止调解通知书: why mediation ended, and the remedies (PML Art 26)
    termination_reason: str = ''
    termination_on: Optional[date] = None
    #: 卷宗封面 / 卷内目录: the documents bound in this dossier, in order, with their page counts
    dossier_title: str = ''
    retention: str = ''  # 保管期限
    contents: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    #: printed on every page's running header next to the case number
    printed_on: Optional[date] = None
    #: 卷宗封面: who bound the dossier (立卷人), when (立卷日期), and the cover's 备注
    filed_by: str = ''
    filed_on: Optional[date] = None
    dossier_note: str = ''
    #: 委派（委托）调解结案报告 (TY16 Art 26): the court's number of the case it sent, and how it was sent
    court_case_number: str = ''
    delegation: str = ''
