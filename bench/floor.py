"""The sweep's own writes done by SQL alone: the floor for what ``sweep_in_batches`` must write.

The issue's baseline (bench.sweep) updates the due stages and writes one event each. The sweep
writes one row more, by design: per referred stage the stage update, the ``refer_up`` event
(which also claims the lapse under its unique key) and the parent committee's new stage pending
acceptance — checked against seven foreign keys in all, against the baseline's three. This
module does exactly those writes for the bench's data (every due stage is a village or town stage
that is referred up) in set-based SQL with no Python at all, so the report can tell the cost of
the work itself from the cost of doing it from Python.

PostgreSQL: one statement of data-modifying CTEs. SQLite: a temporary table of the due rows,
then one INSERT … SELECT or UPDATE per table. Both in one transaction, commit included.
"""
import time

import sqlalchemy as sa

from bench import data

REFER_REASON = '调解期限届满未达成协议，系统自动移交上级调解组织（须经上级受理并征得当事人同意）'
#: The acceptance deadline of the new stages (3 working days from 1 December 2026) and its
#: due-soon day, as the sweep computes them for the bench's day.
ACCEPT_DUE = '2026-12-04'
ACCEPT_SOON = '2026-11-27'

_PARAMS = (sa.bindparam('now', type_=sa.DateTime), sa.bindparam('today', type_=sa.Date))

_PG = sa.text(f"""
WITH due AS (
    SELECT s.id, s.case_id, s.committee_id, s.level, s.due_on, s.court_id, o.parent_id, o.name AS committee_name
      FROM stage s JOIN organisation o ON o.id = s.committee_id
     WHERE s.next_check_on <= :today
       FOR NO KEY UPDATE OF s SKIP LOCKED
), claimed AS (
    INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data, claim_key)
    SELECT case_id, id, NULL, :now, 'refer_up', 'mediating', 'referred_up', :reason,
           json_build_object('automatic', true, 'due_on', due_on), 'expiry:mediation:' || due_on
      FROM due
        ON CONFLICT DO NOTHING
 RETURNING stage_id
), referred AS (
    SELECT due.* FROM due JOIN claimed ON claimed.stage_id = due.id
), updated AS (
    UPDATE stage
       SET state = 'referred_up', ended_at = :now, outcome = :reason, clock = NULL, due_on = NULL,
           due_soon_on = NULL, due_provisional = false, deadline_rule = NULL, next_check_on = NULL,
           version = version + 1
      FROM claimed WHERE stage.id = claimed.stage_id
)
INSERT INTO stage (case_id, committee_id, level, kind, state, previous_stage_id, court_id, received_at, clock,
                   deadline_rule, due_on, due_soon_on, due_provisional, next_check_on, version)
SELECT case_id, parent_id, CASE level WHEN 'village' THEN 'town' ELSE 'district' END, 'people',
       'pending_acceptance', id, court_id, :now, 'acceptance', 'acceptance', DATE '{ACCEPT_DUE}',
       DATE '{ACCEPT_SOON}', false, DATE '{ACCEPT_SOON}', 1
  FROM referred
""").bindparams(*_PARAMS)

_SQLITE = [
    """CREATE TEMP TABLE bench_floor_due AS
       SELECT s.id, s.case_id, s.committee_id, s.level, s.due_on, s.court_id, o.parent_id
         FROM stage s JOIN organisation o ON o.id = s.committee_id
        WHERE s.next_check_on <= :today""",
    """INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data, claim_key)
       SELECT case_id, id, NULL, :now, 'refer_up', 'mediating', 'referred_up', :reason,
              json_object('automatic', json('true'), 'due_on', due_on), 'expiry:mediation:' || due_on
         FROM bench_floor_due WHERE true
           ON CONFLICT DO NOTHING""",
    """UPDATE stage
          SET state = 'referred_up', ended_at = :now, outcome = :reason, clock = NULL, due_on = NULL,
              due_soon_on = NULL, due_provisional = 0, deadline_rule = NULL, next_check_on = NULL,
              version = version + 1
        WHERE id IN (SELECT id FROM bench_floor_due)""",
    f"""INSERT INTO stage (case_id, committee_id, level, kind, state, previous_stage_id, court_id, received_at, clock,
                          deadline_rule, due_on, due_soon_on, due_provisional, next_check_on, version)
       SELECT case_id, parent_id, CASE level WHEN 'village' THEN 'town' ELSE 'district' END, 'people',
              'pending_acceptance', id, court_id, :now, 'acceptance', 'acceptance', '{ACCEPT_DUE}', '{ACCEPT_SOON}',
              0, '{ACCEPT_SOON}', 1
         FROM bench_floor_due""",
    'DROP TABLE bench_floor_due',
]


def run(db, now) -> float:
    """Do the sweep's writes for the bench's due set in SQL alone; the seconds it took."""
    params = {'now': now, 'today': data.SWEEP_DAY, 'reason': REFER_REASON}
    started = time.perf_counter()
    with db.engine.begin() as conn:
        if conn.dialect.name == 'postgresql':
            conn.execute(_PG, params)
        else:
            for sql in _SQLITE:
                conn.execute(sa.text(sql).bindparams(*(p for p in _PARAMS if f':{p.key}' in sql)), params)
    return time.perf_counter() - started
