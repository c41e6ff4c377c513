"""One version number: the package's, named by the changelog, the citation file and the site footer."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import qgan_helpers

ROOT = Path(__file__).resolve().parent.parent
VERSION = qgan_helpers.__version__


def test_version_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION


def test_changelog_starts_with_this_version() -> None:
    first = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert first and first.group(1) == VERSION, f"CHANGELOG.md's newest entry is {first and first.group(1)}, not {VERSION}"


def test_citation_file_names_this_version() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == VERSION
    assert cff["cff-version"] == "1.2.0" and cff["title"] and cff["authors"]


def test_site_footer_shows_this_version() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    footer = config["html"]["extra_footer"]
    assert f"Course version {VERSION} (qgan_helpers {VERSION})" in footer, footer


def test_pyproject_takes_the_version_from_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text and 'version = {attr = "qgan_helpers.__version__"}' in text
    assert re.search(r'requires-python = ">=3\.11"', text)
