"""The lowest layer: small facts every other layer shares (markers, limits, time). Imports nothing of ours."""
