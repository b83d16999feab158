"""Vocabulary shared by the state machine, the deadline rules and the app.

Every enum is a :class:`LabelledEnum`: each member is declared as ``value, Chinese label,
English label`` (and, for a few, one more attribute), so a label is always found the same way.
"""
import enum


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry ``label_zh`` and ``label_en``.

    ``MEMBER = 'value', '中文', 'English'``; subclasses that need one more attribute override
    ``__init__`` and call this one first.
    """

    def __new__(cls, value, *_labels):
        member = str.__new__(cls, value)
        member._value_ = value
        return member

    def __init__(self, value, label_zh, label_en):
        self.label_zh = label_zh
        self.label_en = label_en

    def __str__(self):
        return self.value


class Level(LabelledEnum):
    """Where a stage is handled. Committees form the ladder village → town → district."""

    #: 村/社区人民调解委员会
    VILLAGE = 'village', '村（社区）', 'Village (community)'
    #: 乡镇/街道人民调解委员会
    TOWN = 'town', '乡镇（街道）', 'Town (subdistrict)'
    #: 区/县 矛调中心
    DISTRICT = 'district', '区（县）', 'District (county)'
    #: 人民法院 (诉调对接)
    COURT = 'court', '法院', 'Court'

    @property
    def parent(self):
        """The next rung up the committee ladder, or None above the district (and for courts)."""
        if self not in LADDER:
            return None
        rung = LADDER.index(self) + 1
        return LADDER[rung] if rung < len(LADDER) else None

    @property
    def rung(self) -> int:
        """Position on the committee ladder, village 0; ValueError for a court."""
        return LADDER.index(self)


#: The committee ladder, lowest first (小事不出村、大事不出镇、难事不出区). The one place it is written.
LADDER = (Level.VILLAGE, Level.TOWN, Level.DISTRICT)


class StageKind(LabelledEnum):
    """What kind of mediation a stage is; decides which deadline rule applies."""

    #: 人民调解 at a committee
    PEOPLE = 'people', '人民调解', "People's mediation"
    #: 法院诉前委派调解 (30 days from the mediator's receipt)
    COURT_DELEGATED = 'court_delegated', '法院委派调解', 'Court-delegated mediation'
    #: 法院诉中委托调解, ordinary procedure (15 days)
    COURT_ENTRUSTED = 'court_entrusted', '法院委托调解', 'Court-entrusted mediation'
    #: 法院诉中委托调解, summary procedure (7 days)
    COURT_ENTRUSTED_SUMMARY = ('court_entrusted_summary', '法院委托调解（简易程序）',
                               'Court-entrusted mediation (summary procedure)')
    #: the court's own record of a case referred to it (诉调对接 inbox)
    COURT = 'court', '法院诉调对接', 'Court–mediation liaison'
    #: an application for judicial confirmation of an agreement (司法确认), at the court
    JUDICIAL_CONFIRMATION = 'judicial_confirmation', '司法确认', 'Judicial confirmation'

    @property
    def court_sent(self):
        return self in (StageKind.COURT_DELEGATED, StageKind.COURT_ENTRUSTED, StageKind.COURT_ENTRUSTED_SUMMARY)

    @property
    def at_court(self):
        """The court's own work (its officers handle it), not a committee's mediation."""
        return self in (StageKind.COURT, StageKind.JUDICIAL_CONFIRMATION)


class RiskLevel(LabelledEnum):
    """The colour a dispute's risk was graded (风险等级); red and orange change where it may be taken in."""

    RED = 'red', '红色', 'Red'
    ORANGE = 'orange', '橙色', 'Orange'
    YELLOW = 'yellow', '黄色', 'Yellow'


class SourceGroup(LabelledEnum):
    """The three groups of the MoJ statistics forms (domain.md §4.2, §5.1)."""

    INITIATIVE = 'initiative', '主动调解', 'Mediation on own initiative'
    APPLICATION = 'application', '申请调解', 'Mediation on application'
    ENTRUSTED = 'entrusted', '接受委托移送调解', 'Entrusted or transferred mediation'


class Source(LabelledEnum):
    """Where a dispute came from (案件来源, domain.md §5.1), with its statistics group."""

    PARTY_APPLICATION = 'party_application', '当事人申请', 'Application by a party', SourceGroup.APPLICATION
    COMMITTEE_INITIATIVE = ('committee_initiative', '人民调解委员会主动调解', "Mediation committee's own initiative",
                            SourceGroup.INITIATIVE)
    SWEEP = 'sweep', '矛盾纠纷排查发现', 'Found in a dispute sweep', SourceGroup.INITIATIVE
    GRID_REPORT = 'grid_report', '网格员上报', 'Reported by a grid worker', SourceGroup.INITIATIVE
    COURT_DELEGATED = 'court_delegated', '法院委派', 'Delegated by a court', SourceGroup.ENTRUSTED
    COURT_ENTRUSTED = 'court_entrusted', '法院委托', 'Entrusted by a court', SourceGroup.ENTRUSTED
    POLICE_TRANSFER = 'police_transfer', '公安机关移交', 'Transferred by the police', SourceGroup.ENTRUSTED
    PETITION_OFFICE = 'petition_office', '信访部门移交', 'Transferred by the petitions office', SourceGroup.ENTRUSTED
    GOVERNMENT_ASSIGNED = ('government_assigned', '政府部门指定、移送',
                           'Assigned or transferred by a government department', SourceGroup.ENTRUSTED)
    HOTLINE = 'hotline', '12345热线、线上平台', '12345 hotline or online platform', SourceGroup.ENTRUSTED

    def __init__(self, value, label_zh, label_en, group):
        super().__init__(value, label_zh, label_en)
        self.group = group

    @property
    def court_sent(self):
        return self in (Source.COURT_DELEGATED, Source.COURT_ENTRUSTED)


class Clock(LabelledEnum):
    """Which deadline a stage is running against right now."""

    #: the receiving committee must accept or decline a referral/delegation
    ACCEPTANCE = 'acceptance', '受理期限', 'Acceptance time limit'
    #: the mediation itself (one month per level, or the court's 30/15/7 days)
    MEDIATION = 'mediation', '调解期限', 'Mediation time limit'
    #: the parties' 30 days to apply for judicial confirmation after the agreement took effect
    JC_APPLY = 'jc_apply', '申请司法确认期限', 'Time limit to apply for judicial confirmation'
    #: the court's 7 days to deal with a referred case or a returned result (CPL Art 126)
    COURT_REVIEW = 'court_review', '法院审查期限', "Court's review time limit"
    #: the court's 3 days to accept an application for judicial confirmation (JC11 Art 4)
    JC_ACCEPTANCE = 'jc_acceptance', '司法确认受理期限', 'Time limit to accept a confirmation application'
    #: the court's 15 (+10) days to decide on it (JC11 Art 5)
    JC_DECISION = 'jc_decision', '司法确认审查期限', 'Time limit to decide on a confirmation'


class DeadlineStatus(LabelledEnum):
    """Where a stage stands against its deadline on a given day (see ``deadline_status``)."""

    #: the last working days before the due date (the profile's due-soon window)
    DUE_SOON = 'due_soon', '即将到期', 'Due soon'
    #: past the due date with the work still undone
    OVERDUE = 'overdue', '已超期', 'Overdue'
    #: the parties' window to apply for judicial confirmation has closed: their matter, not overdue work
    WINDOW_CLOSED = 'window_closed', '申请期已过', 'Window closed'


def deadline_status(clock, due_on, due_soon_on, today):
    """The one rule for due soon and overdue; ``Stage.deadline_status_clause`` is its SQL twin.

    None when no clock runs or the due-soon window has not begun. The badge, the lists, the
    dashboard tiles and the sweep all ask here.
    """
    if due_on is None:
        return None
    if due_on < today:
        window = clock is not None and Clock(clock) is Clock.JC_APPLY
        return DeadlineStatus.WINDOW_CLOSED if window else DeadlineStatus.OVERDUE
    if due_soon_on is not None and due_soon_on <= today:
        return DeadlineStatus.DUE_SOON
    return None


class Role(LabelledEnum):
    """A user's one role; the organisation node says where it applies."""

    VILLAGE_MEDIATOR = 'village_mediator', '村（社区）调解员', 'Village (community) mediator'
    TOWN_MEDIATOR = 'town_mediator', '乡镇（街道）调解员', 'Town (subdistrict) mediator'
    DISTRICT_OFFICER = ('district_officer', '区（县）矛调中心工作人员',
                        'District (county) dispute resolution centre officer')
    COURT_OFFICER = 'court_officer', '法院诉调对接工作人员', 'Court–mediation liaison officer'
    ADMIN = 'admin', '系统管理员', 'System administrator'

    @property
    def registers_cases(self) -> bool:
        """Committee staff log disputes; courts send theirs down as delegations, administrators none."""
        return self in (Role.VILLAGE_MEDIATOR, Role.TOWN_MEDIATOR, Role.DISTRICT_OFFICER)


class OrgKind(LabelledEnum):
    """A node of the organisation tree; a district, town or village node is also its committee."""

    DISTRICT = 'district', Level.DISTRICT.label_zh, Level.DISTRICT.label_en
    TOWN = 'town', Level.TOWN.label_zh, Level.TOWN.label_en
    VILLAGE = 'village', Level.VILLAGE.label_zh, Level.VILLAGE.label_en
    COURT = 'court', Level.COURT.label_zh, Level.COURT.label_en

    @property
    def level(self) -> Level:
        return Level(self.value)


class PartyRole(LabelledEnum):
    APPLICANT = 'applicant', '申请人', 'Applicant'
    RESPONDENT = 'respondent', '被申请人', 'Respondent'
    THIRD_PARTY = 'third_party', '第三人', 'Third party'


class PartyKind(LabelledEnum):
    PERSON = 'person', '自然人', 'Natural person'
    ORGANISATION = 'organisation', '单位', 'Organisation'


class EventKind(LabelledEnum):
    """What an audit event records besides a transition (whose event kind is the trigger's name)."""

    CREATED = 'created', '登记纠纷', 'Dispute registered'
    PII_VIEWED = 'pii_viewed', '查看完整个人信息', 'Full personal data viewed'
    #: a deadline lapsed and the system could not act on it by itself (reminders only)
    DEADLINE_LAPSED = 'deadline_lapsed', '期限届满', 'Time limit lapsed'
    AGREEMENT_DRAFTED = 'agreement_drafted', '保存协议草稿', 'Agreement draft saved'
    SIGNATURE_RECORDED = 'signature_recorded', '签名', 'Signature recorded'
    DOCUMENT_OPENED = 'document_opened', '查看文书', 'Document opened'
    #: the work records (``workflows.records``): each one written, and each correction of one
    SESSION_RECORDED = 'session_recorded', '调解记录', 'Mediation session recorded'
    INVESTIGATION_RECORDED = 'investigation_recorded', '调查记录', 'Investigation recorded'
    EVIDENCE_ADDED = 'evidence_added', '添加证据材料', 'Evidence added'
    PERFORMANCE_RECORDED = 'performance_recorded', '登记履行情况', 'Performance recorded'
    PERFORMANCE_URGED = 'performance_urged', '督促履行', 'Performance urged'
    FOLLOW_UP_RECORDED = 'follow_up_recorded', '回访记录', 'Follow-up visit recorded'
    NOTE_ADDED = 'note_added', '工作备注', 'Note added'
    RECORD_CORRECTED = 'record_corrected', '更正记录', 'Record corrected'
    #: kinds of events written before the typed records replaced them (kept so old history still reads)
    LEGACY_FULFILMENT = 'record_fulfilment', '登记履行', 'Fulfilment recorded'
    LEGACY_BREACH = 'record_breach', '登记未履行', 'Breach recorded'
    LEGACY_FOLLOW_UP = 'record_follow_up', '登记回访', 'Follow-up visit recorded'
    LEGACY_JC_RESULT = 'record_judicial_confirmation', '登记司法确认结果', 'Judicial-confirmation result recorded'
    #: both parties agreed that the court may see the transcripts and investigation records (TY16 Art 22)
    RECORDS_DISCLOSED = 'records_disclosed', '当事人同意法院查阅调解记录', 'Parties let the court see the records'


class NoticeKind(LabelledEnum):
    """An in-app reminder's kind; notices are kept off the legal record."""

    DUE_SOON = 'due_soon', '即将到期', 'Due soon'
    OVERDUE = 'overdue', '已超期', 'Overdue'
    RISK_ALERT = 'risk_alert', '风险预警', 'Risk alert'
    RETURNED = 'returned', '退回法院', 'Returned to the court'


class SessionOutcome(LabelledEnum):
    """How a mediation session ended (人民调解记录: the terms agreed, or why not and what remains)."""

    AGREED = 'agreed', '达成协议', 'Agreement reached'
    PARTLY_AGREED = 'partly_agreed', '部分达成一致', 'Partly agreed'
    ADJOURNED = 'adjourned', '择期继续调解', 'Adjourned to another session'
    NOT_AGREED = 'not_agreed', '未达成协议', 'No agreement'


class EvidenceKind(LabelledEnum):
    """What a piece of evidence or an attachment is (the kinds of evidence of CPL Art 66, and other papers)."""

    DOCUMENT = 'document', '书证', 'Documentary evidence'
    PHOTO = 'photo', '照片', 'Photograph'
    AUDIO_VIDEO = 'audio_video', '视听资料', 'Audio or video recording'
    ELECTRONIC = 'electronic', '电子数据', 'Electronic data'
    WITNESS = 'witness', '证人证言', 'Witness statement'
    APPRAISAL = 'appraisal', '鉴定意见', 'Expert opinion'
    INSPECTION = 'inspection', '勘验笔录', 'Site inspection record'
    PHYSICAL = 'physical', '物证照片', 'Physical evidence (photographed)'
    OTHER = 'other', '其他材料', 'Other papers'


class PerformanceStatus(LabelledEnum):
    """How one agreed term is being performed (PML Art 31: the committee supervises performance)."""

    PENDING = 'pending', '待履行', 'Not yet due'
    FULFILLED = 'fulfilled', '已履行', 'Fulfilled'
    PARTLY = 'partly', '部分履行', 'Partly fulfilled'
    BREACHED = 'breached', '未履行', 'Not fulfilled'


class VisitMethod(LabelledEnum):
    """How a follow-up visit (回访) was made."""

    IN_PERSON = 'in_person', '上门回访', 'Home visit'
    PHONE = 'phone', '电话回访', 'By phone'
    ONLINE = 'online', '视频或微信回访', 'By video or WeChat'
    AT_OFFICE = 'at_office', '当事人来访', 'The party came to the office'


class Satisfaction(LabelledEnum):
    """The party's satisfaction with the mediation, asked at a follow-up visit."""

    SATISFIED = 'satisfied', '满意', 'Satisfied'
    FAIRLY = 'fairly', '基本满意', 'Fairly satisfied'
    DISSATISFIED = 'dissatisfied', '不满意', 'Dissatisfied'


class CalendarSource(LabelledEnum):
    """Who entered a calendar day or year."""

    CHINESECALENDAR = 'chinesecalendar', 'chinesecalendar 数据包', 'chinesecalendar package'
    ADMIN = 'admin', '管理员录入', 'Entered by an administrator'
    CLI = 'cli', '命令行录入', 'Entered on the command line'


class AgreementKind(LabelledEnum):
    """PML Art 28: a written agreement (调解协议书), or an oral one the mediator registers."""

    WRITTEN = 'written', '书面协议', 'Written agreement'
    ORAL = 'oral', '口头协议', 'Oral agreement'


class SignatureMethod(LabelledEnum):
    """How a signature was given: on the screen (pad), or by hand on the printed copy (scan on file)."""

    SCREEN = 'screen', '屏幕签名', 'Signed on screen'
    PAPER = 'paper', '纸质签名（扫描件存档）', 'Signed on paper (scan on file)'


class DocumentKind(LabelledEnum):
    """The statutory documents of a case (domain.md §3), in dossier order, and the whole dossier."""

    APPLICATION = 'application', '人民调解申请书', 'Application for mediation'
    REGISTRATION = 'registration', '人民调解受理登记表', 'Acceptance registration form'
    RIGHTS_NOTICE = 'rights_notice', '人民调解当事人权利义务告知书', "Notice of the parties' rights and duties"
    SESSION_RECORD = 'session_record', '人民调解记录', 'Mediation record'
    AGREEMENT = 'agreement', '人民调解协议书', 'Mediation agreement'
    ORAL_AGREEMENT = 'oral_agreement', '人民调解口头协议登记表', 'Oral agreement registration form'
    FOLLOW_UP = 'follow_up', '人民调解回访记录', 'Follow-up visit record'
    CONFIRMATION_APPLICATION = 'confirmation_application', '司法确认申请书', 'Application for judicial confirmation'
    CLOSING_REPORT = 'closing_report', '委派（委托）调解结案报告', 'Closing report to the court'
    TERMINATION_NOTICE = 'termination_notice', '终止调解通知书', 'Notice of termination of mediation'
    DOSSIER = 'dossier', '调解卷宗', 'Case dossier'
