"""Turning planned content into what people read (pure): the PDF report, the status comment's markdown template and the
fonts. No GitHub, no network, no file named by an issue.
"""
