"""Circuit gadgets; each has a native twin in ``circuits.native`` tested against it."""
