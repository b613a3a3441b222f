"""What an EDA prompt must not carry even though it is the user's data: secrets and sensitive columns.

The process's own credentials are refused outright (``api.secrets``). Data is different: a
log table may hold a customer's access token, a users table a password hash, and the person
asking about the table's shape did not mean to send either. Two masks, both on by default
and both shown to the person before anything is sent (a line in the cell, a notice in the
panel), so nothing is hidden from them and they can opt out:

- well-known secret *shapes* (Anthropic/OpenAI/AWS/GitHub/Slack/Google/Stripe/Hugging Face
  keys, private key blocks, JWTs) in any text a ``{name}`` produces are replaced by
  ``[redacted: <kind>]``. On by default because the shapes are specific (a prefix plus a
  long random tail), so a false positive is rare and costs one re-run with
  ``%config ClaudeMagics.scan_secrets = False``, while a miss sends a live credential to a
  third party for good;
- DataFrame and Series columns whose names match ``%config ClaudeMagics.redact_columns``
  (``fnmatch`` patterns, case-insensitive; passwords, secrets and API keys by default) are
  summarised without their values: the summary keeps the column, its dtype and null count.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections import Counter
from typing import Any

__all__ = ["DEFAULT_REDACT_COLUMNS", "SECRET_SHAPES", "mask_secret_shapes", "masked_columns", "mask_frame"]

#: Column names masked by default: unambiguous names for credentials (not "token", which
#: NLP data uses for words).
DEFAULT_REDACT_COLUMNS = (
    "*password*", "*passwd*", "*secret*", "*api_key*", "*apikey*", "*access_token*", "*auth_token*",
    "*private_key*",
)

SECRET_SHAPES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("private key", r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|$)"),
        ("Anthropic API key", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
        ("OpenAI API key", r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}"),
        ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("Stripe key", r"\b[rs]k_live_[0-9A-Za-z]{20,}"),
        ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}"),
        ("JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    )
)


def mask_secret_shapes(text: str) -> tuple[str, Counter]:
    """``text`` with every well-known secret shape replaced, and how many of each kind."""
    found: Counter = Counter()
    for name, pattern in SECRET_SHAPES:
        if pattern.search(text):
            text, count = pattern.subn(f"[redacted: {name}]", text)
            found[name] += count
    return text, found


def masked_columns(obj: Any, patterns) -> list[str]:
    """The names of ``obj``'s columns (a DataFrame) or ``obj`` itself (a named Series) to mask."""
    pandas = sys.modules.get("pandas")
    if pandas is None or not patterns:
        return []
    if isinstance(obj, pandas.DataFrame):
        names = list(obj.columns)
    elif isinstance(obj, pandas.Series) and obj.name is not None:
        names = [obj.name]
    else:
        return []
    lowered = [p.lower() for p in patterns]
    return [str(n) for n in names if any(fnmatch.fnmatchcase(str(n).lower(), p) for p in lowered)]


def mask_frame(obj: Any, columns: list[str]) -> Any:
    """A shallow copy of a DataFrame or Series with the values of ``columns`` replaced.

    Missing values stay missing (the null count is still true); every other value becomes
    ``"[redacted]"``. Only the masked columns are copied.
    """
    pandas = sys.modules["pandas"]
    if isinstance(obj, pandas.Series):
        return obj.where(obj.isna(), "[redacted]").astype(object)
    masked = obj.copy(deep=False)
    for position, name in enumerate(obj.columns):
        if str(name) in columns:
            column = obj.iloc[:, position]
            masked.isetitem(position, column.where(column.isna(), "[redacted]").astype(object))
    return masked
