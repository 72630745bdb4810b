"""The lowest layer: small facts every other layer shares, each in one module. Imports nothing of ours.

``times`` (ISO times in and out, always aware UTC), ``markers`` (the hidden HTML markers),
``limits`` (GitHub's body limit and page size), ``attachment_urls`` (GitHub's upload URL
forms and hosts), ``roles`` (the role order and names) and ``patterns`` (regular expressions
compiled on first use).
"""
