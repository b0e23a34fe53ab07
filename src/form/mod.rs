//! Forms: the model read from templates, and its layout into a [`Grid`] that
//! every renderer draws.

pub mod layout;
pub mod model;

pub use layout::{layout, CellKind, FormInstance, Grid, GridCell, GridRow, Identity};
pub use model::{Align, Anchor, Content, Direction, Field, FormModel, PersonPart, PersonRole};
pub mod measure;
