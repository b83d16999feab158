"""The in-process sweep schedule of ``mediation serve`` (one office PC; larger sites use cron)."""
import logging
import threading

log = logging.getLogger(__name__)


def start_sweep_scheduler(app, minutes: float) -> threading.Event:
    """Run the sweep now and then every ``minutes`` in a daemon thread; set the returned event to stop it.

    Safe next to a cron sweep or another server: the sweep escalates each stage once.
    """
    def loop():
        from mediation.extensions import db
        from mediation.services.sweep import sweep_all
        while not stop.is_set():
            with app.app_context():
                try:
                    log.info(sweep_all(db.engine, workers=app.config['SWEEP_WORKERS']).summary())
                except Exception:  # the schedule must survive a bad run; the next one retries
                    log.exception('scheduled sweep failed')
            stop.wait(minutes * 60)

    stop = threading.Event()
    threading.Thread(target=loop, name='sweep-scheduler', daemon=True).start()
    return stop
