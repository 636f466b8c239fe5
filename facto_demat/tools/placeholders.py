"""FACTO's placeholders (%1, %2, …) in letters and email texts."""

import re

from markupsafe import Markup, escape

PLACEHOLDER = re.compile(r"%([1-9])")


def fill(text, values, html=False):
    """`text` with each placeholder %N whose key "N" is in `values`
    ({"1": str, …}) replaced by its value; any other left as it is. In HTML
    (`html`), values are escaped, so that a customer named `<script>` reads
    as text, and the result is Markup."""

    def value(match):
        if match[1] not in values:
            return match[0]
        return escape(values[match[1]]) if html else values[match[1]]

    if html:
        return Markup(PLACEHOLDER.sub(value, str(text)))
    return PLACEHOLDER.sub(value, text)
