"""Build hook: the wheel carries the notebooks and the demo data inside the package.

The notebooks and the demo data set stay at the top of the repository (``notebooks/``,
``data/demo/``) where the team edits them; when a wheel is built they are copied into the
built package as ``qa_analysis/notebooks`` and ``qa_analysis/demo_data``, which
``qa_analysis.config`` finds with importlib.resources. An editable install keeps using
the top-level folders. Everything else is declared in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {  # folder inside the package -> (folder in the repository, files)
    "notebooks": ("notebooks", "*.ipynb"),
    "demo_data": ("data/demo", "*"),
}


class BuildPyWithShippedFolders(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for target, (source, pattern) in SHIPPED.items():
            files = sorted(p for p in (ROOT / source).glob(pattern) if p.is_file())
            if not files:
                raise SystemExit(f"setup.py: nothing to ship from {source}/")
            destination = Path(self.build_lib, "qa_analysis", target)
            self.mkpath(str(destination))
            for path in files:
                self.copy_file(str(path), str(destination / path.name))


setup(cmdclass={"build_py": BuildPyWithShippedFolders})
