"""The database schema: every table, in SQLAlchemy Core.

The tables are declared here, apart from the mapped classes (``mediation.models``, which map
them and add relationships and behaviour), so that code writing rows in bulk can use them
without the ORM: ``mediation sweep``, which cron starts every few minutes, imports this module
and SQLAlchemy's Core only. The ORM and the model classes took about 0.2 s of each such
process (docs/benchmarks.md).

The migrations (``migrations/``) build this schema; ``tests/test_schema.py`` checks they agree.
"""
import sqlalchemy as sa

from mediation.chinatime import utcnow
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import OrgKind
from workflows.enums import PartyKind
from workflows.enums import PartyRole
from workflows.enums import RiskLevel
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.states import State

# A naming convention makes Alembic's constraint names the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_N_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def required(name, type_, **kw):
    """A NOT NULL column (Core columns are nullable unless told)."""
    return sa.Column(name, type_, nullable=False, **kw)


def enum_type(enum_cls, name, **kw):
    """A string type holding ``enum_cls`` values, with a CHECK constraint on both databases."""
    return sa.Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True, **kw)


def primary_key():
    return sa.Column('id', sa.Integer, primary_key=True)


# --------------------------------------------------------------------------- organisations, users

#: One node of the tree (district → town → village, and courts); a committee where it mediates.
organisation = sa.Table(
    'organisation', metadata,
    primary_key(),
    required('kind', enum_type(OrgKind, 'org_kind')),
    #: Place name, e.g. 枫桥镇
    required('name', sa.String(100)),
    #: Full committee name, e.g. 枫桥镇人民调解委员会 (for a court: its full name)
    required('committee_name', sa.String(150)),
    #: Short name used in case numbers: （2026）枫桥人调字第N号
    required('short_name', sa.String(30)),
    #: Administrative division code or any unique code the deployment chooses
    required('code', sa.String(32), unique=True),
    sa.Column('parent_id', sa.ForeignKey('organisation.id'), index=True),
    #: Materialised path of ids, '/1/4/12/': a subtree is one indexed prefix match.
    required('path', sa.String(255), index=True, default=''),
    required('active', sa.Boolean, default=True),
)

#: Which districts a court serves (a basic-level court usually serves one).
court_district = sa.Table(
    'court_district', metadata,
    sa.Column('court_id', sa.ForeignKey('organisation.id', ondelete='CASCADE'), primary_key=True),
    sa.Column('district_id', sa.ForeignKey('organisation.id', ondelete='CASCADE'), primary_key=True),
)

user_account = sa.Table(
    'user_account', metadata,
    primary_key(),
    required('username', sa.String(64), unique=True),
    required('display_name', sa.String(64)),
    required('password_hash', sa.String(256)),
    required('role', enum_type(Role, 'role')),
    required('organisation_id', sa.ForeignKey('organisation.id'), index=True),
    required('active', sa.Boolean, default=True),
    required('failed_logins', sa.Integer, default=0),
    sa.Column('locked_until', sa.DateTime),
    sa.Column('last_login_at', sa.DateTime),
    required('created_at', sa.DateTime, default=utcnow),
)

#: A bearer token for the JSON API; only its SHA-256 is stored.
api_token = sa.Table(
    'api_token', metadata,
    primary_key(),
    required('user_id', sa.ForeignKey('user_account.id', ondelete='CASCADE'), index=True),
    required('token_hash', sa.String(64), unique=True),
    required('name', sa.String(100), default=''),
    required('created_at', sa.DateTime, default=utcnow),
    sa.Column('last_used_at', sa.DateTime),
    sa.Column('revoked_at', sa.DateTime),
)

# --------------------------------------------------------------------------- cases

#: Dispute category (纠纷类型), two levels, seeded from domain.md §4.1.
category = sa.Table(
    'category', metadata,
    primary_key(),
    required('code', sa.String(16), unique=True),
    required('name', sa.String(50)),
    sa.Column('parent_id', sa.ForeignKey('category.id'), index=True),
    required('sort_order', sa.Integer, default=0),
    required('active', sa.Boolean, default=True),
    #: Marriage/family, adoption and inheritance matters: the Electronic Signature Law does not apply.
    required('requires_wet_signature', sa.Boolean, default=False),
)

#: One dispute with its permanent matter code (一事一码), whichever committees handle it.
dispute_case = sa.Table(
    'dispute_case', metadata,
    primary_key(),
    required('matter_code', sa.String(20), unique=True),
    required('title', sa.String(200)),
    required('category_id', sa.ForeignKey('category.id'), index=True),
    required('source', enum_type(Source, 'case_source')),
    required('facts', sa.Text, default=''),
    required('requests', sa.Text, default=''),
    required('place', sa.String(200), default=''),
    #: 涉及金额, yuan
    sa.Column('amount', sa.Numeric(14, 2)),
    #: 涉及人数: statistics count persons as well as cases
    required('people_involved', sa.Integer, default=0),
    required('mzx_risk', sa.Boolean, default=False),
    required('group_dispute', sa.Boolean, default=False),
    required('petition_risk', sa.Boolean, default=False),
    required('major_difficult', sa.Boolean, default=False),
    required('cross_area', sa.Boolean, default=False),
    required('abnormal_death', sa.Boolean, default=False),
    required('minor_involved', sa.Boolean, default=False),
    sa.Column('risk_level', enum_type(RiskLevel, 'risk_level')),
    #: The deadline profile the case is counted under (workflows.deadlines.PROFILES)
    required('deadline_profile', sa.String(32), default='statutory'),
    required('intake_committee_id', sa.ForeignKey('organisation.id'), index=True),
    sa.Column('created_by_id', sa.ForeignKey('user_account.id')),
    required('created_at', sa.DateTime, default=utcnow, index=True),
)

#: A party. ID numbers and phones are stored encrypted plus a keyed hash for exact lookup.
party = sa.Table(
    'party', metadata,
    primary_key(),
    required('case_id', sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True),
    required('role', enum_type(PartyRole, 'party_role')),
    required('kind', enum_type(PartyKind, 'party_kind')),
    #: A person's name, or an organisation's name
    required('name', sa.String(100)),
    sa.Column('sex', sa.String(8)),
    sa.Column('ethnicity', sa.String(20)),
    sa.Column('birth_date', sa.Date),
    sa.Column('occupation', sa.String(100)),
    sa.Column('address', sa.String(255)),
    sa.Column('phone_encrypted', sa.String(255)),
    sa.Column('phone_hash', sa.String(64), index=True),
    #: Whose phone it is when a party gives a relative's number
    sa.Column('phone_contact', sa.String(50)),
    sa.Column('id_number_encrypted', sa.String(255)),
    sa.Column('id_number_hash', sa.String(64), index=True),
    #: Masked forms kept beside the ciphertext so lists never need to decrypt
    sa.Column('phone_masked', sa.String(32)),
    sa.Column('id_number_masked', sa.String(32)),
    sa.Column('uscc', sa.String(18)),
    sa.Column('legal_representative', sa.String(50)),
)

#: The part of a case handled by one committee (or the court): its own number, clock and outcome.
stage = sa.Table(
    'stage', metadata,
    primary_key(),
    required('case_id', sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True),
    required('committee_id', sa.ForeignKey('organisation.id')),
    required('level', enum_type(Level, 'stage_level')),
    required('kind', enum_type(StageKind, 'stage_kind')),
    #: A State value; the state machine writes it (workflows.machine)
    required('state', enum_type(State, 'stage_state'), default=State.PENDING_ACCEPTANCE),
    sa.Column('previous_stage_id', sa.ForeignKey('stage.id'), index=True),
    #: The court that sent the case down (委派/委托) or to which it was referred
    sa.Column('court_id', sa.ForeignKey('organisation.id'), index=True),
    sa.Column('court_case_number', sa.String(64)),
    #: When the stage arrived at the committee (for court-sent cases: the mediator's receipt)
    required('received_at', sa.DateTime, default=utcnow),
    sa.Column('accepted_at', sa.DateTime),
    #: Case-number parts: （{number_year}）{number_prefix}人调字第{number_serial}号
    sa.Column('number_year', sa.Integer),
    sa.Column('number_serial', sa.Integer),
    sa.Column('number_prefix', sa.String(30)),
    #: The clock running now and its deadline, derived from recorded events (services.deadlines)
    sa.Column('clock', enum_type(Clock, 'stage_clock')),
    sa.Column('deadline_rule', sa.String(48)),
    sa.Column('due_on', sa.Date, index=True),
    sa.Column('due_soon_on', sa.Date),
    required('due_provisional', sa.Boolean, default=False),
    #: Next day the sweep must look at this stage; NULL when there is nothing left for it to do
    sa.Column('next_check_on', sa.Date),
    #: District stage past its deadline: waiting for a decision
    sa.Column('flagged_at', sa.DateTime),
    sa.Column('agreement_effective_at', sa.DateTime),
    sa.Column('outcome', sa.String(500)),
    sa.Column('ended_at', sa.DateTime),
    #: Bumped by every transition (optimistic locking: mediation.models.Stage)
    required('version', sa.Integer, default=1),
    sa.UniqueConstraint('committee_id', 'number_year', 'number_serial'),
    # The sweep reads only rows whose next check is due: cost follows due stages, not open ones.
    # Partial: the millions of rows with nothing left to check are not in the index at all.
    sa.Index('ix_stage_next_check_on', 'next_check_on', sqlite_where=sa.text('next_check_on IS NOT NULL'),
             postgresql_where=sa.text('next_check_on IS NOT NULL')),
    sa.Index('ix_stage_committee_state', 'committee_id', 'state'),
)

# --------------------------------------------------------------------------- audit trail, notices

#: Append-only history: who did what to which case, when and why (mediation.models.Event).
event = sa.Table(
    'event', metadata,
    primary_key(),
    required('case_id', sa.ForeignKey('dispute_case.id', ondelete='CASCADE'), index=True),
    sa.Column('stage_id', sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True),
    #: NULL for the system (the sweep)
    sa.Column('actor_id', sa.ForeignKey('user_account.id')),
    required('at', sa.DateTime, default=utcnow),
    #: a trigger name ('accept', 'refer_up', …) or another kind ('created', 'pii_viewed', …)
    required('kind', sa.String(40)),
    sa.Column('from_state', sa.String(32)),
    sa.Column('to_state', sa.String(32)),
    required('reason', sa.Text, default=''),
    required('data', sa.JSON, default=dict),
    #: ``expiry:<clock>:<due date>`` on the event of a lapsed deadline: inserting it claims the lapse
    sa.Column('claim_key', sa.String(60)),
    sa.Index('uq_event_stage_id_claim_key', 'stage_id', 'claim_key', unique=True,
             sqlite_where=sa.text('claim_key IS NOT NULL'), postgresql_where=sa.text('claim_key IS NOT NULL')),
)

#: An in-app reminder or alert for the users of one organisation; kept off the legal record.
notice = sa.Table(
    'notice', metadata,
    primary_key(),
    required('organisation_id', sa.ForeignKey('organisation.id', ondelete='CASCADE')),
    sa.Column('stage_id', sa.ForeignKey('stage.id', ondelete='CASCADE'), index=True),
    #: 'due_soon' | 'overdue' | 'escalated' | 'risk_alert' | 'calendar_missing' | …
    required('kind', sa.String(32)),
    required('day', sa.Date),
    required('message', sa.String(500)),
    required('created_at', sa.DateTime, default=utcnow),
    sa.Column('read_at', sa.DateTime),
    sa.UniqueConstraint('organisation_id', 'stage_id', 'kind', 'day'),
)

# --------------------------------------------------------------------------- calendar, numbering

#: A day that differs from plain Monday–Friday, or carries a holiday name.
calendar_day = sa.Table(
    'calendar_day', metadata,
    sa.Column('day', sa.Date, primary_key=True),
    required('is_workday', sa.Boolean),
    sa.Column('name', sa.String(50)),
    #: 'chinesecalendar' | 'admin' | 'cli'
    required('source', sa.String(20)),
    sa.Column('updated_by_id', sa.ForeignKey('user_account.id')),
    required('updated_at', sa.DateTime, default=utcnow, onupdate=utcnow),
)

#: A year whose holiday notice has been entered; days of other years count as provisional.
calendar_year = sa.Table(
    'calendar_year', metadata,
    sa.Column('year', sa.Integer, primary_key=True, autoincrement=False),
    required('source', sa.String(20)),
    required('loaded_at', sa.DateTime, default=utcnow),
    sa.Column('loaded_by_id', sa.ForeignKey('user_account.id')),
)

#: Last case-number serial per committee per year, incremented atomically at acceptance.
case_number_counter = sa.Table(
    'case_number_counter', metadata,
    sa.Column('committee_id', sa.ForeignKey('organisation.id'), primary_key=True),
    sa.Column('year', sa.Integer, primary_key=True, autoincrement=False),
    required('last_serial', sa.Integer, default=0),
)
