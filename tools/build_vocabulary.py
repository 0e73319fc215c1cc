"""Write src/jejak/data/id/vocabulary.txt: words the package's own texts use in lower case.

De-identification takes a capitalised word that is neither a known proper noun nor an ordinary
word for a name; this list is the "ordinary words". Rebuild it after adding example files:
``python tools/build_vocabulary.py``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "jejak" / "data"
WORD = re.compile(r"(?<![\w'])[a-z][a-z'-]{1,}(?![\w])")


def words_in(text: str) -> set[str]:
    return {w.strip("-'") for w in WORD.findall(text)}


def main() -> None:
    vocabulary: set[str] = set()
    for path in sorted((DATA / "mobile_jkn").rglob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                for cell in row:
                    vocabulary |= words_in(cell)
    for name in ("slang.tsv", "sentiment_lexicon.tsv", "stopwords.txt", "negators.txt",
                 "contrast.txt", "intensifiers.tsv", "sentiment_prototypes.tsv"):
        vocabulary |= words_in((DATA / "id" / name).read_text(encoding="utf-8").lower())
    lines = sorted(w for w in vocabulary if len(w) >= 2)
    header = "# Words seen in lower case in jejak's own texts; made by tools/build_vocabulary.py\n"
    (DATA / "id" / "vocabulary.txt").write_text(header + "\n".join(lines) + "\n",
                                                encoding="utf-8")
    print(f"{len(lines)} words")


if __name__ == "__main__":
    main()
