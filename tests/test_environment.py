"""The conda files stay in step with pyproject.toml (the pip route, used by `make`).

``environment.yml`` is for analysts: exactly the runtime dependencies, no test tools.
``environment-dev.yml`` adds the dev extra, with each package under its conda-forge name
(``playwright`` is ``playwright-python`` on conda-forge), and installs the project in
editable mode; what conda-forge does not carry is installed by pip.
"""

import re
import tomllib

import yaml

from qa_analysis.config import PROJECT_ROOT

# PyPI name -> conda-forge name, where they differ (checked by hand on conda-forge).
CONDA_FORGE_NAMES = {"playwright": "playwright-python"}
# Not on conda-forge: installed by pip inside the conda environment.
PIP_ONLY = {"axe-playwright-python"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.strip()[len(_name(requirement)):].replace(" ", "")


def _project():
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def _listed(file: str) -> tuple[dict, dict, list]:
    """(conda name -> spec, pip name -> spec, pip options such as -e .) of a conda file."""
    env = yaml.safe_load((PROJECT_ROOT / file).read_text())
    conda, pip, options = {}, {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for item in dep["pip"]:
                if item.startswith("-"):
                    options.append(item)
                else:
                    pip[_name(item)] = _spec(item)
        else:
            conda[_name(dep)] = _spec(dep)
    return conda, pip, options


def _conda_name(pypi_name: str) -> str:
    return CONDA_FORGE_NAMES.get(pypi_name, pypi_name)


def test_environment_yml_pins_exactly_the_runtime_dependencies():
    wanted = {_conda_name(_name(r)): _spec(r) for r in _project()["dependencies"]}
    conda, pip, options = _listed("environment.yml")
    assert {k: v for k, v in conda.items() if k not in ("python", "pip")} == wanted
    assert (pip, options) == ({}, [])


def test_environment_yml_holds_no_test_tool():
    dev = {_conda_name(_name(r)) for r in _project()["optional-dependencies"]["dev"]}
    conda, pip, _ = _listed("environment.yml")
    assert dev & (set(conda) | set(pip)) == set()


def test_environment_dev_yml_pins_runtime_and_dev_dependencies_under_conda_forge_names():
    project = _project()
    wanted = {_name(r): _spec(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    conda, pip, _ = _listed("environment-dev.yml")
    got = {}
    for pypi_name in wanted:
        if pypi_name in PIP_ONLY:
            got[pypi_name] = pip.get(pypi_name)
        else:
            got[pypi_name] = conda.get(_conda_name(pypi_name))
    assert got == wanted


def test_environment_dev_yml_uses_no_pypi_name_that_conda_forge_spells_otherwise():
    conda, _, _ = _listed("environment-dev.yml")
    assert set(CONDA_FORGE_NAMES) & set(conda) == set()


def test_environment_dev_yml_installs_the_project_in_editable_mode():
    _, _, options = _listed("environment-dev.yml")
    assert options == ["-e ."]
