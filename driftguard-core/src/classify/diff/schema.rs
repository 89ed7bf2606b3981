//! Position-aware schema comparison (interim signature; the engine lands next).

use super::{Ctx, Loc};
use crate::classify::Position;
use crate::shape::Shape;

/// Options for one schema comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchemaFlags {
    /// The schema is an MCP tool's `inputSchema` root: its top-level properties are
    /// the tool's parameters, and a new one is `mcp-tool-parameter-added`.
    pub tool_input_root: bool,
    /// Descriptions and titles inside are read by a model (MCP): changes to them run
    /// through the security heuristics.
    pub model_visible: bool,
}

/// Memo of shared-schema comparisons.
#[derive(Default)]
pub(crate) struct SchemaState {}

impl Ctx<'_> {
    /// Compares two schemas at a location in a position.
    pub(crate) fn compare_schema(
        &mut self,
        old: &Shape,
        new: &Shape,
        position: Position,
        loc: &Loc,
        flags: SchemaFlags,
    ) {
        let _ = (old, new, position, loc, flags);
    }

    /// True when the two schemas (from the old and the new snapshot) would produce
    /// no change in `position`.
    pub(crate) fn schemas_equivalent(
        &mut self,
        old: &Shape,
        new: &Shape,
        position: Position,
    ) -> bool {
        let _ = position;
        old == new
    }

    /// Emits the changes of shared schemas under every location that reached them.
    pub(crate) fn expand_schema_changes(&mut self) {}
}
