"""The pages suite's data: the demo's cases, made by the real services, cloned to 10,000 or a million.

The case page and the lists show everything a case has: parties with masked identifiers, stages
over the organisation tree, their history, agreements, signatures, sealed documents, sessions,
investigations, evidence, performance, follow-up visits, notes and notices. Rows that look like
what the services write are best had from the services themselves, so:

1. **Templates.** ``mediation db upgrade`` and ``mediation seed-demo`` (its ~300 cases go
   through ``create_case``, ``apply_transition`` and the record services, with sealed agreements)
   run once into a scratch SQLite file (:func:`build_templates`, about a minute; kept in the work
   folder). Every row of each demo case, in every table that hangs off a case, is one template.
2. **Clones.** :func:`clone_rows` spreads N cases over the three years before the demo's last
   case, ids in registration order. A case registered within the demo's six months copies the
   demo case registered next after it; an older one copies a case whose stages have all ended
   (nothing open, nothing left for the sweep), since that is what three-year-old cases are.
   Each clone is moved in time to its own registration (datetimes by the exact difference, date
   columns by the difference in China days), onto its own village (round robin over the 300
   villages of :func:`bench.data.org_tree`) with that village's town, the district and a court,
   and gets new ids everywhere (JSON references included), its own matter code, case numbers
   (serials per committee and year, in order), verification codes, and new people: each person
   party a new name (demo surnames and given names), a new resident ID number and mobile,
   encrypted, hashed and masked with the app's own cipher and helpers, the names replaced in
   every text (titles, facts, statements, agreements, history), and the demo's place names by
   the bench district's.
3. **Designated cases**, at fixed places: the *typical* case of the issue (3 parties, 2 stages,
   about a dozen events, some records: a demo case of 2 stages with records, given a third
   party), a *few* case (1 stage, 2 parties, no records), a *many* case (the demo case with the
   most stages, events and kinds of record) and a *heavy* one (the same, with its parties, events
   and records four times over), and ``SEARCH_CASES`` cases spread over the whole table whose
   first person party is named ``SEARCH_NAME`` (a surname no one else has), so a name search
   finds the same number of cases at every size.

Rows are produced per table in the column order of the models' tables; :mod:`bench.pages_db`
writes them with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL).
"""
import bisect
import hmac
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from bench import data
from bench.databases import FIELD_ENCRYPTION_KEY
from bench.databases import SECRET_KEY
from bench.databases import log

#: Tables cloned per case, parents first.
CLONED = ('dispute_case', 'party', 'stage', 'agreement', 'signature', 'issued_document', 'mediation_session',
          'investigation', 'attachment', 'performance_record', 'follow_up_visit', 'case_note', 'event', 'notice')
#: What the heavy case repeats (not its stages, agreements, signatures, documents or notices).
REPEATED = ('party', 'mediation_session', 'investigation', 'attachment', 'performance_record', 'follow_up_visit',
            'case_note', 'event')
HEAVY_TIMES = 4
#: The record tables, as ``event.data['record']`` names them.
RECORD_TABLES = {'session': 'mediation_session', 'investigation': 'investigation', 'evidence': 'attachment',
                 'performance': 'performance_record', 'follow_up': 'follow_up_visit', 'note': 'case_note'}
RECORD_KINDS = tuple(RECORD_TABLES.values())

SPAN_DAYS = 3 * 365
#: The name search: this many cases, spread over the table, have a first person party so named.
SEARCH_NAME = '欧阳晓岚'
SEARCH_CASES = 20
#: A surname prefix (many cases at every size; not a target, shown for what it costs).
SURNAME_PREFIX = '王'
CHINA = timedelta(hours=8)

DISTRICT_USER = 'bench-district'
DISTRICT_PASSWORD = 'bench-password-1'


# --------------------------------------------------------------------------- the templates

def build_templates(folder: Path) -> Path:
    """The demo's cases in a SQLite file in ``folder`` (made once: kept and reused while the
    migrations' head is the one it was made with)."""
    folder = Path(folder)
    path = folder / 'templates.sqlite3'
    head = migrations_head()
    if path.exists():
        if _revision(path) == head:
            return path
        log(f'pages: the demo cases in {path} predate the migration {head}: made again')
        path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob('demo.sqlite3*'):
        stale.unlink()
    env = dict(os.environ, MEDIATION_INSTANCE_PATH=str(folder), DATABASE_URL=f'sqlite:///{folder / "demo.sqlite3"}',
               SECRET_KEY=SECRET_KEY, FIELD_ENCRYPTION_KEY=FIELD_ENCRYPTION_KEY, MEDIATION_SWEEP_INTERVAL_MINUTES='0')
    started = time.perf_counter()
    for command in (['db', 'upgrade'], ['seed-demo']):
        completed = subprocess.run([sys.executable, '-m', 'mediation', *command], env=env, capture_output=True,
                                   text=True)
        if completed.returncode:
            raise RuntimeError(f'mediation {" ".join(command)} failed:\n{completed.stdout}\n{completed.stderr}')
    (folder / 'demo.sqlite3').rename(path)
    log(f'pages: demo cases made by the services in {time.perf_counter() - started:.0f} s ({path})')
    return path


def migrations_head() -> str:
    from alembic.script import ScriptDirectory
    heads = ScriptDirectory(str(Path(__file__).resolve().parent.parent / 'migrations')).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f'the migrations have {len(heads)} heads ({", ".join(heads)}): merge them first')
    return heads[0]


def _revision(path: Path):
    con = sqlite3.connect(path)
    try:
        return con.execute('SELECT version_num FROM alembic_version').fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _tables():
    import mediation.models  # noqa: F401  (every table registered)
    from mediation.models.base import Base
    return Base.metadata.tables


def columns(table: str) -> list[str]:
    return [column.name for column in _tables()[table].columns]


@dataclass
class Template:
    case_id: int
    created_at: datetime
    rows: dict = field(default_factory=dict)     # table -> [list of values], column order
    counts: dict = field(default_factory=dict)   # table -> rows
    local: dict = field(default_factory=dict)    # table -> {old id: index}
    recipes: dict = field(default_factory=dict)  # table -> [make(B, O, S, D, T, N, C, ctx) -> row]
    stage_numbers: list = field(default_factory=list)  # (local index, accepted_at, committee kind) of numbered stages
    person_parties: list = field(default_factory=list)  # local indexes of the person parties
    kinds: frozenset = frozenset()
    finished: bool = False
    last_state: str = ''

    @property
    def stages(self):
        return self.counts.get('stage', 0)

    @property
    def parties(self):
        return self.counts.get('party', 0)

    @property
    def events(self):
        return self.counts.get('event', 0)

    @property
    def records(self):
        return sum(self.counts.get(table, 0) for table in RECORD_KINDS)


class Templates:
    """Every demo case as a template, with the demo's organisations and users, read from ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        tables = _tables()
        con = sqlite3.connect(self.path)
        try:
            self.orgs = {row[0]: row[1:] for row in con.execute(
                'SELECT id, kind, name, committee_name, short_name FROM organisation')}
            self.user_org = dict(con.execute('SELECT id, organisation_id FROM user_account'))
            codes = dict(con.execute('SELECT id, code FROM category'))
            self.category_code = codes
            self.stored_files = con.execute(
                f'SELECT {", ".join(columns("stored_file"))} FROM stored_file').fetchall()
            raw = {table: con.execute(f'SELECT {", ".join(columns(table))} FROM {table} ORDER BY 1').fetchall()
                   for table in CLONED}
            # mediation_session & co. have their id last in the model's order: read by id
            for table in CLONED:
                position = columns(table).index('id')
                raw[table].sort(key=lambda row: row[position])
        finally:
            con.close()
        self.columns = {table: columns(table) for table in CLONED}
        self.types = {table: [type(column.type).__name__ for column in tables[table].columns] for table in CLONED}
        self.foreign = {table: [next(iter(column.foreign_keys)).column.table.name if column.foreign_keys else None
                                for column in tables[table].columns] for table in CLONED}
        self.by_case = self._group(raw)
        self.templates = [self._template(case_id, rows) for case_id, rows in sorted(self.by_case.items())]
        self.templates.sort(key=lambda template: (template.created_at, template.case_id))
        self.created = [template.created_at for template in self.templates]
        self.finished = [template for template in self.templates if template.finished]

    # --- reading --------------------------------------------------------------------------------

    def _group(self, raw) -> dict:
        """case id -> table -> rows (parsed values)."""
        col = {table: {name: i for i, name in enumerate(self.columns[table])} for table in CLONED}
        stage_case = {row[0]: row[col['stage']['case_id']] for row in raw['stage']}
        agreement_case = {row[0]: stage_case[row[col['agreement']['stage_id']]] for row in raw['agreement']}
        by_case = {}
        for table in CLONED:
            for row in raw[table]:
                values = self._parse(table, row)
                c = col[table]
                if table == 'dispute_case':
                    case_id = values[c['id']]
                elif table == 'agreement':
                    case_id = stage_case[values[c['stage_id']]]
                elif table == 'signature':
                    case_id = agreement_case[values[c['agreement_id']]]
                elif table == 'notice':
                    if values[c['stage_id']] is None:
                        continue
                    case_id = stage_case[values[c['stage_id']]]
                else:
                    case_id = values[c['case_id']]
                by_case.setdefault(case_id, {}).setdefault(table, []).append(values)
        return by_case

    def _parse(self, table, row) -> list:
        values = list(row)
        for i, kind in enumerate(self.types[table]):
            value = values[i]
            if value is None:
                continue
            if kind == 'DateTime':
                values[i] = datetime.fromisoformat(value)
            elif kind == 'Date':
                values[i] = date.fromisoformat(value)
            elif kind == 'Boolean':
                values[i] = bool(value)
            elif kind == 'JSON':
                values[i] = json.loads(value)
        return values

    # --- compiling -------------------------------------------------------------------------------

    def _template(self, case_id, rows) -> Template:
        col = {table: {name: i for i, name in enumerate(self.columns[table])} for table in CLONED}
        case = rows['dispute_case'][0]
        template = Template(case_id, case[col['dispute_case']['created_at']], rows=rows)
        for table in CLONED:
            table_rows = rows.get(table, [])
            template.counts[table] = len(table_rows)
            template.local[table] = {row[col[table]['id']]: i for i, row in enumerate(table_rows)}
        stages = rows['stage']
        sc = col['stage']
        template.finished = all(stage[sc['next_check_on']] is None and stage[sc['state']] not in _OPEN
                                for stage in stages)
        template.last_state = stages[-1][sc['state']]
        template.kinds = frozenset(table for table in RECORD_KINDS if template.counts[table])
        pc = col['party']
        template.person_parties = [i for i, party in enumerate(rows.get('party', [])) if party[pc['kind']] == 'person']
        template.stage_numbers = [(i, stage[sc['accepted_at']], self.orgs[stage[sc['committee_id']]][0])
                                  for i, stage in enumerate(stages) if stage[sc['number_serial']] is not None]
        tokens = self._tokens(template, col)
        pattern = re.compile('|'.join(re.escape(text) for text in sorted(tokens, key=len, reverse=True)))
        for table in CLONED:
            template.recipes[table] = [self._recipe(table, row, template, tokens, pattern, col[table])
                                       for row in rows.get(table, [])]
        return template

    def _tokens(self, template, col) -> dict:
        """Text the clone replaces -> its key in the clone's text map."""
        tokens = {}
        for org_id, (kind, name, committee_name, _short) in self.orgs.items():
            tokens[committee_name] = f'{kind}_committee'
            tokens[name] = f'{kind}_name'
        for i in template.person_parties:
            tokens[template.rows['party'][i][col['party']['name']]] = f'p{i}'
        for i, stage in enumerate(template.rows['stage']):
            number = _case_number(stage[col['stage']['number_year']], stage[col['stage']['number_prefix']],
                                  stage[col['stage']['number_serial']])
            if number:
                tokens[number] = f'cn{i}'
        for i, document in enumerate(template.rows.get('issued_document', [])):
            tokens[document[col['issued_document']['verification_code']]] = f'vc{i}'
        tokens[template.rows['dispute_case'][0][col['dispute_case']['matter_code']]] = 'mc'
        return tokens

    def _recipe(self, table, row, template, tokens, pattern, c):
        """A function making the clone's row from the clone's context (generated: a million cases
        times a dozen rows leave no room for a loop over the columns)."""
        constants, expressions, prologue = list(row), [], []
        names = self.columns[table]
        for i, value in enumerate(row):
            name, kind, target = names[i], self.types[table][i], self.foreign[table][i]
            special = _SPECIAL.get((table, name)) if value is not None else None
            expression = special(template, row, c) if special is not None else None
            if expression is not None:
                if expression.startswith('_identity'):
                    prologue = [f'    _identity = ctx.identity({template.local["party"][row[c["id"]]]}, raw, c)']
            elif value is None:
                expression = 'None'
            elif name == 'id':
                expression = f"B['{table}'] + {template.local[table][value]}"
            elif target in CLONED:
                expression = f"B['{target}'] + {template.local[target][value]}"
            elif target == 'organisation':
                expression = f"O['{self.orgs[value][0]}']"
            elif target == 'user_account':
                expression = f"O['{self.orgs[self.user_org[value]][0]}']"  # each organisation's user has its id
            elif target == 'category':
                expression = f"C[{self.category_code[value]!r}]"
            elif isinstance(value, (bool, int, float)) and kind != 'Numeric':
                expression = repr(value)
            elif kind == 'DateTime':
                expression = f'k[{i}] + S'
            elif kind == 'Date' and name != 'birth_date':
                expression = f'k[{i}] + D'
            elif kind == 'JSON' or isinstance(value, str):
                text = self._json_text(table, value, template) if kind == 'JSON' else value
                fmt = _format_string(text, tokens, pattern)
                constants[i] = text if fmt is None else fmt
                expression = f'k[{i}]' if fmt is None else f'k[{i}].format_map(T)'
            else:
                expression = f'k[{i}]'
            expressions.append(expression)
        source = '\n'.join(['def make(B, O, S, D, T, N, C, ctx):', *prologue,
                            '    return (' + ', '.join(expressions) + ',)'])
        namespace = {'k': tuple(constants), 'raw': row, 'c': c}
        exec(source, namespace)  # noqa: S102  (our own expressions over our own constants)
        return namespace['make']

    def _json_text(self, table, value, template) -> str:
        """The JSON as text, its references to rows of the case as ``@@key@@`` markers."""
        def party_ref(item):
            if isinstance(item, dict) and item.get('party_id') in template.local['party']:
                item = dict(item, party_id=f'@@pid{template.local["party"][item["party_id"]]}@@')
            return item
        if table == 'event' and isinstance(value, dict) and value.get('record') in RECORD_TABLES \
                and 'id' in value:
            target = RECORD_TABLES[value['record']]
            if value['id'] in template.local[target]:
                value = dict(value, id=f'@@r_{target}_{template.local[target][value["id"]]}@@')
        elif isinstance(value, list):
            value = [party_ref(item) for item in value]
        return json.dumps(value, ensure_ascii=False)


_OPEN = {'pending_acceptance', 'mediating', 'paused', 'agreement_pending', 'failed'}
_MARKER = re.compile(r'"@@(\w+)@@"')


def _case_number(year, prefix, serial):
    if serial is None:
        return None
    return f'（{year}）{prefix}人调字第{serial}号'


def _format_string(text, tokens, pattern):
    """``text`` as a format string over the clone's text map, or None if nothing in it changes."""
    escaped = text.replace('{', '{{').replace('}', '}}')
    replaced = pattern.sub(lambda match: '{' + tokens[match.group(0)] + '}', escaped)
    replaced = _MARKER.sub(lambda match: '{' + match.group(1) + '}', replaced)
    return replaced if replaced != escaped else None


# --- what a recipe writes for the special columns (source expressions) ----------------------------

def _matter_code(template, row, c):
    return "T['mc']"


def _stage_number(part):
    def make(template, row, c):
        return f"N[{template.local['stage'][row[c['id']]]}][{part}]"
    return make


def _party_name(template, row, c):
    if row[c['kind']] != 'person':
        return None  # an organisation keeps its name (its town's name replaced, as in any text)
    return f"T['p{template.local['party'][row[c['id']]]}']"


def _party_identity(part):
    def make(template, row, c):
        return f"_identity['{part}']"
    return make


def _token(template, row, c):
    return f"'bench' + format(B['attachment'] + {template.local['attachment'][row[c['id']]]}, '027d')"


def _verification_code(template, row, c):
    return f"T['vc{template.local['issued_document'][row[c['id']]]}']"


_SPECIAL = {
    ('dispute_case', 'matter_code'): _matter_code,
    ('stage', 'number_year'): _stage_number(0),
    ('stage', 'number_serial'): _stage_number(1),
    ('stage', 'number_prefix'): _stage_number(2),
    ('party', 'name'): _party_name,
    ('party', 'phone_encrypted'): _party_identity('phone_encrypted'),
    ('party', 'phone_hash'): _party_identity('phone_hash'),
    ('party', 'phone_masked'): _party_identity('phone_masked'),
    ('party', 'id_number_encrypted'): _party_identity('id_number_encrypted'),
    ('party', 'id_number_hash'): _party_identity('id_number_hash'),
    ('party', 'id_number_masked'): _party_identity('id_number_masked'),
    ('attachment', 'token'): _token,
    ('issued_document', 'verification_code'): _verification_code,
}


# --------------------------------------------------------------------------- the bench district

@dataclass
class District:
    orgs: list          # bench.data.Org, plus the court
    court: object
    villages: list
    by_id: dict


def district() -> District:
    orgs = data.org_tree()
    court_id = max(org.id for org in orgs) + 1
    court = data.Org(court_id, 'court', '枫源区人民法院', '枫源法院', None, f'/{court_id}/')
    orgs.append(court)
    return District(orgs, court, [org for org in orgs if org.kind == 'village'], {org.id: org for org in orgs})


def org_rows(d: District) -> list[tuple]:
    rows = []
    for org in d.orgs:
        row = list(org.row())
        if org.kind == 'court':
            row[3] = org.name  # a court's committee_name is its full name
        rows.append(tuple(row))
    return rows


def user_rows(d: District, password_hash: str, created_at: datetime) -> list[tuple]:
    """One user per organisation, with the organisation's id; user 1 is the district officer who signs in."""
    role = {'district': 'district_officer', 'town': 'town_mediator', 'village': 'village_mediator',
            'court': 'court_officer'}
    rows = []
    for org in d.orgs:
        username = DISTRICT_USER if org.kind == 'district' else f'bench-{org.kind}-{org.id}'
        rows.append((org.id, username, f'{org.short_name}{"法官" if org.kind == "court" else "调解员"}',
                     password_hash, role[org.kind], org.id, True, None, created_at))
    return rows


# --------------------------------------------------------------------------- cloning

@dataclass
class Designated:
    """Case ids of the designated cases (filled in by :func:`clone_rows`)."""
    typical: int = 0
    few: int = 0
    many: int = 0
    heavy: int = 0
    search: list = field(default_factory=list)
    shapes: dict = field(default_factory=dict)  # name -> {stages, parties, events, records, kinds}


class Context:
    """One clone: where its ids start, where it lives, when, and the texts that change."""

    __slots__ = ('base', 'org', 'user', 'categories', 'shift', 'day_shift', 'text', 'numbers', 'cipher',
                 '_identities')

    def identity(self, index, row, c):
        found = self._identities.get(index)
        if found is None:
            found = self._identities[index] = _identity(self.cipher, self.base['party'] + index, row, c)
        return found


def _identity(cipher, party_id, row, c) -> dict:
    """A new resident ID number and mobile for the party (only the kinds it had), encrypted, hashed and
    masked as the app does (``FieldCipher``, ``mask_resident_id``, ``mask_phone``; :func:`check_identity`)."""
    from mediation.identifiers import resident_id_check_char
    out = dict.fromkeys(IDENTITY_COLUMNS)
    key = cipher._hash_key  # the keyed hash of ``FieldCipher.lookup_hash``, one call instead of three
    if row[c['phone_hash']] is not None:
        phone = _phone(party_id)
        out.update(phone_encrypted=cipher.encrypt(phone), phone_hash=hmac.digest(key, phone.encode(), 'sha256').hex(),
                   phone_masked=phone[:3] + '****' + phone[-4:])
    if row[c['id_number_hash']] is not None:
        number = _resident_id(party_id, row[c['birth_date']], row[c['sex']] == 'male', resident_id_check_char)
        out.update(id_number_encrypted=cipher.encrypt(number),
                   id_number_hash=hmac.digest(key, number.encode(), 'sha256').hex(),
                   id_number_masked=number[:6] + '********' + number[-4:])
    return out


IDENTITY_COLUMNS = ('phone_encrypted', 'phone_hash', 'phone_masked', 'id_number_encrypted', 'id_number_hash',
                    'id_number_masked')


def _phone(party_id: int) -> str:
    return f'1{3 + party_id % 7}{party_id % 1_000_000_000:09d}'


def _resident_id(party_id: int, birth, male: bool, check_char) -> str:
    birth = birth or date(1980, 1, 1)
    first17 = f'33{(party_id // 500) % 10000:04d}{birth:%Y%m%d}{(party_id % 500) * 2 + male:03d}'
    return first17 + check_char(first17)


def check_identity(cipher) -> None:
    """The shortcuts of :func:`_identity` give what the app's own helpers give."""
    from mediation.identifiers import mask_phone
    from mediation.identifiers import mask_resident_id
    from mediation.identifiers import parse_phone
    from mediation.identifiers import parse_resident_id
    from mediation.identifiers import resident_id_check_char
    c = {'phone_hash': 0, 'id_number_hash': 1, 'birth_date': 2, 'sex': 3}
    for party_id in (1, 12_345, 987_654, 2_345_678):
        out = _identity(cipher, party_id, ('x', 'x', date(1975, 3, 9), 'female'), c)
        phone = parse_phone(_phone(party_id))
        number = parse_resident_id(_resident_id(party_id, date(1975, 3, 9), False, resident_id_check_char)).number
        expected = (cipher.lookup_hash(phone), mask_phone(phone), cipher.lookup_hash(number), mask_resident_id(number))
        found = (out['phone_hash'], out['phone_masked'], out['id_number_hash'], out['id_number_masked'])
        if found != expected or cipher.decrypt(out['phone_encrypted']) != phone:
            raise RuntimeError(f'bench identifiers differ from the app\'s: {found} != {expected}')


def _given_name(n: int, male: bool) -> str:
    from mediation.demo.people import FEMALE_CHARS
    from mediation.demo.people import MALE_CHARS
    chars = MALE_CHARS if male else FEMALE_CHARS
    first, second = chars[n % len(chars)], chars[(n // len(chars) + n) % len(chars)]
    return first + (second if second != first and n % 4 else '')


def person_name(party_id: int, male: bool) -> str:
    from mediation.demo.people import COMMON_SURNAMES
    from mediation.demo.people import SURNAMES
    n = (party_id * 2654435761) % 4294967291
    surname = COMMON_SURNAMES[n % len(COMMON_SURNAMES)] if n % 5 < 2 else SURNAMES[(n // 7) % len(SURNAMES)]
    if surname.startswith(SEARCH_NAME[:2]):
        surname = '王'
    return surname + _given_name(n // 97, male)


@dataclass
class Plan:
    at: datetime
    template: Template
    flags: tuple = ()


def plan_cases(templates: Templates, size: int) -> tuple[list[Plan], dict]:
    """Which template each of ``size`` cases copies and when it is registered, oldest first."""
    demo = templates.templates
    end = demo[-1].created_at
    start = end - timedelta(days=SPAN_DAYS)
    step = (end - start) / size
    plans = []
    for i in range(size):
        at = start + step * (i + 1)
        index = bisect.bisect_left(templates.created, at)
        if index == 0 and at < templates.created[0]:
            template = templates.finished[(i * 7919) % len(templates.finished)]
        else:
            template = demo[min(index, len(demo) - 1)]
        plans.append(Plan(at, template))
    chosen = designated_templates(templates)
    # Each designated case where its demo case was registered (moved back by less than a step:
    # never into the future), as a neighbour of the cases copying the same demo case.
    taken = set()
    for name in ('typical', 'few', 'many', 'heavy'):
        position = max(0, bisect.bisect_right([plan.at for plan in plans], chosen[name].created_at) - 1)
        while position in taken:
            position -= 1
        taken.add(position)
        plans[position] = Plan(plans[position].at, chosen[name], (name,))
    for k in range(SEARCH_CASES):
        position = int((k + 0.5) * size / SEARCH_CASES)
        while plans[position].flags or not plans[position].template.person_parties:
            position += 1  # a designated case, or one without a person to name: the next one
        plans[position] = Plan(plans[position].at, plans[position].template, ('search',))
    return plans, chosen


def designated_templates(templates: Templates) -> dict:
    demo = templates.templates
    typical = max((t for t in demo if t.stages == 2 and 9 <= t.events <= 16 and len(t.person_parties) >= 2),
                  key=lambda t: (len(t.kinds), t.records, -abs(t.events - 12), -t.case_id))
    few = min((t for t in demo if t.stages == 1 and t.parties == 2 and not t.kinds
               and t.counts.get('agreement', 0) == 0),
              key=lambda t: (t.events, t.case_id))
    many = max(demo, key=lambda t: (len(t.kinds), t.stages, t.events + t.records, -t.case_id))
    return {'typical': typical, 'few': few, 'many': many, 'heavy': many}


def clone_rows(templates: Templates, size: int, categories: dict, *, batch_cases: int = 20_000):
    """Yield ``{table: [rows]}`` batches of ``size`` cloned cases; then a last ``{'_done': Designated}``.

    ``categories``: category code -> id in the database written to. Deterministic: the same rows
    for SQLite and PostgreSQL, run after run.
    """
    from mediation.crypto import FieldCipher
    d = district()
    towns = {org.id: org for org in d.orgs if org.kind == 'town'}
    cipher = FieldCipher(FIELD_ENCRYPTION_KEY)
    plans, chosen = plan_cases(templates, size)
    counters = dict.fromkeys(CLONED, 1)
    serials: dict = {}
    designated = Designated()
    out = {table: [] for table in CLONED}
    for i, plan in enumerate(plans):
        template = plan.template
        village = d.villages[(i * 37) % len(d.villages)]
        town = towns[village.parent_id]
        org = {'village': village.id, 'town': town.id, 'district': 1, 'court': d.court.id}
        ctx = Context()
        ctx.base = dict(counters)
        ctx.org = org
        ctx.user = org  # each organisation's user has its id
        ctx.categories = categories
        ctx.shift = plan.at - template.created_at
        ctx.day_shift = timedelta(days=((plan.at + CHINA).date() - (template.created_at + CHINA).date()).days)
        ctx.cipher = cipher
        ctx._identities = {}
        text = ctx.text = {}
        for kind, org_id in org.items():
            bench_org = d.by_id[org_id]
            text[f'{kind}_name'] = bench_org.name
            text[f'{kind}_committee'] = bench_org.name if kind == 'court' else bench_org.row()[3]
        rows = template.rows['party']
        party_columns = templates.columns['party']
        sex = party_columns.index('sex')
        for index in template.person_parties:
            text[f'p{index}'] = person_name(ctx.base['party'] + index, rows[index][sex] == 'male')
            text[f'pid{index}'] = ctx.base['party'] + index
        if 'search' in plan.flags:
            text[f'p{template.person_parties[0]}'] = SEARCH_NAME
        for index in range(template.counts['party']):
            text[f'pid{index}'] = ctx.base['party'] + index
        for table in RECORD_KINDS:
            for index in range(template.counts[table]):
                text[f'r_{table}_{index}'] = ctx.base[table] + index
        ctx.numbers = {}
        for index, accepted_at, committee_kind in template.stage_numbers:
            committee = d.by_id[org[committee_kind]]
            year = (accepted_at + ctx.shift + CHINA).year
            serial = serials[committee.id, year] = serials.get((committee.id, year), 0) + 1
            ctx.numbers[index] = (year, serial, committee.short_name)
            text[f'cn{index}'] = _case_number(year, committee.short_name, serial)
        for index in range(template.counts['issued_document']):
            n = ctx.base['issued_document'] + index
            text[f'vc{index}'] = f'B{n // 10**8 % 1000:03d}-{n // 10**4 % 10**4:04d}-{n % 10**4:04d}'
        case_id = ctx.base['dispute_case']
        text['mc'] = f'{(plan.at + CHINA):%Y%m%d}{_base36(case_id):0>6}'
        arguments = (ctx.base, org, ctx.shift, ctx.day_shift, text, ctx.numbers, categories, ctx)
        for table in CLONED:
            append = out[table].append
            for make in template.recipes[table]:
                append(make(*arguments))
            counters[table] += template.counts[table]
        if 'typical' in plan.flags and len(template.person_parties) < 3:
            counters['party'] += _third_party(out['party'], ctx, template, templates, counters['party'])
        if 'heavy' in plan.flags:
            for _ in range(HEAVY_TIMES - 1):
                _repeat(out, ctx, template, templates, counters)
        for name in plan.flags:
            if name == 'search':
                designated.search.append(case_id)
            else:
                setattr(designated, name, case_id)
        if (i + 1) % batch_cases == 0:
            yield out
            out = {table: [] for table in CLONED}
    yield out
    designated.shapes = {name: _shape(chosen[name], name) for name in ('typical', 'few', 'many', 'heavy')}
    designated.counters = [(committee, year, serial) for (committee, year), serial in sorted(serials.items())]
    yield {'_done': designated}


def _shape(template, name) -> dict:
    times = HEAVY_TIMES if name == 'heavy' else 1
    parties = template.parties * times + (1 if name == 'typical' and len(template.person_parties) < 3 else 0)
    return {'stages': template.stages, 'parties': parties, 'events': template.events * times,
            'records': template.records * times, 'kinds': len(template.kinds), 'demo_case': template.case_id,
            'states': template.last_state}


def _third_party(party_rows, ctx, template, templates, next_id) -> int:
    """A third party (第三人) for the typical case: a copy of its last person party, renamed."""
    c = {name: i for i, name in enumerate(templates.columns['party'])}
    source = list(party_rows[-template.counts['party'] + template.person_parties[-1]])
    source[c['id']] = next_id
    source[c['role']] = 'third_party'
    source[c['name']] = person_name(next_id, source[c['sex']] == 'male')
    identity = _identity(ctx.cipher, next_id, source, c)
    for name, value in identity.items():
        source[c[name]] = value
    party_rows.append(source)
    return 1


def _repeat(out, ctx, template, templates, counters):
    """The heavy case's parties, events and records once more, with new ids (same case, stages, agreement)."""
    copy = Context()
    copy.base = dict(ctx.base)
    for table in REPEATED:
        copy.base[table] = counters[table]
    copy.org, copy.user, copy.categories = ctx.org, ctx.user, ctx.categories
    copy.shift, copy.day_shift, copy.numbers, copy.cipher = ctx.shift, ctx.day_shift, ctx.numbers, ctx.cipher
    copy._identities = {}
    copy.text = dict(ctx.text)
    sex = templates.columns['party'].index('sex')
    for index in template.person_parties:
        copy.text[f'p{index}'] = person_name(copy.base['party'] + index, template.rows['party'][index][sex] == 'male')
    for index in range(template.counts['party']):
        copy.text[f'pid{index}'] = copy.base['party'] + index
    for table in RECORD_KINDS:
        for index in range(template.counts[table]):
            copy.text[f'r_{table}_{index}'] = copy.base[table] + index
    arguments = (copy.base, copy.org, copy.shift, copy.day_shift, copy.text, copy.numbers, copy.categories, copy)
    for table in REPEATED:
        for make in template.recipes[table]:
            out[table].append(make(*arguments))
        counters[table] += template.counts[table]


def _base36(n: int) -> str:
    digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    out = ''
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out
