"""The statutory documents: every kind renders from every sample, holds what the law asks for, and reads back.

Each sample is rendered once per session (``rendered``); checks read the text back with pypdf. Running headers
and footers are drawn after the body, so ``Rendered.body`` cuts every page at its header and joins the pages:
a paragraph that crosses a page break reads as one. Comparisons ignore whitespace (lines wrap anywhere).
"""
import ast
import dataclasses
import functools
import io
import re
from datetime import date
from pathlib import Path

import pytest
import samples
from document_checks import drawn_glyphs
from pypdf import PdfReader

from mediation.documents import html
from mediation.documents import render
from mediation.documents.context import DocumentContext

KINDS = list(html.DOCUMENT_KINDS)
#: Every kind for these; the sealed and draft agreement variants differ from ``drainage`` only in the agreement.
FULL_SAMPLES = ['drainage', 'organisation', 'rare_names', 'three_parties', 'empty']
CASES = [(sample, kind) for sample in FULL_SAMPLES for kind in KINDS] + [
    ('drainage_sealed', 'agreement'), ('drainage_draft', 'agreement')]
SIGN = '（签名、盖章或按指印）'
EFFECTIVE = '本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。'


def squeeze(text: str) -> str:
    return re.sub(r'\s+', '', text)


def cn(day: date) -> str:
    return f'{day.year}年{day.month}月{day.day}日'


@dataclasses.dataclass
class Rendered:
    context: DocumentContext
    html: str
    pdf: bytes
    pages: list[str]  # each page's text as extracted, headers and footers included
    title: str

    @functools.cached_property
    def body(self) -> str:
        """The pages' body text without the running header, footer and verification block, whitespace removed."""
        bodies = []
        for text in self.pages:
            cut = text.rfind(self.title)
            bodies.append(text[:cut] if cut > 0 else text)
        return squeeze(''.join(bodies))

    def has(self, item: str) -> bool:
        return squeeze(item) in self.body


def render_kwargs(font_cache_dir) -> dict:
    return {'base_url': html.TEMPLATE_FOLDER, 'allowed_roots': [html.TEMPLATE_FOLDER],
            'font_cache_dir': font_cache_dir}


def document_for(sample: str, kind: str) -> tuple[DocumentContext, str]:
    context = samples.SAMPLES[sample]()
    records = {}
    if kind == 'session_record' and context.sessions:
        records['session'] = context.sessions[0]
    if kind == 'follow_up' and context.follow_ups:
        records['follow_up'] = context.follow_ups[0]
    return context, html.document_html(kind, context, **records)


@pytest.fixture(scope='session')
def rendered(font_cache_dir):
    """``rendered(sample, kind)``: the document, rendered on first use and kept for the session."""
    cache = {}

    def get(sample: str, kind: str) -> Rendered:
        if (sample, kind) not in cache:
            context, source = document_for(sample, kind)
            pdf = render.render_pdf(source, **render_kwargs(font_cache_dir))
            pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
            title = '调解卷宗' if kind == 'dossier_cover' else html.DOCUMENT_KINDS[kind].title
            cache[sample, kind] = Rendered(context, source, pdf, pages, title)
        return cache[sample, kind]
    return get


# --- what every document has ----------------------------------------------------------------------------------

@pytest.mark.parametrize(('sample', 'kind'), CASES)
def test_case_number_and_page_x_of_y_on_every_page(rendered, sample, kind):
    """Renders without a missing glyph (render_pdf raises MissingGlyphs) and numbers every page."""
    document = rendered(sample, kind)
    number = document.context.case_number or '（　　）　人调字第　　号'
    count = len(document.pages)
    for index, text in enumerate(document.pages, start=1):
        assert f'第 {index} 页 共 {count} 页' in text
        assert squeeze(number) in squeeze(text), f'page {index} has no case number'


@pytest.mark.parametrize('kind', KINDS)
def test_templates_declare_chinese_and_leave_the_font_to_the_engine(kind):
    _context, source = document_for('drainage', kind)
    assert '<html lang="zh-CN">' in source
    assert 'class="document-title' in source and 'class="case-number"' in source
    assert 'font-family' not in (html.TEMPLATE_FOLDER / html.DOCUMENT_KINDS[kind].template).read_text()
    assert 'font-family' not in (html.TEMPLATE_FOLDER / '_base.html').read_text()


@pytest.mark.parametrize(('sample', 'kind'), [case for case in CASES if case[1] != 'confirmation_application'])
def test_no_identity_numbers_outside_the_confirmation_application(rendered, sample, kind):
    document = rendered(sample, kind)
    for party in document.context.parties:
        if party.id_number:
            assert party.id_number not in squeeze(''.join(document.pages))


def test_blank_case_number_uses_the_committee_short_name_when_known():
    context = dataclasses.replace(samples.drainage(), case_number='')
    assert '（　　）枫源人调字第　　号' in html.document_html('registration', context)


# --- what each document must hold -----------------------------------------------------------------------------

LABELS = {
    'application': ['纠纷简要情况', '当事人申请事项', '已将申请人民调解的相关规定告知我', '现自愿申请人民调解委员会进行调解',
                    '申请人' + SIGN],
    'registration': ['事项编码', '登记日期', '纠纷名称', '纠纷类型', '案件来源', '①当事人申请', '②人民调解委员会主动调解',
                     '③接受委托移送', '纠纷简要情况', '本委员会经当事人同意', '当事人签名', '登记人签名', '（印）',
                     '注：本表由人民调解委员会填写。'],
    'rights_notice': ['人民调解的性质', '不收取任何费用', '在当事人自愿、平等的基础上进行调解', '具有法律约束力',
                      '三十日内共同向人民法院申请司法确认', '（一）选择或者接受人民调解员', '（二）接受调解、拒绝调解或者要求终止调解',
                      '（三）要求调解公开进行或者不公开进行', '（四）自主表达意愿、自愿达成调解协议', '（一）如实陈述纠纷事实',
                      '（二）遵守调解现场秩序，尊重人民调解员', '（三）尊重对方当事人行使权利', '以上内容本人已经知悉', SIGN],
    'session_record': ['时间', '地点', '事由', '当事人', '参加人', '人民调解员', '记录人', '调解记录', '调解意见（方案）',
                       '调解结果', '下一步工作', '以上记录已向当事人宣读', '参加人（签名）', '人民调解员（签名）',
                       '记录人（签名）', SIGN],
    'agreement': ['编号', '纠纷主要事实、争议事项', '各方当事人的责任', '协议内容', '当事人自愿达成如下协议',
                  '人民调解委员会对协议的履行情况进行监督', '第三十一条', '自本协议书生效之日起三十日内共同向人民法院申请司法确认',
                  '第三十三条', EFFECTIVE, '份，当事人各执一份，人民调解委员会留存一份。', SIGN, '人民调解员（签名）',
                  '记录人（签名）', '（印）'],
    'oral_agreement': ['纠纷名称', '当事人', '纠纷主要事实、争议事项', '各方当事人的责任', '协议内容及履行方式、地点、期限',
                       '第二十八条', '自各方当事人达成协议之日起生效（第三十条）', '人民调解员（签名）', '记录人（签名）', '（印）'],
    'follow_up': ['被回访人', '回访时间', '回访方式', '回访人', '调解协议编号', '回访事由', '协议履行情况', '回访情况',
                  '当事人意见', '被回访人（签名）', '回访人（签名）'],
    'confirmation_application': ['请求事项', '请求依法确认申请人于', '人民调解协议有效', '事实和理由', '第三十三条',
                                 '第二百零五条', '申请人承诺', '出于解决纠纷的目的自愿达成调解协议，没有恶意串通、规避法律的行为',
                                 '愿意承担相应的民事责任和其他法律责任', '此致', '公民身份号码', '人民调解协议书一份',
                                 '申请人' + SIGN],
    'termination_notice': ['受理并依法进行调解', '《中华人民共和国人民调解法》第二十六条', '终止调解',
                           '你们可以依法通过仲裁、行政、司法等途径维护自己的权利。', '特此通知', '（印）', '送达回执'],
    'closing_report': ['贵院', '收到案件材料', '共组织调解', '当事人', '第二十六条', '退回案件材料', '第二十二条', '特此报告',
                       '人民调解员', '（印）'],
    'dossier_cover': ['调解卷宗', '卷名', '卷号', '人民调解员', '调解日期', '立卷人', '立卷日期', '保管期限', '备注',
                      '卷内目录', '序号', '文书名称', '页数'],
}


def required_values(kind: str, context: DocumentContext) -> list[str]:
    """The case's own data each document prints (empty for the blank sample)."""
    parties = [party.name for party in context.parties]
    agreement = context.agreement
    terms = []
    if agreement:
        for term in agreement.terms:
            terms += [term.content, f'履行方式：{term.manner}', f'履行地点：{term.place}', f'履行期限：{term.deadline}']
    values = {
        'application': parties + [context.facts] + (context.requests.splitlines()),
        'registration': parties + [context.title, context.category, context.facts, context.matter_code]
        + [cn(day) for day in (context.registered_on, context.accepted_on) if day],
        'rights_notice': parties,
        'session_record': parties,
        'agreement': parties,
        'oral_agreement': parties,
        'follow_up': [context.title],
        'confirmation_application': parties + [context.court_name]
        + [party.id_number for party in context.parties if party.id_number]
        + [party.uscc for party in context.parties if party.uscc],
        'termination_notice': parties + ([context.termination_reason] if context.termination_reason else []),
        'closing_report': parties + [context.court_name, context.court_case_number, context.title],
        'dossier_cover': [context.committee_name, context.title, context.mediators, context.retention],
    }[kind]
    if agreement and kind in ('agreement', 'oral_agreement'):
        values += [agreement.facts, agreement.disputes, agreement.responsibility, agreement.mediator,
                   agreement.recorder] + terms
    if agreement and kind == 'confirmation_application':
        values += [agreement.number, cn(agreement.formed_on)] + [term.content for term in agreement.terms]
    if agreement and kind == 'follow_up':
        values.append(agreement.number)
    return [value for value in values if value]


@pytest.mark.parametrize(('sample', 'kind'), CASES)
def test_every_required_item_is_printed(rendered, sample, kind):
    document = rendered(sample, kind)
    missing = [item for item in LABELS[kind] + required_values(kind, document.context) if not document.has(item)]
    assert missing == []


@pytest.mark.parametrize('sample', FULL_SAMPLES)
def test_title_and_committee_head_every_document(rendered, sample):
    for kind in KINDS:
        document = rendered(sample, kind)
        assert document.has(document.title)
        if document.context.committee_name:
            assert document.has(document.context.committee_name)
        else:
            assert document.has('人民调解委员会')


# --- the agreement --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(('sample', 'copies'), [('drainage', 3), ('organisation', 3), ('three_parties', 4)])
def test_agreement_copies_are_parties_plus_one(rendered, sample, copies):
    document = rendered(sample, 'agreement')
    assert document.has(f'本协议书一式{copies}份，当事人各执一份，人民调解委员会留存一份。')
    sides = '双方' if copies == 3 else '各方'
    assert document.has(f'经调解，{sides}当事人自愿达成如下协议：')


def test_two_party_agreement_fits_two_pages_with_signatures_and_seal_together(rendered):
    for sample in ('drainage', 'drainage_sealed', 'drainage_draft'):
        document = rendered(sample, 'agreement')
        assert len(document.pages) <= 2, sample
        last = squeeze(document.pages[-1])
        for label in ('申请人' + SIGN, '被申请人' + SIGN, '人民调解员（签名）', '记录人（签名）',
                      '枫源村人民调解委员会（印）', '本协议书一式3份'):
            assert squeeze(label) in last, (sample, label)


def test_every_agreement_keeps_its_signature_block_on_one_page(rendered):
    for sample in ('organisation', 'three_parties', 'empty'):
        pages = [squeeze(text) for text in rendered(sample, 'agreement').pages]
        holding = [index for index, text in enumerate(pages)
                   if '人民调解员（签名）' in text or '（印）' in text or SIGN in text]
        assert len(set(holding)) == 1, sample


def test_organisation_signs_by_seal_and_representative(rendered):
    document = rendered('organisation', 'agreement')
    assert document.has('被申请人（盖章）：诸暨市枫源物业服务有限公司')
    assert document.has('法定代表人（签名）：')
    assert document.has('何立新')
    assert document.has('统一社会信用代码：91330681MA2D4K7N3E')
    assert document.has('（已在纸质文本上签名）')


def test_sealed_agreement_shows_the_verification_code_on_every_page(rendered):
    document = rendered('drainage_sealed', 'agreement')
    assert 'qr-code' in document.html and 'committee-stamp' in document.html
    assert document.html.count('class="signature-image"') == 4
    for text in document.pages:
        flat = squeeze(text)
        assert f'验证码：{samples.VERIFICATION_CODE}' in flat
        assert f'扫码或登录{samples.VERIFY_URL}核验' in flat
    assert squeeze(samples.COMMITTEE) in squeeze(document.pages[-1])  # the stamp's own lettering


def test_unsealed_agreement_has_no_verification_block(rendered):
    document = rendered('drainage', 'agreement')
    assert '验证码' not in ''.join(document.pages)
    assert 'committee-stamp' not in document.html


def test_draft_note_is_on_every_page(rendered):
    document = rendered('drainage_draft', 'agreement')
    for text in document.pages:
        assert '草稿（未生效）' in squeeze(text)


def test_blank_agreement_leaves_lines_to_fill_in(rendered):
    document = rendered('empty', 'agreement')
    assert document.html.count('class="ruled-line"') >= 10
    assert document.has('本协议书一式份')  # a line where the number goes
    assert document.has('当事人：姓名（名称）')


# --- other documents ------------------------------------------------------------------------------------------

def test_registration_ticks_the_case_source(rendered):
    assert rendered('drainage', 'registration').has('✓①当事人申请')
    assert rendered('organisation', 'registration').has('✓②人民调解委员会主动调解')
    assert rendered('three_parties', 'registration').has('✓③接受委托移送')
    assert '✓' not in rendered('empty', 'registration').body


def test_session_record_prints_the_session_or_a_blank_form(rendered):
    session = samples.SESSION
    document = rendered('drainage', 'session_record')
    for item in [session.held_at, session.place, session.participants, session.proposal, session.outcome,
                 session.next_step] + [f'{who}：{said}' for who, said in session.statements]:
        assert document.has(item), item
    blank = rendered('organisation', 'session_record')
    assert blank.html.count('class="ruled-line"') >= 14


def test_follow_up_prints_the_visit_or_a_blank_form(rendered):
    visit = samples.FOLLOW_UP
    document = rendered('drainage', 'follow_up')
    for item in (visit.visited, visit.visitor, visit.method, visit.performance, visit.situation, visit.satisfaction,
                 cn(visit.visited_on)):
        assert document.has(item), item
    assert rendered('organisation', 'follow_up').has('满意基本满意不满意')


def test_confirmation_application_is_joint_and_addressed_to_the_court(rendered):
    document = rendered('three_parties', 'confirmation_application')
    assert document.body.count(squeeze('申请人' + SIGN)) == 3
    assert document.has(f'此致{samples.COURT}')
    assert document.has('住址（送达地址）：浙江省诸暨市枫桥镇枫源村新桥头26号')


def test_termination_notice_gives_reason_date_and_remedies(rendered):
    document = rendered('rare_names', 'termination_notice')
    assert document.has('本委员会决定自2026年3月10日起终止调解')
    assert document.has('申请人王𠮷（签收）')


def test_dossier_cover_prints_the_filing_details(rendered):
    document = rendered('drainage', 'dossier_cover')
    for item in ('立卷人陈丽萍', '立卷日期2026年4月20日', '保管期限长期', '备注协议已履行完毕', '自2026年3月2日至2026年3月6日',
                 '卷号（2026）枫源人调字第1号'):
        assert document.has(item), item
    assert len(document.pages) == 2 and '卷内目录' in document.pages[1]


# --- rare characters ------------------------------------------------------------------------------------------

def test_rare_name_characters_come_back_as_text_with_real_glyphs(rendered):
    agreement = rendered('organisation', 'agreement')
    assert agreement.has('陈㑇')
    notice = rendered('rare_names', 'termination_notice')
    assert notice.has('王𠮷、楼㑇：')
    for character in ('𠮷', '㑇'):
        glyphs = drawn_glyphs(notice.pdf, character)
        assert glyphs and all(glyph.has_outline and glyph.glyph_name != '.notdef' for glyph in glyphs)


# --- the dossier ----------------------------------------------------------------------------------------------

DOSSIER_KINDS = ['application', 'registration', 'rights_notice', 'session_record', 'agreement', 'follow_up']


@pytest.fixture(scope='module')
def dossier(font_cache_dir, rendered):
    context = samples.drainage_sealed()
    parts = [(html.DOCUMENT_KINDS[kind].title, document_for('drainage_sealed', kind)[1]) for kind in DOSSIER_KINDS]
    calls = []

    def cover(contents):
        calls.append(list(contents))
        return html.dossier_cover_html(context, contents)

    pdf = render.render_dossier(parts, cover, **render_kwargs(font_cache_dir))
    return pdf, calls, parts


def test_dossier_is_one_pdf_cover_first_then_the_parts(dossier, font_cache_dir):
    pdf, calls, parts = dossier
    assert len(calls) == 1
    contents = calls[0]
    assert [title for title, _pages in contents] == [title for title, _html in parts]
    kwargs = render_kwargs(font_cache_dir)
    for (title, pages), (_title, source) in zip(contents, parts):
        assert pages == len(PdfReader(io.BytesIO(render.render_pdf(source, **kwargs))).pages), title
    cover_pages = len(PdfReader(io.BytesIO(render.render_pdf(html.dossier_cover_html(
        samples.drainage_sealed(), contents), **kwargs))).pages)
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(texts) == cover_pages + sum(pages for _title, pages in contents)
    assert '调解卷宗' in texts[0]
    index = squeeze(texts[1])
    for number, (title, pages) in enumerate(contents, start=1):
        assert f'{number}{squeeze(title)}{pages}' in index
    # each part keeps its own 第 X 页 共 Y 页, starting right after the cover
    start = cover_pages
    for title, pages in contents:
        for page in range(1, pages + 1):
            assert f'第 {page} 页 共 {pages} 页' in texts[start + page - 1], title
            assert title in texts[start + page - 1]
        start += pages


def test_dossier_carries_the_sealed_agreement_with_its_code(dossier):
    pdf, calls, _parts = dossier
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    contents = calls[0]
    first = len(texts) - sum(pages for _title, pages in contents) + sum(
        pages for _title, pages in contents[:DOSSIER_KINDS.index('agreement')])
    count = contents[DOSSIER_KINDS.index('agreement')][1]
    for text in texts[first:first + count]:
        assert '人民调解协议书' in text and samples.VERIFICATION_CODE in text
    assert all(samples.VERIFICATION_CODE not in text for text in texts[:first] + texts[first + count:])


def test_dossier_raises_missing_glyphs_like_render_pdf(font_cache_dir):
    parts = [('人民调解申请书', '<html lang="zh-CN"><body><p>王\ue000</p></body></html>')]
    with pytest.raises(render.MissingGlyphs):
        render.render_dossier(parts, lambda contents: '<html lang="zh-CN"><body>封面</body></html>',
                              **render_kwargs(font_cache_dir))


# --- the HTML layer -------------------------------------------------------------------------------------------

def test_registry_lists_the_kinds_in_dossier_order():
    assert KINDS == ['application', 'registration', 'rights_notice', 'session_record', 'agreement', 'oral_agreement',
                     'follow_up', 'confirmation_application', 'termination_notice', 'closing_report',
                     'dossier_cover']
    assert html.DOCUMENT_KINDS['agreement'].title == '人民调解协议书'
    for kind in html.DOCUMENT_KINDS.values():
        assert (html.TEMPLATE_FOLDER / kind.template).is_file()
    with pytest.raises(KeyError):
        html.document_html('dossier', samples.empty())


def test_values_are_escaped():
    party = dataclasses.replace(samples.DRAINAGE_PARTIES[0], name='<script>alert(1)</script>')
    source = html.document_html('agreement', samples.drainage(parties=(party, samples.DRAINAGE_PARTIES[1])))
    assert '<script>' not in source and '&lt;script&gt;' in source


def test_filters():
    assert html.cn_date(date(2026, 3, 2)) == '2026年3月2日'
    assert '年' in html.cn_date(None) and 'class="blank"' in html.cn_date(None)
    assert html.blank('张三', 6) == '张三'
    assert 'width: 6em' in html.blank('', 6)
    assert '✓' in html.mark(True) and '✓' not in html.mark(False)
    assert [html.cn_numeral(n) for n in (1, 10, 12, 20, 23)] == ['一', '十', '十二', '二十', '二十三']
    assert html.lines(' a \n\n b ') == ['a', 'b']


def test_html_module_imports_neither_flask_nor_weasyprint():
    tree = ast.parse(Path(html.__file__).read_text(encoding='utf-8'))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split('.')[0] in ('flask', 'weasyprint', 'sqlalchemy')}
