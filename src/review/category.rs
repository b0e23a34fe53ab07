//! The categories a review cell is counted and coloured by, with their words
//! and colours: the one place the workbook, the report and the chart take
//! them from.

use crate::doc::Rgb;
use crate::record::Status;
use crate::tracking::{State, Tick};

/// The category of a review cell. A late report counts as 迟报 whatever its
/// status; a report without one readable status counts by why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// 超前, on time.
    Ahead,
    /// 如期, on time.
    OnSchedule,
    /// 滞后, on time.
    Behind,
    /// On time, no status ticked (未勾选).
    Unticked,
    /// On time, several statuses ticked (勾选有误).
    Misticked,
    /// On time, a mark that reads as no one status (状态无法识别).
    Unreadable,
    /// 迟报: the first submission came after the due day.
    Late,
    /// 未报: due and not received.
    Missing,
    /// Not yet due (blank).
    NotDue,
    /// Received, for the work plan (已报), which has no status.
    Received,
    /// A milestone the forms show met (已达成).
    Met,
    /// A milestone the forms show not met (未达成).
    NotMet,
}

impl Category {
    /// Every category: a month's report's, then the work plan's (已报) and
    /// a milestone's (已达成, 未达成).
    pub const ALL: [Category; 12] = [
        Category::Ahead,
        Category::OnSchedule,
        Category::Behind,
        Category::Unticked,
        Category::Misticked,
        Category::Unreadable,
        Category::Late,
        Category::Missing,
        Category::NotDue,
        Category::Received,
        Category::Met,
        Category::NotMet,
    ];

    /// The categories of a month's report, in legend order: the first
    /// nine of [`Category::ALL`].
    pub const MONTH: [Category; 9] = {
        let mut month = [Category::Ahead; 9];
        let mut i = 0;
        while i < month.len() {
            month[i] = Category::ALL[i];
            i += 1;
        }
        month
    };

    /// The category of a report's state.
    pub fn of(state: State) -> Category {
        match state {
            State::NotDue => Category::NotDue,
            State::Missing => Category::Missing,
            State::Reported { late: true, .. } => Category::Late,
            State::Reported { tick, .. } => Category::of_tick(tick),
        }
    }

    /// The category of what a report ticked (lateness aside).
    pub fn of_tick(tick: Tick) -> Category {
        match tick {
            Tick::One(Status::Ahead) => Category::Ahead,
            Tick::One(Status::OnSchedule) => Category::OnSchedule,
            Tick::One(Status::Behind) => Category::Behind,
            Tick::None => Category::Unticked,
            Tick::Several => Category::Misticked,
            Tick::Unreadable => Category::Unreadable,
        }
    }

    /// The word in legends, counts and cells.
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Ahead => "超前",
            Category::OnSchedule => "如期",
            Category::Behind => "滞后",
            Category::Unticked => "未勾选",
            Category::Misticked => "勾选有误",
            Category::Unreadable => "状态无法识别",
            Category::Late => "迟报",
            Category::Missing => "未报",
            Category::NotDue => "未到期",
            Category::Received => "已报",
            Category::Met => "已达成",
            Category::NotMet => "未达成",
        }
    }

    /// Cell background. `None`: left white (not yet due).
    pub fn fill(self) -> Option<Rgb> {
        Some(match self {
            Category::Ahead | Category::Met => Rgb(0xC6, 0xEF, 0xCE),
            Category::OnSchedule | Category::Received => Rgb(0xDD, 0xEB, 0xF7),
            Category::Behind | Category::NotMet => Rgb(0xFF, 0xEB, 0x9C),
            Category::Unticked => Rgb(0xE4, 0xDF, 0xEC),
            Category::Misticked => Rgb(0xF2, 0xCE, 0xEF),
            Category::Unreadable => Rgb(0xD9, 0xD9, 0xD9),
            Category::Late => Rgb(0xF8, 0xCB, 0xAD),
            Category::Missing => Rgb(0xFF, 0xC7, 0xCE),
            Category::NotDue => return None,
        })
    }

    /// Bar colour in the chart: a deeper shade of [`Category::fill`], so
    /// the bars read apart.
    pub fn bar(self) -> Rgb {
        match self {
            Category::Ahead | Category::Met => Rgb(0x70, 0xAD, 0x47),
            Category::OnSchedule | Category::Received => Rgb(0x5B, 0x9B, 0xD5),
            Category::Behind | Category::NotMet => Rgb(0xFF, 0xC0, 0x00),
            Category::Unticked => Rgb(0x8E, 0x7C, 0xC3),
            Category::Misticked => Rgb(0xC0, 0x50, 0xB0),
            Category::Unreadable => Rgb(0x80, 0x80, 0x80),
            Category::Late => Rgb(0xED, 0x7D, 0x31),
            Category::Missing => Rgb(0xC0, 0x00, 0x00),
            Category::NotDue => Rgb(0xBF, 0xBF, 0xBF),
        }
    }
}
