"""LIKE patterns from what a person typed: %, _ and the escape character match literally."""

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """The text with LIKE's wildcards escaped (use with escape=LIKE_ESCAPE)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column, prefix: str):
    """column LIKE 'prefix%' with the prefix taken literally."""
    return column.like(escape_like(prefix) + "%", escape=LIKE_ESCAPE)


def contains(column, text: str):
    """column LIKE '%text%' with the text taken literally."""
    return column.like(f"%{escape_like(text)}%", escape=LIKE_ESCAPE)
