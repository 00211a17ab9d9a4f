"""The spec's building blocks: strict models, texts in two languages, visibility."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
)

Lang = Literal["en", "zh"]


LocalText = str | dict[Lang, str]


Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]


def localize(text: LocalText | None, lang: str = "en") -> str:
    """Pick the text for ``lang``, falling back to English, then to any language given."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")  # type: ignore[call-overload]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a spec must not silently drop a check."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
