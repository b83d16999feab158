"""Documents: the sealed agreement and the dossier, against bare WeasyPrint, pyHanko and LibreOffice.

All in one run, side by side, on the same two-page agreement (the ``drainage_sealed`` sample of
tests/documents: two parties, four terms, on-screen signatures, the red stamp, verification code
and QR code on every page):

- ``ours``: the app's path, ``render.render_pdf`` (shared FontConfiguration, the GB 2312 and
  extension copies of Noto Serif CJK SC, cached stylesheets, fenced URL fetcher, missing-glyph
  check) then ``seal.seal_pdf`` with the committee's signer loaded once (PAdES B-B, RSA-2048);
- ``bare_defaults``: ``weasyprint.HTML(...).write_pdf()`` with the same HTML and CSS, the system
  face by family name and WeasyPrint's defaults (a new FontConfiguration per render);
- ``bare_tuned``: bare WeasyPrint with one FontConfiguration reused and the GB 2312 copy named
  first (what perf-notes.md found fastest), no app code around it;
- ``bare_seal``: pyHanko's own ``SimpleSigner`` (key loaded once, ``bytes_reserved`` set) on the
  PDF that ``ours`` rendered: the sealing floor;
- ``libreoffice``: ``soffice --headless --convert-to pdf`` of the same agreement as .docx (made by
  LibreOffice from the same HTML, not timed), a new process each run (what a "cold" converter is);
- the dossier: cover + 10 documents rendered into one PDF by ``render.render_dossier``;
- memory: a new process's RSS over 100 renders + seals of ``ours``;
- verification: ``verify.verify_pdf`` of the sealed agreement, warm.

The first render of each variant is its warm-up (not counted); medians and p95 of the rest.
"""
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import blocks
from bench.blocks import ms
from bench.blocks import verdict
from bench.databases import log

ROOT = Path(__file__).resolve().parent.parent
#: The samples are the document tests' fixtures: the same agreement the tests read back.
SAMPLES_FOLDER = ROOT / 'tests' / 'documents'
COMMITTEE = ('org-1', '枫源村人民调解委员会')

# Issue 11's targets.
SEALED_TARGET = 0.150  # render + seal, median warm
BARE_RATIO_TARGET = 1.3  # … within 1.3× of the best bare WeasyPrint variant plus bare sealing
LIBREOFFICE_FACTOR = 6.0  # … at least 6× faster than cold LibreOffice
SIZE_TARGET_KB = 200
DOSSIER_TARGET = 1.5
VERIFY_TARGET = 0.030
MEMORY_GROWTH_LIMIT_MB = 25  # "flat": RSS after render 100 within this of RSS after render 10

DOSSIER_PARTS = ('application', 'registration', 'rights_notice', ('session_record', 0), ('session_record', 1),
                 ('session_record', 2), 'agreement', ('follow_up', 0), ('follow_up', 1), 'confirmation_application')


def add_arguments(parser):
    parser.add_argument('--runs', type=int, default=30, help='timed renders per variant (default: 30)')
    parser.add_argument('--memory-renders', type=int, default=100, help='renders for the memory check (default: 100)')
    parser.add_argument('--libreoffice-runs', type=int, default=5, help='cold LibreOffice conversions (default: 5)')
    parser.add_argument('--workdir', default=None, help='keys, fonts and files (default: a temporary folder)')


def run(args, previous) -> str:
    started_at = time.strftime('%Y-%m-%d %H:%M')
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='mediation-bench-documents-'))
    workdir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(SAMPLES_FOLDER))
    import samples

    from mediation.documents import fonts
    from mediation.documents import html
    from mediation.documents import keys
    from mediation.documents import render

    font_cache = workdir / 'fonts'
    started = time.perf_counter()
    fonts.ensure_subset_fonts(font_cache)
    fonts.ensure_extension_font(font_cache)
    font_build = time.perf_counter() - started
    log(f'documents: font copies ready in {font_build:.1f} s (built once per installation)')
    keys.init_keys(workdir / 'keys', [COMMITTEE])  # before the cold process, which reads them
    root_pem = keys.root_certificate_pem(workdir / 'keys')

    context = samples.drainage_sealed()
    agreement_html = html.document_html('agreement', context)
    settings = {'base_url': html.TEMPLATE_FOLDER, 'allowed_roots': [html.TEMPLATE_FOLDER],
                'font_cache_dir': font_cache}
    results = {'font_build_seconds': font_build, 'harfbuzz': render.harfbuzz_subsetting_available()}

    cold = _cold_first_document(workdir, font_cache)
    results['cold'] = cold
    log(f'documents: cold process, first sealed agreement {cold["first_document"] * 1000:.0f} ms '
        f'(imports {cold["imports"] * 1000:.0f} ms)')

    signer = keys.load_signer(workdir / 'keys', COMMITTEE[0])
    unsealed = render.render_pdf(agreement_html, **settings)
    sealed = _seal(unsealed, signer)
    results['pages'] = _pages(sealed)
    results['cjk_characters'] = _cjk_count(_text(sealed))
    results['size_kb'] = len(sealed) / 1024
    rare = _seal(render.render_pdf(html.document_html('agreement', samples.organisation()), **settings), signer)
    results['rare_size_kb'] = len(rare) / 1024

    log('documents: timing ours, bare WeasyPrint (defaults, tuned) and bare sealing')
    results['ours'] = _times(lambda: _seal(render.render_pdf(agreement_html, **settings), signer), args.runs)
    results['ours_render'] = _times(lambda: render.render_pdf(agreement_html, **settings), args.runs)
    results['ours_seal'] = _times(lambda: _seal(unsealed, signer), args.runs)
    results['bare_defaults'] = _times(_bare_defaults(agreement_html), args.runs)
    results['bare_tuned'] = _times(_bare_tuned(agreement_html, font_cache, fonts), args.runs)
    results['bare_seal'] = _times(_bare_sealer(workdir / 'keys', unsealed), args.runs)

    log('documents: the 10-document dossier')
    parts = _dossier_parts(context, html)
    results['dossier'] = _times(
        lambda: render.render_dossier(parts, lambda contents: html.dossier_cover_html(context, contents),
                                      **settings), max(5, args.runs // 3))
    dossier = render.render_dossier(parts, lambda contents: html.dossier_cover_html(context, contents), **settings)
    results['dossier_pages'] = _pages(dossier)
    results['dossier_kb'] = len(dossier) / 1024

    log('documents: verification')
    from mediation.documents import verify
    check = verify.verify_pdf(sealed, root_pem)
    if not (check.valid and check.intact and check.trusted):
        raise SystemExit(f'the sealed agreement did not verify: {check}')
    results['verify'] = _times(lambda: verify.verify_pdf(sealed, root_pem), args.runs)

    log(f'documents: memory over {args.memory_renders} renders, in a new process')
    results['memory'] = _memory(workdir, font_cache, args.memory_renders)

    log('documents: LibreOffice, cold')
    results['libreoffice'] = _libreoffice(agreement_html, render.BASE_CSS, workdir, args.libreoffice_runs)

    results['load'] = os.getloadavg()[0]
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return _report(results, started_at, args)


# ---------------------------------------------------------------------------------------------------------------
# The variants

def _seal(pdf: bytes, signer) -> bytes:
    from mediation.documents import seal
    return seal.seal_pdf(pdf, signer, reason='人民调解协议书', location=COMMITTEE[1],
                         metadata={'case_number': '（2026）枫源人调字第1号', 'verification_code': 'K7QM-4XRA-9PZD'})


def _bare_defaults(agreement_html: str):
    import weasyprint

    from mediation.documents import render
    css = weasyprint.CSS(string=render.BASE_CSS + '\nhtml { font-family: "Noto Serif CJK SC", serif; }')

    def once():
        from mediation.documents import html
        return weasyprint.HTML(string=agreement_html, base_url=str(html.TEMPLATE_FOLDER) + '/').write_pdf(
            stylesheets=[css])
    return once


def _bare_tuned(agreement_html: str, font_cache: Path, fonts):
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from mediation.documents import html
    from mediation.documents import render
    font_config = FontConfiguration()
    copies = fonts.ensure_subset_fonts(font_cache)
    faces = '\n'.join(f'@font-face {{ font-family: "GB2312 copy"; src: url("{path.as_uri()}"); '
                      f'font-weight: {weight}; }}' for weight, path in copies.items())
    stylesheets = [weasyprint.CSS(string=faces + '\nhtml { font-family: "GB2312 copy", "Noto Serif CJK SC"; }',
                                  font_config=font_config),
                   weasyprint.CSS(string=render.BASE_CSS, font_config=font_config)]
    base_url = str(html.TEMPLATE_FOLDER) + '/'

    def once():
        return weasyprint.HTML(string=agreement_html, base_url=base_url).write_pdf(
            stylesheets=stylesheets, font_config=font_config)
    return once


def _bare_sealer(keys_dir: Path, pdf: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from mediation.documents import keys
    signer = signers.SimpleSigner.load(str(keys.committee_key_path(keys_dir, COMMITTEE[0])),
                                       str(keys.committee_cert_path(keys_dir, COMMITTEE[0])))
    meta = signers.PdfSignatureMetadata(field_name='Seal', md_algorithm='sha256')

    def once():
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.PdfSigner(meta, signer=signer).sign_pdf(writer, bytes_reserved=8192).getvalue()
    return once


def _dossier_parts(context, html) -> list[tuple[str, str]]:
    parts = []
    for part in DOSSIER_PARTS:
        kind, index = part if isinstance(part, tuple) else (part, None)
        records = {}
        if kind == 'session_record':
            records['session'] = context.sessions[index % len(context.sessions)]
        if kind == 'follow_up':
            records['follow_up'] = context.follow_ups[index % len(context.follow_ups)]
        parts.append((html.DOCUMENT_KINDS[kind].title, html.document_html(kind, context, **records)))
    return parts


_COLD_SCRIPT = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, {samples!r})
import samples
from mediation.documents import html, keys, render, seal
imported = time.perf_counter()
settings = {{'base_url': html.TEMPLATE_FOLDER, 'allowed_roots': [html.TEMPLATE_FOLDER], 'font_cache_dir': {fonts!r}}}
pdf = render.render_pdf(html.document_html('agreement', samples.drainage_sealed()), **settings)
signer = keys.load_signer({keys!r}, {key_id!r})
seal.seal_pdf(pdf, signer, reason='r', location='l', metadata={{}})
print(imported - started, time.perf_counter() - started)
"""


def _cold_first_document(workdir: Path, font_cache: Path) -> dict:
    """A new interpreter: import the document stack, render and seal one agreement (a worker's first request)."""
    started = time.perf_counter()
    output = _python(_COLD_SCRIPT, workdir, font_cache)
    wall = time.perf_counter() - started
    imports, first_document = map(float, output.split())
    return {'wall': wall, 'imports': imports, 'first_document': first_document}


_MEMORY_SCRIPT = """
import sys
sys.path.insert(0, {samples!r})
import samples
from mediation.documents import html, keys, render, seal
settings = {{'base_url': html.TEMPLATE_FOLDER, 'allowed_roots': [html.TEMPLATE_FOLDER], 'font_cache_dir': {fonts!r}}}
source = html.document_html('agreement', samples.drainage_sealed())
signer = keys.load_signer({keys!r}, {key_id!r})

def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024

for number in range(1, {renders} + 1):
    seal.seal_pdf(render.render_pdf(source, **settings), signer, reason='r', location='l', metadata={{}})
    if number in (1, 10, 25, 50, 75, {renders}):
        print(number, rss())
"""


def _memory(workdir: Path, font_cache: Path, renders: int) -> dict:
    """RSS of a new process over ``renders`` render + seal cycles (a long-lived worker's growth)."""
    output = _python(_MEMORY_SCRIPT.replace('{renders}', str(renders)), workdir, font_cache)
    rss = {int(number): float(mb) for number, mb in (line.split() for line in output.splitlines())}
    return {'rss_mb': rss, 'growth_mb': rss[renders] - rss[min(10, renders)], 'renders': renders}


def _python(script: str, workdir: Path, font_cache: Path) -> str:
    code = script.format(samples=str(SAMPLES_FOLDER), fonts=str(font_cache), keys=str(workdir / 'keys'),
                         key_id=COMMITTEE[0])
    return subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def _libreoffice(agreement_html: str, base_css: str, workdir: Path, runs: int) -> dict | None:
    soffice = shutil.which('soffice')
    if soffice is None:
        log('documents: LibreOffice is not installed (apt-get install -y libreoffice-writer-nogui): not compared')
        return None
    folder = workdir / 'libreoffice'
    folder.mkdir(exist_ok=True)
    profile = f'-env:UserInstallation={(folder / "profile").as_uri()}'
    source = folder / 'agreement.html'
    # The same document and styles; the font by its family name (LibreOffice reads no @font-face).
    source.write_text(agreement_html.replace(
        '</head>', f'<style>{base_css}\nhtml {{ font-family: "Noto Serif CJK SC"; }}</style></head>', 1),
        encoding='utf-8')
    convert = [soffice, '--headless', profile]
    subprocess.run(convert + ['--infilter=HTML (StarWriter)', '--convert-to', 'docx:MS Word 2007 XML',
                              '--outdir', str(folder), str(source)], check=True, capture_output=True)
    docx = folder / 'agreement.docx'
    times = []
    for attempt in range(runs + 1):  # the first run creates the user profile: not counted
        out = folder / f'out{attempt}'
        started = time.perf_counter()
        subprocess.run(convert + ['--convert-to', 'pdf', '--outdir', str(out), str(docx)],
                       check=True, capture_output=True)
        if attempt:
            times.append(time.perf_counter() - started)
    pdf = (folder / f'out{runs}' / 'agreement.pdf').read_bytes()
    version = subprocess.run([soffice, '--version'], capture_output=True, text=True).stdout.split()
    return {'times': times, 'median': statistics.median(times), 'size_kb': len(pdf) / 1024,
            'pages': _pages(pdf), 'version': ' '.join(version[1:2])}


# ---------------------------------------------------------------------------------------------------------------
# Measuring

def _times(work, runs: int) -> dict:
    work()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    times.sort()
    return {'median': statistics.median(times), 'p95': times[min(len(times) - 1, int(len(times) * 0.95))],
            'runs': runs}


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader
    return ''.join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _cjk_count(text: str) -> int:
    return sum(1 for character in text if '\u3400' <= character <= '\u9fff' or ord(character) >= 0x20000)


# ---------------------------------------------------------------------------------------------------------------
# The block

def _report(results: dict, started_at: str, args) -> str:
    ours = results['ours']['median']
    bare_best_render = min(results['bare_defaults']['median'], results['bare_tuned']['median'])
    # pyHanko's SimpleSigner re-parses the key every time; the floor takes the faster of the two sealings
    bare_floor = bare_best_render + min(results['bare_seal']['median'], results['ours_seal']['median'])
    ratio = ours / bare_floor
    libreoffice = results['libreoffice']
    memory = results['memory']
    rows = [
        ('ours: render + seal (the app\'s path)', results['ours']),
        ('ours: render only', results['ours_render']),
        ('ours: seal only (key loaded once)', results['ours_seal']),
        ('bare WeasyPrint, defaults (system face, new FontConfiguration each time)', results['bare_defaults']),
        ('bare WeasyPrint, one FontConfiguration + GB 2312 copy', results['bare_tuned']),
        ('bare pyHanko SimpleSigner, bytes_reserved=8192', results['bare_seal']),
        ('verification of the sealed agreement (pyHanko, our root)', results['verify']),
        (f'dossier: cover + {len(DOSSIER_PARTS)} documents, one PDF ({results["dossier_pages"]} pages, '
         f'{results["dossier_kb"]:,.0f} KB)', results['dossier']),
    ]
    lines = [
        f'_Measured {started_at}; {results["pages"]}-page agreement of {results["cjk_characters"]:,} Chinese '
        f'characters (two parties, four terms, signatures, stamp, QR code); {args.runs} warm runs per row after '
        f'one warm-up; load average {results["load"]:.1f}._',
        '',
        '| what | median | p95 |',
        '|---|---:|---:|',
    ]
    lines += [f'| {label} | {ms(row["median"])} | {ms(row["p95"])} |' for label, row in rows]
    if libreoffice:
        lines.append(f'| LibreOffice {libreoffice["version"]} converting the same agreement (.docx → PDF), cold '
                     f'process, {len(libreoffice["times"])} runs | {ms(libreoffice["median"])} | '
                     f'{ms(max(libreoffice["times"]))} |')
    cold = results['cold']
    harfbuzz = 'yes' if results['harfbuzz'] else 'NO (fontTools fallback, ~7 s a document)'
    sizes = f'{results["size_kb"]:.0f} KB (a name with 㑇: {results["rare_size_kb"]:.0f} KB)'
    if libreoffice:
        sizes += f'; LibreOffice {libreoffice["size_kb"]:.0f} KB'
    lines += [
        '',
        f'A new process (what a worker\'s first document costs): imports {ms(cold["imports"])}, imports + first '
        f'sealed agreement {ms(cold["first_document"])}, interpreter to exit {ms(cold["wall"])}. The font copies '
        f'are built once per installation ({results["font_build_seconds"]:.1f} s here, or 0 when cached). '
        f'HarfBuzz subsetting in use: **{harfbuzz}**.',
        '',
        '| target (issue 11) | measured | |',
        '|---|---|---|',
        f'| render + seal ≤ {SEALED_TARGET * 1000:.0f} ms median warm | {ms(ours)} | '
        f'{verdict(ours <= SEALED_TARGET)} |',
        f'| within {BARE_RATIO_TARGET}× of the best bare WeasyPrint + the faster sealing ({ms(bare_floor)}) | '
        f'{ratio:.2f}× | {verdict(ratio <= BARE_RATIO_TARGET)} |',
    ]
    if libreoffice:
        factor = libreoffice['median'] / ours
        lines.append(f'| ≥ {LIBREOFFICE_FACTOR:.0f}× faster than cold LibreOffice | {factor:.1f}× | '
                     f'{verdict(factor >= LIBREOFFICE_FACTOR)} |')
    else:
        lines.append('| ≥ 6× faster than cold LibreOffice | not measured: `apt-get install -y '
                     'libreoffice-writer-nogui` | — |')
    lines += [
        f'| sealed agreement ≤ {SIZE_TARGET_KB} KB | {sizes} | '
        f'{verdict(max(results["size_kb"], results["rare_size_kb"]) <= SIZE_TARGET_KB)} |',
        f'| 10-document dossier ≤ {DOSSIER_TARGET} s | {ms(results["dossier"]["median"])} | '
        f'{verdict(results["dossier"]["median"] <= DOSSIER_TARGET)} |',
        f'| memory flat over {memory["renders"]} renders (growth after the 10th ≤ {MEMORY_GROWTH_LIMIT_MB} MB) | '
        + ', '.join(f'{number}: {rss:.0f} MB' for number, rss in memory['rss_mb'].items())
        + f' (+{memory["growth_mb"]:.0f} MB) | {verdict(memory["growth_mb"] <= MEMORY_GROWTH_LIMIT_MB)} |',
        f'| verification ≤ {VERIFY_TARGET * 1000:.0f} ms warm | {ms(results["verify"]["median"])} | '
        f'{verdict(results["verify"]["median"] <= VERIFY_TARGET)} |',
        '',
        blocks.data_comment({'measured_on': started_at, 'results': results}),
    ]
    return '\n'.join(lines)
