"""HTML texts kept whole in each language.

Odoo translates a sanitised HTML field term by term (`html_translate`):
editing its French rewrites the other languages' changed terms too. The
add-ons' texts (letters, email texts) are written by accountants one
language at a time, so their fields are declared `translate=True,
sanitize=False` (one whole value per language) and sanitised here, on every
path that stores them, as Odoo sanitises its HTML fields: create, write and
the translation dialog (`_update_field_translations`, which stores each
language past write())."""

from odoo.tools import html_sanitize


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


def _sanitised(html):
    return html_sanitize(html, sanitize_attributes=True, sanitize_style=True)
