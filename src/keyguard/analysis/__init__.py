"""The analysis core: values, names, constants, the dataflow engine, control-flow paths and the argv model."""
