//! The chart font, embedded so charts render on machines without any system fonts.
use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

/// Family name the charts ask for; it resolves to the embedded DejaVu Sans.
pub(crate) const FAMILY: &str = "sans-serif";

/// DejaVu Sans (Bitstream Vera licence, see assets/DejaVuSans.LICENSE).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font with plotters once per process.
///
/// plotters is built without system-font loading, so until this runs any text drawing fails.
pub(crate) fn ensure_registered() -> std::io::Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::other("embedded chart font could not be parsed"))
    }
}
