"""docs/inputs.md, the data dictionary, is current with the schemas (issue 17 item 4)."""

from qa_analysis.io import dictionary
from qa_analysis.io.tables import NEEDS, TABLES


def test_docs_inputs_md_is_current():
    # Regenerate with `python -m qa_analysis.io.dictionary` (or `make docs`).
    assert dictionary.DOCS_FILE.read_text(encoding="utf-8") == dictionary.markdown()


def test_every_column_of_every_table_has_words():
    missing = [
        f"{table}.{column}" for table, spec in TABLES.items() for column in spec.columns
        if not dictionary.COLUMN_WORDS.get(table, {}).get(column)
    ]
    assert missing == []


def test_the_words_name_no_column_the_schemas_do_not_have():
    stale = [
        f"{table}.{column}" for table, words in dictionary.COLUMN_WORDS.items() for column in words
        if column not in TABLES.get(table, type("none", (), {"columns": {}})).columns
    ]
    assert stale == []


def test_every_table_and_its_file_name_is_in_the_dictionary():
    text = dictionary.DOCS_FILE.read_text(encoding="utf-8")
    absent = [t for t, spec in TABLES.items() if f"## `{t}`" not in text or f"`{spec.file_names[0]}`" not in text]
    assert absent == []


def test_each_column_a_figure_needs_lists_those_figures():
    unlisted = []
    for table, columns in NEEDS.items():
        rows = {line.split("|")[1].strip(): line for line in dictionary.table_markdown(table) if line.startswith("| `")}
        unlisted += [
            (table, column, key) for column, keys in columns.items() for key in keys
            if f"`{key}`" not in rows[f"`{column}`"].split("|")[-2]
        ]
    assert unlisted == []
