"""fonts: the Simplified-Chinese face is found by name, cut down to GB 2312 once, and its absence is explained."""
import shutil

import pytest
from fontTools.ttLib import TTFont

from mediation.documents import fonts
from mediation.documents import render


@pytest.fixture
def patched_fonts(monkeypatch):
    """monkeypatch, then a fresh font check once the patches are undone (the check is cached per process)."""
    yield monkeypatch
    monkeypatch.undo()
    fonts.check_fonts(refresh=True)


def test_finds_the_simplified_chinese_faces_by_name():
    check = fonts.check_fonts(refresh=True)
    assert check.ok and not check.problems
    for face, postscript_name in ((check.regular, 'NotoSerifCJKsc-Regular'), (check.bold, 'NotoSerifCJKsc-Bold')):
        assert face.postscript_name == postscript_name
        with TTFont(face.path, fontNumber=face.index, lazy=True) as font:  # the index really is the SC face
            assert font['name'].getDebugName(6) == postscript_name


def test_finds_the_faces_without_fontconfig(patched_fonts):
    patched_fonts.setattr(fonts.shutil, 'which', lambda name: None)
    check = fonts.check_fonts(refresh=True)
    assert check.regular.postscript_name == 'NotoSerifCJKsc-Regular'
    assert check.bold.postscript_name == 'NotoSerifCJKsc-Bold'


def test_rare_name_characters_are_in_the_extension_copy_not_the_gb2312_one(font_cache_dir):
    assert fonts.missing_characters(fonts.RARE_NAME_CHARACTERS) == ''
    copy = fonts.ensure_subset_fonts(font_cache_dir)[fonts.REGULAR]
    with TTFont(copy, lazy=True) as font:
        covered = font.getBestCmap()
    # so a document with these characters really exercises the fallback to the second copy
    assert not set(map(ord, fonts.RARE_NAME_CHARACTERS)) & set(covered)
    with TTFont(fonts.ensure_extension_font(font_cache_dir), lazy=True) as font:
        assert set(map(ord, fonts.RARE_NAME_CHARACTERS)) <= set(font.getBestCmap())


def test_the_copy_holds_gb2312_under_its_own_name_and_keeps_the_licence(font_cache_dir):
    copies = fonts.ensure_subset_fonts(font_cache_dir)
    assert set(copies) == {fonts.REGULAR, fonts.BOLD}
    regular = fonts.check_fonts().regular
    with TTFont(regular.path, fontNumber=regular.index, lazy=True) as full_face:
        wanted = fonts.subset_codepoints() & set(full_face.getBestCmap())
    with TTFont(copies[fonts.REGULAR], lazy=True) as copy:
        assert wanted <= set(copy.getBestCmap())
        assert len(wanted) > 7400
        names = copy['name']
        assert names.getDebugName(1) == fonts.SUBSET_FAMILY
        assert names.getDebugName(6) == 'NotoSerifCJKscGB2312-Regular'
        assert 'Open Font License' in names.getDebugName(13)
        assert names.getDebugName(0)  # copyright notice
    assert copies[fonts.REGULAR].stat().st_size < regular.path.stat().st_size / 3


def test_the_copy_is_built_once_and_named_by_its_source(font_cache_dir, tmp_path, monkeypatch):
    copies = fonts.ensure_subset_fonts(font_cache_dir)
    built = {path: path.stat().st_mtime_ns for path in copies.values()}
    assert fonts.ensure_subset_fonts(font_cache_dir) == copies
    assert {path: path.stat().st_mtime_ns for path in copies.values()} == built
    face = fonts.check_fonts().regular
    name = fonts.subset_file_name(face)
    assert copies[fonts.REGULAR].name == name
    changed_font = tmp_path / face.path.name  # the same font file with one more byte: a new name, so a rebuild
    shutil.copyfile(face.path, changed_font)
    with changed_font.open('ab') as file:
        file.write(b'\0')
    assert fonts.subset_file_name(fonts.FontFace(changed_font, face.index, face.postscript_name, face.weight)) != name
    monkeypatch.setattr(fonts, 'SUBSET_SPEC', fonts.SUBSET_SPEC + ' changed')
    assert fonts.subset_file_name(face) != name


def test_font_css_names_the_copy_first_then_the_installed_face(font_cache_dir):
    css = fonts.font_css(font_cache_dir)
    copies = fonts.ensure_subset_fonts(font_cache_dir)
    for weight, path in copies.items():
        assert f'src: url("{path.as_uri()}") format("opentype"); font-weight: {weight};' in css
    assert (f'font-family: "{fonts.SUBSET_FAMILY}", "{fonts.EXTENSION_FAMILY}", "{fonts.FULL_FAMILY}", serif;'
            in css)


def test_missing_font_is_explained_with_the_command(patched_fonts, tmp_path):
    patched_fonts.setattr(fonts, '_find_faces', lambda: {})
    check = fonts.check_fonts(refresh=True)
    assert not check.ok
    assert '未安装' in check.message_zh and 'apt-get install -y fonts-noto-cjk' in check.message_zh
    assert 'not installed' in check.message_en and 'apt-get install -y fonts-noto-cjk' in check.message_en
    assert check.install_commands == ('apt-get install -y fonts-noto-cjk',)
    with pytest.raises(fonts.FontsMissing) as raised:
        render.render_pdf('<p>中文</p>', base_url=tmp_path, allowed_roots=[], font_cache_dir=tmp_path)
    assert 'apt-get install -y fonts-noto-cjk' in str(raised.value)
    assert not list(tmp_path.iterdir())  # nothing was built or rendered


def test_missing_harfbuzz_subset_is_a_warning_with_the_command(patched_fonts):
    patched_fonts.setattr(fonts, 'harfbuzz_subset_library_installed', lambda: False)
    check = fonts.check_fonts(refresh=True)
    assert check.ok
    assert [problem.severity for problem in check.problems] == ['warning']
    assert 'apt-get install -y libharfbuzz-subset0' in check.message_zh
    assert 'apt-get install -y libharfbuzz-subset0' in check.message_en
