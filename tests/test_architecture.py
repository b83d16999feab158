"""The dependency rules of design.md §2, checked on the source: arrows point one way."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    """Every module name a file imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f'{node.module}.{alias.name}' for alias in node.names)
    return names


def test_workflows_import_neither_flask_nor_the_app():
    offenders = {path.name: sorted(name for name in imports_of(path) if name.split('.')[0] in ('flask', 'mediation'))
                 for path in (ROOT / 'workflows').glob('*.py')}
    assert {name: found for name, found in offenders.items() if found} == {}


def service_graph() -> dict[str, set[str]]:
    services = {path.stem for path in (ROOT / 'mediation' / 'services').glob('*.py')} - {'__init__'}
    graph = {}
    for name in services:
        found = imports_of(ROOT / 'mediation' / 'services' / f'{name}.py')
        graph[name] = {module.split('.')[2] for module in found
                       if module.startswith('mediation.services.') and module.split('.')[2] in services} - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]):
    """One cycle as a list of nodes, or None."""
    state = {}

    def visit(node, path):
        state[node] = 'open'
        for successor in sorted(graph[node]):
            if state.get(successor) == 'open':
                return path[path.index(successor):] + [successor]
            if successor not in state:
                cycle = visit(successor, path + [successor])
                if cycle:
                    return cycle
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_one():
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': {'b'}, 'b': set()}) is None


def test_services_import_each_other_without_a_cycle():
    assert find_cycle(service_graph()) is None


def test_services_never_commit_and_never_touch_the_request():
    """One commit point per request and per command (mediation.web, mediation.cli), never in a service."""
    offenders = []
    for path in (ROOT / 'mediation' / 'services').glob('*.py'):
        text = path.read_text(encoding='utf-8')
        if '.commit()' in text or 'flask import request' in text or 'import session' in text:
            offenders.append(path.name)
    assert offenders == []
