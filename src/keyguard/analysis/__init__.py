"""The analysis core: values, names, constants, the dataflow engine and its events."""
