"""The one port to GitHub (``port``) and its two backends: the REST API on PyGithub (``rest``, with ``retry``) and the
local directory sandbox (``sandbox``) used by the demo and offline.
"""
