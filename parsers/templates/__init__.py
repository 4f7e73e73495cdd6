"""Template plugins. To add a template: write one module with a TEMPLATE and list it here."""
from . import t2019, t2021
from .base import TABLE3_COLUMNS, TABLE4_BLOCKS, TABLE4_COLUMNS, RowSpec, Template  # noqa: F401

TEMPLATES: tuple[Template, ...] = (t2019.TEMPLATE, t2021.TEMPLATE)


def detect(labels: list[str]) -> Template | None:
    """Pick the template whose own header words and row labels the tables print; None if neither."""
    scored = sorted(((t.score(labels), t) for t in TEMPLATES), key=lambda x: -x[0])
    best_score, best = scored[0]
    if best_score == 0 or (len(scored) > 1 and scored[1][0] == best_score):
        return None
    return best
