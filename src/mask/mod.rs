//! Masking: which keys are sensitive, masked views of values, and the streaming secret filter.
