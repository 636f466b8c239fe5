"""FACTO's placeholders (%1, %2, …) in letters and email texts, and the
email texts made inert before Odoo takes them as template source."""

import re

from markupsafe import Markup, escape

PLACEHOLDER = re.compile(r"%([1-9])")
# A letter's placeholders: %1 to %5 (see res.company's letter texts)
LETTER_PLACEHOLDER = re.compile(r"%([1-5])")
# A document's email text's placeholders, %1 to %5, by their names in the
# translatable standard texts (see facto.demat.document.type)
PLACEHOLDER_NAMES = {
    "customer": "%1",
    "reference": "%2",
    "company": "%3",
    "amount": "%4",
    "date": "%5",
}
# Where Odoo's template syntax starts or ends in a text: `{{ … }}` of its
# inline templates (subjects), `${…}` and `#{…}` of older and QWeb format
# strings. A narrow no-break space (U+202F, the thin space of French
# typography, which no renderer strips) is put at each of these places.
TEMPLATE_SYNTAX = re.compile(r"(?<=[{$#])(?=\{)|(?<=\})(?=\})")
THIN_SPACE = "\N{NARROW NO-BREAK SPACE}"


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


def inert(text):
    """`text` (a plain text, as an email subject) as it reads, but with no
    template syntax Odoo's inline_template renderer would run once the text
    is stored as a template's source: `{{` becomes `{` + thin space + `{`."""
    return TEMPLATE_SYNTAX.sub(THIN_SPACE, text)


def inert_html(html):
    """`html` (Markup) as it reads, with its braces written as HTML
    entities: no `{{ … }}`, `${…}` or `#{…}` reaches a template's source.
    QWeb tags and `t-` attributes never do: texts are sanitised when stored
    and values escaped when filled (see `fill`)."""
    return Markup(str(html).replace("{", "&#123;").replace("}", "&#125;"))
