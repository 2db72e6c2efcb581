"""Every public function and class names the notebook that teaches it (see CONTRIBUTING.md)."""

import importlib
import inspect
import pkgutil
import re

import pytest

import musiclib

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(musiclib.__path__, "musiclib.")
    if not m.name.rsplit(".", 1)[-1].startswith("_")
)
NOTEBOOK = re.compile(r"Taught in: notebooks/\d\d_[a-z_]+\.ipynb")


def _public_objects():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == name:
                yield f"{name}.{attr}", obj


@pytest.mark.parametrize("name,obj", list(_public_objects()), ids=lambda x: x if isinstance(x, str) else "")
def test_public_api_names_its_notebook(name, obj):
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        pytest.skip("exception classes are documented by the module")
    assert NOTEBOOK.search(inspect.getdoc(obj) or ""), f"{name} has no 'Taught in: notebooks/NN_....ipynb' line"


def test_every_module_docstring_names_a_notebook():
    for name in MODULES:
        doc = importlib.import_module(name).__doc__ or ""
        assert "notebooks/" in doc, name
