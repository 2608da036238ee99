"""The JSON parser: strict JSON that every later layer (fields, database, renderer) can handle.

A body is refused (400, saying why) when its arrays and objects nest deeper than
MAX_JSON_DEPTH, when a number is not finite (`NaN`, `Infinity`, or a literal such as
`1e400` that overflows to infinity), or when a key or string holds a lone surrogate
(`"\\ud800"`), which no database or UTF-8 encoder accepts.
"""

import codecs
import json
import math
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from tokensvc.limits import MAX_JSON_DEPTH

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ParseError(f"The number {text[:40]} is out of range.")
    return value


def _refuse_constant(name: str):
    raise ParseError(f"{name} is not a number JSON allows.")


def check_structure(data) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and lone surrogates, without recursion."""
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                raise ParseError("A string contains a lone surrogate (\\ud800-\\udfff), which is not valid text.")
        elif isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise ParseError(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
            if isinstance(value, dict):
                pending.extend((key, depth + 1) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)


def loads(text: str):
    """Parse `text` as strict JSON (see the module docstring), raising ParseError."""
    try:
        data = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:
        raise ParseError(f"JSON parse error - {exc}") from None
    check_structure(data)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the refusals above."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"The body is not valid {encoding}: {type(exc).__name__}.") from None
        return loads(text)
