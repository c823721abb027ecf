"""The JSON results document."""

from __future__ import annotations

import json
from typing import Any


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"
