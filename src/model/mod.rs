//! Physics parameters and what is derived from them: pure functions with units in their docs.
