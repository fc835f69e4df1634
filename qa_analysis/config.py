"""Paths and settings, from one place.

The notebooks, the report template and the demo data ship inside the installed package
(``qa_analysis/notebooks``, ``qa_analysis/templates``, ``qa_analysis/demo_data``, copied there
when the wheel is built) and are found with :mod:`importlib.resources`; in a source tree
(a clone, an editable install) they are the top-level ``notebooks/`` and ``data/demo/``.
Outputs default to ``./outputs`` of the working directory, never into the package.
Local policy values (visit intervals, windows, code lists) live in :class:`Settings`;
a YAML file passed with ``--settings`` overrides any of them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout holding the package in a source tree; in an installed wheel, site-packages
# (nothing is looked up there: see _shipped).
PROJECT_ROOT = PACKAGE_DIR.parent


def _shipped(name: str, source_tree: Path) -> Path:
    """A folder shipped inside the installed package, else the source tree's own."""
    packaged = resources.files("qa_analysis").joinpath(name)
    if packaged.is_dir():
        return Path(str(packaged))
    return source_tree


DEMO_DATA_DIR = _shipped("demo_data", PROJECT_ROOT / "data" / "demo")
NOTEBOOKS_DIR = _shipped("notebooks", PROJECT_ROOT / "notebooks")
TEMPLATES_DIR = PACKAGE_DIR / "templates"
# Developer tools (benchmarks, screenshots) write under the checkout's outputs/; the
# commands' default is default_out_dir(), ./outputs of the working directory.
OUTPUTS_DIR = PROJECT_ROOT / "outputs"

# Analysts can point the package at another data folder without editing notebooks.
DATA_DIR_ENV = "QA_ANALYSIS_DATA"


def default_data_dir() -> Path:
    """The data folder used when none is given: ``$QA_ANALYSIS_DATA`` or the demo data.

    Examples
    --------
    >>> default_data_dir().name in ("demo", "demo_data") or DATA_DIR_ENV in os.environ
    True
    """
    return Path(os.environ.get(DATA_DIR_ENV, DEMO_DATA_DIR))


def default_out_dir() -> Path:
    """Where reports go when ``--out`` is not given: ``outputs`` in the working directory.

    Examples
    --------
    >>> default_out_dir() == Path.cwd() / "outputs"
    True
    """
    return Path.cwd() / "outputs"


FOSTER_PLACES = ("U1", "U2", "U3", "U4", "U5", "U6")
SEMI_INDEPENDENT_PLACES = ("H5", "K3", "P2")
ADOPTION_PLACES = ("A3", "A4", "A5", "A6")
TEMPORARY_PLACES = ("T0", "T1", "T2", "T3", "T4")
SHORT_BREAK_LS = ("V3", "V4")


@dataclass(frozen=True)
class Settings:
    """Local policy values; the defaults are those of DESIGN section 4.

    Every field can be set from Python (``Settings(contact_referral_window_days=14)``) or
    from a YAML file of ``name: value`` pairs (:func:`load_settings`).
    """

    # visits.pct_timely: the longest allowed gap since the previous visit, by cohort.
    visit_interval_cla_calendar_days: int = 42
    visit_interval_cp_working_days: int = 10
    visit_interval_cin_working_days: int = 20
    # referrals.pct_from_contact: a referral on the contact date or up to N days after.
    contact_referral_window_days: int = 30
    # referrals.pct_re_referral_12m: look-back in months.
    re_referral_months: int = 12
    # assessments.pct_within_45wd: the Working Together timescale.
    assessment_target_working_days: int = 45
    # placements: which RNE codes start a placement (a new carer); add "T", "U" to count
    # same-carer placement changes as DfE rule 225 does.
    placement_start_rne: tuple[str, ...] = ("S", "P", "B")
    temporary_places: tuple[str, ...] = TEMPORARY_PLACES
    short_break_legal_status: tuple[str, ...] = SHORT_BREAK_LS
    foster_places: tuple[str, ...] = FOSTER_PLACES
    # H5 until 2023-24, K3 from 2024-25, P2 independent living: one group (domain.md 1.5).
    semi_independent_places: tuple[str, ...] = SEMI_INDEPENDENT_PLACES
    adoption_places: tuple[str, ...] = ADOPTION_PLACES
    # placements.pct_long_term_stable (ex NI 063)
    long_term_max_age_years: int = 16
    long_term_care_months: int = 30
    long_term_carer_years: int = 2
    # placements.pct_3plus_12m
    placements_threshold: int = 3
    # Values the loader reads as blank, whatever their case (SQL Server's NULL, Excel's #N/A).
    blank_values: tuple[str, ...] = ("NULL", "N/A", "#N/A")
    extra: dict = field(default_factory=dict, compare=False)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


class SettingsError(ValueError):
    """A settings file that cannot be used."""


def load_settings(path: str | Path | None = None, **overrides) -> Settings:
    """Settings from a YAML file (optional) and keyword overrides, over the defaults."""
    values: dict = {}
    if path is not None:
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SettingsError(f"{path}: cannot read the settings file ({exc.__class__.__name__}).") from None
        if not isinstance(loaded, dict):
            raise SettingsError(f"{path}: the settings file must hold 'name: value' pairs.")
        values.update(loaded)
    values.update(overrides)
    known = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(
            f"Unknown setting(s): {', '.join(unknown)}. Known settings: {', '.join(sorted(known))}."
        )
    typed = {}
    for name, value in values.items():
        default = getattr(Settings(), name)
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = [value]
            typed[name] = tuple(str(v).strip().upper() for v in value)
        elif isinstance(default, int):
            try:
                typed[name] = int(value)
            except (TypeError, ValueError):
                raise SettingsError(f"Setting {name} must be a whole number, not {value!r}.") from None
        else:
            typed[name] = value
    return Settings(**typed)


DEFAULT_SETTINGS = Settings()
