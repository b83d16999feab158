"""render_pdf: Chinese text with rare name characters, embedded subset fonts, real glyphs, fenced-in resources."""
import concurrent.futures
import io
import logging
import os
import time
from pathlib import Path

import pytest
from document_checks import SUBSET_PREFIX
from document_checks import drawn_glyphs
from document_checks import embedded_fonts
from document_checks import extract_text
from document_checks import page
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from mediation.documents import fonts
from mediation.documents import render

RARE_NAME = '张㑇、李䶮、王𠮷'


@pytest.fixture(scope='module')
def rare_name_pdf(render_document):
    body = f'<p>当事人：{RARE_NAME}。双方就相邻通行纠纷自愿达成如下协议。</p><p><b>协议内容</b>：按期履行。</p>'
    return render_document(page(body))


def test_harfbuzz_subsets_the_fonts():
    """WeasyPrint falls back to fontTools (~7 s a document) without libharfbuzz-subset: prove it is in use."""
    assert render.harfbuzz_subsetting_available()
    assert fonts.check_fonts().harfbuzz_subset


def test_rare_characters_come_back_as_text(rare_name_pdf):
    text = extract_text(rare_name_pdf)
    for character in fonts.RARE_NAME_CHARACTERS:
        assert character in text
    assert '张㑇、李䶮、王𠮷' in text


def test_page_is_a4_with_running_header_and_page_numbers(rare_name_pdf):
    reader = PdfReader(io.BytesIO(rare_name_pdf))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    text = extract_text(rare_name_pdf)
    assert '第 1 页 共 1 页' in text
    assert text.count('（2026）枫调字第12号') == 2  # in the body and in the running header


def test_page_numbers_count_every_page(render_document):
    body = ''.join(f'<p>第{index}段：调解员听取双方陈述，查明事实，分清是非，促使当事人互谅互让。</p>' for index in range(120))
    pdf = render_document(page(body))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 2
    assert f'第 {len(pages)} 页 共 {len(pages)} 页' in pages[-1].extract_text()


def test_every_font_is_embedded_and_subset(rare_name_pdf):
    used = embedded_fonts(rare_name_pdf)
    assert used
    for font in used:
        assert font.program, f'{font.base_font} is not embedded'
        assert SUBSET_PREFIX.match(font.base_font), f'{font.base_font} has no subset prefix'
    names = {SUBSET_PREFIX.sub('', font.base_font) for font in used}
    # common text from the GB 2312 copy, the rare characters from the copy of the other ideographs
    assert names == {'Noto-Serif-CJK-SC-GB2312', 'Noto-Serif-CJK-SC-GB2312-Bold', 'Noto-Serif-CJK-SC-Ext'}


def test_rare_characters_are_drawn_with_real_glyphs(rare_name_pdf):
    """Each rare character is drawn with a glyph that has an outline, and it is Noto Serif CJK SC's own glyph.

    How: WeasyPrint writes glyph ids in the page content and records, in each font's ToUnicode CMap, the text of
    every id it drew. A character no font has is drawn as .notdef under an id beyond the font's last glyph.
    ``drawn_glyphs`` looks each id up in the embedded font program (glyph ids are kept when subsetting): it must
    not be 0, must exist, must not be named .notdef and must have ink. Then the id must equal the glyph the
    installed SC face's cmap gives for the character, so the Simplified-Chinese form was used. The cut-down
    copies renumber glyphs but keep each glyph's CID name (``cid02519``), so the names are compared.
    """
    face = fonts.check_fonts().regular
    with TTFont(face.path, fontNumber=face.index, lazy=True) as full_face:
        cmap = full_face.getBestCmap()
        expected_names = {character: cmap[ord(character)] for character in fonts.RARE_NAME_CHARACTERS}
    for character in fonts.RARE_NAME_CHARACTERS:
        glyphs = drawn_glyphs(rare_name_pdf, character)
        assert glyphs, f'{character} was not drawn'
        for glyph in glyphs:
            assert glyph.glyph_id != 0 and glyph.glyph_name not in ('', '.notdef'), glyph
            assert glyph.has_outline, glyph
            assert glyph.glyph_name == expected_names[character], glyph


def test_common_characters_come_from_the_cut_down_copy(rare_name_pdf):
    for glyph in drawn_glyphs(rare_name_pdf, '张'):
        assert 'GB2312' in glyph.font and glyph.has_outline


def test_no_missing_glyph_warning(render_document, caplog):
    with caplog.at_level(logging.WARNING, logger='weasyprint'):
        render_document(page(f'<p>{RARE_NAME}</p>'))
    assert not [record for record in caplog.records if 'notdef' in record.getMessage()]


@pytest.mark.parametrize('character', ['\ue000', '\u0378'], ids=['private-use', 'unassigned'])
def test_a_character_no_font_has_raises_missing_glyphs(render_document, character):
    assert fonts.missing_characters(f'王{character}') == character
    with pytest.raises(render.MissingGlyphs) as raised:
        render_document(page(f'<p>当事人：王{character}</p>'))
    assert raised.value.characters == character
    assert f'U+{ord(character):04X}' in str(raised.value)


def test_missing_glyphs_are_caught_even_when_the_app_silences_weasyprint(render_document):
    logger = logging.getLogger('weasyprint')
    saved = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with pytest.raises(render.MissingGlyphs):
            render_document(page('<p>\ue000</p>'))
        assert logger.level == logging.ERROR
    finally:
        logger.setLevel(saved)


def test_renders_from_several_threads(render_document):
    """waitress serves from threads; renders share one FontConfiguration behind a lock."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(lambda index: render_document(page(f'<p>第{index}号 王𠮷</p>')), range(8)))
    for index, pdf in enumerate(pdfs):
        assert f'第{index}号 王𠮷' in extract_text(pdf)


def test_extra_css_is_applied(render_document):
    pdf = render_document(page('<p>横向</p>'), extra_css='@page { size: A4 landscape; }')
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) > float(box.height)


# --- the URL fetcher -------------------------------------------------------------------------------------------


@pytest.fixture
def fenced(tmp_path):
    root = tmp_path / 'allowed'
    (root / 'sub').mkdir(parents=True)
    (root / 'sub' / 'inside.css').write_text('p { color: red; }')
    (tmp_path / 'outside.txt').write_text('secret')
    (root / 'link.txt').symlink_to(tmp_path / 'outside.txt')
    return root, render.restricted_url_fetcher([root])


@pytest.mark.parametrize('url', [
    'http://example.com/logo.png',
    'https://example.com/style.css',
    'ftp://example.com/file',
    'file:///etc/passwd',
    'file://otherhost/etc/passwd',
])
def test_fetcher_refuses_network_and_foreign_files(fenced, url):
    _root, fetcher = fenced
    with pytest.raises(render.ResourceRefused):
        fetcher.fetch(url)


def test_fetcher_refuses_dot_dot_and_symlink_escapes(fenced):
    root, fetcher = fenced
    with pytest.raises(render.ResourceRefused):
        fetcher.fetch(f'{root.as_uri()}/sub/../../outside.txt')
    with pytest.raises(render.ResourceRefused):
        fetcher.fetch(f'{root.as_uri()}/link.txt')


def test_fetcher_serves_files_under_the_root_and_data_uris(fenced):
    root, fetcher = fenced
    response = fetcher.fetch((root / 'sub' / 'inside.css').as_uri())
    assert response.read() == b'p { color: red; }'
    assert response.content_type == 'text/css'
    assert fetcher.fetch('data:text/plain;base64,5Lit5paH').read() == '中文'.encode()


def test_render_refuses_remote_and_outside_resources(render_document):
    for html in ('<img src="http://127.0.0.1:9/logo.png">', '<img src="file:///etc/passwd">',
                 '<link rel="stylesheet" href="https://example.com/a.css">', '<img src="../../../../etc/hostname">'):
        with pytest.raises(render.ResourceRefused):
            render_document(page(html))


def test_render_loads_files_under_the_allowed_root(render_document):
    pdf = render_document(page('<p>标记：<img src="mark.svg" style="width: 5mm"></p>'))
    assert '标记' in extract_text(pdf)


# --- memory ----------------------------------------------------------------------------------------------------


def _resident_megabytes() -> float:
    resident_pages = int(Path('/proc/self/statm').read_text().split()[1])
    return resident_pages * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def test_memory_stays_flat_over_100_documents(render_document):
    """One shared FontConfiguration: a new one per document grew a process by ~7 MB each. Runs in ~4 s."""
    template = '<p>申请人：张㑇　被申请人：李䶮　第{}号：相邻关系纠纷，经调解达成协议。</p>'
    for index in range(10):  # warm-up: caches, fonts, allocator pools
        render_document(page(template.format(index)))
    before = _resident_megabytes()
    started = time.monotonic()
    for index in range(100):
        render_document(page(template.format(index)))
    growth = _resident_megabytes() - before
    assert growth < 40, f'RSS grew {growth:.1f} MB over 100 documents'
    assert time.monotonic() - started < 30


def test_without_a_usable_font_cache_the_full_face_serves(tmp_path, allowed_root, caplog):
    not_a_folder = tmp_path / 'fonts'
    not_a_folder.write_text('a file where the cache folder should be')
    with caplog.at_level(logging.ERROR, logger='mediation.documents.fonts'):
        pdf = render.render_pdf(page(f'<p>{RARE_NAME}</p>'), base_url=allowed_root, allowed_roots=[allowed_root],
                                font_cache_dir=not_a_folder)
    assert f'Could not build the {fonts.SUBSET_FAMILY} copy' in caplog.text
    assert f'Could not build the {fonts.EXTENSION_FAMILY} copy' in caplog.text
    assert '@font-face' not in fonts.font_css(not_a_folder)  # the installed face, reached by its family name
    assert RARE_NAME in extract_text(pdf)
    assert all(glyph.has_outline for glyph in drawn_glyphs(pdf, '𠮷'))
