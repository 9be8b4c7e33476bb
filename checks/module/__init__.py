"""MOD: module ownership and object lifetime rules (docs/rules.md)."""
