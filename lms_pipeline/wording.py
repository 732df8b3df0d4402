"""Words in messages: counts with nouns that agree with them, and values with their invisible characters shown."""

import re

# Characters a person cannot see or tell from a space: C0 and C1 controls, non-ASCII spaces, zero-width and other
# format characters (U+200B..U+200F, U+2060..U+206F, the byte-order mark U+FEFF), line and paragraph separators.
INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u1680\u180e\u2000-\u200f\u2028-\u202f"
    "\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0]"
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
    return "'" + INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value) + "'"
