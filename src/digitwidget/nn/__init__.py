"""The NumPy inference engine."""
