"""Server-rendered results pages of `reviewbot serve` (pages.py; templates/web/*.html.j2)."""
