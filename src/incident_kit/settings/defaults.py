"""Built-in defaults that both the settings schema and the body readers use.

They live here, below both, so the settings never import a body reader to borrow
a list, and a reader called without settings (tests, ``check`` with no file)
uses the same values.
"""

from __future__ import annotations

# Action items that ask people to "be careful" or "do their best" instead of changing code,
# the issue template or the schedule (the template's own rule). The team's ``vague-phrases``
# setting adds to these; ``builtin-vague-phrases: false`` drops them. Matched as substrings of
# the NFKC-folded, lower-cased item; DEFAULT_VAGUE_PATTERNS below catch the inflected forms.
DEFAULT_VAGUE_PHRASES = (
    "be careful",
    "more careful",
    "do your best",
    "do our best",
    "pay attention",
    "pay more attention",
    "double-check",
    "double check",
    "try harder",
    "keep in mind",
    "be aware",
    "remember to",
    "気をつける",
    "気を付ける",
    "注意する",
    "頑張る",
    "がんばる",
    "徹底する",
)

# The everyday forms, by stem and conjugation (regular expressions on the folded, lower-cased
# text): 気をつけます/気を付けよう/気をつけて, 注意します/注意しよう, 頑張ります/がんばろう,
# "be more cautious", "don't be careless", "try harder"... A phrase list of dictionary forms
# misses most of what people write.
DEFAULT_VAGUE_PATTERNS = (
    # English
    r"\bbe (?:more |extra |very |really |much more |a lot more )?"
    r"(?:careful|cautious|vigilant|mindful|attentive|aware|alert)\b",
    r"\b(?:more|extra) (?:careful|cautious|vigilant|attentive|mindful)\b",
    r"\b(?:careless(?:ness|ly)?|carefully)\b",
    r"\b(?:do|doing|did|try|trying) (?:your|our|my|their|his|her) (?:very )?best\b",
    r"\b(?:try|trying|tries|work|working) (?:harder|more carefully|to be more)\b",
    r"\bpay(?:ing|s)? (?:more |closer |extra |careful )?attention\b",
    r"\b(?:double|triple|re)[- ]?check(?:s|ed|ing)?\b",
    r"\bkeep(?:ing)? (?:it )?in mind\b|\bbear in mind\b|\bremember(?:ing)? to\b",
    r"\bstay(?:ing)? (?:alert|focused|vigilant)\b|\bthink twice\b|\btake (?:more |extra )?care (?:to|when|with)\b",
    r"\b(?:not|never) (?:make|making) (?:the same )?mistakes? again\b|\blearn(?:ed)? (?:our|the) lesson\b",
    # Japanese (stems, so every conjugation matches)
    r"気を?[つ付]け|気を引き締|気をくば|気を配",
    r"注意(?:する|し|しよ|すべ|を払|を怠|深|力)",
    r"徹底",
    r"頑張|がんば|ガンバ",
    r"心が?け|心掛",
    r"意識(?:する|し|しよ|を高|を持|付け|づけ|改革)",
    r"慎重",
    r"怠らな|怠りな",
    r"(?:よく|しっかり|きちんと|ちゃんと|必ず|十分に?|入念に|念入りに|注意深く)(?:と)?(?:確認|チェック|見直|レビュー|テスト)",
    r"ダブルチェック|指差し確認|二重チェック|再確認",
    r"努め(?:る|ます|よう)|努力",
    r"反省",
    r"二度と(?:起こさ|しな|やらな|繰り返さ)",
)

# What makes an item a concrete change even when it mentions care: it links the issue or PR that
# tracks it, names a file, or adds/changes a script, job, test, alert, schedule and the like
# ("Add a CI lint so reviewers no longer need to be careful about config keys #45").
CONCRETE_NOUNS = (
    r"\b(?:scripts?|jobs?|workflows?|tests?|lint(?:er|ing)?s?|ci|alerts?|alarms?|monitor(?:s|ing)?|dashboards?|"
    r"schedules?|cron|runbooks?|templates?|hooks?|pipelines?|checklists?|validations?|guards?|bots?|"
    r"rules?|configs?|configuration|playbooks?|metrics?|probes?|canary|feature flags?|rollbacks?|steps?)\b"
    r"|スクリプト|ジョブ|テスト|リント|アラート|監視|スケジュール|定期|ダッシュボード|テンプレート|手順書|ランブック|"
    r"ワークフロー|通知|チェックリスト|バリデーション|自動"
)
CONCRETE_VERBS = (
    r"\b(?:add|adds|added|adding|create|introduce|set up|setup|automate|schedule|enable|implement|build|"
    r"install|configure|update|fix|remove|replace|change|migrate|block|require|enforce|move)\b"
    r"|追加|作成|導入|設定|自動化|実装|修正|変更|更新|作る|組み込|置き換"
)

# Hosts whose links count as a video of the incident, besides GitHub's own attachments.
DEFAULT_VIDEO_HOSTS = (
    "loom.com",
    "youtube.com",
    "youtu.be",
    "drive.google.com",
    "vimeo.com",
)
