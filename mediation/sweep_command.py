"""``mediation sweep`` as cron runs it: a process that imports neither Flask nor the ORM.

Cron starts the sweep every few minutes, so its start-up is paid on every run: the command
reads the settings (``mediation.load_settings``), opens its own engine, and sweeps with
SQLAlchemy Core on the tables of ``mediation.schema`` (``services.sweep.sweep_all``). Flask and its extensions,
then the ORM and the model classes, were most of the process's time (docs/benchmarks.md).
Inside the Flask CLI (``flask --app mediation sweep``, the tests' runner) ``mediation.cli.sweep``
runs the same sweep in the app's session.
"""
import click

HELP = 'Find due-soon and overdue stages, remind their handlers, escalate the expired ones once.'

now_option = click.option('--now', 'now_text', default=None,
                          help='pretend it is this time (ISO date or datetime, China time)')


def parse_now_option(now_text):
    # Imported when sweeping: `sweep --help` needs neither the tables nor the database.
    from mediation.services.sweep import parse_now
    try:
        return parse_now(now_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint='--now')


@click.command('sweep', help=HELP)
@now_option
def sweep(now_text):
    from mediation import instance_folder
    from mediation import load_settings
    from mediation.database import create_engine
    from mediation.services.sweep import sweep_all
    now = parse_now_option(now_text)
    settings = load_settings(instance_folder())
    engine = create_engine(settings)
    try:
        report = sweep_all(engine, now, workers=settings['SWEEP_WORKERS'])
    finally:
        engine.dispose()
    click.echo(report.summary())
