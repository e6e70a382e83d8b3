"""Every citation resolves inside the repository: keys like ``[Collins1986]`` name an entry of
``docs/references.md``, and nothing points at documents users cannot open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "docs" / "references.md"
#: Where citations live: the package (code, defaults), the app, the documentation and data notes.
CITING = sorted([*ROOT.glob("heatneed/**/*.py"), *ROOT.glob("heatneed/**/*.toml"), ROOT / "app.py",
                 *ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("data/**/*.md"), *ROOT.glob("deploy/*.md"),
                 *ROOT.glob("benchmarks/*.md"), *ROOT.glob("examples/*.toml")])
#: A citation key: capitalised word with letters/digits, e.g. [WHO2018], [ISO13790], [Derived].
CITATION = re.compile(r"\[([A-Z][A-Za-z0-9-]*)\](?!\()")
#: Pointers to documents outside the repository (the project's private notes and contracts).
OUTSIDE = re.compile(r"\.\./shared|research/[a-z-]+\.md|\bDESIGN(\.md)? ?§|\bDOMAIN\.md")


def keys() -> set[str]:
    return set(re.findall(r"^## (\S+)", REFERENCES.read_text(), flags=re.M))


def citations(path: Path) -> set[str]:
    """Keys cited in ``path``: every ``[Key]`` that is a reference key or looks like one (Author1986)."""
    found = set(CITATION.findall(path.read_text(encoding="utf-8")))
    return {k for k in found if k in keys() or re.fullmatch(r"[A-Z][A-Za-z]+\d{4}[A-Za-z]*", k)}


def test_the_references_have_unique_keys_with_a_source_each():
    text = REFERENCES.read_text()
    headings = re.findall(r"^## (\S+)", text, flags=re.M)
    assert len(headings) == len(set(headings)) >= 20
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        body = block.split("\n", 1)[1]
        assert re.search(r"https?://|ISO \d|Order No\.|\[ISO13790\]|this project|derived", body), block[:40]


@pytest.mark.parametrize("path", CITING, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_citation_resolves(path):
    missing = citations(path) - keys()
    assert not missing, f"{path.name} cites keys not in docs/references.md: {sorted(missing)}"


@pytest.mark.parametrize("path", CITING, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_points_outside_the_repository(path):
    lines = [f"{i}: {line.strip()}" for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert not lines, f"{path.name} points outside the repository:\n" + "\n".join(lines)


def test_the_model_code_cites_its_sources():
    for name in ("physics.py", "indices.py", "defaults.toml"):
        assert citations(ROOT / "heatneed" / name), name


def _slugs(text: str) -> set[str]:
    """GitHub's heading anchors of a Markdown text: lower case, punctuation dropped (letters of any
    script, digits, ``_`` and ``-`` kept), spaces as ``-``, a repeated heading numbered ``-1``, ``-2``…"""
    seen: dict[str, int] = {}
    slugs = set()
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"#{1,6} (.+?)\s*#*$", line)
        if match:
            heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1))  # a link: its text
            slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
            slugs.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return slugs


MARKDOWN = sorted([*ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("benchmarks/*.md"),
                   *ROOT.glob("deploy/*.md")])


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_to_a_heading_finds_it(path):
    """``[text](#anchor)`` and ``[text](other.md#anchor)`` name a heading that exists."""
    text = path.read_text(encoding="utf-8")
    broken = []
    for target, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        other = (path.parent / target) if target else path
        if not other.is_file() or other.suffix != ".md":
            broken.append(f"{target}#{anchor} (no such file)")
        elif anchor not in _slugs(other.read_text(encoding="utf-8")):
            broken.append(f"{target}#{anchor}")
    assert not broken, f"{path.name}: links to headings that do not exist: {broken}"
