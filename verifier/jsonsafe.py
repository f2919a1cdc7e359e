"""JSON from outside, parsed only after its size and nesting depth are bounded.

py_ecc raises the interpreter's recursion limit to 100,000 on import, so the C JSON
parser no longer stops deeply nested input with a RecursionError: 100 kB of ``[``
overflows the C stack instead (a segfault).  Every reader of outside JSON in zkdx goes
through ``loads``, which scans the text once (strings and escapes skipped) and refuses
input deeper than ``max_depth`` or longer than ``max_bytes`` before ``json.loads``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 16 << 20  # 16 MiB: a verifying key with 10^5 public inputs is ~20 MB; nothing here is larger
MAX_DEPTH = 64


def nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings (0 for a scalar)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def loads(data: str | bytes, error: type[Exception], *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with bounds; anything else raises ``error`` with a one-line reason."""
    if len(data) > max_bytes:
        raise error(f"JSON input of {len(data)} bytes exceeds the limit of {max_bytes}")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"JSON input is not UTF-8 text (byte {exc.start})") from exc
    if nesting_depth(data) > max_depth:
        raise error(f"JSON input nests deeper than {max_depth} levels")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise error(f"not valid JSON: {exc}") from exc
