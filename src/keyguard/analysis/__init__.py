"""The analysis core: values, names, constants, the dataflow engine, control-flow paths and the argv model."""

from keyguard.cstimport import import_libcst

import_libcst()  # before any module of this package imports libcst
