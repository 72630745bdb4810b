"""Judging the model (pure): the findings with their stable rule ids, and the incident's phase."""
