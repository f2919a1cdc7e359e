"""The ledger spec: types, state, one transition function per transaction type, margin,
batches and their posted data, signing.  The only place the ledger rules live."""
