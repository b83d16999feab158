"""Vocabulary shared by the state machine, the deadline rules and the app."""
import enum


class Level(str, enum.Enum):
    """Where a stage is handled. Committees form the ladder village → town → district."""

    #: 村/社区人民调解委员会
    VILLAGE = 'village'
    #: 乡镇/街道人民调解委员会
    TOWN = 'town'
    #: 区/县 矛调中心
    DISTRICT = 'district'
    #: 人民法院 (诉调对接)
    COURT = 'court'

    @property
    def label_zh(self):
        return {'village': '村（社区）', 'town': '乡镇（街道）', 'district': '区（县）', 'court': '法院'}[self.value]

    @property
    def label_en(self):
        return {'village': 'Village (community)', 'town': 'Town (subdistrict)', 'district': 'District (county)',
                'court': 'Court'}[self.value]

    @property
    def parent(self):
        """The next rung up the committee ladder, or None above the district."""
        return {'village': Level.TOWN, 'town': Level.DISTRICT}.get(self.value)


class StageKind(str, enum.Enum):
    """What kind of mediation a stage is; decides which deadline rule applies."""

    #: 人民调解 at a committee
    PEOPLE = 'people'
    #: 法院诉前委派调解 (30 days from the mediator's receipt)
    COURT_DELEGATED = 'court_delegated'
    #: 法院诉中委托调解, ordinary procedure (15 days)
    COURT_ENTRUSTED = 'court_entrusted'
    #: 法院诉中委托调解, summary procedure (7 days)
    COURT_ENTRUSTED_SUMMARY = 'court_entrusted_summary'
    #: the court's own record of a case referred to it (诉调对接 inbox)
    COURT = 'court'

    @property
    def label_zh(self):
        return {
            'people': '人民调解',
            'court_delegated': '法院委派调解',
            'court_entrusted': '法院委托调解',
            'court_entrusted_summary': '法院委托调解（简易程序）',
            'court': '法院诉调对接',
        }[self.value]

    @property
    def label_en(self):
        return {
            'people': "People's mediation",
            'court_delegated': 'Court-delegated mediation',
            'court_entrusted': 'Court-entrusted mediation',
            'court_entrusted_summary': 'Court-entrusted mediation (summary procedure)',
            'court': 'Court–mediation liaison',
        }[self.value]

    @property
    def court_sent(self):
        return self in (StageKind.COURT_DELEGATED, StageKind.COURT_ENTRUSTED, StageKind.COURT_ENTRUSTED_SUMMARY)


class RiskLevel(str, enum.Enum):
    """The colour a dispute's risk was graded (风险等级); red and orange change where it may be taken in."""

    RED = 'red'
    ORANGE = 'orange'
    YELLOW = 'yellow'

    @property
    def label_zh(self):
        return {'red': '红色', 'orange': '橙色', 'yellow': '黄色'}[self.value]

    @property
    def label_en(self):
        return {'red': 'Red', 'orange': 'Orange', 'yellow': 'Yellow'}[self.value]


class SourceGroup(str, enum.Enum):
    """The three groups of the MoJ statistics forms (domain.md §4.2, §5.1)."""

    INITIATIVE = 'initiative'
    APPLICATION = 'application'
    ENTRUSTED = 'entrusted'

    @property
    def label_zh(self):
        return {'initiative': '主动调解', 'application': '申请调解', 'entrusted': '接受委托移送调解'}[self.value]

    @property
    def label_en(self):
        return {'initiative': 'Mediation on own initiative', 'application': 'Mediation on application',
                'entrusted': 'Entrusted or transferred mediation'}[self.value]


class Source(str, enum.Enum):
    """Where a dispute came from (案件来源, domain.md §5.1)."""

    PARTY_APPLICATION = 'party_application'
    COMMITTEE_INITIATIVE = 'committee_initiative'
    SWEEP = 'sweep'
    GRID_REPORT = 'grid_report'
    COURT_DELEGATED = 'court_delegated'
    COURT_ENTRUSTED = 'court_entrusted'
    POLICE_TRANSFER = 'police_transfer'
    PETITION_OFFICE = 'petition_office'
    GOVERNMENT_ASSIGNED = 'government_assigned'
    HOTLINE = 'hotline'

    @property
    def label_zh(self):
        return _SOURCE_LABELS[self][0]

    @property
    def label_en(self):
        return _SOURCE_LABELS_EN[self]

    @property
    def group(self):
        return _SOURCE_LABELS[self][1]

    @property
    def court_sent(self):
        return self in (Source.COURT_DELEGATED, Source.COURT_ENTRUSTED)


_SOURCE_LABELS = {
    Source.PARTY_APPLICATION: ('当事人申请', SourceGroup.APPLICATION),
    Source.COMMITTEE_INITIATIVE: ('人民调解委员会主动调解', SourceGroup.INITIATIVE),
    Source.SWEEP: ('矛盾纠纷排查发现', SourceGroup.INITIATIVE),
    Source.GRID_REPORT: ('网格员上报', SourceGroup.INITIATIVE),
    Source.COURT_DELEGATED: ('法院委派', SourceGroup.ENTRUSTED),
    Source.COURT_ENTRUSTED: ('法院委托', SourceGroup.ENTRUSTED),
    Source.POLICE_TRANSFER: ('公安机关移交', SourceGroup.ENTRUSTED),
    Source.PETITION_OFFICE: ('信访部门移交', SourceGroup.ENTRUSTED),
    Source.GOVERNMENT_ASSIGNED: ('政府部门指定、移送', SourceGroup.ENTRUSTED),
    Source.HOTLINE: ('12345热线、线上平台', SourceGroup.ENTRUSTED),
}

_SOURCE_LABELS_EN = {
    Source.PARTY_APPLICATION: 'Application by a party',
    Source.COMMITTEE_INITIATIVE: "Mediation committee's own initiative",
    Source.SWEEP: 'Found in a dispute sweep',
    Source.GRID_REPORT: 'Reported by a grid worker',
    Source.COURT_DELEGATED: 'Delegated by a court',
    Source.COURT_ENTRUSTED: 'Entrusted by a court',
    Source.POLICE_TRANSFER: 'Transferred by the police',
    Source.PETITION_OFFICE: 'Transferred by the petitions office',
    Source.GOVERNMENT_ASSIGNED: 'Assigned or transferred by a government department',
    Source.HOTLINE: '12345 hotline or online platform',
}


class Clock(str, enum.Enum):
    """Which deadline a stage is running against right now."""

    #: the receiving committee must accept or decline a referral/delegation
    ACCEPTANCE = 'acceptance'
    #: the mediation itself (one month per level, or the court's 30/15/7 days)
    MEDIATION = 'mediation'
    #: the parties' 30 days to apply for judicial confirmation after the agreement took effect
    JC_APPLY = 'jc_apply'

    @property
    def label_zh(self):
        return {'acceptance': '受理期限', 'mediation': '调解期限', 'jc_apply': '申请司法确认期限'}[self.value]

    @property
    def label_en(self):
        return {'acceptance': 'Acceptance time limit', 'mediation': 'Mediation time limit',
                'jc_apply': 'Time limit to apply for judicial confirmation'}[self.value]


class Role(str, enum.Enum):
    """A user's one role; the organisation node says where it applies."""

    VILLAGE_MEDIATOR = 'village_mediator'
    TOWN_MEDIATOR = 'town_mediator'
    DISTRICT_OFFICER = 'district_officer'
    COURT_OFFICER = 'court_officer'
    ADMIN = 'admin'

    @property
    def label_zh(self):
        return {
            'village_mediator': '村（社区）调解员',
            'town_mediator': '乡镇（街道）调解员',
            'district_officer': '区（县）矛调中心工作人员',
            'court_officer': '法院诉调对接工作人员',
            'admin': '系统管理员',
        }[self.value]

    @property
    def label_en(self):
        return {
            'village_mediator': 'Village (community) mediator',
            'town_mediator': 'Town (subdistrict) mediator',
            'district_officer': 'District (county) dispute resolution centre officer',
            'court_officer': 'Court–mediation liaison officer',
            'admin': 'System administrator',
        }[self.value]


class OrgKind(str, enum.Enum):
    """A node of the organisation tree; a district, town or village node is also its committee."""

    DISTRICT = 'district'
    TOWN = 'town'
    VILLAGE = 'village'
    COURT = 'court'

    @property
    def level(self) -> Level:
        return Level(self.value)

    @property
    def label_zh(self):
        return self.level.label_zh

    @property
    def label_en(self):
        return self.level.label_en


class PartyRole(str, enum.Enum):
    APPLICANT = 'applicant'
    RESPONDENT = 'respondent'
    THIRD_PARTY = 'third_party'

    @property
    def label_zh(self):
        return {'applicant': '申请人', 'respondent': '被申请人', 'third_party': '第三人'}[self.value]

    @property
    def label_en(self):
        return {'applicant': 'Applicant', 'respondent': 'Respondent', 'third_party': 'Third party'}[self.value]


class PartyKind(str, enum.Enum):
    PERSON = 'person'
    ORGANISATION = 'organisation'
