"""cls_lab's modules import one way (no cycle, even through an import inside a function),
and no file grows past ~400 lines.

The graph is read from the source (ast), so the test is cheap and sees lazy imports too.
A package's ``__init__`` re-exporting its own modules is not an edge back.
"""
import ast
from pathlib import Path

import cls_lab

ROOT = Path(cls_lab.__file__).parent


def module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(path, name, known):
    """The cls_lab modules ``path`` imports (a package's name means its ``__init__``)."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.rsplit('.', node.level - 1)[0] if node.level > 1 else package
                base = f'{anchor}.{base}' if base else anchor
            targets = [f'{base}.{alias.name}' for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition('.')[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph():
    paths = {module_name(p): p for p in ROOT.rglob('*.py')}
    graph = {name: imported_modules(path, name, paths) for name, path in paths.items()}
    for name in graph:    # a package importing its own submodules is how packages work
        graph[name] = {t for t in graph[name] if not (paths[name].name == '__init__.py'
                                                      and t.startswith(name + '.'))}
        graph[name].discard('cls_lab')
    return graph


def find_cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 'open':
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = 'done'
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, 'import cycle: ' + ' -> '.join(cycle)


def test_layers_import_one_way():
    graph = import_graph()
    for name, targets in graph.items():
        if name in ('cls_lab.registry', 'cls_lab.config'):
            assert not targets, f'{name} must import nothing from cls_lab, imports {targets}'
        if name.startswith('cls_lab.models'):
            assert not any(t.startswith(('cls_lab.engine', 'cls_lab.apis')) for t in targets), name


def test_finds_a_planted_cycle():
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']


def test_files_stay_small():
    """One concept per file: none over ~400 lines (config.py is a stand-alone copy-paste file)."""
    long = {str(p.relative_to(ROOT)): n for p in ROOT.rglob('*.py')
            if (n := len(p.read_text(encoding='utf-8').splitlines())) > 420
            and p.name != 'config.py'}
    assert not long, f'split these files: {long}'
