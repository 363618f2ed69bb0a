"""Package.swift declares exactly the package modules each target imports (issue 15).

A dependency nobody imports, or an import the manifest does not declare (it builds only because
another dependency pulls the module in), is a problem; the check is a function over the manifest
text and a source tree, so a test can also prove that a broken manifest is caught.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = re.compile(r'\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"(.*?)path:\s*"([^"]+)"',
                    re.S)
IMPORT = re.compile(r'^\s*(?:@testable\s+|@_exported\s+)?(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:struct\s+|class\s+|enum\s+|func\s+)?(\w+)', re.M)


def targets(manifest: str) -> dict:
    """name → (declared dependencies, path) for every target of the manifest."""
    out = {}
    for name, middle, path in TARGET.findall(manifest):
        deps = re.search(r'dependencies:\s*\[(.*?)\]', middle, re.S)
        out[name] = (set(re.findall(r'"([^"]+)"', deps.group(1))) if deps else set(), path)
    return out


def problems(manifest: str, root: Path) -> list:
    found = targets(manifest)
    modules = set(found)
    result = []
    for name, (declared, path) in sorted(found.items()):
        sources = list((root / path).rglob("*.swift"))
        if not sources:
            continue  # a C target or system library: its dependencies are #includes
        imported = set()
        for source in sources:
            imported |= {m for m in IMPORT.findall(source.read_text()) if m in modules and m != name}
        for missing in sorted(imported - declared):
            result.append(f"{name}: imports {missing}, which Package.swift does not declare")
        for unused in sorted(declared - imported):
            result.append(f"{name}: declares {unused}, which no file of {path} imports")
    return result


def test_package_swift_declares_exactly_what_each_target_imports():
    manifest = (ROOT / "Package.swift").read_text()
    assert len(targets(manifest)) >= 20
    assert problems(manifest, ROOT) == []


def test_an_undeclared_import_and_an_unused_dependency_are_both_reported():
    manifest = (ROOT / "Package.swift").read_text()
    broken = manifest.replace('.target(name: "KGRecModel", dependencies: ["KGRecTensor"]',
                              '.target(name: "KGRecModel", dependencies: ["KGRecWire"]')
    assert broken != manifest
    found = problems(broken, ROOT)
    assert "KGRecModel: imports KGRecTensor, which Package.swift does not declare" in found
    assert "KGRecModel: declares KGRecWire, which no file of Shared/KGRecModel imports" in found
