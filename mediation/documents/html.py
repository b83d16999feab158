"""The statutory documents as HTML: a Jinja2 environment over ``templates/documents/`` and the kinds it renders.

``document_html(kind, context)`` gives the HTML that ``render.render_pdf`` turns into an A4 PDF. Templates
read only a :class:`~mediation.documents.context.DocumentContext` (and, for one session record or one
follow-up visit, the view passed beside it); whatever is missing prints as a blank line to fill in by
hand. Pure: no Flask, no database, no WeasyPrint.
"""
import dataclasses
import functools
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import jinja2
from markupsafe import Markup
from markupsafe import escape

from mediation.documents.context import DocumentContext
from mediation.documents.context import FollowUpView
from mediation.documents.context import SessionView

__all__ = ['DOCUMENT_KINDS', 'TEMPLATE_FOLDER', 'DocumentKind', 'document_html', 'dossier_cover_html',
           'environment']

TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent.parent / 'templates' / 'documents'


@dataclasses.dataclass(frozen=True)
class DocumentKind:
    kind: str
    title: str
    template: str


#: Every document that has a template, in the dossier's order (domain.md §3.1); ``dossier`` is assembled from
#: these by ``render.render_dossier`` with ``dossier_cover`` in front.
DOCUMENT_KINDS: dict[str, DocumentKind] = {kind.kind: kind for kind in (
    DocumentKind('application', '人民调解申请书', 'application.html'),
    DocumentKind('registration', '人民调解受理登记表', 'registration.html'),
    DocumentKind('rights_notice', '人民调解当事人权利义务告知书', 'rights_notice.html'),
    DocumentKind('session_record', '人民调解记录', 'session_record.html'),
    DocumentKind('agreement', '人民调解协议书', 'agreement.html'),
    DocumentKind('oral_agreement', '人民调解口头协议登记表', 'oral_agreement.html'),
    DocumentKind('follow_up', '人民调解回访记录', 'follow_up.html'),
    DocumentKind('confirmation_application', '司法确认申请书', 'confirmation_application.html'),
    DocumentKind('termination_notice', '终止调解通知书', 'termination_notice.html'),
    DocumentKind('closing_report', '委派（委托）调解结案报告', 'closing_report.html'),
    DocumentKind('dossier_cover', '卷宗封面', 'dossier_cover.html'),
)}

_CHINESE_DIGITS = '〇一二三四五六七八九'


def cn_date(value: date | str | None) -> Markup | str:
    """2026年3月2日; a text value as it is; nothing: ``____年__月__日`` as lines to write on."""
    if value is None or value == '':
        return Markup('<span class="date-blank"><span class="blank" style="width: 3em"></span>年'
                      '<span class="blank" style="width: 2em"></span>月'
                      '<span class="blank" style="width: 2em"></span>日</span>')
    if isinstance(value, date):
        return f'{value.year}年{value.month}月{value.day}日'
    return str(value)


def blank(value: object = '', width: float = 6) -> Markup | object:
    """The value when there is one; otherwise an underline ``width`` characters long, for hand-filling.

    ``{{ party.phone|blank(8) }}`` prints the phone number or a line; ``{{ ''|blank(8) }}`` a line alone.
    """
    if value is None or value == '' or value == ():
        return Markup(f'<span class="blank" style="width: {float(width):g}em"></span>')
    return value


def mark(checked: bool) -> Markup:
    """A tick box, ticked (☑) or empty (☐): drawn with a border, the tick from the document font."""
    if checked:
        return Markup('<span class="tick-box checked">✓</span>')
    return Markup('<span class="tick-box"></span>')


def cn_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (numbering of clauses, up to 99)."""
    if not 0 < number < 100:
        return str(number)
    tens, units = divmod(number, 10)
    text = ''
    if tens:
        text = ('' if tens == 1 else _CHINESE_DIGITS[tens]) + '十'
    return text + (_CHINESE_DIGITS[units] if units else '')


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a multi-line text (one request per line, for instance)."""
    return [line.strip() for line in (text or '').splitlines() if line.strip()]


def paragraphs(text: str | None) -> Markup:
    """Text as ``<p>`` paragraphs, one per line of input."""
    return Markup(''.join(f'<p>{escape(line)}</p>' for line in lines(text)))


def names(parties: Iterable, separator: str = '、') -> str:
    """The parties' names joined: 张三、李四."""
    return separator.join(party.name for party in parties if party.name)


def ruled(count: int) -> Markup:
    """``count`` ruled lines to write on by hand (up to five kept on one page)."""
    css_class = 'ruled keep' if count <= 5 else 'ruled'
    return Markup(f'<div class="{css_class}">' + '<div class="ruled-line"></div>' * int(count) + '</div>')


@functools.cache
def environment() -> jinja2.Environment:
    """The documents' Jinja2 environment (autoescaped, strict about undefined names), built once."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_FOLDER)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             auto_reload=False)
    env.filters.update(cn_date=cn_date, blank=blank, mark=mark, cn_numeral=cn_numeral, lines=lines,
                       paragraphs=paragraphs, names=names)
    env.globals.update(blank=blank, mark=mark, ruled=ruled)
    return env


def document_html(kind: str, context: DocumentContext, *, session: SessionView | None = None,
                  follow_up: FollowUpView | None = None) -> str:
    """The HTML of one document for ``context``; ``session`` and ``follow_up`` for those records (None: blank form).

    Raises ``KeyError`` for an unknown kind (``dossier`` is assembled by ``render.render_dossier``).
    """
    document = DOCUMENT_KINDS[kind]
    template = environment().get_template(document.template)
    return template.render(kind=document.kind, title=document.title, context=context, agreement=context.agreement,
                           session=session, follow_up=follow_up)


def dossier_cover_html(context: DocumentContext, contents: list[tuple[str, int]]) -> str:
    """The cover and table of contents for ``render.render_dossier``: ``functools.partial(dossier_cover_html, c)``."""
    return document_html('dossier_cover', dataclasses.replace(context, contents=tuple(contents)))
