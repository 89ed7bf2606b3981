//! Offline security heuristics on model-visible text (placeholder until they land).
