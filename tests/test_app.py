"""The application factory, configuration order and error handling."""
import pytest

from mediation import create_app
from mediation import normalise_database_url
from tests.conftest import TEST_KEY


def _app(tmp_path, **config):
    return create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': f'sqlite:///{tmp_path}/x.sqlite3',
                       'SECRET_KEY': 's', 'FIELD_ENCRYPTION_KEY': TEST_KEY, **config})


def test_config_order_env_over_instance_over_defaults(tmp_path, monkeypatch):
    instance = tmp_path / 'instance'
    instance.mkdir()
    (instance / 'config.py').write_text("PAGE_SIZE = 20\nDEADLINE_PROFILE = 'fast_track'\n")
    monkeypatch.setenv('MEDIATION_INSTANCE_PATH', str(instance))
    monkeypatch.setenv('MEDIATION_PAGE_SIZE', '30')
    monkeypatch.setenv('DATABASE_URL', f'sqlite:///{tmp_path}/env.sqlite3')
    monkeypatch.setenv('SECRET_KEY', 'from-env')
    monkeypatch.setenv('FIELD_ENCRYPTION_KEY', TEST_KEY)
    app = create_app()
    assert app.config['PAGE_SIZE'] == 30                       # environment beats the instance file
    assert app.config['DEADLINE_PROFILE'] == 'fast_track'     # instance file beats the defaults
    assert app.config['SECRET_KEY'] == 'from-env'
    assert app.config['SQLALCHEMY_DATABASE_URI'].endswith('env.sqlite3')
    assert create_app({'PAGE_SIZE': 7}).config['PAGE_SIZE'] == 7  # the test mapping beats everything


def test_settings_come_from_the_instance_file_and_the_prefixed_environment(tmp_path, monkeypatch):
    """Flask's own loaders: ``from_pyfile`` for the instance file, ``from_prefixed_env`` for MEDIATION_*."""
    from mediation import config as defaults
    instance = tmp_path / 'instance'
    instance.mkdir()
    (instance / 'config.py').write_text("PAGE_SIZE = 20\nSQLALCHEMY_DATABASE_URI = 'sqlite:///relative.sqlite3'\n")
    monkeypatch.setenv('MEDIATION_INSTANCE_PATH', str(instance))
    monkeypatch.delenv('DATABASE_URL', raising=False)
    monkeypatch.setenv('SECRET_KEY', 'from-env')
    monkeypatch.setenv('FIELD_ENCRYPTION_KEY', TEST_KEY)
    monkeypatch.setenv('MEDIATION_SWEEP_INTERVAL_MINUTES', '0')                    # JSON: a number
    monkeypatch.setenv('MEDIATION_RISK_AMOUNT_THRESHOLD', '50000.5')
    monkeypatch.setenv('MEDIATION_SQLALCHEMY_ENGINE_OPTIONS__pool_pre_ping', 'false')  # into a dict
    monkeypatch.setenv('MEDIATION_BABEL_DEFAULT_TIMEZONE', 'Asia/Urumqi')          # not JSON: the text
    settings = create_app().config
    assert settings['PAGE_SIZE'] == 20 and settings['SWEEP_INTERVAL_MINUTES'] == 0
    assert settings['RISK_AMOUNT_THRESHOLD'] == 50000.5
    assert settings['BABEL_DEFAULT_TIMEZONE'] == 'Asia/Urumqi'
    assert settings['SQLALCHEMY_ENGINE_OPTIONS'] == {'pool_pre_ping': False}
    assert defaults.SQLALCHEMY_ENGINE_OPTIONS == {'pool_pre_ping': True}  # the defaults are copied, not changed
    # A relative SQLite path is the instance folder's file, as Flask-SQLAlchemy reads it.
    assert settings['SQLALCHEMY_DATABASE_URI'] == f"sqlite:///{instance / 'relative.sqlite3'}"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url('postgres://u@h/db') == 'postgresql+psycopg://u@h/db'
    assert normalise_database_url('postgresql://u@h/db') == 'postgresql+psycopg://u@h/db'
    assert normalise_database_url('sqlite:///x') == 'sqlite:///x'


def test_a_shared_database_needs_keys_from_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv('MEDIATION_INSTANCE_PATH', str(tmp_path))
    monkeypatch.delenv('SECRET_KEY', raising=False)
    monkeypatch.delenv('FIELD_ENCRYPTION_KEY', raising=False)
    with pytest.raises(RuntimeError, match='must be set'):
        create_app({'SQLALCHEMY_DATABASE_URI': 'postgresql://postgres@127.0.0.1/none'})


def test_unexpected_errors_show_no_traceback(tmp_path):
    app = _app(tmp_path)

    @app.route('/boom')
    def boom():
        raise RuntimeError('secret internals')

    app.config['PROPAGATE_EXCEPTIONS'] = False
    client = app.test_client()
    page = client.get('/boom')
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert '系统内部错误' in text and 'secret internals' not in text and 'Traceback' not in text
    api = client.get('/boom', headers={'Accept': 'application/json'})
    assert api.get_json() == {'error': {'code': 'internal_error', 'message': '系统内部错误，已记录，请稍后再试。'}}


def test_api_404_is_json(client):
    response = client.get('/api/v1/nothing-here')
    assert response.status_code == 404 and response.get_json()['error']['code'] == 'not_found'


def test_unknown_page_is_a_chinese_404(client):
    response = client.get('/no-such-page')
    assert response.status_code == 404 and '找不到' in response.get_data(as_text=True)


def test_an_unknown_deadline_profile_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match='DEADLINE_PROFILE must be one of statutory, fast_track'):
        _app(tmp_path, DEADLINE_PROFILE='weekly')


@pytest.mark.parametrize('command', [['sweep'], ['calendar', 'status']])
def test_the_command_line_names_a_configuration_error_without_a_traceback(tmp_path, command):
    import os
    import subprocess
    import sys
    env = {**os.environ, 'MEDIATION_INSTANCE_PATH': str(tmp_path), 'DATABASE_URL': 'postgresql://u@127.0.0.1:9/x'}
    for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEY'):
        env.pop(name, None)
    result = subprocess.run([sys.executable, '-m', 'mediation', *command], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr == ('Error: 配置有误 / configuration error: SECRET_KEY, FIELD_ENCRYPTION_KEY must be set '
                             '(environment or instance/config.py) when the database is not the local SQLite file\n')


def test_postgresql_plans_each_statement_with_its_values(db):
    """A generic plan walks a keyset page from the newest row (mediation.database)."""
    import sqlalchemy as sa
    if db.engine.dialect.name != 'postgresql':
        pytest.skip('PostgreSQL only: SQLite has no plan cache')
    assert db.session.execute(sa.text('SHOW plan_cache_mode')).scalar() == 'force_custom_plan'
