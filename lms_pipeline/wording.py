"""Counts in messages, with nouns that agree with them."""


def plural(count: int, noun: str) -> str:
    """'1 batch', '36 batches', '0 sections': nouns ending in s, x, ch or sh take -es, the others -s."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun}{'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else 's'}"


def there_are(count: int, noun: str) -> str:
    """'There is 1 unmatched section', 'There are 2 unmatched sections'."""
    return f"There {'is' if count == 1 else 'are'} {plural(count, noun)}"
