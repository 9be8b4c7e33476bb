"""Reporters: turn a Review into output.  They never import checks."""
