"""No `kgrec` flag states a default value by hand (issue 15).

A default written into help text drifts from the value the code starts from; `CommandFlags.Flag`
renders it from that value instead (`.init("epochs", "maximum epochs", default: TrainConfig().epochs)`).
Prose defaults ("(default: the checkpoint's)") name no value and stay. The check is a function over
source text, so a test also proves a hand-written default is caught.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# "(default 64" in a Swift string literal; "(default: …" is prose, "(default \(" is rendered.
HAND_WRITTEN = re.compile(r'"[^"\n]*\(default [^:\\][^"\n]*"')


def hand_written_defaults(root: Path) -> list:
    found = []
    for source in sorted((root / "Shared/KGRecCLI").rglob("*.swift")):
        for n, line in enumerate(source.read_text().splitlines(), 1):
            if not line.lstrip().startswith("//") and HAND_WRITTEN.search(line):
                found.append(f"{source.relative_to(root)}:{n}: {line.strip()}")
    return found


def test_no_flag_help_states_a_default_by_hand():
    assert hand_written_defaults(ROOT) == []


def test_a_hand_written_default_is_caught(tmp_path):
    cli = tmp_path / "Shared/KGRecCLI"
    cli.mkdir(parents=True)
    (cli / "X.swift").write_text('let a = [\n'
                                 '    .init("epochs", "maximum epochs (default 100)"),\n'
                                 '    .init("data", "dataset directory (default: the checkpoint\'s)"),\n'
                                 '    .init("k", "top-k", default: Defaults.k),\n'
                                 ']\n')
    assert hand_written_defaults(tmp_path) == ['Shared/KGRecCLI/X.swift:2: .init("epochs", "maximum epochs (default 100)"),']
