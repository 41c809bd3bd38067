//! Wires the stages together: input -> script -> cast -> sentences -> synthesis -> mix -> output.
pub struct RenderConfig;
pub struct RenderSummary;
pub fn render() {}
