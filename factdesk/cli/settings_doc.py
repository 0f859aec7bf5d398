"""The configuration reference's table (docs/CONFIGURATION.md), generated from Settings.

`python -m factdesk.cli.settings_doc [docs/CONFIGURATION.md]` rewrites the table between its
markers; a test keeps the committed file in step.
"""

from __future__ import annotations

import sys
from pathlib import Path

from factdesk.core.settings import SECTIONS, environment_variable

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for section_type in SECTIONS.values():
        for name, field in section_type.model_fields.items():
            default = field.default
            shown = f"`{default}`" if default not in (None, "") else ""
            variable = environment_variable(section_type, name)
            rows.append(f"| `{variable}` | {shown} | {field.description or ''} |")
    return "\n".join(rows)


def with_table(readme: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{settings_table()}\n{END}{tail}"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/CONFIGURATION.md")
    path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated the settings table in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
