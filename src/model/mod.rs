//! Placeholder until the model work lands.
