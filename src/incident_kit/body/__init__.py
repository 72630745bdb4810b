"""Reading the issue body (pure): markdown structure, the template's sections, the checklist and one reader per section
(triage, roles, timeline, postmortem, video, action items), giving the typed model in ``body.model``.
"""
