"""In-place fixes: ruamel round-trip edits and the fix loop."""
