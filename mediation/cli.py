"""The commands of the ``mediation`` CLI group (``mediation.command``; ``flask --app mediation`` works the same).

Each command's docstring is its help text. Heavy modules (WeasyPrint, pyHanko) are never
imported here: the sweep runs from cron and must start fast.
"""
import json
import logging
import sys
from datetime import date

import click
from flask.cli import with_appcontext

from mediation import sweep_command
from workflows.enums import Role


def register_commands(app):
    for command in (seed_demo, create_user, create_token, revoke_token, sweep, calendar, deadline, rebuild_deadlines, serve):
        app.cli.add_command(command)


def _parse_date(value, what):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f'{value!r} 不是有效日期，请使用 YYYY-MM-DD 格式。', param_hint=what)


@click.command('seed-demo')
@with_appcontext
def seed_demo():
    """Load the demo district, users and a few hundred synthetic cases (idempotent)."""
    from mediation.demo import seed_demo_data
    from mediation.extensions import db
    report = seed_demo_data()
    db.session.commit()
    click.echo(report)


@click.command('create-user')
@click.argument('username')
@click.option('--role', required=True, type=click.Choice([r.value for r in Role]))
@click.option('--org', 'org_code', required=True, help='organisation code (see the admin pages)')
@click.option('--name', 'display_name', default='', help='display name')
@click.password_option(help='password (asked for when not given)')
@with_appcontext
def create_user(username, role, org_code, display_name, password):
    """Create a user with one role at one organisation node."""
    import sqlalchemy as sa

    from mediation.errors import ValidationFailed
    from mediation.extensions import db
    from mediation.models import Organisation
    from mediation.services import accounts
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.code == org_code))
    if organisation is None:
        raise click.ClickException(f'找不到编码为 {org_code} 的组织。')
    try:
        user = accounts.create_user(username=username, display_name=display_name, password=password,
                                    role=Role(role), organisation=organisation)
    except ValidationFailed as error:
        raise click.ClickException(error.message)
    db.session.commit()
    click.echo(f'已创建用户 {user.username}（{user.role.label_zh}，{organisation.name}）')


@click.command('create-token')
@click.argument('username')
@click.option('--name', default='', help='what the token is for')
@with_appcontext
def create_token(username, name):
    """Create an API bearer token for USERNAME and print it (shown once)."""
    from mediation.extensions import db
    from mediation.services import tokens
    try:
        token = tokens.create_token(username, name)
    except LookupError as error:
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(token)


@click.command('revoke-token')
@click.argument('username')
@click.option('--name', default=None, help='only the tokens created with this --name')
@with_appcontext
def revoke_token(username, name):
    """Revoke USERNAME's API tokens at once (a leaked token, a system taken out of service)."""
    from mediation.extensions import db
    from mediation.services import tokens
    try:
        count = tokens.revoke_tokens(username, name)
    except LookupError as error:
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f'已吊销 {username} 的 {count} 个接口令牌。')


@click.command('sweep', help=sweep_command.HELP)
@sweep_command.now_option
@with_appcontext
def sweep(now_text):
    from flask import current_app

    from mediation.extensions import db
    from mediation.services.sweep import sweep_all
    now = sweep_command.parse_now_option(now_text)
    click.echo(sweep_all(db.engine, now, workers=current_app.config['SWEEP_WORKERS']).summary())


@click.group('calendar')
def calendar():
    """The working-day calendar (holidays and 调休 make-up working days)."""


@calendar.command('load')
@click.argument('year', type=int)
@with_appcontext
def calendar_load(year):
    """Load YEAR's holidays from the chinesecalendar package and recompute affected deadlines."""
    from mediation.extensions import db
    from mediation.services import calendar as calendar_service
    try:
        result = calendar_service.load_year(year, actor=None, source='cli')
    except ValueError as error:
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(result)


@calendar.command('set')
@click.argument('day')
@click.argument('kind', type=click.Choice(['workday', 'holiday']))
@click.argument('name', required=False, default=None)
@with_appcontext
def calendar_set(day, kind, name):
    """Mark DAY as a working day or a holiday (e.g. from a new State Council notice)."""
    from mediation.extensions import db
    from mediation.services import calendar as calendar_service
    result = calendar_service.set_day(_parse_date(day, 'DATE'), kind == 'workday', name, actor=None, source='cli')
    db.session.commit()
    click.echo(result)


@calendar.command('status')
@with_appcontext
def calendar_status():
    """Which years have holiday data."""
    from mediation.services import calendar as calendar_service
    years = calendar_service.known_years()
    click.echo(f'已录入节假日安排的年份：{", ".join(calendar_service.year_ranges(years)) or "无"}')
    missing = calendar_service.missing_years_ahead()
    if missing:
        click.echo(f'缺少节假日安排：{", ".join(map(str, missing))}（期限暂按周一至周五计算，标记为“暂定”）')


@click.command('deadline')
@click.argument('start')
@click.option('--days', type=click.IntRange(min=1), help='natural days (自然日)')
@click.option('--months', type=click.IntRange(min=1), help='calendar months (月)')
@click.option('--workdays', type=click.IntRange(min=1), help='working days (工作日)')
@click.option('--json', 'as_json', is_flag=True, help='print {"due", "provisional", "explanation"} as JSON')
@with_appcontext
def deadline(start, days, months, workdays, as_json):
    """Compute the due date of a period starting START, with the same engine the cases use."""
    from mediation.services.calendar import compute_period
    chosen = [(unit, n) for unit, n in (('days', days), ('months', months), ('workdays', workdays)) if n]
    if len(chosen) != 1:
        raise click.UsageError('请且只能指定 --days、--months、--workdays 其中之一。')
    unit, amount = chosen[0]
    result = compute_period(_parse_date(start, 'START'), unit, amount)
    if as_json:
        click.echo(json.dumps({'due': result.due.isoformat(), 'provisional': result.provisional,
                               'explanation': list(result.explanation)}, ensure_ascii=False))
        return
    click.echo(f'到期日：{result.due.isoformat()}' + ('（暂定）' if result.provisional else ''))
    for step in result.explanation:
        click.echo(f'  - {step["text"]}')


@click.command('rebuild-deadlines')
@with_appcontext
def rebuild_deadlines():
    """Recompute every open stage's deadline from its recorded events."""
    from mediation.extensions import db
    from mediation.services.deadlines import rebuild_all
    changed = rebuild_all()
    db.session.commit()
    click.echo(f'已重算期限，{changed} 个阶段的期限有变化。')


@click.command('serve')
@click.option('--host', default='127.0.0.1', show_default=True)
@click.option('--port', default=5000, show_default=True, type=int)
@click.option('--threads', default=4, show_default=True, type=int)
@click.option('--no-scheduler', is_flag=True, help='do not run the sweep in-process')
@with_appcontext
def serve(host, port, threads, no_scheduler):
    """Serve the app with waitress (one office PC); runs the sweep on a schedule in-process."""
    from flask import current_app
    from waitress import serve as waitress_serve

    from mediation.services.scheduler import start_sweep_scheduler
    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    # The transitions library logs each callback at INFO; the audit trail already records every step.
    logging.getLogger('transitions').setLevel(logging.WARNING)
    minutes = app.config['SWEEP_INTERVAL_MINUTES']
    if minutes and not no_scheduler:
        start_sweep_scheduler(app, minutes)
        click.echo(f'到期巡检每 {minutes} 分钟运行一次。')
    click.echo(f'正在 http://{host}:{port}/ 提供服务（按 Ctrl+C 停止）')
    sys.stdout.flush()
    waitress_serve(app, host=host, port=port, threads=threads)
