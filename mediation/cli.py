"""The ``mediation`` command: a Flask CLI group (``flask --app mediation`` works the same).

Each command's docstring is its help text. A command that changes data commits once, at its
end (``committed``); the sweep commits each batch of due stages (``sweep_in_batches``). Heavy
modules (WeasyPrint, pyHanko) are imported only by the commands that make documents.
"""
import atexit
import concurrent.futures
import functools
import gc
import json
import logging
import sys
import threading
from datetime import date
from datetime import datetime
from typing import Optional

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext
from sqlalchemy import exc as sa_exc

from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.database import is_missing_schema
from mediation.errors import ConfigurationError
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.inputs import DATE_RANGE
from mediation.inputs import InputError
from mediation.inputs import check_date
from mediation.models import Organisation
from mediation.services import accounts
from mediation.services import calendar as calendar_service
from mediation.services import tokens
from mediation.services.deadlines import rebuild_all
from mediation.services.sweep import SweepReport
from mediation.services.sweep import parse_now
from mediation.services.sweep import sweep as sweep_batch
from workflows.enums import CalendarSource
from workflows.enums import Role

log = logging.getLogger(__name__)


def main():
    """The console script ``mediation``: a user's mistake is one line and exit status 2, never a traceback."""
    if sys.argv[1:2] == ['sweep']:
        # Cron runs it every few minutes: collecting its ~120,000 objects (imports, app, models) while it
        # runs and again at exit took 0.35-0.5 s of a 1.1 s run (docs/benchmarks.md), and nothing it
        # keeps is garbage worth freeing before the process ends.
        gc.disable()
        atexit.register(gc.freeze)
    from mediation import create_app
    cli = FlaskGroup(create_app=create_app, help='枫桥式人民调解案件管理 / Fengqiao mediation case tracker')
    try:
        status = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo('Aborted!', err=True)
        sys.exit(1)
    except click.ClickException as error:
        # Click would print the usage first; cron mails and scripts want the one line that matters.
        click.echo(f'Error: {error.format_message()}', err=True)
        sys.exit(USER_MISTAKE)
    except ConfigurationError as error:
        click.echo(f'Error: 配置有误 / configuration error: {error}', err=True)
        sys.exit(USER_MISTAKE)
    except sa_exc.DBAPIError as error:
        click.echo(f'Error: {_database_problem(error)}', err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)


#: The exit status of a command the user must give differently (as Click's usage errors).
USER_MISTAKE = 2


def _database_problem(error) -> str:
    if is_missing_schema(error):
        return '数据库尚未建表：请先运行 `mediation db upgrade`。'
    return f'数据库报错，命令未完成：{str(error.orig).strip()}'


def register_commands(app):
    for command in (seed_demo, create_user, create_token, revoke_token, sweep, calendar, deadline, rebuild_deadlines,
                    keys, serve):
        app.cli.add_command(command)


def committed(command):
    """Run ``command`` in the app and commit once when it succeeds: the command's one commit point."""
    @functools.wraps(command)
    @with_appcontext
    def run(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result
    return run


def _parse_date(value, what):
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f'{value!r} 不是有效日期，请使用 YYYY-MM-DD 格式。', param_hint=what)
    try:
        return check_date(day)
    except InputError as error:
        raise click.BadParameter(error.message, param_hint=what)


@click.command('seed-demo')
@committed
def seed_demo():
    """Load the demo district, users and a few hundred synthetic cases (idempotent)."""
    from mediation.demo import seed_demo_data  # only this command needs the demo's stories
    report = seed_demo_data()
    click.echo(report)


@click.command('create-user')
@click.argument('username')
@click.option('--role', required=True, type=click.Choice([r.value for r in Role]))
@click.option('--org', 'org_code', required=True, help='organisation code (see the admin pages)')
@click.option('--name', 'display_name', default='', help='display name')
@click.password_option(help='password (asked for when not given)')
@committed
def create_user(username, role, org_code, display_name, password):
    """Create a user with one role at one organisation node."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.code == org_code))
    if organisation is None:
        raise click.ClickException(f'找不到编码为 {org_code} 的组织。')
    try:
        user = accounts.create_user(username=username, display_name=display_name, password=password,
                                    role=Role(role), organisation=organisation)
    except ValidationFailed as error:
        raise click.ClickException(error.message)
    click.echo(f'已创建用户 {user.username}（{user.role.label_zh}，{organisation.name}）')


@click.command('create-token')
@click.argument('username')
@click.option('--name', default='', help='what the token is for')
@committed
def create_token(username, name):
    """Create an API bearer token for USERNAME and print it (shown once)."""
    try:
        token = tokens.create_token(username, name)
    except LookupError as error:
        raise click.ClickException(str(error))
    click.echo(token)


@click.command('revoke-token')
@click.argument('username')
@click.option('--name', default=None, help='only the tokens created with this --name')
@committed
def revoke_token(username, name):
    """Revoke USERNAME's API tokens at once (a leaked token, a system taken out of service)."""
    try:
        count = tokens.revoke_tokens(username, name)
    except LookupError as error:
        raise click.ClickException(str(error))
    click.echo(f'已吊销 {username} 的 {count} 个接口令牌。')


#: Due stages taken per transaction: each batch's locks are held for a fraction of a second, and
#: another server's sweep takes the next batch meanwhile (it skips the locked stages).
BATCH_SIZE = 1000
#: Connections sweeping at once on PostgreSQL, sharing the due stages through SKIP LOCKED. The
#: benchmark (docs/benchmarks.md) measured one connection at 2.5x the bare set-based statement at
#: 1,000,000 open stages and two within 2x. SQLite writes one transaction at a time: one there.
POSTGRESQL_SWEEP_CONNECTIONS = 2


def sweep_in_batches(engine, now: Optional[datetime] = None, *, batch_size: int = BATCH_SIZE,
                     connections: Optional[int] = None) -> SweepReport:
    """The whole sweep as cron and ``mediation serve`` run it: batches, each its own transaction."""
    now = now or utcnow()
    if connections is None:
        connections = POSTGRESQL_SWEEP_CONNECTIONS if engine.dialect.name == 'postgresql' else 1
    total = SweepReport(china_date(now))
    if connections == 1:
        total.add(_sweep_on_one_connection(engine, now, batch_size))
        return total
    with concurrent.futures.ThreadPoolExecutor(connections, thread_name_prefix='sweep') as pool:
        for report in pool.map(lambda _: _sweep_on_one_connection(engine, now, batch_size), range(connections)):
            total.add(report)
    return total


def _sweep_on_one_connection(engine, now: datetime, batch_size: int) -> SweepReport:
    total = SweepReport(china_date(now))
    seen = set()
    while True:
        with engine.begin() as conn:
            report = sweep_batch(conn, now, limit=batch_size)
        total.add(report)
        # A stage a batch looked at leaves the due set (its next check is tomorrow, or none); one
        # seen again would mean it did not, and the loop must not go on.
        if report.examined < batch_size or not seen.isdisjoint(report.stage_ids):
            return total
        seen.update(report.stage_ids)


@click.command('sweep')
@click.option('--now', 'now_text', default=None, help='pretend it is this time (ISO date or datetime, China time)')
@with_appcontext
def sweep(now_text):
    """Find due-soon and overdue stages, remind their handlers, escalate the expired ones once."""
    try:
        now = parse_now(now_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint='--now')
    click.echo(sweep_in_batches(db.engine, now).summary())


def start_sweep_scheduler(app, minutes: float) -> threading.Event:
    """Run the sweep now and then every ``minutes`` in a daemon thread; set the returned event to stop it.

    Safe next to a cron sweep or another server: the sweep escalates each stage once.
    """
    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    log.info(sweep_in_batches(db.engine).summary())
                except Exception:  # the schedule must survive a bad run; the next one retries
                    log.exception('scheduled sweep failed')
            stop.wait(minutes * 60)

    stop = threading.Event()
    threading.Thread(target=loop, name='sweep-scheduler', daemon=True).start()
    return stop


@click.group('calendar')
def calendar():
    """The working-day calendar (holidays and 调休 make-up working days)."""


@calendar.command('load')
@click.argument('year', type=click.IntRange(DATE_RANGE[0].year, DATE_RANGE[1].year))
@committed
def calendar_load(year):
    """Load YEAR's holidays from the chinesecalendar package and recompute affected deadlines."""
    try:
        result = calendar_service.load_year(year, actor=None, source=CalendarSource.CLI)
    except ValueError as error:
        raise click.ClickException(str(error))
    click.echo(result)


@calendar.command('set')
@click.argument('day')
@click.argument('kind', type=click.Choice(['workday', 'holiday']))
@click.argument('name', required=False, default=None)
@committed
def calendar_set(day, kind, name):
    """Mark DAY as a working day or a holiday (e.g. from a new State Council notice)."""
    result = calendar_service.set_day(_parse_date(day, 'DATE'), kind == 'workday', name, actor=None,
                                      source=CalendarSource.CLI)
    click.echo(result)


@calendar.command('status')
@with_appcontext
def calendar_status():
    """Which years have holiday data."""
    years = calendar_service.known_years()
    click.echo(f'已录入节假日安排的年份：{", ".join(calendar_service.year_ranges(years)) or "无"}')
    missing = calendar_service.missing_years_ahead()
    if missing:
        click.echo(f'缺少节假日安排：{", ".join(map(str, missing))}（期限暂按周一至周五计算，标记为“暂定”）')


#: The longest period the deadline command counts (as the deadline calculator page).
MAX_PERIOD = 366


@click.command('deadline')
@click.argument('start')
@click.option('--days', type=click.IntRange(1, MAX_PERIOD), help='natural days (自然日)')
@click.option('--months', type=click.IntRange(1, MAX_PERIOD), help='calendar months (月)')
@click.option('--workdays', type=click.IntRange(1, MAX_PERIOD), help='working days (工作日)')
@click.option('--json', 'as_json', is_flag=True, help='print {"due", "provisional", "explanation"} as JSON')
@with_appcontext
def deadline(start, days, months, workdays, as_json):
    """Compute the due date of a period starting START, with the same engine the cases use."""
    chosen = [(unit, n) for unit, n in (('days', days), ('months', months), ('workdays', workdays)) if n]
    if len(chosen) != 1:
        raise click.UsageError('请且只能指定 --days、--months、--workdays 其中之一。')
    unit, amount = chosen[0]
    result = calendar_service.compute_period(_parse_date(start, 'START'), unit, amount)
    if as_json:
        click.echo(json.dumps({'due': result.due.isoformat(), 'provisional': result.provisional,
                               'explanation': list(result.explanation)}, ensure_ascii=False))
        return
    click.echo(f'到期日：{result.due.isoformat()}' + ('（暂定）' if result.provisional else ''))
    for step in result.explanation:
        click.echo(f'  - {step["text"]}')


@click.command('rebuild-deadlines')
@committed
def rebuild_deadlines():
    """Recompute every open stage's deadline from its recorded events."""
    changed = rebuild_all()
    click.echo(f'已重算期限，{changed} 个阶段的期限有变化。')


@click.group('keys')
def keys():
    """The committees' signing keys and the system's root certificate (for sealed agreements)."""


@keys.command('init')
@with_appcontext
def keys_init():
    """Create the root CA and a certificate for every committee that lacks one (idempotent)."""
    from mediation.services.sealing import init_committee_keys
    from mediation.services.sealing import keys_dir
    click.echo(f'签章密钥目录 / keys folder: {keys_dir()}')
    for line in init_committee_keys():
        click.echo(line)


@keys.command('status')
@with_appcontext
def keys_status():
    """What keys and certificates exist."""
    from mediation.documents.keys import describe_keys
    from mediation.services.sealing import keys_dir
    click.echo(f'签章密钥目录 / keys folder: {keys_dir()}')
    for line in describe_keys(keys_dir()):
        click.echo(line)


@click.command('serve')
@click.option('--host', default='127.0.0.1', show_default=True)
@click.option('--port', default=5000, show_default=True, type=int)
@click.option('--threads', default=4, show_default=True, type=int)
@click.option('--no-scheduler', is_flag=True, help='do not run the sweep in-process')
@with_appcontext
def serve(host, port, threads, no_scheduler):
    """Serve the app with waitress (one office PC); runs the sweep on a schedule in-process."""
    from waitress import serve as waitress_serve

    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    # The transitions library logs each callback at INFO; the audit trail already records every step.
    logging.getLogger('transitions').setLevel(logging.WARNING)
    from mediation.services.documents import font_problem
    if font_problem():  # say so now, not when the first agreement fails to print
        click.echo(f'警告 / Warning: {font_problem()}', err=True)
    minutes = app.config['SWEEP_INTERVAL_MINUTES']
    if minutes and not no_scheduler:
        start_sweep_scheduler(app, minutes)
        click.echo(f'到期巡检每 {minutes} 分钟运行一次。')
    click.echo(f'正在 http://{host}:{port}/ 提供服务（按 Ctrl+C 停止）')
    sys.stdout.flush()
    waitress_serve(app, host=host, port=port, threads=threads)
