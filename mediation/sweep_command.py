"""``mediation sweep`` as cron runs it: a process that never imports Flask.

Cron starts the sweep every few minutes, so its start-up is paid on every run: the command
reads the settings (``mediation.load_settings``), opens its own engine and session, and sweeps.
Flask, its extensions and the web app were about a quarter of the process's time
(docs/benchmarks.md). Inside the Flask CLI (``flask --app mediation sweep``, the tests'
runner) ``mediation.cli.sweep`` runs the same sweep in the app's session.
"""
import click

HELP = 'Find due-soon and overdue stages, remind their handlers, escalate the expired ones once.'

now_option = click.option('--now', 'now_text', default=None,
                          help='pretend it is this time (ISO date or datetime, China time)')


def sweep_and_summarise(session, now_text) -> str:
    # Imported when sweeping: `sweep --help` needs neither the models nor the database.
    from mediation.services.sweep import parse_now
    from mediation.services.sweep import run_sweep
    try:
        now = parse_now(now_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint='--now')
    return run_sweep(session, now).summary()


@click.command('sweep', help=HELP)
@now_option
def sweep(now_text):
    from sqlalchemy.orm import Session

    from mediation import instance_folder
    from mediation import load_settings
    from mediation.database import create_engine
    engine = create_engine(load_settings(instance_folder()))
    try:
        with Session(engine) as session:
            summary = sweep_and_summarise(session, now_text)
    finally:
        engine.dispose()
    click.echo(summary)
