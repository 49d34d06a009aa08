#!/usr/bin/env python3
"""Which lines of an old README are in none of the docs now.

    python3 scripts/docs-lost-lines.py OLD_README [DOC...]

    git show bd86d8c:README.md > /tmp/old-README.md
    python3 scripts/docs-lost-lines.py /tmp/old-README.md

The README was split into README.md and docs/*.md (issue 27, item 1) with nothing lost. This
prints every non-trivial line of OLD_README that appears in none of the DOCs (default:
README.md and docs/*.md), so a README change made elsewhere can be checked after it is moved
into its place. A line counts as found when its text, with whitespace collapsed, link targets
emptied (`[x](#a)` and `[x](guide.md#a)` are the same) and heading marks dropped, is part of
the docs' text treated the same way; a table row counts when each of its cells is. Blank
lines, code fences, table rules, HTML comments and lines of fewer than three letters or digits
are trivial. Lines of 40 characters or more found in more than one file are listed too
(`--twice`), since every fact should live in one place. Exit status: 1 when a line is lost, else 0.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def norm(line):
    line = re.sub(r"\]\([^)\s]*\)", "]()", line)
    line = re.sub(r"^\s*#+\s+", "", line)
    return re.sub(r"\s+", " ", line).strip()


def trivial(text):
    return len(re.sub(r"[\W_]", "", text)) < 3


def cells(row):
    parts = re.split(r"(?<!\\)\|", row.strip())
    return [norm(p) for p in parts[1:-1]]


def pieces(lines):
    """The checkable pieces of a file: (line number, text) for each line or table cell."""
    fence = False
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = not fence
            continue
        if stripped.startswith("<!--") or re.fullmatch(r"\|[\s|:-]*\|", stripped or "x"):
            continue
        if stripped.startswith("|") and not fence:
            for cell in cells(stripped):
                if not trivial(cell):
                    yield n, cell
        elif not trivial(norm(line)):
            yield n, norm(line)


def main(argv):
    twice = "--twice" in argv
    argv = [a for a in argv if a != "--twice"]
    if not argv:
        sys.exit(__doc__)
    old = pathlib.Path(argv[0]).read_text().split("\n")
    docs = [pathlib.Path(a) for a in argv[1:]] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    texts = {}
    for doc in docs:
        flat = " ".join(norm(l) for l in doc.read_text().split("\n"))
        texts[doc] = " " + re.sub(r"\s+", " ", flat) + " "
    lost = 0
    for n, piece in pieces(old):
        found = [d for d, t in texts.items() if piece in t]
        if not found:
            lost += 1
            print(f"lost {n}: {piece}")
        elif twice and len(found) > 1 and len(piece) >= 40:
            names = ", ".join(str(d.relative_to(ROOT)) if d.is_relative_to(ROOT) else str(d) for d in found)
            print(f"twice {n} ({names}): {piece}")
    print(f"{lost} line(s) or cell(s) lost", file=sys.stderr)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
