"""Builds the NLU's product knowledge from the product catalogue.

- ``data/dictionary/products.txt``: Jieba's user dictionary (Rasa's ``JiebaTokenizer``
  loads every file in its ``dictionary_path``), so product names stay whole
  (``士多啤梨``, not ``士多`` + ``啤梨``).
- ``data/nlu/products.yml``: a ``product`` lookup table and synonyms (alias → product
  name) from which ``CatalogueEntityExtractor`` builds its spaCy ``EntityRuler``.

Regenerate both after editing the catalogue with ``python -m bot.nlu.dictionary``;
tests fail while they are stale.
"""
from __future__ import annotations

from pathlib import Path

from bot.seed import DemoShop, load_demo_shop
from bot.settings import ROOT

DICTIONARY_PATH = ROOT / "data" / "dictionary" / "products.txt"
LOOKUP_PATH = ROOT / "data" / "nlu" / "products.yml"
# High enough that Jieba prefers the whole word to any split of it.
WORD_FREQUENCY = 2000
POS_TAG = "n"


def build_user_dictionary(shop: DemoShop) -> str:
    """The user dictionary's text: one ``word freq tag`` line per distinct
    product name or alias, sorted."""
    words = sorted({word for p in shop.products for word in (p.name, *p.aliases)})
    return "".join(f"{word} {WORD_FREQUENCY} {POS_TAG}\n" for word in words)


def build_product_lookup(shop: DemoShop) -> str:
    """Rasa NLU YAML with the ``product`` lookup table and alias synonyms.

    An alias shared by several products (``鸡蛋`` for two kinds of eggs) is listed
    but gets no synonym: it names no single product.
    """
    owners: dict[str, set[str]] = {}
    for product in shop.products:
        for word in (product.name, *product.aliases):
            owners.setdefault(word, set()).add(product.name)
    lines = ['version: "3.1"', "nlu:", "- lookup: product", "  examples: |"]
    lines += [f"    - {word}" for word in sorted(owners)]
    for product in sorted(shop.products, key=lambda p: p.name):
        aliases = sorted(a for a in product.aliases if owners[a] == {product.name} and a != product.name)
        if aliases:
            lines += [f"- synonym: {product.name}", "  examples: |"]
            lines += [f"    - {alias}" for alias in aliases]
    return "\n".join(lines) + "\n"


def write_user_dictionary(shop: DemoShop, path: Path = DICTIONARY_PATH) -> int:
    """Writes the user dictionary for ``shop`` to ``path``; returns the word count."""
    text = build_user_dictionary(shop)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def main() -> None:
    """Regenerates the dictionary and the lookup data from the demo catalogue."""
    shop = load_demo_shop()
    count = write_user_dictionary(shop)
    LOOKUP_PATH.write_text(build_product_lookup(shop), encoding="utf-8")
    print(f"wrote {count} words to {DICTIONARY_PATH.relative_to(ROOT)} "
          f"and {LOOKUP_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
