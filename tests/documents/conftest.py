"""Fixtures for the document engine: no application and no database, only folders, fonts and keys.

The cut-down fonts take ~35 s to build, so every worker and every run shares one build in the same folder
as the application tests (builds are locked and the files named by what they hold, so sharing is safe).
"""
import tempfile
from pathlib import Path

import pytest

from mediation.documents import fonts
from mediation.documents import keys
from mediation.documents import render

COMMITTEES = [('org-12', '枫源村人民调解委员会'), ('org-3', '枫桥镇人民调解委员会')]


@pytest.fixture(autouse=True)
def _clean_database():
    """Replaces the suite-wide fixture of the same name, which would start the app and a database."""
    yield


@pytest.fixture(scope='session')
def font_cache_dir():
    folder = Path(tempfile.gettempdir()) / 'fengqiao-test-fonts'
    fonts.ensure_subset_fonts(folder)
    fonts.ensure_extension_font(folder)
    return folder


@pytest.fixture(scope='session')
def allowed_root(tmp_path_factory):
    """A folder documents may load files from, holding one small SVG picture."""
    folder = tmp_path_factory.mktemp('allowed')
    (folder / 'mark.svg').write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    return folder


@pytest.fixture(scope='session')
def render_document(font_cache_dir, allowed_root):
    """render_pdf with this session's folders: ``render_document(html, extra_css='')``."""
    def render_document(html: str, **options) -> bytes:
        return render.render_pdf(html, base_url=allowed_root, allowed_roots=[allowed_root],
                                 font_cache_dir=font_cache_dir, **options)
    return render_document


@pytest.fixture(scope='session')
def keys_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('instance') / 'keys'
    keys.init_keys(folder, COMMITTEES)
    return folder


@pytest.fixture(scope='session')
def stranger_keys_dir(tmp_path_factory):
    """Keys of another installation: same committee names, a different root."""
    folder = tmp_path_factory.mktemp('stranger') / 'keys'
    keys.init_keys(folder, COMMITTEES)
    return folder
