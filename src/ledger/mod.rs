//! The findings ledger (审核台账): one row per finding ever raised, kept
//! across the months in `DIR/审核台账.xlsx`, in which the office decides
//! (处理意见) and the tool says where each finding stands (状态).

mod state;

pub use state::{Decision, Gone, State};
