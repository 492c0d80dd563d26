//! Placeholder until the demo work lands.
