"""The case list: its views (inbox, due soon, overdue, everything), filters, search, pages and CSV export.

The filter form posts and the list answers with a redirect to its own URL, where an ID number
or phone typed into the search box is replaced by its lookup hash and masked form. Pages are
read by keyset: the URL carries an opaque, signed cursor (the key of the row beside which the
page starts), never a page number, so the thousandth page costs what the first does.
"""
import csv
import io
import re
from datetime import date
from datetime import datetime

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import stream_with_context
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from mediation.cases import bp
from mediation.chinatime import today_in_china
from mediation.database import INTEGER_MAX
from mediation.database import database_integer
from mediation.extensions import db
from mediation.inputs import DATE_RANGE
from mediation.inputs import InputError
from mediation.inputs import parse_date
from mediation.models import User
from mediation.services import case_queries
from mediation.services import statistics
from mediation.web import format_datetime
from mediation.web import label as display_label
from workflows.enums import DeadlineStatus
from workflows.enums import Level
from workflows.enums import PerformanceStatus
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import SourceGroup
from workflows.states import State

PER_PAGE = 50
_MONTH = re.compile(r'(\d{4})-(\d{2})')


@bp.route('/', methods=['GET', 'POST'])
@login_required
def index():
    given = request.form if request.method == 'POST' else request.args
    committees = case_queries.jurisdiction_committees(current_user)
    filters, problems = _filters_from(given, {org.id for org in committees})
    found = case_queries.identifier_search(filters.q) if filters.q else None
    if found:
        filters.q, filters.identifier_hash, filters.identifier_masked = '', found.hash, found.masked
    if request.method == 'POST' or found:
        for problem in problems:
            flash(problem, 'warning')
        return redirect(url_for('cases.index', **filters.as_args()))
    today = today_in_china()
    order = case_queries.list_order(current_user, filters)
    position = _read_cursor(request.args.get('cursor'), order)
    if position is False:
        problems.append(_('翻页链接无效或已过期，已显示第一页。'))
        position = None
    direction, key = position or ('n', None)
    page = case_queries.case_page(current_user, filters, today, per_page=PER_PAGE,
                                  after=key if direction == 'n' else None, before=key if direction == 'p' else None)
    args = filters.as_args()
    return render_template(
        'cases/index.html', rows=page.rows, filters=filters, today=today, problems=problems,
        tabs=_tabs(filters, args), states=list(State), levels=list(Level), sources=list(Source),
        categories=_category_options(case_queries.categories()), committees=committees, risks=case_queries.RISKS,
        args=args, export_url=url_for('cases.export', **args),
        clear_url=url_for('cases.index', **_tab_args(filters)) if set(args) - {'view', 'due'} else None,
        clear_identifier_url=url_for('cases.index', **{k: v for k, v in args.items() if k not in ('qh', 'qm')}),
        clear_referred_url=url_for('cases.index', **{k: v for k, v in args.items() if k != 'referred_in'}),
        statistics_chip=_statistics_chip(filters, committees),
        clear_statistics_url=url_for('cases.index', **{k: v for k, v in args.items()
                                                       if k not in statistics.LIST_ARGS}),
        committee_name=next((org.name for org in committees if org.id == filters.committee_id), ''),
        first_url=url_for('cases.index', **args) if key is not None else None,
        next_url=url_for('cases.index', cursor=_cursor(order, 'n', page.next_key), **args)
        if page.next_key else None,
        prev_url=url_for('cases.index', cursor=_cursor(order, 'p', page.previous_key), **args)
        if page.previous_key else None)


@bp.route('/export.csv')
@login_required
def export():
    """Every row of the list the filters make, as CSV for Excel (UTF-8 with a BOM), ID numbers and
    phones masked, streamed a batch at a time."""
    committees = case_queries.jurisdiction_committees(current_user)
    filters, _problems = _filters_from(request.args, {org.id for org in committees})
    found = case_queries.identifier_search(filters.q) if filters.q else None
    if found:
        filters.q, filters.identifier_hash, filters.identifier_masked = '', found.hash, found.masked
        return redirect(url_for('cases.export', **filters.as_args()))
    today = today_in_china()
    user_id, args = current_user.id, filters.as_args()
    header = [_('案件编码'), _('纠纷名称'), _('纠纷类型'), _('案件来源'), _('登记时间'), _('当前调解组织'), _('层级'),
              _('状态'), _('案号'), _('到期日'), _('期限状态'), _('当事人'), _('身份证号（部分隐藏）'),
              _('联系电话（部分隐藏）'), _('风险'), _('履行情况'), _('回访次数')]

    def generate():
        # The rows stream after the request has ended and its database session was removed (stream_with_context
        # pushes the contexts again, with a new session): the user is read again in that one.
        user = db.session.get(User, user_id)
        written = 0
        yield '\ufeff' + _csv_line(header)
        for batch in case_queries.export_rows(user, filters, today):
            yield ''.join(_csv_line(_export_cells(row, today)) for row in batch)
            written += len(batch)
            # Each batch is read in a short transaction of its own: a long export never holds
            # SQLite's write lock, nor a PostgreSQL snapshot, while the file downloads.
            db.session.rollback()
        current_app.logger.info('case list exported by user %s (%s): %d rows, filters %s', user.id, user.username,
                                written, {k: v for k, v in args.items() if k != 'qh'})

    # 案件-YYYYMMDD.csv, with an ASCII name for clients that do not read RFC 5987
    disposition = (f"attachment; filename=cases-{today:%Y%m%d}.csv; "
                   f"filename*=UTF-8''%E6%A1%88%E4%BB%B6-{today:%Y%m%d}.csv")
    return Response(stream_with_context(generate()), mimetype='text/csv',
                    headers={'Content-Disposition': disposition, 'Cache-Control': 'no-store'})


# --------------------------------------------------------------------------- filters

def _filters_from(given, committee_ids: set) -> tuple[case_queries.CaseFilters, list[str]]:
    """The list's filters from a query string or the filter form, and what was wrong with them.

    What is not a valid value is left out; a date or month that cannot be read is said so.
    """
    problems = []
    identifier_hash = given.get('qh', '')
    identifier_hash = identifier_hash if case_queries.is_lookup_hash(identifier_hash) else ''
    due = given.get('due', '')
    filters = case_queries.CaseFilters(
        view=case_queries.INBOX if given.get('view') == case_queries.INBOX and current_user.role != Role.ADMIN
        else '',
        due=DeadlineStatus(due) if due in (DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE) else None,
        q=given.get('q', '').strip()[:100], identifier_hash=identifier_hash,
        identifier_masked=given.get('qm', '')[:32] if identifier_hash else '',
        state=case_queries.OPEN if given.get('state') == case_queries.OPEN else _one_of(given.get('state', ''), State),
        level=_one_of(given.get('level', ''), Level), source=_one_of(given.get('source', ''), Source),
        category_id=_id(given.get('category_id')),
        risk=given.get('risk', '') if given.get('risk', '') in case_queries.RISKS else '')
    committee_id = _id(given.get('committee_id'))
    filters.committee_id = committee_id if committee_id in committee_ids else None
    if given.get('mine') == '1':  # an old link of the dashboard's: the own committee's open cases
        filters.committee_id, filters.state = current_user.organisation_id, case_queries.OPEN
    for name, label in (('from', _('登记日期（起）')), ('to', _('登记日期（止）'))):
        text = given.get(name, '').strip()
        if not text:
            continue
        try:
            day = parse_date(text)
        except InputError as error:
            problems.append(_('%(field)s：%(problem)s已忽略。', field=label, problem=error.message))
            continue
        setattr(filters, 'registered_from' if name == 'from' else 'registered_to', day)
    if filters.registered_from and filters.registered_to and filters.registered_from > filters.registered_to:
        filters.registered_from, filters.registered_to = filters.registered_to, filters.registered_from
        problems.append(_('登记日期的起止颠倒了，已按从早到晚查找。'))
    _statistics_filters(given, filters, committee_ids, problems)
    month = given.get('referred_in', '').strip()
    if month:
        match = _MONTH.fullmatch(month)
        first = None
        if match and 1 <= int(match[2]) <= 12:
            first = date(int(match[1]), int(match[2]), 1)
        if first is None or not DATE_RANGE[0] <= first <= DATE_RANGE[1]:
            problems.append(_('上交月份无效（格式：2026-10），已忽略。'))
        else:
            filters.referred_in = first
    return filters, problems


def _statistics_filters(given, filters, committee_ids: set, problems: list) -> None:
    """The filters a figure of the statistics page links with (``services.statistics``): the
    subtree, the acceptance dates, the outcome, the ladder and the source group."""
    within = _id(given.get('within'))
    filters.within_id = within if within in committee_ids else None
    filters.outcome = given.get('outcome', '') if given.get('outcome', '') in case_queries.OUTCOMES else ''
    filters.ladder = given.get('ladder', '') if given.get('ladder', '') in case_queries.LADDER_FILTERS else ''
    filters.source_group = _one_of(given.get('source_group', ''), SourceGroup)
    for name, label in (('accepted_from', _('受理日期（起）')), ('accepted_to', _('受理日期（止）'))):
        text = given.get(name, '').strip()
        if not text:
            continue
        try:
            setattr(filters, name, parse_date(text))
        except InputError as error:
            problems.append(_('%(field)s：%(problem)s已忽略。', field=label, problem=error.message))


def _statistics_chip(filters, committees) -> str:
    """The statistics' filters in use, in words (empty when none is): the chip above the list."""
    parts = []
    if filters.within_id:
        name = next((org.name for org in committees if org.id == filters.within_id), '')
        parts.append(_('%(name)s及下辖', name=name))
    if filters.accepted_from or filters.accepted_to:
        parts.append(_('受理于 %(start)s 至 %(end)s', start=filters.accepted_from or '…', end=filters.accepted_to or '…'))
    outcomes = {'agreed': _('调解成功'), 'written': _('书面协议'), 'oral': _('口头协议'), 'withdrawn': _('当事人撤回'),
                'ended': _('已有结果'), 'jc_applied': _('申请司法确认'), 'jc_granted': _('司法确认有效'),
                'followed_up': _('已回访')}
    ladders = {'entered': _('进入调解的纠纷'), 'concluded': _('已办结的纠纷'), 'village': _('在村级化解'),
               'town': _('在镇级及以下化解'), 'district': _('在区级及以下化解')}
    if filters.outcome:
        parts.append(outcomes[filters.outcome])
    if filters.ladder:
        parts.append(ladders[filters.ladder])
    if filters.source_group:
        parts.append(display_label(SourceGroup(filters.source_group)))
    return _('统计口径：%(filters)s', filters=' · '.join(parts)) if parts else ''


def _category_options(categories) -> list:
    """(category, depth): each parent followed by its children (choosing a parent includes them)."""
    children = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    return [(option, depth) for parent in children.get(None, [])
            for option, depth in [(parent, 0)] + [(child, 1) for child in children.get(parent.id, [])]]


def _one_of(value, enum):
    """``value`` if it is one of ``enum``'s values, else '' (a stale link, a typing mistake)."""
    return value if value in {member.value for member in enum} else ''


def _id(text):
    try:
        return database_integer(text) if text else None
    except ValueError:
        return None


def _tab_args(filters) -> dict:
    return {name: value for name, value in (('view', filters.view), ('due', filters.due and filters.due.value))
            if value}


def _tabs(filters, args) -> list[tuple[str, str, bool]]:
    """(label, url, active) of the list's views; each keeps the filters chosen."""
    rest = {name: value for name, value in args.items() if name not in ('view', 'due')}
    tabs = []
    if current_user.role != Role.ADMIN:
        label = _('待接收') if current_user.role == Role.COURT_OFFICER else _('我的待受理')
        inbox = filters.view == case_queries.INBOX
        tabs.append((label, url_for('cases.index', view=case_queries.INBOX, **rest), inbox))
    tabs += [
        (_('即将到期'), url_for('cases.index', due=DeadlineStatus.DUE_SOON.value, **rest),
         not filters.view and filters.due is DeadlineStatus.DUE_SOON),
        (_('已超期'), url_for('cases.index', due=DeadlineStatus.OVERDUE.value, **rest),
         not filters.view and filters.due is DeadlineStatus.OVERDUE),
        (_('本院全部') if current_user.role == Role.COURT_OFFICER else _('辖区全部'), url_for('cases.index', **rest),
         not filters.view and not filters.due),
    ]
    return tabs


# --------------------------------------------------------------------------- the cursor

def _serializer():
    return URLSafeSerializer(current_app.secret_key, salt='case-list-cursor')


def _cursor(order: str, direction: str, key: tuple) -> str:
    values = [value.isoformat() if isinstance(value, (date, datetime)) else value for value in key]
    return _serializer().dumps([order, direction, *values])


def _read_cursor(text, order):
    """(direction, key) from a cursor of this list's order; None without one; False when it was
    tampered with, cut short, or belongs to another order of the list."""
    if not text:
        return None
    if len(text) > 300:
        return False
    try:
        found = _serializer().loads(text)
    except BadSignature:
        return False
    if not isinstance(found, list) or len(found) < 3 or found[0] != order or found[1] not in ('n', 'p'):
        return False
    values = found[2:]
    try:
        if order == case_queries.NEWEST_CASE and len(values) == 1:
            return found[1], (_key_id(values[0]),)
        if order == case_queries.NEWEST_REGISTERED and len(values) == 2 and isinstance(values[0], str):
            return found[1], (datetime.fromisoformat(values[0]), _key_id(values[1]))
        if order == case_queries.EARLIEST_DEADLINE and len(values) == 2 and isinstance(values[0], str):
            return found[1], (date.fromisoformat(values[0]), _key_id(values[1]))
    except (TypeError, ValueError):
        return False
    return False


def _key_id(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= INTEGER_MAX:
        raise ValueError(value)
    return value


# --------------------------------------------------------------------------- CSV

#: A cell starting with one of these is a formula to a spreadsheet: it gets a leading quote.
_FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def _cell(value) -> str:
    text = '' if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_line(cells) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(value) for value in cells])
    return out.getvalue()


def _export_cells(row, today) -> list:
    case, stage = row.case, row.stage
    status = stage.deadline_status(today)
    risks = [text for flag, text in ((case.risk_level, display_label(case.risk_level)),
                                     (case.mzx_risk, _('民转刑风险')), (case.group_dispute, _('群体性纠纷')),
                                     (case.petition_risk, _('信访风险')), (case.major_difficult, _('重大疑难')))
             if flag]
    return [
        case.matter_code, case.title, case.category.full_name, display_label(case.source),
        format_datetime(case.created_at), stage.committee.name, display_label(stage.level),
        display_label(stage.state), stage.case_number or '', stage.due_on.isoformat() if stage.due_on else '',
        display_label(status) if status else '',
        '；'.join(f'{party.name}（{display_label(party.role)}）' for party in row.parties),
        '；'.join(f'{party.name}：{party.id_number_masked}' for party in row.parties if party.id_number_masked),
        '；'.join(f'{party.name}：{party.phone_masked}' for party in row.parties if party.phone_masked),
        '、'.join(risks), _performance_text(row), row.follow_ups or '',
    ]


def _performance_text(row) -> str:
    if row.performance is None:
        return ''
    if row.performance in (PerformanceStatus.PENDING, PerformanceStatus.PARTLY):
        return _('履行中 %(done)s/%(total)s', done=row.terms_fulfilled, total=row.terms)
    return display_label(row.performance)
