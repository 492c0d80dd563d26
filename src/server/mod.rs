//! Placeholder until the server work lands.
