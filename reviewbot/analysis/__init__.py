"""The C analysis layer: what the checks know about C and diffs, without the rules.

- `clex`: hunk-level helpers with no parser (comments blanked, statements joined across
  lines, `CallStmt`, expression normalising);
- `cmodel`: the tree-sitter model of a file or of a hunk fragment (functions, calls, exits,
  labels, initializers);
- `flow`: functions as a diff shows them (`FuncView`) and their paths (exits, goto chains,
  the `if` a statement sits in, aliases).

It imports nothing of reviewbot but the diff model (`reviewbot.model`): the kernel-API table,
rules and reference semantics belong to the checks (tests/contract/test_layers.py).
"""
