"""A cloud is one folder: nothing outside ``collectors/<cloud>/`` and ``emulator/<cloud>/``
imports a cloud's package — the CLI, demo, pipeline, engine, renderers and benches go
through the registry."""

from __future__ import annotations

import ast
from pathlib import Path

from scanner.collectors.registry import PLUGINS, known_clouds, plugins

ROOT = Path(__file__).parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_cloud_package_is_imported_from_outside_its_folders() -> None:
    clouds = known_clouds()
    offenders = []
    for path in [*(ROOT / "scanner").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        for cloud in clouds:
            own = (f"scanner/collectors/{cloud}/", f"scanner/emulator/{cloud}/")
            if relative.startswith(own):
                continue
            for module in _imports(path):
                if module.startswith((f"scanner.collectors.{cloud}", f"scanner.emulator.{cloud}")):
                    offenders.append(f"{relative} imports {module}")
    assert offenders == []


def test_every_registered_cloud_has_a_plugin_with_kinds_and_distinct_flags() -> None:
    assert set(PLUGINS) == {p.name for p in plugins()}
    flags = [o.flag for p in plugins() for o in p.options]
    assert len(flags) == len(set(flags))
    for cloud in plugins():
        assert cloud.kinds and all(k.id.startswith(f"{cloud.name}.") for k in cloud.kinds)
        assert cloud.is_region(cloud.region_example) and cloud.is_region(cloud.example_region)
