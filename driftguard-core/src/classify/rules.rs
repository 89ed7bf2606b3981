//! The rule registry (placeholder until the registry lands).
