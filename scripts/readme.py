"""Each add-on's README.rst, generated from its readme/*.md as OCA's
oca-gen-addon-readme generates it (that tool is not on PyPI; this follows
its template: title, generated-file banner with the fragments' digest,
badges, summary, description, table of contents, the other fragments as
sections, bug tracker, credits).

`readme.py` writes every add-on's README.rst; `readme.py --check` fails
when one is not the README its fragments make (run by `make lint`).
Markdown is turned into reStructuredText by pandoc (pypandoc-binary, in
.venv-lint).
"""

import hashlib
import sys
from pathlib import Path

import addons
import pypandoc

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "facto-demat/facto_demat"
# readme/ fragments in OCA's order: {file stem: section title}; DESCRIPTION
# has none, it opens the README.
FRAGMENTS = {
    "DESCRIPTION": None,
    "INSTALL": "Installation",
    "CONFIGURE": "Configuration",
    "USAGE": "Usage",
    "ROADMAP": "Known issues / Roadmap",
    "HISTORY": "Changelog",
}
BANNER = """\
..
   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
   !! This file is generated from readme/*.md by      !!
   !! scripts/readme.py: changes will be overwritten. !!
   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
   !! source digest: sha256:{digest}
   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


def heading(text, underline, overline=False):
    line = underline * len(text)
    return f"{line}\n{text}\n{line}\n" if overline else f"{text}\n{line}\n"


def rst(markdown):
    """`markdown` as reStructuredText: its `##` headings under the README's
    sections, with the same underlines as Credits' subsections."""
    text = pypandoc.convert_text(
        markdown,
        "rst",
        format="gfm",
        extra_args=["--wrap=preserve"],
    )
    return text.strip() + "\n"


def readme(addon):
    """The README.rst text of `addon`, from its manifest and readme/."""
    manifest = addons.manifest(addon)
    folder = ROOT / addon / "readme"
    fragments = {
        stem: (folder / f"{stem}.md").read_text()
        for stem in FRAGMENTS
        if (folder / f"{stem}.md").exists()
    }
    digest = hashlib.sha256(
        "".join(f"{stem}\n{text}" for stem, text in fragments.items()).encode()
        + repr(sorted(manifest.items())).encode()
    ).hexdigest()
    license_name = manifest["license"]
    parts = [
        heading(manifest["name"], "=", overline=True),
        BANNER.format(digest=digest),
        f".. |badge1| image:: https://img.shields.io/badge/licence-"
        f"{license_name.replace('-', '--')}-blue.png\n"
        f"    :target: https://www.gnu.org/licenses/lgpl-3.0-standalone.html\n"
        f"    :alt: License: {license_name}\n"
        f".. |badge2| image:: https://img.shields.io/badge/github-"
        f"{REPOSITORY.replace('-', '--').replace('/', '%2F')}-lightgray.png"
        f"?logo=github\n"
        f"    :target: https://github.com/{REPOSITORY}/tree/19.0/{addon}\n"
        f"    :alt: {REPOSITORY}\n\n|badge1| |badge2|\n",
        f"{manifest['summary']}\n",
    ]
    if "DESCRIPTION" in fragments:
        parts.append(rst(fragments["DESCRIPTION"]))
    parts.append("**Table of contents**\n\n.. contents::\n   :local:\n")
    for stem, title in FRAGMENTS.items():
        if title and stem in fragments:
            parts.append(heading(title, "=") + "\n" + rst(fragments[stem]))
    parts += [
        heading("Bug Tracker", "=") + f"\nBugs are tracked on `GitHub Issues "
        f"<https://github.com/{REPOSITORY}/issues>`_. In case of trouble, "
        f"please check there if your issue has already been reported.\n",
        heading("Credits", "=")
        + "\n"
        + heading("Authors", "-")
        + "\n"
        + "".join(f"* {author.strip()}\n" for author in manifest["author"].split(","))
        + "\n"
        + heading("Maintainers", "-")
        + f"\nThis module is part of the `{REPOSITORY} "
        f"<https://github.com/{REPOSITORY}/tree/19.0/{addon}>`_ project on "
        f"GitHub, for Odoo 18.0 and 19.0 from one code base.\n",
    ]
    return "\n".join(parts)


def main(argv):
    stale = []
    for addon in addons.GROUPS["all"]:
        path = ROOT / addon / "README.rst"
        text = readme(addon)
        if argv == ["--check"]:
            if not path.exists() or path.read_text() != text:
                stale.append(addon)
        else:
            path.write_text(text)
    if stale:
        print(
            "README.rst not generated from readme/ (run scripts/readme.py):",
            *stale,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
