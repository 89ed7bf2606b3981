//! Surface comparison (interim; lands next).

use super::Ctx;
use crate::surface::*;

/// Compares two surfaces.
pub(crate) fn compare(ctx: &mut Ctx<'_>, old: &McpSurface, new: &McpSurface) {
    let _ = (ctx, old, new);
}
