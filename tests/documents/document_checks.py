"""Helpers the document tests share: a minimal page, and reading fonts and glyphs back out of a PDF."""
import dataclasses
import io
import re

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

SUBSET_PREFIX = re.compile(r'^/?[A-Z]{6}\+')


def page(body: str, *, title: str = '人民调解协议书', case_number: str = '（2026）枫调字第12号') -> str:
    """A minimal document as the app's templates will make it."""
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<h1 class="document-title">{title}</h1><p class="case-number">{case_number}</p>{body}</body></html>')


def extract_text(pdf: bytes) -> str:
    return '\n'.join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@dataclasses.dataclass
class EmbeddedFont:
    base_font: str
    subtype: str
    program: bytes | None  # the FontFile/FontFile2/FontFile3 stream, None when not embedded
    to_unicode: dict[int, str]  # glyph id (as written in the page content) -> text


def embedded_fonts(pdf: bytes) -> list[EmbeddedFont]:
    """Every font used on any page, including inside form XObjects (WeasyPrint draws SVG into those)."""
    found = {}
    for pdf_page in PdfReader(io.BytesIO(pdf)).pages:
        _collect_fonts(pdf_page.get('/Resources'), found, set())
    return list(found.values())


def _collect_fonts(resources, found: dict, seen: set) -> None:
    if resources is None:
        return
    resources = resources.get_object()
    for font in (resources.get('/Font') or {}).values():
        font = font.get_object()
        key = id(font)
        if key in found:
            continue
        descriptor_owner = font['/DescendantFonts'][0].get_object() if '/DescendantFonts' in font else font
        descriptor = descriptor_owner.get('/FontDescriptor')
        program = None
        if descriptor is not None:
            descriptor = descriptor.get_object()
            for entry in ('/FontFile', '/FontFile2', '/FontFile3'):
                if entry in descriptor:
                    program = descriptor[entry].get_object().get_data()
        to_unicode = parse_to_unicode(font['/ToUnicode'].get_object().get_data()) if '/ToUnicode' in font else {}
        found[key] = EmbeddedFont(str(font['/BaseFont']), str(font['/Subtype']), program, to_unicode)
    for xobject in (resources.get('/XObject') or {}).values():
        xobject = xobject.get_object()
        if id(xobject) not in seen and xobject.get('/Subtype') == '/Form':
            seen.add(id(xobject))
            _collect_fonts(xobject.get('/Resources'), found, seen)


def parse_to_unicode(cmap: bytes) -> dict[int, str]:
    """The bfchar and bfrange entries of a ToUnicode CMap."""
    text = cmap.decode('latin-1')
    mapping = {}
    for block in re.findall(r'beginbfchar(.*?)endbfchar', text, re.S):
        for source, target in re.findall(r'<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>', block):
            mapping[int(source, 16)] = bytes.fromhex(target).decode('utf-16-be')
    for block in re.findall(r'beginbfrange(.*?)endbfrange', text, re.S):
        for first, last, target in re.findall(r'<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>', block):
            start = int(target, 16)
            for offset, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


@dataclasses.dataclass
class DrawnGlyph:
    font: str
    glyph_id: int
    glyph_name: str
    has_outline: bool


def drawn_glyphs(pdf: bytes, character: str) -> list[DrawnGlyph]:
    """How ``character`` was drawn: for each font whose ToUnicode maps a glyph to it, that glyph in the font program.

    WeasyPrint writes glyph ids into the page content (CIDToGIDMap /Identity) and maps each id it drew to its text
    in the font's ToUnicode CMap; for a character no font had it draws .notdef under an id past the font's last
    glyph. So a real glyph means: id != 0, the id exists in the embedded font program, its name is not .notdef,
    and its outline has ink (a bounding box).
    """
    glyphs = []
    for font in embedded_fonts(pdf):
        for glyph_id, text in font.to_unicode.items():
            if text != character:
                continue
            program = TTFont(io.BytesIO(font.program))
            glyph_order = program.getGlyphOrder()
            name = glyph_order[glyph_id] if glyph_id < len(glyph_order) else ''
            has_outline = False
            if name:
                pen = BoundsPen(program.getGlyphSet())
                program.getGlyphSet()[name].draw(pen)
                has_outline = pen.bounds is not None
            glyphs.append(DrawnGlyph(font.base_font, glyph_id, name, has_outline))
    return glyphs
