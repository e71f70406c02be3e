"""WeChat Official Account channel: ``channels.wechat.WeChatInput`` in credentials.yml."""
from channels.wechat.channel import WeChatInput
from channels.wechat.outbound import WeChatOutput

__all__ = ["WeChatInput", "WeChatOutput"]
