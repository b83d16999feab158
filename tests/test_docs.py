"""Documents generated from code stay true."""
from pathlib import Path

from workflows.diagram import document

ROOT = Path(__file__).resolve().parent.parent


def test_state_machine_diagram_is_up_to_date():
    assert (ROOT / 'docs' / 'state-machine.md').read_text(encoding='utf-8') == document()


def test_readme_has_the_two_commands_and_no_placeholders():
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert 'make run' in readme and 'make test' in readme
    assert 'DEMO_USERS_TABLE' not in readme
