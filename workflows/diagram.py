"""``python -m workflows.diagram`` prints docs/state-machine.md, drawn from the machine's own definition."""
from workflows.machine import WORKFLOW


def document() -> str:
    return '\n'.join([
        '# The dispute state machine', '',
        'Generated from `workflows/machine.py` (`WORKFLOW.mermaid()`); `tests/test_docs.py` fails when it is',
        'out of date. Regenerate with `python -m workflows.diagram > docs/state-machine.md`.', '',
        '```mermaid', WORKFLOW.mermaid().rstrip(), '```', ''])


if __name__ == '__main__':
    print(document(), end='')
