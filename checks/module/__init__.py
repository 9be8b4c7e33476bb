"""MOD: module ownership and object lifetime rules (../shared/RULES.md)."""
