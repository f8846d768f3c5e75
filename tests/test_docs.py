"""The README stays true: its pytest example is the file the suite runs, its flags exist."""

from __future__ import annotations

from mockserver.config import OPTIONS, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_quotes_the_example_test_verbatim() -> None:
    example = (REPO_ROOT / "tests" / "test_readme_example.py").read_text(encoding="utf-8")
    assert example in README


def test_readme_documents_every_flag_and_env_var() -> None:
    for option in OPTIONS:
        assert f"`{option.flag}" in README, option.flag
        assert f"`{option.env}`" in README, option.env
