"""A small model trained with our components: the parse output keeps the contract."""
from __future__ import annotations

import textwrap

import pytest
from rasa.core.agent import Agent
from rasa.model_training import train_nlu

CONFIG = """
recipe: default.v1
language: zh
pipeline:
  - name: bot.nlu.components.TextNormaliser
  - name: JiebaTokenizer
  - name: bot.nlu.components.CharNgramIntentClassifier
  - name: bot.nlu.components.AngerClassifier
    threshold: 0.5
  - name: bot.nlu.components.CatalogueEntityExtractor
  - name: FallbackClassifier
    threshold: 0.1
"""

DATA = """
version: "3.1"
nlu:
- intent: report_spoiled
  examples:
  - text: 草莓烂了
    metadata: {anger: calm}
  - text: 鸡蛋臭了能退吗
    metadata: {anger: calm}
  - text: 什么破烂草莓！！！退钱！
    metadata: {anger: angry}
  - text: 垃圾东西又坏了，骗子
    metadata: {anger: angry}
  - text: 水果发霉了
- intent: ask_order_status
  examples:
  - text: 我的菜到了吗
    metadata: {anger: calm}
  - text: 取货码多少
    metadata: {anger: calm}
  - text: 到底什么时候到！！！气死了
    metadata: {anger: angry}
  - text: 货到自提点没有
- lookup: product
  examples: |
    - 丹东草莓
    - 草莓
    - 士多啤梨
- synonym: 丹东草莓
  examples: |
    - 草莓
    - 士多啤梨
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory) -> Agent:
    root = tmp_path_factory.mktemp("tiny")
    (root / "config.yml").write_text(CONFIG, encoding="utf-8")
    (root / "nlu.yml").write_text(textwrap.dedent(DATA), encoding="utf-8")
    model = train_nlu(str(root / "config.yml"), str(root / "nlu.yml"), output=str(root / "models"))
    return Agent.load(model)


async def _parse(agent: Agent, text: str) -> dict:
    return await agent.parse_message(text)


@pytest.mark.parametrize("text", ["士多啤梨爛了２盒！！！", "", "   ", "😡😡", "!!!???",
                                  "\x00\x01binary\xff", "where is my order", "烂" * 10_000])
async def test_every_parse_has_an_intent_and_the_anger_contract(agent, text):
    result = await _parse(agent, text)

    assert "name" in result["intent"]
    assert set(result["anger"]) == {"score", "is_angry"}
    assert 0.0 <= result["anger"]["score"] <= 1.0
    assert isinstance(result["anger"]["is_angry"], bool)


async def test_text_without_chinese_is_not_angry(agent):
    result = await _parse(agent, "WTF!!!")

    assert result["anger"] == {"score": 0.0, "is_angry": False}


async def test_traditional_and_full_width_text_is_understood_with_its_entities(agent):
    result = await _parse(agent, "士多啤梨爛了２盒")

    assert result["intent"]["name"] == "report_spoiled"
    entities = {e["entity"]: e for e in result["entities"]}
    assert entities["product"]["value"] == "丹东草莓"
    assert entities["quantity"]["additional_info"] == {"amount": 2.0, "unit": "盒"}
