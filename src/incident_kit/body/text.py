"""Folding what people type into what the readers compare: Unicode NFKC, and nothing else.

Teams type on Japanese keyboards and phones: ``ｙ``, ``Ｎｏ``, ``？：``, ``＠taro``,
``１１/２０ ０９：５２``. NFKC turns each of these into its plain form (``y``, ``No``,
``?:``, ``@taro``, ``11/20 09:52``) while leaving kana, kanji and symbols such as
``○``/``×``/``✔`` as they are. Readers fold a text before they read answers, handles,
times or punctuation; the model keeps the text as written, for display.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """The NFKC form of a text (the form every reader compares)."""
    if text.isascii():
        return text  # already in NFKC: the common case costs nothing
    return unicodedata.normalize("NFKC", text)
