"""The ``mediation`` command (``python -m mediation``).

``mediation sweep`` is dispatched before Flask is imported (``mediation.sweep_command``): cron
starts it every few minutes. Every other command runs in the Flask app (``mediation.cli``).
Errors a user must fix (configuration, an unmigrated or unreachable database) are one line.
"""
import gc
import sys


def main():
    sweeping = sys.argv[1:2] == ['sweep']
    if sweeping:
        # A process that lives for a second: the collector's passes over the ~60,000 objects
        # its imports create, and the last one at exit, were a sixth of its time (docs/benchmarks.md).
        gc.disable()
    import click
    from sqlalchemy import exc as sa_exc

    from mediation import ConfigurationError
    try:
        if sweeping:
            from mediation import sweep_command
            try:
                sweep_command.sweep.main(args=sys.argv[2:], prog_name='mediation sweep')
            finally:
                gc.freeze()  # leaves the objects out of the collection at exit
            return
        from flask.cli import FlaskGroup

        from mediation import create_app
        cli = FlaskGroup(create_app=create_app, help='枫桥式人民调解案件管理 / Fengqiao mediation case tracker')
        cli.main()
    except ConfigurationError as error:
        click.echo(f'Error: 配置有误 / configuration error: {error}', err=True)
        sys.exit(2)
    except sa_exc.DBAPIError as error:
        # Cron mails what the sweep prints: one line that says what is wrong, not a traceback.
        click.echo(f'Error: {_database_problem(error)}', err=True)
        sys.exit(1)


def _database_problem(error) -> str:
    from mediation.database import is_missing_schema
    if is_missing_schema(error):
        return '数据库尚未建表：请先运行 `mediation db upgrade`。'
    return f'数据库报错，命令未完成：{str(error.orig).strip()}'
