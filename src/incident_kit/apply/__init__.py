"""The shell that performs a plan: reads the issue through the port, asks the plan, and carries out its actions within
one budget (GitHub writes, Slack posts, e-mails), plus the weekly scan's shell.
"""
