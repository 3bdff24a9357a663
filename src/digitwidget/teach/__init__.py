"""Teaching the network: the user's labelled drawings, their files, and learning from them
in NumPy (fine-tuning), measured before and after.

>>> from digitwidget.teach import load_examples, save_examples
"""

from digitwidget.teach.examples import MAX_EXAMPLES, Examples, check_examples
from digitwidget.teach.files import load_examples, save_examples
from digitwidget.teach.job import LearningJob
from digitwidget.teach.learning import Cancelled, Progress, Report, Settings, learn

__all__ = [
    "MAX_EXAMPLES",
    "Cancelled",
    "Examples",
    "LearningJob",
    "Progress",
    "Report",
    "Settings",
    "check_examples",
    "learn",
    "load_examples",
    "save_examples",
]
