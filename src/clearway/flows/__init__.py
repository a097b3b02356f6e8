"""Cross-domain orchestration. Importing the package registers the listeners that keep each declaration's
time-release milestones in step with its history, in the same transaction (flows/milestones.py)."""

from clearway.flows import milestones as _milestones  # noqa: F401 - registers its session listeners
