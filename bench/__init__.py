"""Benchmarks, each measuring digitwidget side by side with its peers in one run."""
