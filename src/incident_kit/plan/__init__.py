"""Planning (pure): from the issue as it is now to the state incident-kit wants (labels, assignees, status comment and
its bot state, invite, report, messages, the weekly check). No I/O.
"""
