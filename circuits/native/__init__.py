"""Native twins of the gadgets: the same functions on plain integers, used by the operator."""
