"""Builds Jieba's user dictionary from the product catalogue.

Rasa's ``JiebaTokenizer`` loads every file in its ``dictionary_path``;
``data/dictionary/products.txt`` lists each product name and alias so Jieba keeps
them whole (``士多啤梨``, not ``士多`` + ``啤梨``). Regenerate it after editing the
catalogue with ``python -m bot.nlu.dictionary``; a test fails while it is stale.
"""
from __future__ import annotations

from pathlib import Path

from bot.seed import DemoShop, load_demo_shop
from bot.settings import ROOT

DICTIONARY_PATH = ROOT / "data" / "dictionary" / "products.txt"
# High enough that Jieba prefers the whole word to any split of it.
WORD_FREQUENCY = 2000
POS_TAG = "n"


def build_user_dictionary(shop: DemoShop) -> str:
    """The user dictionary's text: one ``word freq tag`` line per distinct
    product name or alias, sorted."""
    words = sorted({word for p in shop.products for word in (p.name, *p.aliases)})
    return "".join(f"{word} {WORD_FREQUENCY} {POS_TAG}\n" for word in words)


def write_user_dictionary(shop: DemoShop, path: Path = DICTIONARY_PATH) -> int:
    """Writes the user dictionary for ``shop`` to ``path``; returns the word count."""
    text = build_user_dictionary(shop)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def main() -> None:
    """Regenerates ``data/dictionary/products.txt`` from the demo catalogue."""
    count = write_user_dictionary(load_demo_shop())
    print(f"wrote {count} words to {DICTIONARY_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
