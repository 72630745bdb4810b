"""Entry points: the ``incident-kit`` CLI, the GitHub Action's entry (``action``, ``gha``), ``install``, and the demo
with its story. Only this layer reads the environment or the command line.
"""
