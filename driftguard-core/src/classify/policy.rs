//! Policy (placeholder until the policy lands).
