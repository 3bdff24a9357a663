"""Model files: Keras 3 ``.keras`` (read without Keras) and the engine's own ``.npz``.

Files are data, never code: JSON, zip members and HDF5 datasets are read within fixed
bounds, and anything hostile, truncated or oversized is refused with a ModelFileError.
"""
