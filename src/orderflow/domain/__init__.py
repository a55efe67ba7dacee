"""The pure domain core: no I/O, no wall clock, no global state that changes."""
