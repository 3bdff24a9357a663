"""The package's version, in one small module that imports nothing.

``digitwidget.__version__``, ``digitwidget --version`` and the provenance of a trained
model read it from here, so none of them imports the package's top back. It is a literal,
not ``importlib.metadata.version("digitwidget")``: that costs an import of the metadata
machinery at ``import digitwidget`` and fails on a source tree that is not installed.
It must equal ``version`` in pyproject.toml; a test checks that it does.
"""

__version__ = "0.1.0"
