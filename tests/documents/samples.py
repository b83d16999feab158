"""Sample cases for the document templates, built only from ``mediation.documents.context``.

- ``drainage``: two neighbours and a blocked drain — the typical two-party written agreement, with one session
  record and one follow-up visit; ``drainage_sealed`` is its final copy (signatures captured on screen, the red
  seal, verification code and QR code), ``drainage_draft`` a draft preview.
- ``organisation``: a resident (a name with 㑇) against a property-management company; signed on paper.
- ``rare_names``: 王𠮷 and 楼㑇, mediation ended without agreement (termination notice).
- ``three_parties``: a builder, the house owner and the neighbour whose wall cracked: four copies.
- ``empty``: nothing but the dispute's title — every document must still print, with blank lines.
"""
import base64
import dataclasses
import functools
from datetime import date

from mediation.documents import fonts
from mediation.documents import qr
from mediation.documents import stamp
from mediation.documents.context import AgreementView
from mediation.documents.context import DocumentContext
from mediation.documents.context import FollowUpView
from mediation.documents.context import PartyView
from mediation.documents.context import SessionView
from mediation.documents.context import SignatureView
from mediation.documents.context import TermView

COMMITTEE = '枫源村人民调解委员会'
COURT = '诸暨市人民法院'
VERIFY_URL = 'https://tiaojie.fengyuan.example.cn/verify'
VERIFICATION_CODE = 'K7QM-4XRA-9PZD'


def signature_image(seed: int) -> str:
    """A handwriting-like stroke as an SVG data: URI (the signature pad gives PNG; the template takes either)."""
    points = []
    for step in range(24):
        x = 6 + step * 5.5
        y = 22 + ((step * (7 + seed)) % 13) - 6 + (3 if step % 3 == seed % 3 else 0)
        points.append(f'{x:.1f},{y:.1f}')
    path = 'M' + ' Q'.join(f'{points[i]} {points[i + 1]}' for i in range(0, len(points) - 1, 2))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="150" height="40" viewBox="0 0 150 40">'
           f'<path d="{path}" fill="none" stroke="#1a1a1a" stroke-width="2.2" stroke-linecap="round"/></svg>')
    return 'data:image/svg+xml;base64,' + base64.b64encode(svg.encode()).decode()


def _base(**changes) -> DocumentContext:
    values = dict(
        committee_name=COMMITTEE, committee_short_name='枫源', court_name=COURT, matter_code='20260302K7QM4X',
        title='', category='', source='', source_group='', facts='', requests='', place='', amount='',
        registered_on=None, accepted_on=None, case_number='', parties=(), registrar='', mediators='')
    values.update(changes)
    return DocumentContext(**values)


# --- a neighbours' drainage dispute between two persons -------------------------------------------------------

DRAINAGE_PARTIES = (
    PartyView(role='申请人', is_organisation=False, name='张建国', sex='男', ethnicity='汉族', age=58,
              birth_date=date(1968, 5, 2), occupation='农民', phone='13857512345',
              address='浙江省诸暨市枫桥镇枫源村上宅自然村18号', id_number='33068119680502331X'),
    PartyView(role='被申请人', is_organisation=False, name='李秀英', sex='女', ethnicity='汉族', age=54,
              birth_date=date(1972, 9, 15), occupation='个体经营户', phone='13967588821',
              address='浙江省诸暨市枫桥镇枫源村上宅自然村20号', id_number='330681197209154027'),
)

DRAINAGE_TERMS = (
    TermView(content='李秀英自行拆除其在两户之间公共排水沟上加盖的水泥板及沟内堆放的建筑垃圾，恢复排水沟原有宽度（约40厘米）和深度。',
             manner='李秀英自行雇工清理，费用由李秀英承担', place='两户之间的公共排水沟（上宅自然村18号与20号之间）',
             deadline='2026年3月15日前'),
    TermView(content='排水沟疏通后，由双方共同出资将沟底硬化并加装钢格栅盖板，费用按实结算，双方各承担一半。',
             manner='双方共同委托村里施工队施工，凭发票各付一半', place='同上排水沟', deadline='2026年4月10日前完工'),
    TermView(content='李秀英赔偿张建国因雨水倒灌造成的厨房地面、橱柜损失及清理费用共计人民币3,600元。',
             manner='银行转账至张建国本人账户或现金当面交付', place='枫源村人民调解委员会调解室',
             deadline='本协议生效之日起十日内一次付清'),
    TermView(content='今后双方均不得在公共排水沟上搭建、堆放物品；排水沟每年汛期前由双方轮流负责清理，2026年由张建国负责。',
             manner='双方自觉遵守，村民小组长监督', place='两户之间的公共排水沟', deadline='长期有效，每年5月31日前清理完毕'),
)


def drainage(**changes) -> DocumentContext:
    agreement = AgreementView(
        number='（2026）枫源人调字第1号',
        facts=('申请人张建国与被申请人李秀英系上宅自然村前后相邻的住户，两户之间有一条公共排水沟，历来承担两户及上方三户的'
               '雨水和生活污水排放。2025年10月，李秀英翻建厨房时在排水沟上加盖水泥板，并在沟内堆放建筑垃圾，致使排水不畅。'
               '2026年2月下旬连续降雨，雨水倒灌进张建国家厨房，造成地面瓷砖起鼓、橱柜受潮损坏。张建国多次要求李秀英清理未果，'
               '双方发生争吵，张建国遂于2026年3月2日向本委员会申请调解。'),
        disputes='一、李秀英是否应当拆除加盖的水泥板并清理排水沟；二、张建国的财产损失应否赔偿以及赔偿数额；三、今后排水沟的维护责任如何分担。',
        responsibility=('李秀英未经相邻方同意在公共排水沟上加盖、堆物，妨碍相邻方排水，对张建国的损失应承担主要责任；'
                        '张建国发现排水不畅后未及时采取临时疏通措施，致损失有所扩大，应承担次要责任。'),
        terms=DRAINAGE_TERMS, copies=3, formed_on=date(2026, 3, 6), mediator='徐海峰', recorder='陈丽萍',
        party_signatures=(SignatureView(label='当事人', name='张建国'), SignatureView(label='当事人', name='李秀英')),
        mediator_signature=SignatureView(label='人民调解员', name='徐海峰'),
        recorder_signature=SignatureView(label='记录人', name='陈丽萍'))
    values = dict(
        title='张建国与李秀英相邻排水纠纷', category='邻里纠纷 · 相邻关系', source='当事人申请', source_group='当事人申请',
        facts=('申请人张建国与被申请人李秀英系相邻住户。2025年10月李秀英在两户之间的公共排水沟上加盖水泥板并堆放建筑垃圾，'
               '2026年2月下旬连日降雨，雨水倒灌进张建国家厨房，造成地面和橱柜损坏。双方多次协商未果，发生争吵。'),
        requests='请求被申请人拆除排水沟上的水泥板并清理建筑垃圾，恢复排水。\n请求被申请人赔偿厨房地面、橱柜损失及清理费用5,000元。',
        place='枫源村上宅自然村', amount='5,000.00 元', registered_on=date(2026, 3, 2), accepted_on=date(2026, 3, 2),
        case_number='（2026）枫源人调字第1号', parties=DRAINAGE_PARTIES, registrar='陈丽萍', mediators='徐海峰、楼文军',
        ended_on=date(2026, 3, 6), outcome='达成书面调解协议', agreement=agreement,
        sessions=(SESSION,), follow_ups=(FOLLOW_UP,), dossier_title='张建国与李秀英相邻排水纠纷', retention='长期',
        filed_by='陈丽萍', filed_on=date(2026, 4, 20), dossier_note='协议已履行完毕')
    values.update(changes)
    return _base(**values)


SESSION = SessionView(
    held_at='2026年3月5日 9:30—11:20', place='枫源村人民调解委员会调解室', subject='张建国与李秀英相邻排水纠纷',
    mediators='徐海峰、楼文军', participants='上宅自然村村民小组长 周伟明', parties_present='张建国、李秀英',
    statements=(
        ('人民调解员徐海峰',
         '向双方告知了人民调解的性质、原则和效力，以及当事人在调解中享有的权利和应当履行的义务，双方表示清楚，同意调解，'
         '同意公开进行。'),
        ('张建国',
         '排水沟是几十年的老沟，李秀英去年翻建厨房时把沟盖死了，还往沟里倒建筑垃圾。上个月下大雨，水全倒灌进我家厨房，'
         '地砖都起鼓了，橱柜也泡坏了。我找过她三次，她都说没空。要求她马上把水泥板拆掉，赔我损失五千元。'),
        ('李秀英',
         '盖板是为了防止小孩掉下去，不是故意堵沟。建筑垃圾是施工队留下的，我可以叫人清理。损失我认一部分，'
         '但他家厨房地势本来就低，五千元太多了。'),
        ('村民小组长周伟明', '这条沟是上宅五户共用的排水沟，历来不允许加盖。去年我也提醒过李秀英家。'),
        ('人民调解员楼文军',
         '经现场查看，排水沟约12米被水泥板覆盖，沟内堆积砖块和砂浆，出水口基本堵死；张建国家厨房地面约6平方米瓷砖起鼓，'
         '两组地柜底板受潮变形。'),
    ),
    proposal=('李秀英限期拆除盖板、清理垃圾；沟底硬化并加装钢格栅盖板，费用双方各半；李秀英赔偿张建国损失及清理费3,600元；'
              '今后排水沟由双方轮流清理。'),
    outcome='双方同意上述方案，约定于2026年3月6日上午到调解室签订书面调解协议。', next_step='3月6日签订调解协议书；3月15日后回访检查清理情况。',
    recorder='陈丽萍')

FOLLOW_UP = FollowUpView(
    visited_on=date(2026, 4, 16), visited='张建国、李秀英', visitor='徐海峰', method='上门',
    performance='水泥板已于3月12日拆除，沟内垃圾已清理；沟底硬化和钢格栅盖板已于4月8日完工，费用各付一半；赔偿款3,600元已于3月10日转账付清。',
    situation='双方关系缓和，未再发生争吵，没有反悔或起诉；近期两次降雨排水通畅，无激化隐患。',
    satisfaction='满意')


def drainage_sealed() -> DocumentContext:
    base = drainage()
    signatures = tuple(dataclasses.replace(view, image=signature_image(index), method='screen',
                                           signed_on=date(2026, 3, 6))
                       for index, view in enumerate(base.agreement.party_signatures))
    agreement = dataclasses.replace(
        base.agreement, party_signatures=signatures, sealed=True,
        mediator_signature=dataclasses.replace(base.agreement.mediator_signature, image=signature_image(5),
                                               method='screen', signed_on=date(2026, 3, 6)),
        recorder_signature=dataclasses.replace(base.agreement.recorder_signature, image=signature_image(7),
                                               method='screen', signed_on=date(2026, 3, 6)),
        stamp_svg=committee_stamp(), verification_code=VERIFICATION_CODE, verify_url=VERIFY_URL,
        qr_svg=qr.qr_svg(f'{VERIFY_URL}?code={VERIFICATION_CODE}', size_mm=18))
    return dataclasses.replace(base, agreement=agreement, printed_on=date(2026, 3, 6))


@functools.cache
def committee_stamp() -> str:
    return stamp.committee_stamp_svg(COMMITTEE, font_family=fonts.FONT_FAMILY_STACK, size_mm=40)


def drainage_draft() -> DocumentContext:
    base = drainage()
    return dataclasses.replace(base, agreement=dataclasses.replace(base.agreement, draft_note='草稿（未生效）',
                                                                   formed_on=None))


# --- a resident against a property-management company ---------------------------------------------------------

ORGANISATION_PARTIES = (
    PartyView(role='申请人', is_organisation=False, name='陈㑇', sex='女', ethnicity='汉族', age=41,
              birth_date=date(1985, 3, 17), occupation='小学教师', phone='13605758862',
              address='浙江省诸暨市枫桥镇枫源花苑7幢2单元501室', id_number='33068119850317121X'),
    PartyView(role='被申请人', is_organisation=True, name='诸暨市枫源物业服务有限公司', phone='0575-87012345',
              address='浙江省诸暨市枫桥镇枫源花苑物业服务中心', uscc='91330681MA2D4K7N3E', legal_representative='何立新',
              representative_title='执行董事兼总经理'),
)


def organisation(**changes) -> DocumentContext:
    terms = (
        TermView(content='诸暨市枫源物业服务有限公司负责维修7幢屋面防水层，消除501室顶棚渗漏。', manner='由物业公司组织专业防水施工',
                 place='枫源花苑7幢屋面及501室', deadline='2026年4月30日前完成，并经陈㑇验收'),
        TermView(content='诸暨市枫源物业服务有限公司赔偿陈㑇室内墙面、吊顶修复费用及衣柜损失共计人民币8,500元。',
                 manner='转账至陈㑇指定的银行账户', place='—', deadline='2026年4月15日前一次付清'),
        TermView(content='陈㑇于收到赔偿款之日起七日内补缴2025年度物业服务费2,160元。', manner='到物业服务中心缴纳或线上缴纳',
                 place='枫源花苑物业服务中心', deadline='收到赔偿款之日起七日内'),
    )
    agreement = AgreementView(
        number='（2026）枫源人调字第7号',
        facts=('申请人陈㑇系枫源花苑7幢2单元501室业主，被申请人诸暨市枫源物业服务有限公司为该小区物业服务企业。自2025年6月起，'
               '501室顶棚多次渗水，陈㑇多次报修，物业公司仅作临时处理，渗漏未消除，致室内墙面、吊顶霉变，衣柜受损。'
               '陈㑇因此拒缴2025年度物业服务费，双方发生纠纷。'),
        disputes='一、屋面渗漏的维修责任；二、室内损失的赔偿数额；三、拖欠的物业服务费如何处理。',
        responsibility=('物业公司对屋面共用部位负有维修养护义务，维修不及时致损失扩大，应承担主要责任；'
                        '陈㑇以拒缴物业费的方式维权不当，应补缴物业服务费。'),
        terms=terms, copies=3, formed_on=date(2026, 3, 27), mediator='楼文军', recorder='陈丽萍',
        party_signatures=(SignatureView(label='当事人', name='陈㑇', method='paper'),
                          SignatureView(label='法定代表人', name='何立新', method='paper')),
        mediator_signature=SignatureView(label='人民调解员', name='楼文军', method='paper'),
        recorder_signature=SignatureView(label='记录人', name='陈丽萍'))
    values = dict(
        title='陈㑇与诸暨市枫源物业服务有限公司物业服务纠纷', category='物业纠纷', source='人民调解委员会排查发现',
        source_group='人民调解委员会主动调解',
        facts='501室顶棚自2025年6月起多次渗水，物业公司维修不彻底，业主拒缴物业费，双方争执。',
        requests='请求物业公司彻底维修屋面防水。\n请求赔偿室内装修及家具损失10,000元。', place='枫源花苑7幢',
        amount='10,000.00 元', registered_on=date(2026, 3, 18), accepted_on=date(2026, 3, 19),
        case_number='（2026）枫源人调字第7号', parties=ORGANISATION_PARTIES, registrar='陈丽萍', mediators='楼文军',
        ended_on=date(2026, 3, 27), outcome='达成书面调解协议', agreement=agreement, retention='长期')
    values.update(changes)
    return _base(**values)


# --- 王𠮷 and 楼㑇: mediation ended without agreement -------------------------------------------------------------

RARE_PARTIES = (
    PartyView(role='申请人', is_organisation=False, name='王𠮷', sex='男', ethnicity='汉族', age=36, occupation='货车司机',
              phone='15157598830', address='浙江省诸暨市枫桥镇枫源村下宅自然村3号', id_number='33068119900101231X'),
    PartyView(role='被申请人', is_organisation=False, name='楼㑇', sex='女', ethnicity='畲族', age=70, occupation='务农',
              phone='', address='浙江省诸暨市枫桥镇枫源村下宅自然村5号', id_number='330681195511204524'),
)


def rare_names(**changes) -> DocumentContext:
    values = dict(
        title='王𠮷与楼㑇宅基地界址纠纷', category='土地承包、宅基地纠纷', source='当事人申请', source_group='当事人申请',
        facts='王𠮷翻建住房时与楼㑇就两户之间约0.6米宽通道的归属发生争议，双方各执一词，王𠮷施工被阻。',
        requests='请求确认两户之间通道的界址，允许按原宅基地批准范围施工。', place='枫源村下宅自然村',
        registered_on=date(2026, 2, 9), accepted_on=date(2026, 2, 10), case_number='（2026）枫源人调字第3号',
        parties=RARE_PARTIES, registrar='陈丽萍', mediators='徐海峰', ended_on=date(2026, 3, 10),
        outcome='调解不成，终止调解', termination_on=date(2026, 3, 10),
        termination_reason=('经本委员会三次组织调解并现场勘查，双方对通道归属的主张差距较大，且该争议涉及宅基地使用权的确认，'
                            '双方均不同意调解方案，调解不成'))
    values.update(changes)
    return _base(**values)


# --- three parties --------------------------------------------------------------------------------------------

THREE_PARTIES = (
    PartyView(role='申请人', is_organisation=False, name='骆宏伟', sex='男', ethnicity='汉族', age=63, occupation='退休职工',
              phone='13858563310', address='浙江省诸暨市枫桥镇枫源村新桥头26号', id_number='330681196304123312'),
    PartyView(role='被申请人', is_organisation=False, name='寿国平', sex='男', ethnicity='汉族', age=45, occupation='农民',
              phone='13757511208', address='浙江省诸暨市枫桥镇枫源村新桥头28号', id_number='330681198107223313'),
    PartyView(role='第三人', is_organisation=False, name='斯志强', sex='男', ethnicity='汉族', age=50, occupation='建筑工匠（包工头）',
              phone='13516756677', address='浙江省诸暨市枫桥镇栎桥村5组', id_number='330681197601013317'),
)


def three_parties(**changes) -> DocumentContext:
    terms = (
        TermView(content='斯志强负责修复骆宏伟住房东侧山墙裂缝，采用压力灌浆加固并重新粉刷。', manner='斯志强组织施工，骆宏伟现场确认',
                 place='新桥头26号骆宏伟住房东侧山墙', deadline='2026年5月20日前完工'),
        TermView(content='寿国平、斯志强共同赔偿骆宏伟院墙倒塌损失及误工费共计人民币12,000元，其中寿国平承担4,000元，斯志强承担8,000元。',
                 manner='各自转账至骆宏伟本人账户', place='—', deadline='本协议生效之日起十五日内'),
        TermView(content='寿国平建房剩余施工期间，斯志强在东侧加设防护网和支撑，不得在骆宏伟宅基地内堆放建材。',
                 manner='施工方自行落实，村监委会监督', place='新桥头26号与28号之间', deadline='至寿国平住房竣工之日'),
    )
    agreement = AgreementView(
        number='（2026）枫源人调字第12号',
        facts=('被申请人寿国平将其住房发包给第三人斯志强翻建。2026年4月开挖地基时未采取支护措施，致相邻的申请人骆宏伟家院墙倒塌、'
               '住房东侧山墙出现多处裂缝。三方就修复和赔偿问题协商未果。'),
        disputes='一、损害由谁承担；二、山墙裂缝如何修复；三、院墙损失和误工费的数额及分担。',
        responsibility='斯志强施工未采取支护措施，应承担主要责任；寿国平作为发包人未尽审慎注意义务，应承担次要责任；骆宏伟无过错。',
        terms=terms, copies=4, formed_on=date(2026, 4, 28), mediator='徐海峰', recorder='陈丽萍',
        party_signatures=tuple(SignatureView(label='当事人', name=party.name) for party in THREE_PARTIES),
        mediator_signature=SignatureView(label='人民调解员', name='徐海峰'),
        recorder_signature=SignatureView(label='记录人', name='陈丽萍'))
    values = dict(
        title='骆宏伟与寿国平、斯志强建房施工损害赔偿纠纷', category='损害赔偿纠纷', source='枫桥派出所移送',
        source_group='接受委托移送',
        facts='寿国平建房开挖地基致骆宏伟家院墙倒塌、山墙开裂，施工方为斯志强，三方就赔偿发生争执，派出所出警后移送调解。',
        requests='请求修复山墙裂缝。\n请求赔偿院墙损失及误工费15,000元。', place='枫源村新桥头',
        amount='15,000.00 元', registered_on=date(2026, 4, 20), accepted_on=date(2026, 4, 20),
        case_number='（2026）枫源人调字第12号', parties=THREE_PARTIES, registrar='陈丽萍', mediators='徐海峰',
        ended_on=date(2026, 4, 28), outcome='达成书面调解协议', agreement=agreement, retention='长期')
    values.update(changes)
    return _base(**values)


# --- nothing but the title ------------------------------------------------------------------------------------

def empty() -> DocumentContext:
    return DocumentContext(committee_name='', committee_short_name='', court_name='', matter_code='',
                           title='未命名纠纷', category='', source='', source_group='', facts='', requests='',
                           place='', amount='', registered_on=None, accepted_on=None, case_number='', parties=())


SAMPLES = {
    'drainage': drainage,
    'drainage_sealed': drainage_sealed,
    'drainage_draft': drainage_draft,
    'organisation': organisation,
    'rare_names': rare_names,
    'three_parties': three_parties,
    'empty': empty,
}
