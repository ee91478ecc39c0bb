"""Words as the engines see them: folded to lower-case ASCII letters and digits, and how close two words are.

The embedded engine corrects typos with a deletion neighbourhood (SymSpell's idea): every indexed word is stored
under itself and each of its one-letter deletions; a query word finds its candidates through its own one-letter
deletions, which covers one or two edits (a swap of neighbours included), and the edit distance then decides.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[a-z0-9]+")
MIN_FUZZY_LENGTH = 4  # shorter words are matched exactly: "css" must not become "cs"


def fold(text: str) -> str:
    """Lower case without diacritics (as FTS5's `remove_diacritics 2`): "Café Crème" → "cafe creme"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def deletions(word: str) -> set[str]:
    """The word itself and every string one deleted letter away."""
    return {word} | {word[:index] + word[index + 1:] for index in range(len(word))}


def max_edits(word: str) -> int:
    """How many edits a word of this length may carry: 1 up to five letters, 2 beyond."""
    return 1 if len(word) <= 5 else 2


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of neighbours is one edit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
