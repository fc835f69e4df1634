"""docs/metrics.md is generated from the registry and must be current."""

from qa_analysis.config import PROJECT_ROOT
from qa_analysis.metrics import docs, registry


def test_docs_metrics_md_is_current():
    # Stale? Regenerate with: python -m qa_analysis.metrics.docs  (or make docs)
    written = (PROJECT_ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert written == docs.markdown()


def test_docs_list_every_registered_key():
    text = docs.markdown()
    assert [k for k in registry.keys() if f"| `{k}` |" not in text] == []
