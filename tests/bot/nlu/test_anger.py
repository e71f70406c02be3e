"""The anger model and its Rasa component: train, persist, load, process."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.anger import AngerModel
from bot.nlu.components import AngerClassifier
from bot.nlu.normalise import normalise

ANGRY = [
    "你们卖的什么破烂草莓！！！退钱！", "垃圾平台，骗子！", "再不处理我就打12315投诉你们",
    "呵呵，你们可真行啊", "第三次了！！还没人管？", "什么玩意儿，气死我了😡", "黑心商家，我要曝光你们",
    "妈的又烂了", "说了多少遍了，你们有病吧", "就这服务？我谢谢你们全家", "退钱！！！马上！",
    "坑人的东西，差评", "你们脑子有问题吧", "受够了，忍无可忍", "我要去微博曝光", "搞什么鬼啊！！",
]
CALM = [
    "草莓烂了两个，能退吗", "鸡蛋碎了三个，麻烦处理一下", "有点失望，希望下次注意", "少发了一袋青菜",
    "麻烦帮我催一下，谢谢", "我的菜到了吗", "水果能退吗", "唉，又坏了一个", "哎呀，酸奶漏了",
    "太好了！谢谢！", "请问退款多久到账", "辛苦了，谢谢你们", "好的，没问题", "取货码多少",
    "西瓜有点不新鲜，可以退吗", "谢谢团长，辛苦啦",
]


@pytest.fixture(scope="module")
def model() -> AngerModel:
    return AngerModel.train(ANGRY + CALM, [True] * len(ANGRY) + [False] * len(CALM), threshold=0.5)


def test_anger_scores_higher_than_calm(model):
    angry = model.score("垃圾！！退钱！骗子！")
    calm = model.score("草莓坏了一个，麻烦看下，谢谢")

    assert angry.score > calm.score
    assert angry.is_angry and not calm.is_angry


@pytest.mark.parametrize("text", ["", "   ", "!!!???", "😡😡😡", "refund now!!!", "\x00\x01\xff", "12345"])
def test_text_without_chinese_scores_zero(model, text):
    result = model.score(text)

    assert result.as_dict() == {"score": 0.0, "is_angry": False}


def test_very_long_text_still_scores_in_range(model):
    result = model.score("气死了！" * 3000)

    assert 0.0 <= result.score <= 1.0


@pytest.mark.parametrize("tokens", [None, ["草莓", "烂", "了", "！"]])
def test_one_message_scores_as_scikit_learn_scores_it(model, tokens):
    """``score`` computes one message's features itself; the training path's batch
    scoring through scikit-learn gives the same number."""
    for text in ANGRY + CALM + ["草莓烂了！", "气死了！" * 300]:
        clean = normalise(text)
        batch = model._scores([clean], [tokens] if tokens is not None else None)[0]
        assert model.score(text, tokens).score == pytest.approx(batch, abs=1e-12)


def test_the_model_survives_saving_and_loading(model, tmp_path):
    model.save(tmp_path / "anger.joblib")

    loaded = AngerModel.load(tmp_path / "anger.joblib")

    assert loaded.score("垃圾平台！").score == pytest.approx(model.score("垃圾平台！").score)
    assert loaded.threshold == model.threshold


def test_the_threshold_is_chosen_to_keep_calm_messages_calm():
    texts = ANGRY * 3 + CALM * 3
    labels = [True] * len(ANGRY) * 3 + [False] * len(CALM) * 3

    chosen = AngerModel.train(texts, labels)

    assert 0.3 <= chosen.threshold <= 0.9
    assert sum(chosen.score(t).is_angry for t in CALM) <= 1


def test_training_needs_both_kinds():
    with pytest.raises(ValueError):
        AngerModel.train(CALM, [False] * len(CALM))


def _example(text: str, label: str | None) -> Message:
    data = {"text": text, "intent": "report_spoiled"}
    if label:
        data["metadata"] = {"example": {"anger": label}}
    return Message(data=data)


def test_the_rasa_component_trains_persists_loads_and_adds_the_contract_field(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("anger")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**AngerClassifier.get_default_config(), "threshold": 0.5}
    training = TrainingData([_example(t, "angry") for t in ANGRY]
                            + [_example(t, "calm") for t in CALM]
                            + [_example("没有标注的句子！！", None)])

    AngerClassifier.create(config, storage, resource, context).train(training)
    loaded = AngerClassifier.load(config, storage, resource, context)
    messages = [Message(data={"text": t}) for t in ("垃圾！退钱！", "草莓烂了两个，能退吗", "")]
    loaded.process(messages)

    results = [m.as_dict(only_output_properties=True)["anger"] for m in messages]
    assert results[0]["is_angry"] and not results[1]["is_angry"]
    assert results[2] == {"score": 0.0, "is_angry": False}


def test_an_untrained_component_still_answers_with_zero(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")

    component = AngerClassifier.load(AngerClassifier.get_default_config(), storage,
                                     Resource("missing"), context)
    [message] = component.process([Message(data={"text": "垃圾！"})])

    assert message.get("anger") == {"score": 0.0, "is_angry": False}


GENERAL_ANGRY = [
    "早高峰又被加塞，气死我了", "楼上半夜还在蹦迪，有病吧", "烦死了，电脑又蓝屏了", "裁判黑哨，这比赛还看什么",
    "被同事甩锅了，真想骂人", "插队还骂人，什么素质", "房东又涨租，欺人太甚", "说好的八点，九点半还没来，爱来不来",
]
GENERAL_CALM = [
    "今天的晚霞好美", "好想家，想妈妈做的菜", "吓死我了，刚才打雷了", "居然下雪了，好惊喜",
    "长江是中国第一长河", "周末去爬山，开心", "唉，考试没过，有点难过", "明天要面试，好紧张",
]


def _two_domain_model() -> AngerModel:
    texts = (ANGRY + CALM) * 2 + (GENERAL_ANGRY + GENERAL_CALM) * 2
    labels = ([True] * len(ANGRY) + [False] * len(CALM)) * 2 \
        + ([True] * len(GENERAL_ANGRY) + [False] * len(GENERAL_CALM)) * 2
    in_domain = [True] * (len(ANGRY) + len(CALM)) * 2 \
        + [False] * (len(GENERAL_ANGRY) + len(GENERAL_CALM)) * 2
    return AngerModel.train(texts, labels, in_domain=in_domain)


def test_without_general_examples_there_is_one_threshold(model):
    assert model.general_threshold is None and model.router is None
    assert model.threshold_for("草莓烂了两个，能退吗") == model.threshold


def test_general_examples_give_a_general_threshold_and_a_router():
    trained = _two_domain_model()

    assert trained.router is not None and 0.0 <= trained.router.cut <= 0.5
    assert 0.2 <= trained.general_threshold <= 0.9
    assert trained.threshold_for("草莓烂了两个，麻烦退款") == trained.threshold
    assert trained.threshold_for("今天的晚霞好美，周末去爬山") == trained.general_threshold


def test_customer_messages_keep_the_customer_threshold_whatever_the_general_one():
    trained = _two_domain_model()
    trained.general_threshold = 0.0  # would call every general text angry

    customer_like = [text for text in CALM + ANGRY if not trained.router.is_general(text)]

    assert customer_like
    for text in customer_like:
        assert trained.score(text).is_angry == (trained.score(text).score >= trained.threshold)


def test_the_general_threshold_and_router_survive_saving_and_loading(tmp_path):
    trained = _two_domain_model()
    trained.save(tmp_path / "anger.joblib")

    loaded = AngerModel.load(tmp_path / "anger.joblib")

    assert loaded.general_threshold == trained.general_threshold
    for text in ("今天的晚霞好美", "垃圾平台！退钱！"):
        assert loaded.score(text) == trained.score(text)


def test_a_model_saved_before_the_general_threshold_still_loads(model, tmp_path):
    import joblib

    joblib.dump({"vectorisers": model.vectorisers, "classifier": model.classifier,
                 "threshold": model.threshold}, tmp_path / "old.joblib")

    loaded = AngerModel.load(tmp_path / "old.joblib")

    assert loaded.general_threshold is None and loaded.router is None
    assert loaded.score("垃圾平台！").score == pytest.approx(model.score("垃圾平台！").score)


def _signal(text: str, group: str) -> float:
    from bot.nlu.anger.signals import NAMES, signals

    return float(signals(text)[NAMES.index(group)])


@pytest.mark.parametrize(("text", "group"), [
    ("垃圾桶满了，下楼倒垃圾", "insult"), ("今天天气的确不错", "irritation"),
    ("麻烦帮我看一下", "irritation"), ("泡了个澡，好舒服了", "contempt"),
    ("今天有点不开心", "joy"), ("usb接口松了", "swear"), ("html页面打不开", "swear"),
    ("这个操作我不会", "swear"), ("恐怕要下雨了", "fear"), ("申请退款", "polite"),
])
def test_a_cue_inside_a_word_that_does_not_mean_it_does_not_count(text, group):
    assert _signal(text, group) == 0.0


@pytest.mark.parametrize(("text", "group"), [
    ("垃圾平台", "insult"), ("烦死了", "irritation"), ("真是服了", "contempt"),
    ("好开心", "joy"), ("sb客服", "swear"), ("tm的又坏了", "swear"), ("麻烦帮我看一下", "polite"),
    ("怕死了", "fear"),
])
def test_the_cues_themselves_still_count(text, group):
    assert _signal(text, group) > 0.0
