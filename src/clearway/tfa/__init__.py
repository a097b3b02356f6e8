"""WTO Trade Facilitation Agreement: the 36 measures, each economy's commitments, capacity-building
projects and the matching of one to the other."""
