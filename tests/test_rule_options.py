"""Per-rule options in .rolloutlint.yaml are checked against the options each rule declares."""

from __future__ import annotations

from pathlib import Path

from tests.cli_run import run


def lint_with(tmp_path: Path, rules_section: str) -> tuple[int, str]:
    (tmp_path / ".rolloutlint.yaml").write_text(f"rules:\n{rules_section}")
    (tmp_path / "x.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    code, _, err = run(["lint", "."], tmp_path)
    return code, err


def test_an_unknown_option_is_a_usage_error_with_its_position(tmp_path: Path) -> None:
    code, err = lint_with(tmp_path, "  RL301: {bogus: 1}\n")
    assert code == 2
    assert ".rolloutlint.yaml:2:11: rules.RL301: 'bogus' is not an option of RL301" in err


def test_a_misspelt_option_gets_a_suggestion(tmp_path: Path) -> None:
    code, err = lint_with(tmp_path, "  virtualservice-route-not-found: {severty: warning}\n")
    assert code == 2 and "did you mean 'severity'?" in err


def test_declared_options_are_accepted(tmp_path: Path) -> None:
    code, err = lint_with(tmp_path, "  RL301: {severity: warning}\n  RL3: {severity: info}\n")
    assert code == 0, err
