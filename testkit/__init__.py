"""Tools the tests and the benchmarks share: synthetic pen strokes of digits, and a real
notebook page (JupyterLab, Notebook 7 or marimo in Chromium) with a DrawPad to draw on."""
