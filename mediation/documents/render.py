"""HTML to A4 PDF with WeasyPrint: one font configuration per process, renders serialised, files fenced in.

WeasyPrint is imported inside the functions (~0.45 s on import). A new ``FontConfiguration`` per
render grew a long-lived process by ~7 MB a document, so one is kept; WeasyPrint is not thread-safe
with a shared one, so renders take a lock (waitress serves requests from threads). Resources are
fetched only from ``data:`` URIs and from files under the caller's allowed folders. A character no
installed font has makes WeasyPrint draw a .notdef box and log a warning: ``render_pdf`` turns that
warning into ``MissingGlyphs`` so no document prints a box silently. ``render_dossier`` lays out several
documents the same way and writes them, behind a cover and table of contents, into one PDF.
"""
import atexit
import contextlib
import functools
import logging
import mimetypes
import threading
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path

from mediation.documents import fonts
from mediation.documents.fonts import FontsMissing

__all__ = ['BASE_CSS', 'FontsMissing', 'MissingGlyphs', 'RenderError', 'ResourceFailed', 'ResourceRefused',
           'harfbuzz_subsetting_available', 'render_dossier', 'render_pdf', 'restricted_url_fetcher']

#: The message WeasyPrint 70 logs for each character drawn as .notdef (weasyprint/draw/text.py).
_NOTDEF_MESSAGE = '.notdef glyph rendered for Unicode string unsupported by fonts'

#: A4 page set-up and body text for every document; templates (author styles) override any of it.
#: Left margin wider for binding (装订); body 12 pt (小四) at 1.7 line height; the running header shows the
#: text of the elements with class ``document-title`` and ``case-number``; the footer reads 第 X 页 共 Y 页.
BASE_CSS = '''
@page {
  size: A4;
  margin: 25mm 20mm 22mm 28mm;
  @top-left { content: string(document-title); font-size: 9pt; color: #333; vertical-align: bottom;
              padding-bottom: 3mm; }
  @top-right { content: string(case-number); font-size: 9pt; color: #333; vertical-align: bottom;
               padding-bottom: 3mm; }
  @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; color: #333;
                   vertical-align: top; padding-top: 3mm; }
}
html { font-size: 12pt; line-height: 1.7; color: #000; }
body { margin: 0; text-align: justify; orphans: 2; widows: 2; hyphens: none; }
h1 { font-size: 18pt; font-weight: bold; text-align: center; letter-spacing: 0.15em; line-height: 1.4;
     margin: 0 0 6mm; }
h2 { font-size: 14pt; font-weight: bold; margin: 5mm 0 2mm; }
p { margin: 0 0 1.5mm; text-indent: 2em; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: 0.6pt solid #000; padding: 1.5mm 2.5mm; vertical-align: top; text-align: left; }
th { font-weight: bold; white-space: nowrap; }
.document-title { string-set: document-title content(); }
.case-number { string-set: case-number content(); }
.no-break { break-inside: avoid; }
.page-break { break-before: page; }
'''


class RenderError(RuntimeError):
    """A document could not be rendered faithfully."""


class MissingGlyphs(RenderError):
    """Characters no installed font can draw: they would have printed as boxes."""

    def __init__(self, characters: str):
        self.characters = characters
        listed = '、'.join(f'“{character}”（U+{ord(character):04X}）' for character in characters)
        listed_en = ', '.join(f'U+{ord(character):04X}' for character in characters)
        super().__init__(f'文书中有字体无法显示的字符：{listed}。请核对文字，或安装含这些字的字体。'
                         f' / No installed font has a glyph for {listed_en}.')


class ResourceRefused(RenderError):
    """A stylesheet, image or font outside the allowed folders (or over the network) was asked for."""


class ResourceFailed(RenderError):
    """WeasyPrint could not load or use a resource the document names (logged as an error)."""


_render_lock = threading.Lock()
_font_configuration = None
_stylesheets: dict[tuple, object] = {}  # (kind, text, font folder) -> weasyprint.CSS, parsed once
_MAX_CACHED_STYLESHEETS = 16


def _weasyprint():
    with warnings.catch_warnings():
        # Raised at import when libharfbuzz-subset is missing; check_fonts() reports that with the command.
        warnings.simplefilter('ignore', DeprecationWarning)
        import weasyprint
        import weasyprint.text.ffi
        import weasyprint.urls
    return weasyprint


def harfbuzz_subsetting_available() -> bool:
    """Whether WeasyPrint will subset fonts with HarfBuzz, by the test WeasyPrint 70 itself applies.

    ``weasyprint.pdf.fonts.Font.subset`` uses HarfBuzz when ``libharfbuzz-subset`` was loaded and HarfBuzz is
    at least 4.1.0; otherwise it falls back to fontTools (~40 times slower on a CJK font, ~7 s a document).
    """
    _weasyprint()
    from weasyprint.text.ffi import harfbuzz
    from weasyprint.text.ffi import harfbuzz_subset
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def restricted_url_fetcher(allowed_roots: list[Path]):
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and regular files under ``allowed_roots`` only.

    Everything else (http, https, ftp, files elsewhere, ``..`` or symlinks leading out) raises
    ``ResourceRefused``. The fetcher is built with ``fail_on_errors``, so inside a render any refused or
    unreadable resource stops the render instead of leaving a hole in the document.
    """
    return _restricted_fetcher_class()(tuple(Path(root).resolve() for root in allowed_roots), fail_on_errors=True)


@functools.cache
def _restricted_fetcher_class():
    weasyprint = _weasyprint()

    class RestrictedURLFetcher(weasyprint.urls.URLFetcher):
        def __init__(self, roots: tuple[Path, ...], **options):
            super().__init__(**options)
            self.roots = roots

        def fetch(self, url, headers=None):
            scheme = url.split(':', 1)[0].lower() if ':' in url else ''
            if scheme == 'data':
                return super().fetch(url, headers)
            if scheme != 'file':
                raise ResourceRefused(f'文书只能引用本系统的文件，拒绝访问：{url} / Refused non-local URL: {url}')
            path = _allowed_file(url, self.roots)
            body = path.read_bytes()
            content_type = mimetypes.guess_type(path.name)[0] or 'application/octet-stream'
            return weasyprint.urls.URLFetcherResponse(path.as_uri(), body, {'Content-Type': content_type})

    return RestrictedURLFetcher


def _allowed_file(url: str, roots: tuple[Path, ...]) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ('', 'localhost'):
        raise ResourceRefused(f'拒绝访问其他主机上的文件：{url} / Refused file on another host: {url}')
    # resolve() removes '..' and follows symlinks, so the check is made on the real location
    path = Path(urllib.request.url2pathname(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in roots):
        raise ResourceRefused(f'拒绝访问允许目录以外的文件：{url} / Refused file outside the allowed folders: {url}')
    if not path.is_file():
        raise ResourceRefused(f'文件不存在：{url} / No such file: {url}')
    return path


def render_pdf(html: str, *, base_url: str | Path, allowed_roots: list[Path], font_cache_dir: Path,
               extra_css: str = '') -> bytes:
    """Render ``html`` to PDF on A4 with the document fonts, ``BASE_CSS`` and ``extra_css``.

    ``base_url`` resolves relative links (a folder, a file, or a ``file:`` URL); only files under
    ``allowed_roots`` can be loaded (the font stylesheet alone reads ``font_cache_dir``). Raises
    ``FontsMissing`` when the Chinese font is not installed, ``MissingGlyphs`` when a character
    would print as a box, ``ResourceRefused`` for a resource outside the allowed folders, and
    ``ResourceFailed`` when WeasyPrint logged an error.
    """
    with _rendering(base_url=base_url, allowed_roots=allowed_roots, font_cache_dir=font_cache_dir,
                    extra_css=extra_css) as lay_out:
        pdf = lay_out(html).write_pdf()
    return pdf


def render_records(pages: list[str], **render_kwargs) -> bytes:
    """One PDF of several records of one kind (a 调解记录 per session, a 回访记录 per visit): each HTML laid
    out on its own, so each keeps its own header and page numbers, then all written into one file."""
    if len(pages) == 1:
        return render_pdf(pages[0], **render_kwargs)
    with _rendering(**render_kwargs) as lay_out:
        documents = [lay_out(html) for html in pages]
        pdf = documents[0].copy([page for document in documents for page in document.pages]).write_pdf()
    return pdf


def render_dossier(parts: list[tuple[str, str]], cover: Callable[[list[tuple[str, int]]], str],
                   **render_kwargs) -> bytes:
    """One PDF of a whole dossier: the cover (with its table of contents) first, then ``parts`` in order.

    ``parts`` are ``(title, html)`` pairs. Each part is laid out on its own, so it keeps its own running
    header and its own 第 X 页 共 Y 页; then ``cover`` is called with ``[(title, page count), …]`` and must
    return the cover's HTML (it runs while the render lock is held: it must not render anything itself).
    All pages are written into one PDF, fonts shared. ``render_kwargs`` are those of ``render_pdf``
    (``base_url``, ``allowed_roots``, ``font_cache_dir``, ``extra_css``) and it raises the same errors.
    """
    with _rendering(**render_kwargs) as lay_out:
        documents = [lay_out(html) for _title, html in parts]
        contents = [(title, len(document.pages)) for (title, _html), document in zip(parts, documents)]
        cover_document = lay_out(cover(contents))
        pages = [page for document in (cover_document, *documents) for page in document.pages]
        pdf = cover_document.copy(pages).write_pdf()
    return pdf


@contextlib.contextmanager
def _rendering(*, base_url: str | Path, allowed_roots: list[Path], font_cache_dir: Path, extra_css: str = ''):
    """Hold the render lock and yield ``lay_out(html) -> weasyprint.Document`` using the shared fonts and CSS.

    Documents laid out inside may be written (``write_pdf``) inside too; when the block ends, a character drawn
    as .notdef raises ``MissingGlyphs`` and a logged WeasyPrint error ``ResourceFailed``.
    """
    check = fonts.check_fonts()
    if not check.ok:
        raise FontsMissing(check)
    font_cache_dir = Path(font_cache_dir)
    font_stylesheet_text = fonts.font_css(font_cache_dir)  # builds the cut-down copies on first use
    weasyprint = _weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    if isinstance(base_url, Path) or '://' not in str(base_url):
        base_path = Path(base_url).resolve()
        base_url = base_path.as_uri() + ('/' if base_path.is_dir() else '')
    fetcher = restricted_url_fetcher(allowed_roots)
    with _render_lock, _WeasyPrintLog() as log:
        try:
            font_config = _shared_font_configuration()
            stylesheets = [
                _stylesheet('fonts', font_stylesheet_text, font_cache_dir, font_config),
                _stylesheet('base', BASE_CSS, font_cache_dir, font_config),
            ]
            if extra_css:  # parsed each time: it may name files under this call's allowed folders
                stylesheets.append(weasyprint.CSS(string=extra_css, base_url=base_url, url_fetcher=fetcher,
                                                  font_config=font_config))

            def lay_out(html: str):
                document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
                return document.render(stylesheets=stylesheets, font_config=font_config)

            yield lay_out
        except FatalURLFetchingError as error:  # a BaseException in WeasyPrint: do not let it escape as one
            raise ResourceRefused(str(error.__cause__ or error)) from error
    if log.missing_characters:
        raise MissingGlyphs(log.missing_characters)
    if log.errors:
        raise ResourceFailed('; '.join(log.errors))


def _shared_font_configuration():
    global _font_configuration
    if _font_configuration is None:
        from weasyprint.text.fonts import FontConfiguration
        _font_configuration = FontConfiguration()
        # Let it delete its temporary font folder while the interpreter still works: at shutdown its
        # __del__ would find shutil.rmtree already gone and leave the folder behind.
        atexit.register(_release_font_configuration)
    return _font_configuration


def _release_font_configuration():
    global _font_configuration
    with _render_lock:
        _stylesheets.clear()
        _font_configuration = None


def _stylesheet(kind: str, text: str, font_cache_dir: Path, font_config):
    """A parsed stylesheet, cached: parsing ``@font-face`` also registers the font with the configuration once."""
    weasyprint = _weasyprint()
    key = (kind, text, str(font_cache_dir))
    stylesheet = _stylesheets.get(key)
    if stylesheet is None:
        if len(_stylesheets) >= _MAX_CACHED_STYLESHEETS:
            _stylesheets.clear()
        stylesheet = _stylesheets[key] = weasyprint.CSS(
            string=text, base_url=font_cache_dir.resolve().as_uri() + '/',
            url_fetcher=restricted_url_fetcher([font_cache_dir]), font_config=font_config)
    return stylesheet


class _WeasyPrintLog(logging.Handler):
    """Collects WeasyPrint's warnings and errors during one render (renders hold the lock, so only ours)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.missing_characters = ''
        self.errors = []
        self._logger = logging.getLogger('weasyprint')
        self._saved_level = None

    def __enter__(self):
        if self._logger.getEffectiveLevel() > logging.WARNING:
            # an application that silenced warnings must not silence the missing-glyph check
            self._saved_level = self._logger.level
            self._logger.setLevel(logging.WARNING)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc_info):
        self._logger.removeHandler(self)
        if self._saved_level is not None:
            self._logger.setLevel(self._saved_level)

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(_NOTDEF_MESSAGE) and record.args:
            character = str(record.args[0])
            if character not in self.missing_characters:
                self.missing_characters += character
        elif record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())
