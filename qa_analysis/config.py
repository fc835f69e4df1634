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


class SettingsError(ValueError):
    """A setting or settings file that cannot be used (the message names the setting)."""


@dataclass(frozen=True)
class Rule:
    """What a setting accepts: a whole number in a range, or codes from a list.

    ``codes`` names a code list in :mod:`qa_analysis.io.schemas` (read when checking, so this
    module stays free of the loaders); ``at_least`` is the fewest codes the list may hold.
    """

    unit: str = ""
    low: int | None = None
    high: int | None = None
    codes: str | None = None
    at_least: int = 1

    def accepted(self) -> str:
        if self.codes:
            least = " (at least one)" if self.at_least else ""
            return f"a list of codes from {', '.join(self.code_list())}{least}"
        return f"a whole number of {self.unit} from {self.low} to {self.high}"

    def code_list(self) -> tuple[str, ...]:
        from .io import schemas

        return tuple(getattr(schemas, self.codes))


def _whole(default: int, unit: str, low: int, high: int):
    return field(default=default, metadata={"rule": Rule(unit, low, high)})


def _texts(value) -> tuple[str, ...]:
    """A list of words (a single word is a list of one); blanks and non-text refused."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError("a list of words, such as [NULL, N/A]")
    return tuple(dict.fromkeys(v.strip() for v in values))


def _yes_no(value) -> bool:
    """true or false (YAML's true/false/yes/no)."""
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _targets(value) -> dict:
    """The ``targets`` section: checked by :func:`qa_analysis.targets.parse_targets`."""
    if value is None or value == {}:
        return {}
    from .targets import TargetError, parse_targets

    try:
        parse_targets(value)
    except TargetError as exc:
        raise ValueError(f"entries of 'metric: {{target: N, tolerance: N}}' ({exc})") from None
    return dict(value)


def _words(value) -> str:
    """Free words (a name of a committee or a role); may be blank."""
    if not isinstance(value, str):
        raise ValueError("words in quotes")
    return value.strip()


def _date_or_blank(value) -> str:
    """A date, YYYY-MM-DD or dd/mm/YYYY, kept as written; or blank."""
    import datetime

    if isinstance(value, datetime.date):  # YAML reads 2021-02-11 as a date
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError("a date as YYYY-MM-DD or dd/mm/YYYY, or blank")
    text = value.strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            datetime.datetime.strptime(text, form)
            return text
        except ValueError:
            continue
    if text:
        raise ValueError("a date as YYYY-MM-DD or dd/mm/YYYY, or blank")
    return text


# The roles an auditor may have in audits.csv (Settings.auditor_roles): never a person.
AUDITOR_ROLES = (
    "independent auditor", "QA service manager", "QA practice lead", "chair of the improvement board",
    "principal social worker", "head of service", "team manager", "IRO", "peer auditor",
)


def _codes(default: tuple[str, ...], codes: str, at_least: int = 1):
    return field(default=default, metadata={"rule": Rule(codes=codes, at_least=at_least)})


@dataclass(frozen=True)
class Settings:
    """Local policy values; the defaults are those of DESIGN section 4.

    Every field can be set from Python (``Settings(contact_referral_window_days=14)``) or
    from a YAML file of ``name: value`` pairs (:func:`load_settings`). Each field carries a
    :class:`Rule` (type and range) in its metadata and is checked whenever a ``Settings`` is
    made. To add a setting: one field declared with ``_whole`` or ``_codes``; a field of
    another shape declares ``field(default=..., metadata={"check": function})`` where the
    function returns the typed value or raises ``ValueError`` with what it accepts. The
    footer of every report and each run's manifest list every field.
    """

    # visits.pct_timely: the longest allowed gap since the previous visit, by cohort.
    visit_interval_cla_calendar_days: int = _whole(42, "calendar days", 1, 366)
    visit_interval_cp_working_days: int = _whole(10, "working days", 1, 260)
    visit_interval_cin_working_days: int = _whole(20, "working days", 1, 260)
    # referrals.pct_from_contact: a referral on the contact date or up to N days after.
    contact_referral_window_days: int = _whole(30, "days", 1, 366)
    # referrals.pct_re_referral_12m: look-back in months.
    re_referral_months: int = _whole(12, "months", 1, 60)
    # assessments.pct_within_45wd: the Working Together timescale.
    assessment_target_working_days: int = _whole(45, "working days", 1, 260)
    # placements: which RNE codes start a placement (a new carer); add "T", "U" to count
    # same-carer placement changes as DfE rule 225 does.
    placement_start_rne: tuple[str, ...] = _codes(("S", "P", "B"), "RNE_CODES")
    temporary_places: tuple[str, ...] = _codes(TEMPORARY_PLACES, "PLACE_CODES", at_least=0)
    short_break_legal_status: tuple[str, ...] = _codes(SHORT_BREAK_LS, "LS_CODES", at_least=0)
    foster_places: tuple[str, ...] = _codes(FOSTER_PLACES, "PLACE_CODES")
    # H5 until 2023-24, K3 from 2024-25, P2 independent living: one group (domain.md 1.5).
    semi_independent_places: tuple[str, ...] = _codes(SEMI_INDEPENDENT_PLACES, "PLACE_CODES")
    adoption_places: tuple[str, ...] = _codes(ADOPTION_PLACES, "PLACE_CODES")
    # placements.pct_long_term_stable (ex NI 063)
    long_term_max_age_years: int = _whole(16, "years", 1, 17)
    long_term_care_months: int = _whole(30, "months", 1, 216)
    long_term_carer_years: int = _whole(2, "years", 1, 18)
    # placements.pct_3plus_12m
    placements_threshold: int = _whole(3, "placements", 2, 50)
    # Local targets and tolerances per metric (none by default); see qa_analysis.targets.
    # Not part of the comparison: targets change no figure, so cached figures stay valid.
    targets: dict = field(default_factory=dict, compare=False, metadata={"check": _targets})


    # The annual committee paper (issue 15): who it goes to, from whom (roles, never names)
    # and when; and the roles an auditor may be given in audits.csv (a value outside this
    # list is refused: a person's name must never reach a public paper).
    authority_name: str = field(default="", metadata={"check": _words})
    committee_name: str = field(default="Safeguarding Committee", metadata={"check": _words})
    meeting_date: str = field(default="", metadata={"check": _date_or_blank})  # blank: "To be confirmed"
    report_of: str = field(default="Director of Children's Services", metadata={"check": _words})
    report_author: str = field(default="Head of Quality Assurance", metadata={"check": _words})
    auditor_roles: tuple[str, ...] = field(default=AUDITOR_ROLES, metadata={"check": _texts})
    # Values the loader reads as blank, whatever their case (SQL Server's NULL, Excel's #N/A).
    blank_values: tuple[str, ...] = field(default=("NULL", "N/A", "#N/A"), metadata={"check": _texts})
    # qa-analysis report: a notebook still running after this long is stopped, listed as failed.
    notebook_timeout_seconds: int = _whole(1200, "seconds", 10, 86400)
    # public reports: show figures about one family or one child (the largest family
    # contacted); off by default, since in a small authority they describe one family.
    publish_single_family_figures: bool = field(default=False, metadata={"check": _yes_no})

    def __post_init__(self):
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, check_setting(f.name, getattr(self, f.name)))

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        """The settings in force, JSON-ready (code lists as lists), in declaration order."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {name: list(v) if isinstance(v, tuple) else v for name, v in values.items()}

    def describe(self) -> list[str]:
        """``name: value`` lines, for a report's footer."""
        return [
            f"{name}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            for name, value in self.as_dict().items()
        ]


def check_setting(name: str, value, where: str = "", written: str | None = None):
    """The value, typed; or :class:`SettingsError` naming the setting, the value as written,
    what is accepted and (``where``) the file and line."""
    f = {f.name: f for f in dataclasses.fields(Settings)}[name]
    shown = repr(value) if written is None else written
    if "check" in f.metadata:
        try:
            return f.metadata["check"](value)
        except ValueError as exc:
            raise SettingsError(f"Setting {name}{where} must be {exc}, not {shown}.") from None
    rule = f.metadata.get("rule")
    if rule is None:
        return value

    def refuse(why: str = ""):
        return SettingsError(f"Setting {name}{where} must be {rule.accepted()}, not {shown}{why}.")

    if rule.codes:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise refuse()
        codes = tuple(dict.fromkeys(v.strip().upper() for v in values))
        unknown = [c for c in codes if c not in rule.code_list()]
        if unknown:
            raise refuse(f" ({', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the list)")
        if len(codes) < rule.at_least:
            raise refuse(" (the list is empty)")
        return codes
    if isinstance(value, bool):
        raise refuse(" (a yes/no value)")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        raise refuse(" (a fraction)")
    if isinstance(value, str):
        raise refuse(" (text, not a number)")
    if not isinstance(value, int):
        raise refuse()
    if not rule.low <= value <= rule.high:
        raise refuse(" (out of range)")
    return value


def _yaml_pairs(text: str, path: Path) -> list[tuple[object, object, int, str]]:
    """(name, value, line, value as written) for each pair of a settings file, in order."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError(f"{path.name}: not a readable YAML settings file{line}.") from None
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode):
        raise SettingsError(f"{path.name}: the settings file must hold 'name: value' pairs, one a line.")
    loader = yaml.SafeLoader("")
    pairs, seen = [], {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        name = loader.construct_object(key_node, deep=True)
        if name in seen:
            raise SettingsError(f"{path.name}: setting {name} is given twice (lines {seen[name]} and {line}).")
        seen[name] = line
        value = loader.construct_object(value_node, deep=True)
        if isinstance(value_node, yaml.ScalarNode):
            written = f'"{value_node.value}"' if value_node.style in ('"', "'") else value_node.value
        else:
            written = repr(value)
        pairs.append((name, value, line, written))
    return pairs


def load_settings(path: str | Path | None = None, **overrides) -> Settings:
    """Settings from a YAML file (optional) and keyword overrides, over the defaults.

    Every value is checked against its setting's rule; the first refused raises
    :class:`SettingsError` naming the setting, the value as written, what is accepted and
    the file's line (``Setting re_referral_months (settings.yml line 3) must be a whole
    number of months from 1 to 60, not 12.5 (a fraction).``).

    Parameters
    ----------
    path : str or Path, optional
        A YAML file of ``name: value`` pairs (the names are the fields of :class:`Settings`).
    **overrides
        Settings given directly, applied after the file.

    Returns
    -------
    Settings

    Raises
    ------
    SettingsError
        For an unreadable file, an unknown setting (the message lists the known ones) or a
        value of the wrong kind.

    Examples
    --------
    >>> load_settings(contact_referral_window_days=14).contact_referral_window_days
    14
    """
    known = [f.name for f in dataclasses.fields(Settings)]
    pairs: list[tuple[object, object, str, str | None]] = []
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read the settings file ({exc.__class__.__name__}).") from None
        pairs += [(n, v, f" ({path.name} line {line})", w) for n, v, line, w in _yaml_pairs(text, path)]
    pairs += [(n, v, "", None) for n, v in overrides.items()]
    for name, _, where, _ in pairs:
        if name not in known:
            raise SettingsError(f"Unknown setting {name}{where}. Known settings: {', '.join(known)}.")
    typed = {name: check_setting(name, value, where, written) for name, value, where, written in pairs}
    return Settings(**typed)


DEFAULT_SETTINGS = Settings()
