"""The Simplified-Chinese serif font of every document: find it, check it, cut it down, and the CSS using it.

Documents use Noto Serif CJK SC (Debian ``fonts-noto-cjk``). Embedding from the full face costs
WeasyPrint 60–80 ms more per document than from a copy cut down to GB 2312 (perf-notes.md), so a
cut-down copy is built once into a cache folder and named first in the CSS. Rare characters (生僻字)
outside GB 2312, such as 㑇, 䶮 and 𠮷, come from a second copy holding the other ideographs; the full
installed face follows both as the last fallback (bold rare characters, a cache that cannot be written).

Licence: Noto CJK is under the SIL Open Font License 1.1 and declares no Reserved Font Name, so a
modified (cut-down) copy may be generated, kept in the instance folder and shipped with the app, as
long as it keeps the copyright and licence records (name IDs 0, 7, 13 and 14 are kept) and is not
sold on its own. The copy still gets its own family name, so nothing mistakes it for the full font.
"""
import contextlib
import ctypes
import dataclasses
import fcntl
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path

LOGGER = logging.getLogger(__name__)

INSTALL_FONTS_COMMAND = 'apt-get install -y fonts-noto-cjk'
INSTALL_HARFBUZZ_SUBSET_COMMAND = 'apt-get install -y libharfbuzz-subset0'

#: The installed family (the fallback) and the family names given to the cut-down copies.
FULL_FAMILY = 'Noto Serif CJK SC'
SUBSET_FAMILY = 'Noto Serif CJK SC GB2312'
#: The second cut-down copy: the ideographs outside GB 2312 (names with 喆, 堃, 㑇, 𠮷 …). WeasyPrint keeps
#: glyph ids when it embeds a font, so a character taken from the full face (65,535 glyphs) drags the empty
#: slots below it into the PDF; from this 36,000-glyph copy the rare-name agreement is 184 KB, not 221 KB.
EXTENSION_FAMILY = 'Noto Serif CJK SC Ext'
#: The CSS font-family stack: the cut-down copies, then the full face found by fontconfig through its family name.
FONT_FAMILY_STACK = f'"{SUBSET_FAMILY}", "{EXTENSION_FAMILY}", "{FULL_FAMILY}", serif'
#: Name characters outside GB 2312 that must print from the second copy (used by tests and the start-up check).
RARE_NAME_CHARACTERS = '㑇䶮𠮷'

REGULAR = 400
BOLD = 700
#: PostScript names of the Simplified-Chinese faces; a .ttc also holds JP, KR, TC and HK faces.
_POSTSCRIPT_NAMES = {REGULAR: 'NotoSerifCJKsc-Regular', BOLD: 'NotoSerifCJKsc-Bold'}
_STYLE_NAMES = {REGULAR: 'Regular', BOLD: 'Bold'}
#: Where to look when fontconfig's ``fc-list`` is not installed.
_FONT_DIRECTORIES = ('/usr/share/fonts', '/usr/local/share/fonts', '~/.local/share/fonts', '~/.fonts')
#: Bump when the subset changes in a way the code-point list does not show (options, renaming).
SUBSET_SPEC = 'GB 2312 + ASCII + Latin-1 + General Punctuation + CJK Symbols + Fullwidth Forms; fontTools; v1'
#: The ideograph blocks of the second copy (less what GB 2312 already holds).
_EXTENSION_RANGES = (
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # Extensions B–G
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
)
_SUBSET_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 punctuation and signs
    (0x2000, 0x206F),  # General Punctuation: — … ‘ ’ “ ”
    (0x3000, 0x303F),  # CJK Symbols and Punctuation: 、。《》【】〔〕
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms: ，：；（）
)


class FontsMissing(RuntimeError):
    """No usable Simplified-Chinese font is installed: documents would print boxes instead of text."""

    def __init__(self, check: 'FontCheck'):
        self.check = check
        super().__init__(f'{check.message_zh}\n{check.message_en}')


@dataclasses.dataclass(frozen=True)
class FontFace:
    """One face inside an installed font file (a .ttc collection holds several)."""

    path: Path
    index: int
    postscript_name: str
    weight: int


@dataclasses.dataclass(frozen=True)
class FontProblem:
    severity: str  # 'error': documents cannot be made; 'warning': they can, but worse or slower
    message_zh: str
    message_en: str
    command: str


@dataclasses.dataclass(frozen=True)
class FontCheck:
    """What the start-up check found; ``ok`` is False when documents cannot be made."""

    regular: FontFace | None
    bold: FontFace | None
    harfbuzz_subset: bool
    problems: tuple[FontProblem, ...]

    @property
    def ok(self) -> bool:
        return self.regular is not None

    @property
    def faces(self) -> tuple[FontFace, ...]:
        return tuple(face for face in (self.regular, self.bold) if face is not None)

    @property
    def install_commands(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(problem.command for problem in self.problems))

    @property
    def message_zh(self) -> str:
        if not self.problems:
            return f'文书字体正常：{FULL_FAMILY}（常规体、粗体）已安装，HarfBuzz 字体子集库可用。'
        return '\n'.join(problem.message_zh for problem in self.problems)

    @property
    def message_en(self) -> str:
        if not self.problems:
            return f'Document fonts are fine: {FULL_FAMILY} Regular and Bold are installed, HarfBuzz subsetting works.'
        return '\n'.join(problem.message_en for problem in self.problems)


_check_lock = threading.Lock()
_cached_check: FontCheck | None = None


def check_fonts(*, refresh: bool = False) -> FontCheck:
    """Find the Simplified-Chinese serif faces and the HarfBuzz subset library (cached; ``refresh`` looks again)."""
    global _cached_check
    with _check_lock:
        if _cached_check is None or refresh:
            _cached_check = _check_fonts()
        return _cached_check


def _check_fonts() -> FontCheck:
    faces = _find_faces()
    regular, bold = faces.get(REGULAR), faces.get(BOLD)
    harfbuzz_subset = harfbuzz_subset_library_installed()
    problems = []
    if regular is None:
        problems.append(FontProblem(
            'error',
            f'未安装中文宋体字体 {FULL_FAMILY}（思源宋体简体中文常规体），无法生成文书，否则汉字会印成方框。'
            f'请以 root 身份运行：{INSTALL_FONTS_COMMAND}',
            f'The Simplified-Chinese serif font {FULL_FAMILY} Regular is not installed: documents cannot be made '
            f'(Chinese text would print as boxes). Run as root: {INSTALL_FONTS_COMMAND}',
            INSTALL_FONTS_COMMAND))
    if bold is None:
        problems.append(FontProblem(
            'warning',
            f'未安装 {FULL_FAMILY} 粗体，文书标题将用常规体加粗模拟。请以 root 身份运行：{INSTALL_FONTS_COMMAND}',
            f'{FULL_FAMILY} Bold is not installed; headings will use synthetic bold. '
            f'Run as root: {INSTALL_FONTS_COMMAND}',
            INSTALL_FONTS_COMMAND))
    if not harfbuzz_subset:
        problems.append(FontProblem(
            'warning',
            '未安装 HarfBuzz 字体子集库，生成一份文书要慢几十倍（数秒）。'
            f'请以 root 身份运行：{INSTALL_HARFBUZZ_SUBSET_COMMAND}',
            'The HarfBuzz subset library is not installed: each document takes tens of times longer (seconds). '
            f'Run as root: {INSTALL_HARFBUZZ_SUBSET_COMMAND}',
            INSTALL_HARFBUZZ_SUBSET_COMMAND))
    return FontCheck(regular, bold, harfbuzz_subset, tuple(problems))


def harfbuzz_subset_library_installed() -> bool:
    """Whether ``libharfbuzz-subset`` can be loaded, by the names WeasyPrint tries (without importing WeasyPrint)."""
    for name in ('libharfbuzz-subset.so.0', 'libharfbuzz-subset.0.dylib', 'libharfbuzz-subset-0.dll'):
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


def _find_faces() -> dict[int, FontFace]:
    faces = _faces_from_fontconfig()
    if faces is None:  # no fc-list: read the name tables of likely files ourselves
        faces = _faces_from_directories()
    return faces


def _faces_from_fontconfig() -> dict[int, FontFace] | None:
    fc_list = shutil.which('fc-list')
    if fc_list is None:
        return None
    try:
        result = subprocess.run(
            [fc_list, '-f', '%{postscriptname}\t%{index}\t%{file}\n', f':family={FULL_FAMILY}'],
            capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    faces = {}
    for line in result.stdout.splitlines():
        parts = line.split('\t')
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        postscript_name, index, file = parts
        for weight, wanted in _POSTSCRIPT_NAMES.items():
            if postscript_name == wanted and weight not in faces and Path(file).is_file():
                faces[weight] = FontFace(Path(file), int(index), postscript_name, weight)
    return faces


def _faces_from_directories() -> dict[int, FontFace]:
    faces = {}
    for directory in _FONT_DIRECTORIES:
        root = Path(directory).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob('Noto*')):
            if path.suffix.lower() not in ('.ttc', '.otc', '.otf', '.ttf'):
                continue
            for index, postscript_name in _postscript_names(path):
                for weight, wanted in _POSTSCRIPT_NAMES.items():
                    if postscript_name == wanted and weight not in faces:
                        faces[weight] = FontFace(path, index, postscript_name, weight)
    return faces


def _postscript_names(path: Path) -> list[tuple[int, str]]:
    """(index, PostScript name) of every face in a font file or collection; [] if it cannot be read."""
    from fontTools.ttLib import TTCollection
    from fontTools.ttLib import TTFont
    from fontTools.ttLib import TTLibError
    try:
        with path.open('rb') as file:
            is_collection = file.read(4) == b'ttcf'
        if is_collection:
            with TTCollection(path, lazy=True) as collection:
                return [(index, font['name'].getDebugName(6) or '') for index, font in enumerate(collection)]
        with TTFont(path, lazy=True) as font:
            return [(0, font['name'].getDebugName(6) or '')]
    except (OSError, TTLibError, KeyError, AssertionError):
        return []


def _face_index(face: FontFace) -> int:
    """The face's index in its file, confirmed by its PostScript name rather than trusted from fontconfig."""
    for index, postscript_name in _postscript_names(face.path):
        if postscript_name == face.postscript_name:
            return index
    raise FontsMissing(check_fonts(refresh=True))


# ---------------------------------------------------------------------------------------------------------------
# The cut-down copy


@functools.cache
def subset_codepoints() -> frozenset[int]:
    """GB 2312 (its 7,445 characters, decoded from every two-byte code) plus the ranges in ``_SUBSET_RANGES``."""
    codepoints = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                codepoints.add(ord(bytes((lead, trail)).decode('gb2312')))
    for first, last in _SUBSET_RANGES:
        codepoints.update(range(first, last + 1))
    return frozenset(codepoints)


@functools.cache
def extension_codepoints() -> frozenset[int]:
    """The ideographs of ``_EXTENSION_RANGES`` that GB 2312 does not hold (the face keeps those it has)."""
    wanted = set()
    for first, last in _EXTENSION_RANGES:
        wanted.update(range(first, last + 1))
    return frozenset(wanted - subset_codepoints())


_file_digests: dict[tuple, str] = {}
_build_lock = threading.Lock()
_failed_builds: set[tuple[Path, FontFace]] = set()  # (folder, face) whose copy failed to build; retried after a restart


def _file_digest(path: Path) -> str:
    """SHA-256 of a font file, remembered while its size, mtime and inode stay the same."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    digest = _file_digests.get(key)
    if digest is None:
        with path.open('rb') as file:
            digest = _file_digests[key] = hashlib.file_digest(file, 'sha256').hexdigest()
    return digest


@dataclasses.dataclass(frozen=True)
class Cut:
    """One cut-down copy of a face: its family, file stem and the code points it keeps."""

    family: str
    stem: str
    codepoints: Callable[[], frozenset[int]]


GB2312_CUT = Cut(SUBSET_FAMILY, 'NotoSerifCJKscGB2312', subset_codepoints)
EXTENSION_CUT = Cut(EXTENSION_FAMILY, 'NotoSerifCJKscExt', extension_codepoints)


def _subset_file_stem(face: FontFace, cut: Cut = GB2312_CUT) -> str:
    return f'{cut.stem}-{_STYLE_NAMES[face.weight]}'


def subset_file_name(face: FontFace, cut: Cut = GB2312_CUT) -> str:
    """``NotoSerifCJKscGB2312-Regular.<hash>.otf``: the hash covers the source file, the face and the subset spec."""
    spec = hashlib.sha256()
    for part in (_file_digest(face.path), face.postscript_name, SUBSET_SPEC, _codepoint_list(cut)):
        spec.update(part.encode())
        spec.update(b'\0')
    return f'{_subset_file_stem(face, cut)}.{spec.hexdigest()[:16]}.otf'


@functools.cache
def _codepoint_list(cut: Cut) -> str:
    # Cached: joining 90,000 code points took 15 ms, paid by every document (the name is asked for each time).
    return ','.join(f'{codepoint:x}' for codepoint in sorted(cut.codepoints()))


def ensure_subset_fonts(cache_dir: Path) -> dict[int, Path]:
    """Build the missing cut-down copies (~6 s per face, once) and return {CSS weight: path}.

    Raises ``FontsMissing`` when the regular face is not installed. A copy that cannot be built (read-only
    folder, broken font) is logged once and left out until the process restarts: the full face then serves
    every character, only slower.
    """
    check = check_fonts()
    if not check.ok:
        raise FontsMissing(check)
    return {face.weight: path for face in check.faces
            if (path := _ensure_cut(Path(cache_dir), face, GB2312_CUT)) is not None}


def ensure_extension_font(cache_dir: Path) -> Path | None:
    """The regular face's second copy (ideographs outside GB 2312), built once (~10 s); None if it cannot be.

    Bold text outside GB 2312 (rare in a document's headings) falls back to the full face.
    """
    check = check_fonts()
    if not check.ok:
        raise FontsMissing(check)
    return _ensure_cut(Path(cache_dir), check.regular, EXTENSION_CUT)


def _ensure_cut(cache_dir: Path, face: FontFace, cut: Cut) -> Path | None:
    if (cache_dir, face, cut) in _failed_builds:  # tried and failed in this process: not again for every document
        return None
    try:
        target = cache_dir / subset_file_name(face, cut)
        if not target.is_file():
            _build_once(face, target, cut)
    except Exception:  # the full font still works: never stop a document for its faster copy
        LOGGER.exception('Could not build the %s copy of %s in %s', cut.family, face.postscript_name, cache_dir)
        _failed_builds.add((cache_dir, face, cut))
        return None
    return target


def _build_once(face: FontFace, target: Path, cut: Cut = GB2312_CUT) -> None:
    """Build under a thread lock and a file lock, so concurrent workers build each copy once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock, (target.parent / '.subset.lock').open('a') as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if target.is_file():  # another process finished it while we waited
            return
        _build_subset(face, target, cut)
        for stale in target.parent.glob(f'{_subset_file_stem(face, cut)}.*.otf'):
            if stale != target:  # built from an older font file or spec
                stale.unlink(missing_ok=True)


def _build_subset(face: FontFace, target: Path, cut: Cut = GB2312_CUT) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcBBoxes=False: recomputing bounds walks every CFF outline three times (~9 s); the full font's
    # bounding boxes remain valid for a subset of its glyphs.
    font = TTFont(face.path, fontNumber=_face_index(face), recalcBBoxes=False, recalcTimestamp=False)
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ['*']
    options.name_languages = ['*']
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cut.codepoints())
    subsetter.subset(font)
    _rename(font, face, cut)
    temporary = target.with_name(f'.{target.name}.{os.getpid()}.{threading.get_ident()}.tmp')
    try:
        font.save(temporary)
        os.replace(temporary, target)  # readers see either no file or the whole file
    finally:
        temporary.unlink(missing_ok=True)
        font.close()


def _rename(font, face: FontFace, cut: Cut = GB2312_CUT) -> None:
    """Give the copy its own family and PostScript name; copyright, trademark and licence records stay."""
    style = _STYLE_NAMES[face.weight]
    postscript_name = f'{_subset_file_stem(face, cut)}'
    full_name = cut.family if face.weight == REGULAR else f'{cut.family} {style}'
    names = font['name']
    names.names = [record for record in names.names if record.nameID not in (1, 2, 3, 4, 6, 16, 17, 21, 22)]
    for name_id, value in ((1, cut.family), (2, style), (3, f'{postscript_name}; subset of {face.postscript_name}'),
                           (4, full_name), (6, postscript_name)):
        names.setName(value, name_id, 3, 1, 0x409)
    if 'CFF ' in font:
        font['CFF '].cff.fontNames = [postscript_name]


def font_css(cache_dir: Path) -> str:
    """``@font-face`` rules for the cut-down copies (built if missing) and the document's font-family stack."""
    rules = [
        f'@font-face {{ font-family: "{SUBSET_FAMILY}"; src: url("{path.as_uri()}") format("opentype"); '
        f'font-weight: {weight}; font-style: normal; }}'
        for weight, path in sorted(ensure_subset_fonts(cache_dir).items())]
    extension = ensure_extension_font(cache_dir)
    if extension is not None:
        rules.append(f'@font-face {{ font-family: "{EXTENSION_FAMILY}"; src: url("{extension.as_uri()}") '
                     f'format("opentype"); font-weight: {REGULAR}; font-style: normal; }}')
    # The full face is reached by its family name, not by local(): WeasyPrint would copy the whole 26 MB
    # collection (every language's face, renamed to the rule's family) for each font configuration.
    rules.append(f'html {{ font-family: {FONT_FAMILY_STACK}; }}')
    return '\n'.join(rules) + '\n'


# ---------------------------------------------------------------------------------------------------------------
# Coverage

_cmaps: dict[FontFace, frozenset[int]] = {}


def missing_characters(text: str) -> str:
    """The characters of ``text`` the installed regular face has no glyph for (spaces and controls ignored).

    Lets a form warn about a name before anything is rendered; raises ``FontsMissing`` without a font.
    """
    check = check_fonts()
    if not check.ok:
        raise FontsMissing(check)
    face = check.regular
    covered = _cmaps.get(face)
    if covered is None:
        from fontTools.ttLib import TTFont
        with TTFont(face.path, fontNumber=_face_index(face), lazy=True) as font:
            covered = _cmaps[face] = frozenset(font.getBestCmap())
    missing = []
    for character in dict.fromkeys(text):
        if ord(character) not in covered and not _needs_no_glyph(character):
            missing.append(character)
    return ''.join(missing)


def _needs_no_glyph(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ('Cc', 'Cf')
