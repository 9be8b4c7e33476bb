"""Server-rendered results pages of `reviewbot serve` (pages.py; templates/web/*.html.j2).

results.py records the findings of each forge review for these pages.
"""
