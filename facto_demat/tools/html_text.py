"""HTML texts kept whole in each language.

Odoo translates a sanitised HTML field term by term (`html_translate`):
editing its French rewrites the other languages' changed terms too. The
add-ons' texts (letters, email texts) are written by accountants one
language at a time, so their fields are declared `translate=True,
sanitize=False` (one whole value per language) and sanitised here, on every
path that stores them, as Odoo sanitises its HTML fields: create, write and
the translation dialog (`_update_field_translations`, which stores each
language past write())."""

from lxml import html as lxml_html
from markupsafe import Markup

from odoo.tools import html2plaintext, html_sanitize


def sanitised(vals, *field_names):
    """`vals` (a dict of field values) with the HTML of `field_names`
    sanitised: no script, event handler, iframe or form."""
    return {
        **vals,
        **{name: _sanitised(vals[name]) for name in field_names if vals.get(name)},
    }


def sanitised_translations(translations):
    """`translations` ({lang: HTML, or False to drop the language}, as the
    translation dialog saves a `translate=True` field) with each text
    sanitised as `sanitised` does."""
    return {
        lang: _sanitised(value) if value else value
        for lang, value in translations.items()
    }


def without_quotes(html):
    """The sanitised HTML of an email's body (str, as Odoo stores a
    received email) without the text it quotes, which Odoo's sanitiser marks
    (`data-o-mail-quote`: a quoted letter, "> " lines, a signature); the
    whole body when nothing else is left."""
    html = _sanitised(html or "")
    if not html:
        return html
    tree = lxml_html.fragment_fromstring(html, create_parent="div")
    for node in tree.xpath("//*[@data-o-mail-quote='1']"):
        if node.getparent() is not None:
            node.drop_tree()
    answer = "".join(lxml_html.tostring(child, encoding="unicode") for child in tree)
    answer = (tree.text or "") + answer
    return Markup(answer) if html2plaintext(answer).strip() else html


def _sanitised(html):
    return html_sanitize(html, sanitize_attributes=True, sanitize_style=True)
