"""The team's settings (`.github/incident-kit.yml`): the schema, the defaults and strict validation. Reads no file
itself.
"""
