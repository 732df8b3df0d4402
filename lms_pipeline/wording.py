"""Words in messages: counts with nouns that agree with them, and values with their invisible characters shown."""

import re

# Characters a person cannot see or tell from a space: every character of Unicode's categories Cc (controls), Cf
# (format: zero-width spaces and joiners, the byte-order mark, bidirectional marks, tags), Zs other than the space,
# Zl and Zp, as Python 3.11's unicodedata has them; then the invisible letters and marks (the Hangul fillers, the
# combining grapheme joiner, Khmer's inherent vowels, variation selectors).
INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u1680\u180e"
    "\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\ufe00-\ufe0f\uffa0]"
)


def plural(count: int, noun: str) -> str:
    """'1 batch', '36 batches', '0 sections': nouns ending in s, x, ch or sh take -es, the others -s."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun}{'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else 's'}"


def there_are(count: int, noun: str) -> str:
    """'There is 1 unmatched section', 'There are 2 unmatched sections'."""
    return f"There {'is' if count == 1 else 'are'} {plural(count, noun)}"


def shown(value: str) -> str:
    """The value in quotes, each invisible character written as its code: 'abc\\u200b'."""
    return "'" + INVISIBLE.sub(_code, value) + "'"


def _code(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"
