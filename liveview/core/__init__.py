"""Pure logic: protocol framing, template-to-tree compiler, tree diff, upload rules. No I/O."""
