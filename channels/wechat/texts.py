"""What the WeChat channel itself says to a customer, in one place.

Everything else the customer reads comes from the assistant's responses (``domain.yml``);
these sentences cover what never reaches the assistant: message types it cannot read,
photos that could not be taken, and users who are not bound to a customer yet.
"""
from __future__ import annotations

# The text of the user turn an accepted photo becomes (the photo itself travels as
# message metadata ``{"evidence_id": ...}``).
PHOTO_TURN_TEXT = "[图片]"
# What a new follower "says", so the assistant answers with its welcome.
GREETING_PAYLOAD = "/greet"

UNSUPPORTED_MESSAGE = "抱歉，这类消息我暂时看不了😅 麻烦直接打字告诉我，或者拍一张照片发给我～"
VOICE_NOT_RECOGNISED = "这段语音我没听清😅 麻烦打字告诉我，好吗？"
BIND_FIRST = "收到照片啦，不过您的微信还没有绑定下单账号😥 请先按提示完成绑定，再把照片发给我～"
PHOTO_NOT_IMAGE = "这个文件我没能当成图片打开😥 麻烦重新拍一张发给我，jpg或png都可以。"
PHOTO_DOWNLOAD_FAILED = "图片没有收到，可能是网络问题，麻烦再发一次～"
PHOTO_TOO_LARGE = "图片太大了（超过{limit_mb}MB），麻烦截个图或压缩一下再发～"
TECHNICAL_PROBLEM = "抱歉，系统开了个小差😥 麻烦稍后再发一次～"
