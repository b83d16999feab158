"""What the demo disputes are about: stories per category, weights, and the reasons steps give."""
from dataclasses import dataclass
from typing import Optional

from workflows.enums import Source


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

#: How demo agreements put each side's responsibility ({a}: the applicant, {b}: the respondent).
RESPONSIBILITIES = (
    '经调解员释法说理，双方认可{b}对纠纷的发生负主要责任，{a}负次要责任。',
    '{b}对纠纷的发生负全部责任，{a}无过错。',
    '双方对纠纷的发生均有一定责任，经协商各自承担相应后果。',
)
#: Agreed terms when the dispute is about money: (content, manner of performance).
MONEY_TERMS = (
    ('{b}一次性支付{a}人民币{amount}元。', '银行转账'),
    ('{b}支付{a}人民币{amount}元，分两期付清，每期一半。', '现金支付，{a}出具收条'),
)
#: Terms when it is not: (content, manner).
OTHER_TERMS = (
    ('{b}按照本协议恢复原状、排除妨碍，{a}予以配合。', '{b}自行履行，村（社区）调委会现场见证'),
    ('双方按照调解时商定的方案各自履行，今后和睦相处，不再就此事发生争执。', '双方自行履行'),
)
#: Always the last term.
CLOSING_TERM = ('本协议履行完毕后，双方就本纠纷再无其他争议。', '双方确认')
#: A name with a character outside GB 2312 (it must print with a real glyph, not a box).
RARE_GIVEN_NAME = '𠮷'

# --- the work records of the demo's cases ------------------------------------------------------------
#: What each side says at a session ({a}, {b}: the parties' names; {requests}: the applicant's requests).
APPLICANT_STATEMENTS = (
    '{requests}我多次找{b}商量，对方一直拖着不解决，希望调委会主持公道。',
    '事情的经过和申请书上写的一样。{requests}只要对方有诚意，我可以适当让步。',
    '我要求不高，{requests}之前村里也调解过一次，{b}答应了又没做到。',
)
RESPONDENT_STATEMENTS = (
    '这件事我承认有一定责任，但{a}提的要求太高，我只能接受一部分。',
    '这事不能全怪我，{a}自己也有责任。调委会提出合理方案的话我愿意配合。',
    '我同意协商解决，但需要一些时间筹钱，希望能分期履行。',
)
THIRD_PARTY_STATEMENTS = ('我同意配合调解，对双方的方案没有意见。',)
FACTS_CHECKED = (
    '经现场查看并询问周边群众，申请人反映的情况基本属实。已向双方告知调解不成可依法向人民法院起诉。',
    '调取了村里的相关资料，双方对主要事实无异议，分歧在于责任大小和数额。已告知双方权利义务和风险。',
)
PROPOSALS = (
    '调解员释法说理，建议{b}承担主要责任，{a}适当让步，双方各退一步了结纠纷。',
    '建议双方本着邻里和睦的原则协商解决，由{b}履行主要义务，{a}予以配合。',
)
NEXT_STEPS = {
    'agreed': '双方同意按调解意见达成协议，由调解员制作调解协议，签字后生效。',
    'partly_agreed': '双方就主要事项达成一致，细节待补充调查后再议。',
    'adjourned': '补充调查核实后择期再次调解。',
    'not_agreed': '双方分歧较大，告知当事人可通过诉讼、仲裁等途径解决，或经同意移交上级调解。',
}
#: Investigations: (who was asked, who they are, what was asked and answered).
INVESTIGATIONS = (
    ('王建国', '村民小组长，与双方同组', '问：你对双方的纠纷了解多少？\n答：两家为这事吵过好几回，我去现场看过，情况和申请人说的差不多。'),
    ('李桂芳', '邻居，住在双方之间', '问：事发当天你看到了什么？\n答：我听到争吵出来看，双方都有些激动，后来被村干部劝开了。'),
    ('村委会会计', '村集体经济组织负责人', '问：村里对这块地有没有记录？\n答：有一九九八年的分地台账，可以复印给调委会。'),
)
#: Evidence the demo's mediators upload: (kind, title, who provided it).
SESSION_EVIDENCE = (('photo', '现场照片', '调委会拍摄'), ('document', '收条复印件', '申请人'),
                    ('physical', '损坏物品照片', '申请人'))
INVESTIGATION_EVIDENCE = (('document', '询问笔录扫描件', '调委会'), ('document', '村集体分地台账复印件', '村委会'))
#: Performance of the terms: notes for each status, and how the committee urged a party (PML Art 31).
PERFORMANCE_NOTES = {
    'fulfilled': ('已按协议履行完毕，申请人出具了收条。', '经电话核实，已履行。', '调委会现场见证履行完毕。'),
    'partly': ('已支付首期款项，余款约定下月付清。', '已履行一部分，剩余部分正在落实。'),
    'breached': ('履行期限已过，被申请人未履行。',),
}
URGING_NOTES = ('调解员电话督促被申请人履行，对方表示月底前付清。', '调解员上门督促履行，被申请人承诺十日内履行。')
#: Follow-up visits: (method, satisfaction, situation).
VISITS = (
    ('phone', 'satisfied', '双方表示已按协议履行，关系恢复正常，对调解结果满意。'),
    ('in_person', 'satisfied', '协议约定事项已落实，双方无新的矛盾。'),
    ('in_person', 'fairly', '被申请人已支付首期款项，余款正在筹措；申请人表示基本满意。'),
    ('online', 'dissatisfied', '申请人认为对方拖延履行，对调解结果不太满意，调解员已督促对方尽快履行。'),
)
