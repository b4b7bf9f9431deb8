"""A small seeded grammar from facts to captions, and the parser that reads the facts back.

Every fact tuple gets one caption per template; each word with synonyms is drawn from a
``random.Random(seed)``, so the caption table is the same on every machine. The parser
ignores filler words and raises :class:`CaptionError` when a fact is missing or stated twice.
"""
from __future__ import annotations

import itertools
import random
import re

import pandas as pd

from pipeline_lib.text.facts import COLS, FACTS, ROWS, VALUES

WORDS: dict[str, tuple[tuple[str, ...], ...]] = {  # per fact, per value: the words that say it
    "shape": (("circle", "disc", "disk"), ("square", "block")),
    "size": (("small", "little", "tiny"), ("large", "big")),
    "colour": (("red",), ("yellow",), ("green",), ("blue", "azure"), ("purple", "violet")),
    "background": (("dark", "black", "dim"), ("light", "bright", "pale")),
}
ROW_WORDS = {"top": ("top", "upper"), "bottom": ("bottom", "lower")}
COL_WORDS = {"left": ("left",), "right": ("right",)}
CENTRE_WORDS = ("centre", "center", "middle")
TEMPLATES = (
    "a {size} {colour} {shape} near the {position} on a {background} background",
    "{Position}: {size} {shape}, {colour}, {background} background",
    "a {colour} {shape}, {size}, in the {position}, against a {background} background",
    "{background} background with a {size} {colour} {shape} at the {position}",
    "there is a {size} {shape} coloured {colour} near the {position}; the background is {background}",
    "{size} {colour} {shape}, {position}, {background} backdrop",
)
_BG = "|".join(w for ws in WORDS["background"] for w in ws)
BACKGROUND = re.compile(rf"\b({_BG}) (?:background|backdrop)\b|\b(?:background|backdrop) is ({_BG})\b")


class CaptionError(ValueError):
    pass


def position_phrases(cell: int) -> tuple[str, ...]:
    """The ways to say grid cell ``cell`` (row * 3 + col), e.g. 'top left', 'top-left', 'upper left'."""
    row, col = ROWS[cell // 3], COLS[cell % 3]
    if row == "middle" and col == "centre":
        return CENTRE_WORDS
    if row == "middle":
        return (col, f"middle {col}", f"centre {col}")
    if col == "centre":
        return (*ROW_WORDS[row], f"{row} centre", f"{row} middle")
    return (f"{row} {col}", f"{row}-{col}", f"{ROW_WORDS[row][1]} {col}")


def caption(facts: tuple[int, ...], template: int, rng: random.Random) -> str:
    """Fact indices in ``FACTS`` order -> one sentence in template ``template``."""
    words = {f: rng.choice(WORDS[f][v]) for f, v in zip(FACTS, facts) if f in WORDS}
    words["position"] = rng.choice(position_phrases(facts[FACTS.index("position")]))
    words["Position"] = words["position"][0].upper() + words["position"][1:]
    return TEMPLATES[template].format(**words)


def caption_table(seed: int) -> pd.DataFrame:
    """Every fact tuple x every template: one row each, columns ``FACTS``, template, caption."""
    rng = random.Random(seed)
    rows = [(*facts, t, caption(facts, t, rng))
            for facts in itertools.product(*(range(len(VALUES[f])) for f in FACTS))
            for t in range(len(TEMPLATES))]
    return pd.DataFrame(rows, columns=[*FACTS, "template", "caption"])


def _one(found: list[int], fact: str, text: str) -> int:
    if len(set(found)) != 1:
        problem = "no word" if not found else "conflicting words"
        raise CaptionError(f"caption {text!r}: {problem} for the {fact}")
    return found[0]


def parse(text: str) -> tuple[int, ...]:
    """A caption -> its fact indices in ``FACTS`` order."""
    lowered = text.lower()
    background = BACKGROUND.findall(lowered)
    said = [w for pair in background for w in pair if w]
    rest = BACKGROUND.sub(" ", lowered)
    tokens = re.findall(r"[a-z]+", rest)
    lookup = {w: (f, v) for f, per_value in WORDS.items() for v, ws in enumerate(per_value) for w in ws}
    found: dict[str, list[int]] = {f: [] for f in FACTS}
    found["background"] = [lookup[w][1] for w in said]
    rows = [ROWS.index(r) for t in tokens for r, ws in ROW_WORDS.items() if t in ws]
    cols = [COLS.index(c) for t in tokens for c, ws in COL_WORDS.items() if t in ws]
    if not rows and not cols and not any(t in CENTRE_WORDS for t in tokens):
        raise CaptionError(f"caption {text!r}: no word for the position")
    row = _one(rows, "vertical position", text) if rows else ROWS.index("middle")
    col = _one(cols, "horizontal position", text) if cols else COLS.index("centre")
    found["position"].append(row * 3 + col)
    for t in tokens:
        if t in lookup and lookup[t][0] != "background":
            found[lookup[t][0]].append(lookup[t][1])
    return tuple(_one(found[f], f, text) for f in FACTS)


def instruction(source: tuple[int, ...], target: tuple[int, ...]) -> str:
    """What changes from ``source`` to ``target`` facts, e.g. 'now blue, a circle, in the bottom right'."""
    phrases = {"shape": "a {}", "size": "{}", "colour": "{}", "position": "in the {}",
               "background": "on a {} background"}
    changed = [phrases[f].format(position_phrases(t)[0] if f == "position" else VALUES[f][t])
               for f, s, t in zip(FACTS, source, target) if s != t]
    return "now " + ", ".join(changed) if changed else "unchanged"
