"""Demo data for ``mediation seed-demo``: an invented district, its users and ~300 synthetic cases.

Everything here is invented: the place names (青溪区 and its towns and villages), the people
(names drawn from common surnames and given-name characters), their resident ID numbers
(address code 339901, which belongs to no real county, with a correct GB 11643 check digit),
phone numbers and the dispute stories. A seeded ``random.Random`` makes the content the same
on every run; only the dates move, because the cases are spread over the six months before
the day the command runs.

The cases go through the real services (``create_case``, ``apply_transition``) with historic
``now=`` times, so case numbers, deadlines, events and notices are exactly what real use would
have produced. All steps of all cases are replayed in one timeline sorted by time, so case
numbers follow acceptance order within each committee.

The sweep is **not** run: stages past their deadline are left for ``mediation sweep`` to show
the escalation (the report says how many). Nothing here commits; the CLI commits once, so a
failure part-way leaves the database as it was.

Idempotent: if the demo district (code 339901) exists the command changes nothing. It also
refuses to mix demo data into a database that already has its own organisations or users.
"""
import heapq
import itertools
import random
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.chinatime import to_utc_naive
from mediation.chinatime import utcnow
from mediation.extensions import db
from mediation.identifiers import resident_id_check_char
from mediation.identifiers import uscc_check_char
from mediation.models import Case
from mediation.models import Category
from mediation.models import Organisation
from mediation.models import Stage
from mediation.models import User
from mediation.services import accounts
from mediation.services import orgs as org_service
from mediation.services.cases import CaseInput
from mediation.services.cases import PartyInput
from mediation.services.cases import create_case
from mediation.services.deadlines import refresh_deadline
from mediation.services.transitions import apply_transition
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import OrgKind
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.states import State

DEMO_SEED = 20261121
DEMO_CASE_COUNT = 300
#: Cases start at most this many days before today (unless a long history cannot fit).
HISTORY_DAYS = 180
#: The demo district's code; its presence means the demo data is loaded.
DISTRICT_CODE = '339901'
#: Resident ID address code of the invented district (province 33, no such city 99).
ID_ADDRESS_CODE = '339901'
ADMIN_PASSWORD = 'admin12345'
DEMO_PASSWORD = 'demo12345'

# --------------------------------------------------------------------------------------------
# The organisation tree and the users
# --------------------------------------------------------------------------------------------

DISTRICT = ('青溪区', '青溪')
#: (code, name, short name, villages: (code, name, short name))
TOWNS = (
    ('339901001', '枫林镇', '枫林', (
        ('339901001201', '枫溪村', '枫溪'),
        ('339901001202', '上塘村', '上塘'),
        ('339901001203', '竹园村', '竹园'),
    )),
    ('339901002', '石桥镇', '石桥', (
        ('339901002201', '柳湾村', '柳湾'),
        ('339901002202', '河头村', '河头'),
        ('339901002001', '新河社区', '新河'),
    )),
    ('339901003', '云山街道', '云山', (
        ('339901003001', '桂苑社区', '桂苑'),
        ('339901003002', '翠屏社区', '翠屏'),
    )),
)
COURT = ('COURT-339901', '青溪区人民法院', '青溪法院')

#: (username, display name, role, organisation code); every password is DEMO_PASSWORD except admin's
USERS = (
    ('admin', '系统管理员', Role.ADMIN, DISTRICT_CODE),
    ('qu', '沈立新', Role.DISTRICT_OFFICER, DISTRICT_CODE),
    ('zhen1', '方建平', Role.TOWN_MEDIATOR, '339901001'),
    ('zhen2', '邵慧敏', Role.TOWN_MEDIATOR, '339901002'),
    ('zhen3', '祝永清', Role.TOWN_MEDIATOR, '339901003'),
    ('cun1', '金国良', Role.VILLAGE_MEDIATOR, '339901001201'),
    ('cun2', '俞秀芬', Role.VILLAGE_MEDIATOR, '339901001202'),
    ('cun3', '楼德明', Role.VILLAGE_MEDIATOR, '339901001203'),
    ('cun4', '蒋春燕', Role.VILLAGE_MEDIATOR, '339901002201'),
    ('cun5', '骆志刚', Role.VILLAGE_MEDIATOR, '339901002202'),
    ('cun6', '宣丽华', Role.VILLAGE_MEDIATOR, '339901002001'),
    ('cun7', '钟文涛', Role.VILLAGE_MEDIATOR, '339901003001'),
    ('cun8', '章雅琴', Role.VILLAGE_MEDIATOR, '339901003002'),
    ('fayuan', '郦晓东', Role.COURT_OFFICER, COURT[0]),
)


def password_for(username: str) -> str:
    return ADMIN_PASSWORD if username == 'admin' else DEMO_PASSWORD


# --------------------------------------------------------------------------------------------
# People, addresses, phone numbers, identifiers
# --------------------------------------------------------------------------------------------

SURNAMES = ('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕'
            '丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙陶黎贺顾毛郝龚邵万钱严戴孔汤'
            '楼俞骆宣章祝郦')
#: The most common surnames again, so they come up more often, as they do.
COMMON_SURNAMES = '王李张刘陈杨黄赵吴周徐孙'
MALE_CHARS = '伟强磊军勇杰涛明超华建国平刚文辉林斌鹏波海峰志德宏兵亮俊龙春东晨永忠庆福荣正良新云成'
FEMALE_CHARS = '芳娟敏静丽艳霞燕玲红梅兰英萍琴慧洁秀桂凤雪倩婷颖佳月琳莉素翠美彩爱'
OCCUPATIONS = ('农民', '农民', '农民', '个体工商户', '务工人员', '务工人员', '退休职工', '企业职工', '货车司机',
               '教师', '自由职业', '个体经营', '无业')
MOBILE_PREFIXES = ('130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155',
                   '156', '157', '158', '159', '180', '181', '182', '183', '186', '187', '188', '189')
ESTATES = ('锦绣花苑', '滨河小区', '桂香苑', '翠屏山庄', '新河家园', '和园', '阳光里')
FIRM_WORDS = ('恒达', '兴旺', '宏远', '鑫源', '瑞丰', '嘉禾', '丰泽', '永安', '润和', '荣盛', '天和', '金鼎')


@dataclass
class Person:
    name: str
    sex: str
    birth_date: date
    id_number: str
    phone: str
    address: str
    occupation: str
    ethnicity: str = '汉族'

    def party(self, role: str) -> PartyInput:
        return PartyInput(role=role, kind='person', name=self.name, ethnicity=self.ethnicity,
                          occupation=self.occupation, address=self.address, phone=self.phone,
                          id_number=self.id_number)


def resident_id(rng: random.Random, birth: date, sex: str) -> str:
    """A number with a valid GB 11643 check character in the invented district's address code."""
    sequence = rng.randrange(0, 100)
    sex_digit = rng.choice('13579' if sex == 'male' else '02468')
    first17 = f'{ID_ADDRESS_CODE}{birth:%Y%m%d}{sequence:02d}{sex_digit}'
    return first17 + resident_id_check_char(first17)


def credit_code(rng: random.Random) -> str:
    """A unified social credit code (GB 32100) with valid check characters, for an invented firm."""
    digits = ''.join(rng.choice('0123456789') for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights)) % 11
    org_code = digits + {10: 'X', 11: '0'}.get(check, str(check))
    first17 = '91' + ID_ADDRESS_CODE + org_code
    return first17 + uscc_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + ''.join(rng.choice('0123456789') for _ in range(8))


# --------------------------------------------------------------------------------------------
# Dispute stories per category
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Story:
    title: str
    facts: str
    requests: str
    #: patterns for an organisation respondent ({firm} = an invented trade name, {town})
    firm: tuple = ()
    #: amount range in yuan, or None when the dispute is not about money
    amount: Optional[tuple] = None
    #: 'elder' makes the applicant old and the respondent middle-aged (support cases);
    #: 'couple' makes the parties a woman and a man of similar age, 'couple_m' a man and a woman
    shape: str = ''
    #: the story fits a group dispute (the applicant and others)
    group: bool = False


STORIES = {
    'LL': (
        Story('{a}与{b}邻里排水纠纷',
              '{a}与{b}系{place}邻居。{b}翻建院墙时抬高了地基，雨天积水倒灌进{a}家院内，双方多次争吵，'
              '{a}遂向调解委员会反映。',
              '请求{b}疏通排水沟，恢复原有排水走向。'),
        Story('{a}与{b}通道通行纠纷',
              '{b}在两家之间的公共通道上堆放柴草和建材，{a}家农用车无法通行，双方为此发生口角并有推搡。',
              '请求{b}清除堆放物，保持通道畅通。'),
        Story('{a}与{b}噪音扰民纠纷',
              '{b}家装修及夜间活动噪音较大，影响{a}一家休息，{a}多次上门沟通未果。',
              '请求{b}晚上十点后不再产生噪音，装修按规定时段施工。'),
        Story('{a}与{b}树木遮光纠纷',
              '{b}在房前种植的香樟树逐年长高，遮挡了{a}家的采光，落叶堵塞{a}家屋顶排水。',
              '请求{b}修剪或移栽树木。'),
    ),
    'FW': (
        Story('{a}与{b}宅基地界址纠纷',
              '{a}与{b}宅基地相邻，{b}建房时越过原界址约半米，{a}认为侵占了自家宅基地，双方对界址各执一词。',
              '请求依宅基地使用证确定界址，{b}拆除越界部分。'),
        Story('{a}与{b}房屋漏水纠纷',
              '{a}家与{b}家共用一面墙，{b}家屋顶漏水导致{a}家墙体受潮发霉，维修费用约{amount}元。',
              '请求{b}修缮屋顶并赔偿维修费用{amount}元。', amount=(3000, 30000)),
        Story('{a}与{b}房屋租赁纠纷',
              '{a}将自有房屋出租给{b}经营小吃店，{b}拖欠房租{amount}元，租期届满后仍未搬离。',
              '请求{b}支付拖欠的房租并腾退房屋。', amount=(6000, 48000)),
    ),
    'HT': (
        Story('{a}与{b}买卖合同纠纷',
              '{a}向{b}出售苗木一批，货款合计{amount}元，{b}仅支付部分货款，余款经多次催讨未付。',
              '请求{b}支付剩余货款。', firm=('青溪区{firm}园林绿化有限公司',), amount=(20000, 180000)),
        Story('{a}与{b}装修合同纠纷',
              '{a}将自家房屋装修工程承包给{b}，约定工程款{amount}元。{a}认为工程存在质量问题拒付尾款，{b}要求结清。',
              '请求{b}返工修复质量问题后再结算尾款。', amount=(30000, 160000)),
        Story('{a}与{b}民间借贷纠纷',
              '{b}去年向{a}借款{amount}元，约定半年内归还，到期后{b}以经营困难为由一直未还。',
              '请求{b}归还借款{amount}元。', amount=(10000, 250000)),
    ),
    'SC': (
        Story('{a}与{b}合伙经营纠纷',
              '{a}与{b}合伙经营一家农家乐，因经营亏损及账目不清，双方对投资款的分担产生分歧，涉及金额{amount}元。',
              '请求清算合伙账目，按出资比例分担亏损。', amount=(20000, 200000)),
        Story('{a}与{b}场地租赁经营纠纷',
              '{a}承租{b}的厂房从事竹制品加工，双方对电费分摊及设施损坏赔偿发生争议，涉及金额{amount}元。',
              '请求合理分摊电费，{b}退还多收的费用。', firm=('{firm}竹木制品厂',), amount=(5000, 60000)),
    ),
    'SH': (
        Story('{a}与{b}犬只伤人赔偿纠纷',
              '{b}饲养的犬只未拴养，咬伤{a}的小腿，{a}就医花费医疗费、误工费等共计{amount}元，{b}只同意承担部分费用。',
              '请求{b}赔偿医疗费、误工费等共计{amount}元。', amount=(2000, 15000)),
        Story('{a}与{b}财产损害赔偿纠纷',
              '{b}在自家田里焚烧秸秆，火势蔓延烧毁{a}家的柴房及农具，损失约{amount}元。',
              '请求{b}赔偿财产损失{amount}元。', amount=(3000, 40000)),
        Story('{a}与{b}健康权纠纷',
              '{a}与{b}因琐事发生争吵后互相推搡，{a}摔倒致手腕骨折，花去医疗费{amount}元。',
              '请求{b}赔礼道歉并赔偿医疗费{amount}元。', amount=(5000, 50000)),
    ),
    'SL': (
        Story('{a}与{b}山林界址纠纷',
              '{a}与{b}两家承包的自留山相邻，{b}砍伐毛竹时越界砍了{a}家约三十株毛竹，双方对山界有争议。',
              '请求确认山林界址，{b}赔偿毛竹损失{amount}元。', amount=(1500, 12000)),
        Story('{a}与{b}土地流转费纠纷',
              '{a}将承包的三亩水田流转给{b}种植，约定每年流转费用，{b}拖欠两年共计{amount}元未付。',
              '请求{b}支付拖欠的流转费并解除流转协议。', amount=(3000, 20000)),
    ),
    'ZD': (
        Story('{a}与{b}房屋征收补偿纠纷',
              '{a}家房屋列入道路拓宽工程征收范围，{a}对附属设施的补偿评估结果有异议，认为少算了约{amount}元。',
              '请求重新核算附属设施补偿。', firm=('青溪区城乡建设发展有限公司', '青溪区交通投资建设有限公司'),
              amount=(30000, 400000), group=True),
        Story('{a}与{b}青苗补偿纠纷',
              '{b}施工占用{a}的承包地，毁坏即将成熟的水稻和果树，双方对青苗补偿标准分歧较大。',
              '请求{b}按实际损失支付青苗补偿费{amount}元。', firm=('青溪区{firm}建设工程有限公司',),
              amount=(5000, 60000), group=True),
    ),
    'HJ': (
        Story('{a}与{b}噪声粉尘污染纠纷',
              '{b}的石材加工厂紧邻居民区，夜间加工噪声和粉尘严重影响{a}等周边住户的生活。',
              '请求{b}夜间停止生产，加装降尘降噪设施。', firm=('{firm}石材加工厂',), group=True),
        Story('{a}与{b}养殖污水纠纷',
              '{b}养猪场排放的污水流入{a}承包的鱼塘，导致鱼苗大量死亡，损失约{amount}元。',
              '请求{b}停止排污并赔偿损失{amount}元。', firm=('{firm}生猪养殖场',), amount=(10000, 90000),
              group=True),
    ),
    'LD': (
        Story('{a}与{b}追索劳动报酬纠纷',
              '{a}在{b}务工，{b}以资金周转困难为由拖欠{a}工资{amount}元。',
              '请求{b}支付拖欠的工资{amount}元。', firm=('青溪区{firm}建筑劳务有限公司', '{firm}纺织有限公司'),
              amount=(3000, 40000), group=True),
        Story('{a}与{b}工伤赔偿纠纷',
              '{a}在{b}的工地干活时从脚手架摔下致腰部受伤，双方对工伤待遇及赔偿金额协商未果。',
              '请求{b}承担医疗费并支付一次性伤残补助金等共计{amount}元。', firm=('青溪区{firm}建筑工程有限公司',),
              amount=(20000, 150000)),
    ),
    'XF': (
        Story('{a}与{b}家电质量纠纷',
              '{a}在{b}购买的空调安装后不久即出现制冷故障，多次维修未果，{a}要求退货遭拒。',
              '请求{b}退货并退还货款{amount}元。', firm=('{town}{firm}家电商行',), amount=(2000, 9000)),
        Story('{a}与{b}预付卡消费纠纷',
              '{a}在{b}办理健身预付卡{amount}元，后{b}停业搬迁，卡内余额无法使用。',
              '请求{b}退还预付卡余额。', firm=('{firm}健身会所',), amount=(1000, 6000)),
    ),
    'YL': (
        Story('{a}与{b}医疗损害纠纷',
              '{a}的母亲在{b}输液后出现过敏反应，转院治疗后好转，{a}认为{b}未尽告知和观察义务。',
              '请求{b}赔偿医疗费、护理费等共计{amount}元。', firm=('{town}卫生院', '{firm}诊所'),
              amount=(8000, 120000)),
    ),
    'JT': (
        Story('{a}与{b}道路交通事故损害赔偿纠纷',
              '{b}驾驶电动三轮车在村道上与{a}驾驶的电动自行车相撞，致{a}左腿骨折，交警部门认定{b}负主要责任。',
              '请求{b}赔偿医疗费、误工费、护理费等共计{amount}元。', amount=(10000, 120000)),
        Story('{a}与{b}交通事故车辆损失纠纷',
              '{a}停放在路边的小型客车被{b}倒车时撞坏，双方对维修费用数额有争议。',
              '请求{b}赔偿车辆维修费{amount}元。', amount=(2000, 18000)),
    ),
    'WY': (
        Story('{a}与{b}物业服务纠纷',
              '{a}认为{b}对小区地下车库渗水长期不处理，拒交物业费，{b}多次上门催缴。',
              '请求{b}维修车库渗水后再补交物业费。', firm=('{firm}物业服务有限公司',)),
        Story('{a}与{b}车棚失窃赔偿纠纷',
              '{a}的电动车在小区车棚内被盗，{a}认为{b}安保管理不到位，应承担赔偿责任。',
              '请求{b}赔偿车辆损失{amount}元。', firm=('{firm}物业服务有限公司',), amount=(1500, 5000)),
    ),
    'QT': (
        Story('{a}与{b}家禽散养纠纷',
              '{b}散养的鸡鸭常进入{a}的菜地啄食蔬菜，双方多次争吵。',
              '请求{b}圈养家禽并赔偿菜地损失。'),
        Story('{a}与{b}迁坟占地纠纷',
              '{b}迁坟时占用了{a}家承包的山地，{a}要求恢复原状，{b}以祖坟风水为由拒绝。',
              '请求{b}另行选址或给予合理补偿。'),
    ),
    'HY-HY': (
        Story('{a}与{b}婚姻纠纷',
              '{a}与{b}结婚八年，育有一子。近年来双方因家务琐事及{b}沉迷打牌经常争吵，{a}提出离婚，'
              '双方对子女抚养和财产分割意见不一。',
              '请求调解子女抚养及共同财产分割事宜。', shape='couple'),
        Story('{a}与{b}彩礼返还纠纷',
              '{a}与{b}经人介绍订婚，男方给付彩礼{amount}元，后双方解除婚约，对彩礼返还数额发生争议。',
              '请求{b}返还彩礼{amount}元。', amount=(30000, 160000), shape='couple_m'),
    ),
    'HY-JC': (
        Story('{a}与{b}遗产继承纠纷',
              '{a}与{b}系同胞兄弟姐妹，父亲去世后留有房屋一处及存款约{amount}元，双方对遗产分配意见不一。',
              '请求按法定继承分配遗产。', amount=(50000, 600000)),
    ),
    'HY-SY': (
        Story('{a}与{b}赡养纠纷',
              '{a}年逾七旬，丧偶独居，患有高血压，其子{b}以经济困难为由长期不支付赡养费。',
              '请求{b}每月支付赡养费，并承担一半医疗费用。', shape='elder'),
        Story('{a}与{b}赡养纠纷',
              '{a}有子女三人，轮流赡养的约定执行不到一年，{b}便以照顾孙辈为由拒绝接{a}同住。',
              '请求{b}按原约定履行赡养义务。', shape='elder'),
    ),
    'HY-FY': (
        Story('{a}与{b}抚养费纠纷',
              '{a}与{b}离婚后，婚生女随{a}生活，{b}自去年起未按离婚协议支付抚养费，累计拖欠{amount}元。',
              '请求{b}支付拖欠的抚养费，并按时支付今后的抚养费。', amount=(6000, 36000), shape='couple'),
    ),
    'HY-SHY': (
        Story('{a}与{b}收养关系纠纷',
              '{a}夫妇多年前收养{b}，{b}成年后与养父母关系恶化，双方就是否解除收养关系及生活费补偿产生争议。',
              '请求协商解除收养关系，由{b}给予适当的生活费补偿。', shape='elder'),
    ),
}

CATEGORY_WEIGHTS = {
    'LL': 18, 'HY-HY': 6, 'HY-JC': 4, 'HY-SY': 6, 'HY-FY': 3, 'HY-SHY': 1, 'FW': 10, 'HT': 8, 'SC': 4,
    'SH': 8, 'SL': 5, 'ZD': 3, 'HJ': 2, 'LD': 7, 'XF': 4, 'YL': 2, 'JT': 6, 'WY': 4, 'QT': 3,
}

#: Scenarios whose cases carry a risk that lets them go straight to a higher level (domain.md §5.2),
#: rotating through these kinds, and the categories each kind is drawn from.
RISK_KINDS = {
    'risk_town': ('cross_area', 'large_group', 'large_amount', 'mzx', 'red'),
    'district_direct': ('major', 'death', 'group_petition'),
}
RISK_CATEGORIES = {
    'cross_area': ('JT', 'HT', 'SC', 'LD'),
    'large_group': ('HJ', 'LD', 'ZD'),
    'large_amount': ('HT', 'ZD', 'JT', 'HY-JC', 'LD', 'SC'),
    'mzx': ('LL', 'FW', 'SH', 'HY-HY'),
    'red': ('LL', 'SH', 'FW', 'SL'),
    'major': ('ZD', 'HT', 'LD'),
    'death': ('YL', 'LD'),
    'group_petition': ('ZD', 'LD', 'HJ'),
}
#: Disputes arising from a death (非正常死亡), handled at the district.
DEATH_STORIES = {
    'YL': Story('{a}等与{b}医疗纠纷',
                '{a}的父亲在{b}就诊后次日在家中死亡，家属认为{b}存在误诊，多名亲属聚集在{b}门口要求赔偿。',
                '请求查明死亡原因，由{b}赔偿死亡赔偿金、丧葬费等共计{amount}元。',
                firm=('{town}卫生院',), amount=(300000, 900000)),
    'LD': Story('{a}与{b}工亡赔偿纠纷',
                '{a}的丈夫在{b}承建的工地施工时意外坠亡，双方对工亡补助金及丧葬费等赔偿数额分歧较大。',
                '请求{b}支付一次性工亡补助金、丧葬补助金等共计{amount}元。',
                firm=('青溪区{firm}建筑工程有限公司',), amount=(800000, 1200000)),
}

#: Some villages are busier than others (same order as TOWNS lists them).
VILLAGE_WEIGHTS = (16, 10, 8, 14, 9, 12, 11, 7)

SOURCE_WEIGHTS = {
    Source.PARTY_APPLICATION: 45, Source.COMMITTEE_INITIATIVE: 10, Source.SWEEP: 12, Source.GRID_REPORT: 12,
    Source.POLICE_TRANSFER: 8, Source.PETITION_OFFICE: 3, Source.GOVERNMENT_ASSIGNED: 3, Source.HOTLINE: 7,
}

DECLINE_REASONS = ('双方已就该纠纷向人民法院提起诉讼，依法不予受理', '被申请人明确拒绝调解', '该纠纷已由公安机关依法处理')
PAUSE_REASONS = (('等待伤残等级鉴定结论', 'applicant'), ('被申请人外出务工，申请暂缓调解', 'respondent'),
                 ('等待房屋质量检测报告', 'parties'), ('等待调取土地确权资料', 'committee'))
FAILURE_REASONS = ('双方对赔偿数额分歧过大，经多次调解未能达成协议', '被申请人不同意调解方案', '双方各执己见，调解未果')
WITHDRAW_REASONS = ('申请人表示双方已自行和解，撤回调解申请', '申请人决定直接向人民法院起诉')
TERMINATE_REASONS = ('被申请人明确表示不再接受调解，调解终止', '当事人经两次通知拒不到场，无法继续调解')
REFER_UP_REASON = '本级调解未果，经当事人同意移交上级调解委员会'
REFERRAL_ACCEPT_REASON = '已征得双方当事人同意，接受移交的纠纷'
COURT_REASON = '调解不成，当事人要求通过诉讼解决，经告知诉讼权利后移送法院诉调对接中心'
RETURN_REASON = '委派调解期间双方未能达成协议，退回法院依法处理'
FOLLOW_UP_NOTES = ('电话回访：双方表示已按协议履行，关系恢复正常。', '上门回访：被申请人已支付首期款项，双方无新的矛盾。',
                   '上门回访：协议约定事项已落实，当事人对调解结果满意。')
FULFILMENT_NOTES = ('被申请人已按协议约定履行完毕。', '款项已当场结清。')
BREACH_NOTES = ('被申请人未按约定期限付款，已督促其履行。',)


# --------------------------------------------------------------------------------------------
# Plans: what happens to each case, on which day, at which committee
# --------------------------------------------------------------------------------------------

#: Where a step acts: at the case's village, its town or the district (that committee's user acts).
VILLAGE, TOWN, DISTRICT_LEVEL = 'village', 'town', 'district'


@dataclass
class Step:
    day: int  # days after the plan's first day
    where: str  # VILLAGE / TOWN / DISTRICT_LEVEL: whose stage, and whose user acts
    op: str  # 'create' or a trigger name
    reason: str = ''
    data: dict = field(default_factory=dict)
    at: Optional[datetime] = None


@dataclass
class CasePlan:
    scenario: str
    village: Organisation
    town: Organisation
    creator: str  # where the user who logs the case sits
    input: CaseInput
    wet: bool
    court_kind: Optional[StageKind] = None
    steps: list = field(default_factory=list)
    case: Optional[Case] = None


class Timeline:
    """Builds one plan's steps day by day."""

    def __init__(self, rng: random.Random, wet: bool):
        self.rng = rng
        self.wet = wet
        self.day = 0
        self.steps: list[Step] = []

    def then(self, lo: int, hi: int, where: str, op: str, reason: str = '', **data) -> 'Timeline':
        self.day += self.rng.randint(lo, hi)
        self.steps.append(Step(self.day, where, op, reason, data))
        return self

    # Common sequences -------------------------------------------------------------------
    def agree(self, where: str, *, oral: Optional[bool] = None) -> 'Timeline':
        oral = self.rng.random() < 0.3 if oral is None else oral
        if oral:
            return self.then(0, 6, where, 'register_oral_agreement')
        self.then(2, 16, where, 'draft_agreement')
        data = {'parties_signed': True, 'mediator_signed': True, 'sealed': True}
        if self.wet:
            data['wet_signatures'] = True
        return self.then(0, 3, where, 'sign_agreement', **data)

    def aftercare(self, where: str, *, close: bool) -> 'Timeline':
        """Follow-up, performance, sometimes judicial confirmation; then maybe the dossier closes."""
        rng = self.rng
        if rng.random() < 0.25:
            self.then(1, 10, where, 'apply_judicial_confirmation', court=COURT[1])
            self.then(3, 12, where, 'record_judicial_confirmation', court=COURT[1], result='confirmed')
        if close or rng.random() < 0.5:
            self.then(5, 20, where, 'record_follow_up', rng.choice(FOLLOW_UP_NOTES))
            if close or rng.random() < 0.8:
                self.then(0, 5, where, 'record_fulfilment', rng.choice(FULFILMENT_NOTES))
            else:
                self.then(0, 5, where, 'record_breach', rng.choice(BREACH_NOTES))
        if close:
            self.then(1, 8, where, 'close')
        return self

    def outcome(self, where: str, kind: str) -> 'Timeline':
        """Finish an accepted stage at ``where`` with one of the common outcomes."""
        rng = self.rng
        if kind == 'mediating':
            return self
        if kind == 'agreed':
            return self.agree(where).aftercare(where, close=False)
        if kind == 'closed':
            return self.agree(where).aftercare(where, close=True)
        if kind == 'paused':
            reason, requested_by = rng.choice(PAUSE_REASONS)
            return self.then(2, 10, where, 'pause', reason, requested_by=requested_by)
        if kind == 'failed':
            return self.then(6, 20, where, 'record_failure', rng.choice(FAILURE_REASONS))
        if kind == 'terminated':
            self.then(4, 20, where, 'terminate', rng.choice(TERMINATE_REASONS))
            return self.then(1, 6, where, 'close') if rng.random() < 0.5 else self
        if kind == 'court':
            if rng.random() < 0.6:
                self.then(5, 18, where, 'record_failure', rng.choice(FAILURE_REASONS))
            return self.then(0, 3, where, 'refer_to_court', COURT_REASON)
        raise ValueError(kind)

    def refer_up(self, where: str, to: str, *, accept: bool = True, close: bool = False) -> 'Timeline':
        """Refer the stage at ``where`` up (parties consenting); the parent ``to`` usually accepts.

        ``close``: the referring committee closes its own dossier the same or the next day.
        """
        if self.rng.random() < 0.6:
            self.then(5, 18, where, 'record_failure', self.rng.choice(FAILURE_REASONS))
        self.then(0, 2, where, 'refer_up', REFER_UP_REASON, consent=True)
        if close:
            self.then(0, 1, where, 'close')
        return self.then(0, 2, to, 'accept', REFERRAL_ACCEPT_REASON, consent=True) if accept else self


#: scenario → (number of cases, range of days ago for the plan's last step)
SCENARIOS = (
    ('pending', 14, (0, 5)),
    ('declined', 5, (1, 160)),
    ('mediating', 36, (0, 23)),
    ('due_soon', 12, (24, 29)),
    ('overdue', 10, (33, 50)),
    ('paused', 9, (0, 60)),
    ('agreement_pending', 7, (0, 8)),
    ('agreed', 38, (0, 150)),
    ('agreed_oral', 18, (0, 150)),
    ('closed', 48, (3, 160)),
    ('failed', 7, (0, 8)),
    ('withdrawn', 8, (0, 170)),
    ('terminated', 8, (0, 160)),
    ('to_town', 24, (0, 140)),
    ('to_district', 8, (0, 120)),
    ('to_court', 10, (0, 150)),
    ('risk_town', 14, (0, 140)),
    ('town_direct', 8, (0, 140)),
    ('district_direct', 6, (0, 100)),
    ('court_sent', 10, (0, 120)),
)


def _scenario_steps(scenario: str, ordinal: int, tl: Timeline) -> tuple[str, Optional[str], Optional[StageKind]]:
    """Add the scenario's steps; return (creator, intake level, court stage kind).

    ``ordinal`` numbers the cases of one scenario; outcomes rotate with it, so every one occurs.
    """
    rng = tl.rng

    def pick(options):
        return options[ordinal % len(options)]

    creator, intake, court_kind = VILLAGE, None, None
    tl.steps.append(Step(0, VILLAGE, 'create'))
    accept = lambda where=VILLAGE: tl.then(0, 2 if rng.random() < 0.4 else 0, where, 'accept')  # noqa: E731
    if scenario == 'pending':
        pass
    elif scenario == 'declined':
        tl.then(0, 1, VILLAGE, 'decline', rng.choice(DECLINE_REASONS))
        if rng.random() < 0.5:
            tl.then(1, 5, VILLAGE, 'close')
    elif scenario in ('mediating', 'due_soon', 'overdue'):
        accept()
        if scenario == 'mediating' and rng.random() < 0.15:
            reason, requested_by = rng.choice(PAUSE_REASONS)
            tl.then(2, 6, VILLAGE, 'pause', reason, requested_by=requested_by)
            tl.then(3, 10, VILLAGE, 'resume', '鉴定结论已出，恢复调解')
    elif scenario == 'paused':
        accept()
        tl.outcome(VILLAGE, 'paused')
    elif scenario == 'agreement_pending':
        accept()
        tl.then(2, 14, VILLAGE, 'draft_agreement')
    elif scenario in ('agreed', 'agreed_oral', 'closed'):
        accept()
        if scenario == 'agreed_oral':
            tl.agree(VILLAGE, oral=True).aftercare(VILLAGE, close=False)
        else:
            tl.outcome(VILLAGE, 'closed' if scenario == 'closed' else 'agreed')
    elif scenario == 'failed':
        accept()
        tl.outcome(VILLAGE, 'failed')
    elif scenario == 'withdrawn':
        if rng.random() < 0.7:
            accept()
        tl.then(1, 12, VILLAGE, 'withdraw', rng.choice(WITHDRAW_REASONS))
        if rng.random() < 0.5:
            tl.then(1, 5, VILLAGE, 'close')
    elif scenario == 'terminated':
        accept()
        tl.outcome(VILLAGE, 'terminated')
    elif scenario == 'to_town':
        accept()
        town_outcome = pick(('mediating', 'agreed', 'closed', 'pending', 'paused', 'court', 'agreed', 'closed',
                             'terminated'))
        # 'pending': referred, and still waiting for the town to accept it
        tl.refer_up(VILLAGE, TOWN, accept=town_outcome != 'pending', close=rng.random() < 0.4)
        if town_outcome != 'pending':
            tl.outcome(TOWN, town_outcome)
    elif scenario == 'to_district':
        accept()
        tl.refer_up(VILLAGE, TOWN)
        tl.refer_up(TOWN, DISTRICT_LEVEL)
        tl.outcome(DISTRICT_LEVEL, pick(('mediating', 'agreed', 'closed', 'court')))
    elif scenario == 'to_court':
        accept()
        tl.outcome(VILLAGE, 'court')
        if rng.random() < 0.5:
            tl.then(1, 5, VILLAGE, 'close')
    elif scenario == 'risk_town':
        # logged at the village, taken straight to the town as the risk rules allow
        intake = 'town'
        accept(TOWN)
        tl.outcome(TOWN, pick(('mediating', 'agreed', 'closed', 'court', 'closed')))
    elif scenario == 'town_direct':
        creator = TOWN
        tl.steps[0].where = TOWN
        accept(TOWN)
        tl.outcome(TOWN, pick(('mediating', 'agreed', 'closed', 'failed', 'closed')))
    elif scenario == 'district_direct':
        if rng.random() < 0.5:
            creator = DISTRICT_LEVEL
            tl.steps[0].where = DISTRICT_LEVEL
        else:
            intake = 'district'
        accept(DISTRICT_LEVEL)
        tl.outcome(DISTRICT_LEVEL, pick(('mediating', 'agreed', 'closed')))
    elif scenario == 'court_sent':
        creator = TOWN
        tl.steps[0].where = TOWN
        court_kind = pick((StageKind.COURT_DELEGATED, StageKind.COURT_ENTRUSTED, StageKind.COURT_DELEGATED))
        choice = pick(('mediating', 'agreed', 'returned', 'pending', 'agreed'))
        if choice != 'pending':
            tl.then(0, 1, TOWN, 'accept')
        if choice == 'agreed':
            tl.agree(TOWN, oral=False)
        elif choice == 'returned':
            tl.then(5, 12, TOWN, 'return_to_court', RETURN_REASON)
    else:
        raise ValueError(scenario)
    return creator, intake, court_kind


class _Generator:
    """Deterministic content: people, stories, flags and timelines."""

    def __init__(self, rng: random.Random, villages, categories, today: date):
        self.rng = rng
        self.villages = villages  # [(village, town)]
        self.categories = categories  # code → Category
        self.today = today
        self.used_names: set[str] = set()
        self.residents: dict[int, list[Person]] = {}

    def name(self, sex: str) -> str:
        rng = self.rng
        for _ in range(20):
            surname = rng.choice(COMMON_SURNAMES) if rng.random() < 0.4 else rng.choice(SURNAMES)
            chars = MALE_CHARS if sex == 'male' else FEMALE_CHARS
            given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else '')
            if given[:1] != given[1:2] and surname + given not in self.used_names:
                self.used_names.add(surname + given)
                return surname + given
        return surname + given

    def address(self, village: Organisation, town: Organisation) -> str:
        rng = self.rng
        if village.name.endswith('社区'):
            return (f'{DISTRICT[0]}{town.name}{village.name}{rng.choice(ESTATES)}{rng.randint(1, 24)}幢'
                    f'{rng.randint(1, 3)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室')
        return f'{DISTRICT[0]}{town.name}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号'

    def person(self, village, town, *, sex=None, age=None, other_than: Optional[Person] = None) -> Person:
        rng = self.rng
        # Now and then the same resident turns up again (the intake then warns of a repeat dispute).
        pool = self.residents.setdefault(village.id, [])
        if sex is None and age is None and pool and rng.random() < 0.04:
            again = rng.choice(pool)
            if again is not other_than:
                return again
        sex = sex or rng.choice(('male', 'female'))
        age = age or rng.randint(22, 78)
        birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        person = Person(name=self.name(sex), sex=sex, birth_date=birth, id_number=resident_id(rng, birth, sex),
                        phone=mobile(rng), address=self.address(village, town),
                        occupation='退休' if age >= 65 else rng.choice(OCCUPATIONS),
                        ethnicity='汉族' if rng.random() < 0.96 else rng.choice(('畲族', '回族', '土家族')))
        pool.append(person)
        return person

    def firm(self, pattern: str, town) -> PartyInput:
        rng = self.rng
        name = pattern.format(firm=rng.choice(FIRM_WORDS), town=town.name)
        return PartyInput(role='respondent', kind='organisation', name=name, uscc=credit_code(rng),
                          legal_representative=self.name(rng.choice(('male', 'female'))),
                          address=f'{DISTRICT[0]}{town.name}工业功能区{rng.randint(1, 60)}号', phone=mobile(rng))

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def plan(self, scenario: str, ordinal: int) -> CasePlan:
        rng = self.rng
        village, town = rng.choices(self.villages, weights=VILLAGE_WEIGHTS)[0]
        risk = RISK_KINDS[scenario][ordinal % len(RISK_KINDS[scenario])] if scenario in RISK_KINDS else None
        code = rng.choice(RISK_CATEGORIES[risk]) if risk else self.weighted(CATEGORY_WEIGHTS)
        category = self.categories[code]
        wet = bool(category.requires_wet_signature or (category.parent and category.parent.requires_wet_signature))
        tl = Timeline(rng, wet)
        creator, intake, court_kind = _scenario_steps(scenario, ordinal, tl)
        if risk == 'death':
            story = DEATH_STORIES[code]
        elif risk == 'large_amount':
            story = rng.choice([story for story in STORIES[code] if story.amount and story.amount[1] >= 100000])
        elif risk in ('large_group', 'group_petition'):
            story = rng.choice([story for story in STORIES[code] if story.group])
        else:
            story = rng.choice(STORIES[code])

        if story.shape == 'elder':
            a = self.person(village, town, age=rng.randint(66, 86))
            b = self.person(village, town, sex='male' if rng.random() < 0.7 else 'female', age=rng.randint(38, 58))
        elif story.shape in ('couple', 'couple_m'):
            age = rng.randint(24, 45)
            wife = self.person(village, town, sex='female', age=age)
            husband = self.person(village, town, sex='male', age=age + rng.randint(-2, 5))
            a, b = (wife, husband) if story.shape == 'couple' else (husband, wife)
        else:
            a = self.person(village, town)
            b = None
        parties = [a.party('applicant')]
        if story.firm:
            respondent = self.firm(rng.choice(story.firm), town)
            b_name = respondent.name
        else:
            b = b or self.person(village, town, other_than=a)
            respondent = b.party('respondent')
            b_name = b.name
        parties.append(respondent)
        if rng.random() < 0.08:
            parties.append(self.person(village, town, other_than=a).party('third_party'))

        amount = None
        if story.amount:
            lo, hi = story.amount
            amount = rng.randrange(100000 if risk == 'large_amount' else lo, hi + 1, 100)
        fmt = dict(a=a.name, b=b_name, place=f'{town.name}{village.name}', amount=str(amount) if amount else '')
        flags = self.flags(risk, code, story, len(parties))
        source = self.weighted(SOURCE_WEIGHTS)
        if scenario in ('town_direct', 'district_direct') and creator != VILLAGE:
            source = rng.choice((Source.HOTLINE, Source.POLICE_TRANSFER, Source.PETITION_OFFICE,
                                 Source.GOVERNMENT_ASSIGNED, Source.PARTY_APPLICATION))
        data = CaseInput(title=story.title.format(**fmt), category_id=category.id, source=source.value,
                         facts=story.facts.format(**fmt), requests=story.requests.format(**fmt),
                         place=f'{DISTRICT[0]}{town.name}{village.name}',
                         amount=str(amount) if amount is not None else None, intake_level=intake,
                         minor_involved=code == 'HY-FY', parties=parties, **flags)
        if flags.get('group_dispute'):
            data.title = data.title.replace(f'{a.name}与', f'{a.name}等{flags["people_involved"]}人与', 1)
        return CasePlan(scenario, village, town, creator, data, wet, court_kind, tl.steps)

    def flags(self, risk: Optional[str], code: str, story: Story, party_count: int) -> dict:
        rng = self.rng
        flags = {'people_involved': party_count}
        # the risk kinds of the scenarios that go straight to the town or the district
        if risk == 'cross_area':
            flags['cross_area'] = True
        elif risk == 'large_group':
            flags.update(group_dispute=True, people_involved=rng.randint(10, 40), risk_level='orange')
        elif risk == 'large_amount':
            flags['risk_level'] = 'yellow'
        elif risk == 'mzx':
            flags.update(mzx_risk=True, risk_level='orange')
        elif risk == 'red':
            flags.update(risk_level='red', mzx_risk=rng.random() < 0.5)
        elif risk == 'major':
            flags.update(major_difficult=True, risk_level='orange')
        elif risk == 'death':
            flags.update(abnormal_death=True, major_difficult=True, risk_level='red')
        elif risk == 'group_petition':
            flags.update(group_dispute=True, petition_risk=True, people_involved=rng.randint(12, 60),
                         risk_level='orange')
        if risk:
            return flags
        # everyday cases: now and then a flag that does not change where the case is handled
        roll = rng.random()
        if story.group and roll < 0.3:
            flags.update(group_dispute=True, people_involved=rng.randint(4, 9), petition_risk=roll < 0.1)
        elif roll < 0.03:
            flags.update(risk_level='orange', petition_risk=True)
        elif roll < 0.08:
            flags['risk_level'] = 'yellow'
        elif roll < 0.10 and code in ('JT', 'HT', 'SC'):
            flags['cross_area'] = True
        return flags


# --------------------------------------------------------------------------------------------
# Replaying the plans
# --------------------------------------------------------------------------------------------

#: Ops after which the stage that acted is still open with its mediation clock running.
_RUNNING_ENDINGS = {'accept', 'resume', 'draft_agreement', 'record_failure'}
#: Ops after which a stage waits for acceptance (a fresh intake, or a referral at the parent).
_PENDING_ENDINGS = {'create', 'refer_up'}


def _ending_range(plan: CasePlan, ago: tuple[int, int]) -> tuple[int, int]:
    """Days ago for the last step: an open stage must not have sat for months without the sweep.

    Only the ``due_soon`` and ``overdue`` scenarios place a running clock near or past its
    deadline on purpose; any other open ending is placed so that the deadline is still ahead.
    """
    if plan.scenario in ('due_soon', 'overdue'):
        return ago
    last = plan.steps[-1]
    if last.op in _PENDING_ENDINGS:
        return 0, min(ago[1], 3)
    if last.op == 'pause':
        return 0, min(ago[1], 40)
    if last.op in _RUNNING_ENDINGS:
        accepted = next(step for step in reversed(plan.steps) if step.op == 'accept' and step.where == last.where)
        limit = 12 if plan.court_kind == StageKind.COURT_ENTRUSTED else 25
        return 0, max(0, min(ago[1], limit - (last.day - accepted.day)))
    return ago


def _schedule(rng: random.Random, plan: CasePlan, ago: tuple[int, int], today: date, now: datetime) -> None:
    """Turn the plan's day offsets into historic timestamps during Beijing office hours."""
    span = plan.steps[-1].day
    lo, hi = _ending_range(plan, ago)
    # keep the whole history within the last six months or so
    end_ago = rng.randint(lo, max(lo, min(hi, HISTORY_DAYS - span)))
    first = today - timedelta(days=end_ago + span)
    clock = None
    for index, step in enumerate(plan.steps):
        day = first + timedelta(days=step.day)
        if index and step.day == plan.steps[index - 1].day:
            clock += timedelta(minutes=rng.randint(15, 90))
        else:
            clock = datetime.combine(day, time(8, 30)) + timedelta(minutes=rng.randint(0, 150))
        step.at = to_utc_naive(clock)
    # Nothing in the future: pull today's late steps back before now, keeping their order.
    latest = now - timedelta(minutes=1)
    for step in reversed(plan.steps):
        step.at = min(step.at, latest)
        latest = step.at - timedelta(minutes=1)


def _stage_at(case: Case, org: Organisation) -> Stage:
    return next(stage for stage in reversed(case.stages) if stage.committee_id == org.id)


def _run(plans: list[CasePlan], orgs: dict, users: dict) -> None:
    court = orgs[COURT[0]]
    district = orgs[DISTRICT_CODE]

    def where_org(plan, where):
        return {VILLAGE: plan.village, TOWN: plan.town, DISTRICT_LEVEL: district}[where]

    sequence = itertools.count()
    queue = [(plan.steps[0].at, next(sequence), plan, 0) for plan in plans]
    heapq.heapify(queue)
    while queue:
        _, _, plan, index = heapq.heappop(queue)
        step = plan.steps[index]
        actor = users[where_org(plan, step.where).id]
        if step.op == 'create':
            plan.case = create_case(actor, plan.input, now=step.at).case
            if plan.court_kind:
                _mark_court_sent(plan, court)
        else:
            org = where_org(plan, step.where)
            apply_transition(_stage_at(plan.case, org), step.op, actor, reason=step.reason, data=step.data,
                             now=step.at)
        if index + 1 < len(plan.steps):
            heapq.heappush(queue, (plan.steps[index + 1].at, next(sequence), plan, index + 1))


def _mark_court_sent(plan: CasePlan, court: Organisation) -> None:
    """Turn the fresh intake into a case the court delegated (委派) or entrusted (委托).

    There is no court-delegation service yet; the stage gets the court-sent kind (its own
    deadline rule and expiry action) and the sending court, and its deadline is recomputed.
    """
    case = plan.case
    stage = case.stages[0]
    entrusted = plan.court_kind == StageKind.COURT_ENTRUSTED
    case.source = Source.COURT_ENTRUSTED if entrusted else Source.COURT_DELEGATED
    stage.kind = plan.court_kind
    stage.court_id = court.id
    serial = 100 + case.id
    stage.court_case_number = (f'（{stage.received_at.year}）浙9901民初{serial}号' if entrusted
                               else f'（{stage.received_at.year}）浙9901民诉前调{serial}号')
    db.session.flush()
    refresh_deadline(stage)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def users_table() -> str:
    """The demo accounts as a Markdown table (copied into the README)."""
    names = {DISTRICT_CODE: DISTRICT[0], COURT[0]: COURT[1]}
    for town_code, town_name, _, villages in TOWNS:
        names[town_code] = town_name
        for code, name, _ in villages:
            names[code] = f'{town_name}{name}'
    lines = ['| username | password | role | organisation |', '| --- | --- | --- | --- |']
    for username, _, role, org_code in USERS:
        lines.append(f'| {username} | {password_for(username)} | {role.label_zh} ({role.value}) | {names[org_code]} |')
    return '\n'.join(lines)


def seed_demo_data(*, now: Optional[datetime] = None, seed: int = DEMO_SEED, case_count: Optional[int] = None) -> str:
    """Load the demo district, its users and ``case_count`` cases (default DEMO_CASE_COUNT); return a report.

    Does not commit: the caller (the CLI) commits once.
    """
    case_count = case_count or DEMO_CASE_COUNT
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.code == DISTRICT_CODE)) is not None:
        return f'演示数据已存在（{DISTRICT[0]}，编码 {DISTRICT_CODE}），未做任何更改。Demo data already loaded.\n\n' \
               + users_table()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) or \
            db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return ('数据库中已有组织机构或用户，为免与真实数据混淆，未载入演示数据。'
                'The database already holds organisations or users; demo data not loaded.')
    now = (now or utcnow()).replace(microsecond=0)
    today = china_date(now)
    rng = random.Random(seed)

    orgs = _create_organisations()
    users = _create_users(orgs)
    categories = {c.code: c for c in db.session.scalars(sa.select(Category))}
    missing = sorted(set(CATEGORY_WEIGHTS) - set(categories))
    if missing:
        raise RuntimeError(f'dispute categories missing (run `mediation db upgrade`): {", ".join(missing)}')
    villages = [(orgs[code], orgs[town_code]) for town_code, _, _, vs in TOWNS for code, _, _ in vs]

    generator = _Generator(rng, villages, categories, today)
    scale = case_count / sum(count for _, count, _ in SCENARIOS)
    plans = []
    for scenario, count, ago in SCENARIOS:
        for ordinal in range(max(1, round(count * scale))):
            plan = generator.plan(scenario, ordinal)
            _schedule(rng, plan, ago, today, now)
            plans.append(plan)
    _run(plans, orgs, users)
    db.session.flush()
    return _report(plans, today)


def _create_organisations() -> dict:
    orgs = {}
    district = org_service.create_organisation(kind=OrgKind.DISTRICT, name=DISTRICT[0], short_name=DISTRICT[1],
                                               code=DISTRICT_CODE)
    orgs[DISTRICT_CODE] = district
    for town_code, town_name, town_short, villages in TOWNS:
        town = org_service.create_organisation(kind=OrgKind.TOWN, name=town_name, short_name=town_short,
                                               code=town_code, parent=district)
        orgs[town_code] = town
        for code, name, short in villages:
            orgs[code] = org_service.create_organisation(kind=OrgKind.VILLAGE, name=name, short_name=short,
                                                         code=code, parent=town)
    orgs[COURT[0]] = org_service.create_organisation(kind=OrgKind.COURT, name=COURT[1], short_name=COURT[2],
                                                     code=COURT[0], served_districts=[district])
    return orgs


def _create_users(orgs: dict) -> dict:
    """Create the demo users; return organisation id → the acting user there (admins excluded)."""
    by_org = {}
    # The first account with each password goes through the service; the others reuse its hash,
    # so the seed pays for two scrypt hashes instead of fourteen (~0.2 s each). The passwords
    # are published in the report anyway, so a shared salt gives nothing away.
    hashes = {}
    for username, display_name, role, org_code in USERS:
        password, organisation = password_for(username), orgs[org_code]
        if password not in hashes:
            user = accounts.create_user(username=username, display_name=display_name, password=password,
                                        role=role, organisation=organisation)
            hashes[password] = user.password_hash
        else:
            accounts.check_role_fits_organisation(role, organisation)
            user = User(username=username, display_name=display_name, role=role, organisation=organisation,
                        password_hash=hashes[password])
            db.session.add(user)
            db.session.flush()
        if role != Role.ADMIN:
            by_org[user.organisation_id] = user
    return by_org


def _report(plans: list[CasePlan], today: date) -> str:
    case_ids = [plan.case.id for plan in plans]
    stages = db.session.execute(sa.select(Stage.level, Stage.state, Stage.clock, Stage.due_on, Stage.due_soon_on)
                                .where(Stage.case_id.in_(case_ids))).all()
    by_state = Counter(State(state) for _, state, *_ in stages)
    by_level = Counter(Level(level) for level, *_ in stages)
    due_soon = Counter(Clock(clock) for _, _, clock, due, soon in stages
                       if due is not None and soon is not None and soon <= today <= due)
    overdue = Counter(Clock(clock) for _, _, clock, due, _ in stages if due is not None and due < today)
    lines = [
        f'已载入演示数据：{DISTRICT[0]}（{len(TOWNS)} 个乡镇街道、{sum(len(t[3]) for t in TOWNS)} 个村社区）、'
        f'{COURT[1]}，{len(USERS)} 个用户，{len(plans)} 件纠纷，{len(stages)} 个阶段。',
        '阶段所在层级：' + '，'.join(f'{level.label_zh} {by_level[level]}' for level in Level if by_level[level]),
        '阶段状态：' + '，'.join(f'{state.label_zh} {by_state[state]}' for state in State if by_state[state]),
        f'期限：调解期限即将到期 {due_soon[Clock.MEDIATION]} 个、已超期 {overdue[Clock.MEDIATION]} 个；'
        f'受理期限即将到期 {due_soon[Clock.ACCEPTANCE]} 个、已超期 {overdue[Clock.ACCEPTANCE]} 个；'
        f'司法确认申请期已过 {overdue[Clock.JC_APPLY]} 个。',
        '未运行巡检：运行 `mediation sweep` 即可看到超期阶段被提醒、移交上级或退回法院。',
        '',
        '演示账号 / Demo users:',
        '',
        users_table(),
    ]
    return '\n'.join(lines)
