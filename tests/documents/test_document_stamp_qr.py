"""The committee seal and the QR code: well-formed SVG that WeasyPrint draws with the document font."""
import math
import re
import xml.etree.ElementTree as ElementTree

import pytest
from document_checks import drawn_glyphs
from document_checks import extract_text
from document_checks import page

from mediation.documents import fonts
from mediation.documents import qr
from mediation.documents import stamp

SVG = '{http://www.w3.org/2000/svg}'
NAMES = ['枫源村调委会', '枫源村人民调解委员会', '诸暨市枫桥镇枫源村人民调解委员会第二调解室', '王𠮷村人民调解委员会']


@pytest.mark.parametrize('name', NAMES)
def test_each_character_sits_on_the_upper_arc_inside_the_ring(name):
    svg = ElementTree.fromstring(stamp.committee_stamp_svg(name, font_family=fonts.FONT_FAMILY_STACK))
    texts = svg.findall(f'.//{SVG}text')
    assert [text.text for text in texts] == list(name)
    angles = []
    for text in texts:
        x, y, angle = map(float, re.match(r'translate\(([-\d.]+) ([-\d.]+)\) rotate\(([-\d.]+)\)',
                                          text.get('transform')).groups())
        distance = math.hypot(x - 100, y - 100)
        font_size = float(text.get('font-size'))
        assert distance + font_size / 2 < stamp._RING_RADIUS - stamp._RING_WIDTH / 2  # inside the ring
        assert distance - font_size / 2 > stamp._STAR_RADIUS  # clear of the star
        assert abs(math.degrees(math.atan2(x - 100, 100 - y)) - angle) < 0.1  # upright, facing outwards
        assert text.get('font-family') == fonts.FONT_FAMILY_STACK
        angles.append(angle)
    assert angles == sorted(angles) and abs(angles[0] + angles[-1]) < 0.1  # left to right, centred on the top
    assert 170 <= angles[-1] - angles[0] <= 250
    assert svg.find(f'.{SVG}g').get('opacity') not in (None, '1')


def test_crowded_names_are_condensed_not_overlapping():
    name = NAMES[2]
    svg = ElementTree.fromstring(stamp.committee_stamp_svg(name, font_family=fonts.FONT_FAMILY_STACK))
    text = svg.findall(f'.//{SVG}text')[0]
    scale = float(re.search(r'scale\(([\d.]+) 1\)', text.get('transform')).group(1))
    span, font_size, horizontal_scale, radius = stamp._arc_layout(len(name))
    assert scale == pytest.approx(horizontal_scale, abs=0.001) and scale < 1
    assert font_size * scale < radius * math.radians(span / (len(name) - 1))  # each glyph narrower than its slot


def test_stamp_renders_with_real_glyphs(render_document):
    name = '王𠮷村人民调解委员会'
    pdf = render_document(page(stamp.committee_stamp_svg(name, font_family=fonts.FONT_FAMILY_STACK)))
    text = extract_text(pdf)
    for character in name:
        assert character in text
    assert all(glyph.has_outline for glyph in drawn_glyphs(pdf, '𠮷'))


def test_qr_svg_has_the_requested_size():
    svg = ElementTree.fromstring(qr.qr_svg('https://mediation.example.cn/verify?code=K7QM-4XRA-9PZD', size_mm=25))
    assert svg.tag == f'{SVG}svg'
    assert float(svg.get('width').removesuffix('mm')) == pytest.approx(25)
    assert svg.get('width') == svg.get('height')
    assert svg.find(f'{SVG}path') is not None


def test_qr_renders_inline_and_as_data_uri(render_document):
    code = qr.qr_svg('https://mediation.example.cn/verify?code=K7QM-4XRA-9PZD')
    image = qr.qr_data_uri('K7QM-4XRA-9PZD')
    assert image.startswith('data:image/svg+xml')
    pdf = render_document(page(f'<p>扫码验证</p>{code}<img src="{image}" style="width: 20mm">'))
    assert '扫码验证' in extract_text(pdf)
