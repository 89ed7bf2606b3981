//! Report renderers (placeholder until they land).
