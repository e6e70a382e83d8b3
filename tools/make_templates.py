"""Write the input templates under data/templates/ (CSV and XLSX, English and Ukrainian headers).

    python tools/make_templates.py

The files are ``heatneed.templates.template_bytes`` for every role, language and format; a test
checks that the shipped files equal what this script writes and that each one validates.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from heatneed import templates  # noqa: E402


def main() -> None:
    templates.TEMPLATES_DIR.mkdir(parents=True, exist_ok=True)
    for role in templates.ROLES:
        for lang in templates.LANGS:
            for fmt in templates.FORMATS:
                (templates.TEMPLATES_DIR / templates.file_name(role, lang, fmt)).write_bytes(
                    templates.template_bytes(role, lang, fmt))
    print(f"{len(templates.ROLES) * 4} templates in {templates.TEMPLATES_DIR}")


if __name__ == "__main__":
    main()
