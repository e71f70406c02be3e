"""What the channel itself says when a message never reaches the assistant."""
from __future__ import annotations

UNSUPPORTED = "这类消息我暂时看不懂😅 有问题请直接打字告诉我，需要拍照的话发照片就行📷"
PHOTO_TOO_LARGE = "图片太大了（超过{limit_mb}MB），麻烦截个图或压缩一下再发～"
PHOTO_NOT_IMAGE = "这个文件我没能当成图片打开😥 麻烦重新拍一张发给我，jpg或png都可以。"
PHOTO_DOWNLOAD_FAILED = "图片没有收到，可能是网络问题，麻烦再发一次～"
SORRY = "抱歉，系统开小差了😥 请稍后再发一次；着急的话可以说「转人工」。"
# What Rasa receives, with metadata ``evidence_id``, when the customer sends a photo.
PHOTO_TEXT = "[图片]"


def photo_too_large(limit_bytes: int) -> str:
    """The too-large answer with the limit in whole megabytes."""
    return PHOTO_TOO_LARGE.format(limit_mb=max(1, limit_bytes // (1024 * 1024)))
