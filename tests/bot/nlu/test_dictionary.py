"""The Jieba user dictionary generated from the catalogue."""
from __future__ import annotations

import jieba
import pytest

from bot.nlu.dictionary import DICTIONARY_PATH, build_user_dictionary
from bot.seed import load_demo_shop


def test_committed_dictionary_is_current() -> None:
    expected = build_user_dictionary(load_demo_shop())
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == expected, (
        "data/dictionary/products.txt is stale: run python -m bot.nlu.dictionary"
    )


def test_every_product_name_and_alias_is_listed_once() -> None:
    shop = load_demo_shop()
    words = [line.split()[0] for line in build_user_dictionary(shop).splitlines()]
    assert len(words) == len(set(words)) and words == sorted(words)
    assert {p.name for p in shop.products} <= set(words)
    assert {"士多啤梨", "鸡蛋", "电饭煲"} <= set(words)


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DICTIONARY_PATH))
    return tokenizer


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("我买的士多啤梨坏了", "士多啤梨"),
        ("昨天提的丹东草莓烂了两个", "丹东草莓"),
        ("我的光明鲜牛奶胀包了", "光明鲜牛奶"),
        ("九九草莓发霉了怎么办", "九九草莓"),
        ("空气炸锅不加热", "空气炸锅"),
    ],
)
def test_product_names_stay_whole(tokenizer: jieba.Tokenizer, sentence: str, word: str) -> None:
    assert word in tokenizer.lcut(sentence)
