"""Reading a data folder: validated, typed tables (DESIGN section 2)."""

from .loaders import DataSet, load_data, validation_report
from .tables import TABLES, TOPIC_TABLES

__all__ = ["TABLES", "TOPIC_TABLES", "DataSet", "load_data", "validation_report"]
