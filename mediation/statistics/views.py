"""The statistics page: a period chooser, every figure linked to its case list, charts beside
tables; the monthly report as XLSX and CSV. The figures: ``services.statistics``."""
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask import Response
from flask import abort
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from mediation.chinatime import today_in_china
from mediation.errors import MediationError
from mediation.inputs import InputError
from mediation.inputs import parse_date
from mediation.services import statistics
from mediation.statistics import bp
from workflows.enums import Role

PERIODS = ('month', 'quarter', 'year', 'custom')


@dataclass
class Period:
    """The period chosen on the page (what was typed is kept to show it again)."""

    kind: str
    year: int
    month: int
    quarter: int
    start: date
    end: date
    start_text: str = ''
    end_text: str = ''


def may_see_statistics(user) -> bool:
    return user.is_authenticated and user.role != Role.COURT_OFFICER


def _int(text, low, high, default):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def period_from(args, today: date) -> tuple[Period, list[str]]:
    """The period from the query string; what cannot be read is said and replaced by this month."""
    problems = []
    kind = args.get('period', 'month')
    if kind not in PERIODS:
        problems.append(_('统计期类型无效，已按本月统计。'))
        kind = 'month'
    year = _int(args.get('year'), 1990, 2100, today.year)
    month = _int(args.get('month'), 1, 12, today.month)
    quarter = _int(args.get('quarter'), 1, 4, (today.month - 1) // 3 + 1)
    for name, value in (('year', year), ('month', month), ('quarter', quarter)):
        if args.get(name) and str(value) != args.get(name).strip():
            problems.append(_('“%(value)s”不是有效的年份、月份或季度，已改用 %(used)s。', value=args.get(name)[:20],
                              used=value))
    period = Period(kind, year, month, quarter, *statistics.month_period(year, month))
    if kind == 'quarter':
        period.start, period.end = statistics.quarter_period(year, quarter)
    elif kind == 'year':
        period.start, period.end = statistics.year_period(year)
    elif kind == 'custom':
        period.start_text, period.end_text = args.get('start', '')[:20], args.get('end', '')[:20]
        days = {}
        for name, label in (('start', _('开始日期')), ('end', _('结束日期'))):
            try:
                days[name] = parse_date(args.get(name, ''))
            except InputError as error:
                problems.append(_('%(field)s：%(problem)s', field=label, problem=error.message))
        if len(days) == 2 and days['start'] > days['end']:
            problems.append(_('开始日期晚于结束日期，已按从早到晚统计。'))
            days['start'], days['end'] = days['end'], days['start']
        if len(days) == 2:
            period.start, period.end = days['start'], days['end']
        else:
            problems.append(_('自定义统计期须填写开始和结束日期，已按本月统计。'))
            period.kind = 'month'
    if not period.start_text:
        period.start_text, period.end_text = period.start.isoformat(), period.end.isoformat()
    return period, problems


def _query(period: Period, org_code: str) -> dict:
    args = {'period': period.kind}
    if period.kind == 'custom':
        args.update(start=period.start.isoformat(), end=period.end.isoformat())
    else:
        args['year'] = period.year
        if period.kind == 'month':
            args['month'] = period.month
        elif period.kind == 'quarter':
            args['quarter'] = period.quarter
    if org_code:
        args['org'] = org_code
    return args


def _compute():
    if not may_see_statistics(current_user):
        abort(403)
    today = today_in_china()
    period, problems = period_from(request.args, today)
    org_code = request.args.get('org', '').strip()[:32]
    try:
        stats = statistics.figures(current_user, period.start, period.end, org_code or None, today=today)
    except MediationError as error:
        if not org_code:
            raise
        problems.append(error.message + _('已改为统计您的全部辖区。'))
        org_code = ''
        stats = statistics.figures(current_user, period.start, period.end, None, today=today)
    return stats, period, org_code, problems


@bp.route('/')
@login_required
def index():
    stats, period, org_code, problems = _compute()
    query = _query(period, org_code)
    committees = statistics.scope_choices(current_user)
    return render_template(
        'statistics/index.html', stats=stats, period=period, problems=problems, org_code=org_code,
        committees=committees, periods=PERIODS, labels=statistics.LABELS, definitions=statistics.DEFINITIONS,
        headline=statistics.HEADLINE, ladder_keys=statistics.LADDER_KEYS,
        xlsx_url=url_for('statistics.export_xlsx', **query), csv_url=url_for('statistics.export_csv', **query),
        chart_data=_chart_data(stats))


def _chart_data(stats) -> dict:
    """What the charts draw (the tables beside them show the same numbers)."""
    one_year = stats.start.year == stats.end.year
    busy = [row for row in stats.overdue_by_committee
            if row.figures['overdue'].value or row.figures['due_soon'].value][:15]
    return {
        'monthly': {'months': [_('%(month)s月', month=int(row.key[5:])) if one_year else row.key
                               for row in stats.monthly],
                    'accepted': [row.figures['accepted'].value for row in stats.monthly],
                    'agreed': [row.figures['agreed'].value for row in stats.monthly],
                    'labels': [_('受理'), _('调解成功')]},
        'categories': [{'name': row.label, 'value': row.figures['accepted'].value}
                       for row in stats.by_category if row.depth == 0 and row.figures['accepted'].value],
        'ladder': [{'name': _(statistics.LABELS['ladder_' + key]),
                    'value': round(stats.ladder[key].value * 100, 1) if stats.ladder[key].value is not None else 0}
                   for key in statistics.LADDER_KEYS],
        'overdue': {'names': [row.label for row in busy],
                    'overdue': [row.figures['overdue'].value for row in busy],
                    'due_soon': [row.figures['due_soon'].value for row in busy],
                    'labels': [_('已超期'), _('即将到期')]},
    }


def _download(body, mimetype: str, stats, extension: str) -> Response:
    name = f'统计表-{stats.scope.name}-{stats.start:%Y%m%d}-{stats.end:%Y%m%d}.{extension}'
    disposition = (f'attachment; filename=statistics-{stats.start:%Y%m%d}-{stats.end:%Y%m%d}.{extension}; '
                   f"filename*=UTF-8''{quote(name)}")
    return Response(body, mimetype=mimetype, headers={'Content-Disposition': disposition, 'Cache-Control': 'no-store'})


@bp.route('/export.xlsx')
@login_required
def export_xlsx():
    stats = _compute()[0]
    return _download(statistics.xlsx_bytes(stats),
                     'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', stats, 'xlsx')


@bp.route('/export.csv')
@login_required
def export_csv():
    stats = _compute()[0]
    return _download(statistics.csv_text(stats), 'text/csv', stats, 'csv')
