"""The account and maintenance commands of the `mediation` CLI."""
import sqlalchemy as sa

from mediation.models import Stage
from mediation.models import User
from mediation.services.tokens import user_for_token
from tests.factories import make_case


def test_create_user_at_an_organisation(runner, orgs, db):
    result = runner.invoke(args=['create-user', 'cun9', '--role', 'village_mediator', '--org', 'FQ-FY',
                                 '--name', '调解员甲', '--password', 'a-long-password'])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == 'cun9'))
    assert user.organisation_id == orgs.village_a1.id and user.check_password('a-long-password')


def test_create_user_refuses_bad_input_with_a_message(runner, orgs):
    wrong_level = runner.invoke(args=['create-user', 'x1', '--role', 'town_mediator', '--org', 'FQ-FY',
                                      '--password', 'a-long-password'])
    assert wrong_level.exit_code == 1 and '只能属于' in wrong_level.output
    unknown_org = runner.invoke(args=['create-user', 'x2', '--role', 'admin', '--org', 'NOPE',
                                      '--password', 'a-long-password'])
    assert unknown_org.exit_code == 1 and '找不到编码为 NOPE 的组织' in unknown_org.output
    short = runner.invoke(args=['create-user', 'x3', '--role', 'admin', '--org', '330681', '--password', 'short'])
    assert short.exit_code == 1 and '至少需要 8 个字符' in short.output
    assert 'Traceback' not in wrong_level.output + unknown_org.output + short.output


def test_create_token_prints_a_working_token_once(runner, users, db):
    result = runner.invoke(args=['create-token', users.court.username, '--name', '对接系统'])
    assert result.exit_code == 0
    token = result.output.strip()
    assert user_for_token(token).id == users.court.id
    assert token not in str(db.session.execute(sa.text('SELECT token_hash FROM api_token')).all())
    missing = runner.invoke(args=['create-token', 'nobody'])
    assert missing.exit_code == 1 and '找不到用户' in missing.output


def test_revoke_token_stops_a_token_at_once(runner, users, db):
    kept = runner.invoke(args=['create-token', users.court.username, '--name', '统计']).output.strip()
    leaked = runner.invoke(args=['create-token', users.court.username, '--name', '对接系统']).output.strip()
    result = runner.invoke(args=['revoke-token', users.court.username, '--name', '对接系统'])
    assert result.exit_code == 0 and '已吊销' in result.output and ' 1 个' in result.output
    assert user_for_token(leaked) is None and user_for_token(kept).id == users.court.id
    assert runner.invoke(args=['revoke-token', users.court.username]).exit_code == 0
    assert user_for_token(kept) is None
    missing = runner.invoke(args=['revoke-token', 'nobody'])
    assert missing.exit_code == 1 and '找不到用户' in missing.output


def test_rebuild_deadlines_restores_cleared_columns(runner, users, db):
    stage = make_case(users.village).stages[0]
    due = stage.due_on
    db.session.execute(sa.update(Stage).values(due_on=None, due_soon_on=None, clock=None, next_check_on=None))
    db.session.commit()
    result = runner.invoke(args=['rebuild-deadlines'])
    assert result.exit_code == 0 and '1 个阶段' in result.output
    db.session.expire_all()
    assert db.session.get(Stage, stage.id).due_on == due
