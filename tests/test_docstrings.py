"""Every public function and class says where it is taught, and says it truly.

"Taught in: notebooks/NN_name.ipynb" means that notebook exists and its code (the
paired lesson source, comments and markdown left out) uses the name. Infrastructure
(errors, file writing, the commands, the set-up check) says "Used by: ..." instead.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import musiclib

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    m.name for m in pkgutil.walk_packages(musiclib.__path__, "musiclib.")
    if not m.name.rsplit(".", 1)[-1].startswith("_")
)
TAUGHT = re.compile(r"Taught in: (notebooks/\d\d_[a-z_]+\.ipynb)")
USED_BY = re.compile(r"Used by: \S")


def _defined_here(obj, name: str) -> bool:
    """Defined in module `name`, or in a private module of package `name` that re-exports it
    (``musiclib.features.check_audio`` lives in ``musiclib.features._validate``)."""
    home = obj.__module__
    return home == name or (home.startswith(name + ".") and home.rsplit(".", 1)[-1].startswith("_"))


def _public_objects():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and _defined_here(obj, name):
                if inspect.isclass(obj) and issubclass(obj, BaseException):
                    continue  # exception classes are documented by musiclib.errors
                yield f"{name}.{attr}", attr, obj


def _lesson_code(notebook: str) -> str:
    """The code of a lesson: its paired source without comment or markdown lines."""
    source = (ROOT / notebook).with_suffix(".py")
    lines = source.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


PUBLIC = list(_public_objects())


def test_public_api_is_found():
    assert len(PUBLIC) > 100


@pytest.mark.parametrize("name,attr,obj", PUBLIC, ids=[p[0] for p in PUBLIC])
def test_public_api_names_where_it_is_taught_or_used(name, attr, obj):
    doc = inspect.getdoc(obj) or ""
    taught = TAUGHT.findall(doc)
    assert taught or USED_BY.search(doc), f"{name} has neither a 'Taught in: notebooks/...' nor a 'Used by: ...' line"
    for notebook in taught:
        assert (ROOT / notebook).exists(), f"{name} says it is taught in {notebook}, which does not exist"
        assert re.search(rf"\b{re.escape(attr)}\b", _lesson_code(notebook)), (
            f"{name} says it is taught in {notebook}, but that lesson's code never uses {attr!r}")


@pytest.mark.parametrize("name", MODULES)
def test_every_module_docstring_names_a_notebook_or_its_users(name):
    doc = importlib.import_module(name).__doc__ or ""
    taught = TAUGHT.findall(doc)
    assert taught or USED_BY.search(doc), name
    for notebook in taught:
        assert (ROOT / notebook).exists(), f"module {name} names {notebook}, which does not exist"
