//! The ledger's two words per finding: the office's 处理意见 ([`Decision`])
//! and the tool's 状态 ([`State`]), with the contract's table from one to
//! the other decided in [`State::of`].

/// What the office decided on a finding (处理意见), one of the contract's
/// four words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// 接受（无需修改）: the value stands as the region gave it.
    Accept,
    /// 退回修改: the region is asked to correct it.
    SendBack,
    /// 说明已采纳: the region's explanation is accepted.
    AcceptExplanation,
    /// 说明不采纳: the region's explanation is not accepted.
    RejectExplanation,
}

impl Decision {
    /// Every decision, in the dropdown's order.
    pub const ALL: [Decision; 4] =
        [Decision::Accept, Decision::SendBack, Decision::AcceptExplanation, Decision::RejectExplanation];

    /// The word as the ledger's dropdown offers it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Decision::Accept => "接受（无需修改）",
            Decision::SendBack => "退回修改",
            Decision::AcceptExplanation => "说明已采纳",
            Decision::RejectExplanation => "说明不采纳",
        }
    }

    /// Parses a 处理意见 cell: `Ok(None)` when empty (white space around
    /// the word is ignored, nothing else is), `Err(())` for any other text.
    ///
    /// # Examples
    /// ```
    /// use permit_forms::ledger::Decision;
    /// assert_eq!(Decision::parse(" 退回修改 "), Ok(Some(Decision::SendBack)));
    /// assert_eq!(Decision::parse(""), Ok(None));
    /// assert!(Decision::parse("接受").is_err());
    /// ```
    #[allow(clippy::result_unit_err)]
    pub fn parse(s: &str) -> Result<Option<Decision>, ()> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        Decision::ALL.into_iter().find(|d| d.label_zh() == s).map(Some).ok_or(())
    }
}

/// A finding's 状态: the tool's, worked out every run from the returns and
/// the office's [`Decision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum State {
    /// 待处理: raised, no decision yet (also after 说明不采纳).
    #[default]
    Pending,
    /// 退回中: sent back (退回修改), no later return changed the value yet.
    SentBack,
    /// 地区已说明: the region explained it in its marked-up copy; the office
    /// has not decided.
    Explained,
    /// 已接受: the office accepted it (接受（无需修改）).
    Accepted,
    /// 已采纳说明: the office accepted the region's explanation.
    ExplanationAccepted,
    /// 已更正: a later return of the same region, form and period no longer
    /// raises it.
    Corrected,
    /// 已失效: the judged value changed and the new value raises a new
    /// finding (linked), or its file is no longer among the returns.
    Void,
}

/// Why a finding that is not raised any more went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// The form's standing return no longer raises it.
    Corrected,
    /// The value changed and still fails (a new finding replaces it), or
    /// the form is no longer among the returns.
    Void,
}

impl State {
    /// Every state, open ones first.
    pub const ALL: [State; 7] = [
        State::Pending,
        State::SentBack,
        State::Explained,
        State::Accepted,
        State::ExplanationAccepted,
        State::Corrected,
        State::Void,
    ];

    /// The word the ledger shows.
    pub fn label_zh(self) -> &'static str {
        match self {
            State::Pending => "待处理",
            State::SentBack => "退回中",
            State::Explained => "地区已说明",
            State::Accepted => "已接受",
            State::ExplanationAccepted => "已采纳说明",
            State::Corrected => "已更正",
            State::Void => "已失效",
        }
    }

    /// Reads a word [`State::label_zh`] gives.
    pub fn from_label(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.label_zh() == s.trim())
    }

    /// Whether letters, the report's open problems and the board still
    /// count it (the contract's open/closed column).
    pub fn is_open(self) -> bool {
        matches!(self, State::Pending | State::SentBack | State::Explained)
    }

    /// The state of a finding, by the contract's table:
    /// - `gone`: it is no longer raised (and why), which closes it whatever
    ///   the office decided;
    /// - otherwise the office's `decision` (a 退回修改 holds while the same
    ///   value is still returned: a changed value is a new finding);
    /// - `explained`: the region wrote a 情况说明 the office has not yet
    ///   decided on (it answers a 退回修改 too).
    ///
    /// # Examples
    /// ```
    /// use permit_forms::ledger::{Decision, Gone, State};
    /// assert_eq!(State::of(None, Some(Decision::Accept), false), State::Accepted);
    /// assert_eq!(State::of(Some(Gone::Corrected), Some(Decision::SendBack), false), State::Corrected);
    /// assert!(State::of(None, None, false).is_open());
    /// ```
    pub fn of(gone: Option<Gone>, decision: Option<Decision>, explained: bool) -> State {
        match (gone, decision) {
            (Some(Gone::Corrected), _) => State::Corrected,
            (Some(Gone::Void), _) => State::Void,
            (None, Some(Decision::Accept)) => State::Accepted,
            (None, Some(Decision::AcceptExplanation)) => State::ExplanationAccepted,
            (None, Some(Decision::RejectExplanation)) => State::Pending,
            (None, _) if explained => State::Explained,
            (None, Some(Decision::SendBack)) => State::SentBack,
            (None, None) => State::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_words_and_open_column() {
        let words: Vec<_> = State::ALL.iter().map(|s| (s.label_zh(), s.is_open())).collect();
        assert_eq!(
            words,
            [
                ("待处理", true),
                ("退回中", true),
                ("地区已说明", true),
                ("已接受", false),
                ("已采纳说明", false),
                ("已更正", false),
                ("已失效", false)
            ]
        );
        let d: Vec<_> = Decision::ALL.iter().map(|d| d.label_zh()).collect();
        assert_eq!(d, ["接受（无需修改）", "退回修改", "说明已采纳", "说明不采纳"]);
    }

    #[test]
    fn state_follows_the_table() {
        use Decision::*;
        assert_eq!(State::of(None, None, false), State::Pending);
        assert_eq!(State::of(None, Some(SendBack), false), State::SentBack);
        assert_eq!(State::of(None, Some(SendBack), true), State::Explained);
        assert_eq!(State::of(None, Some(RejectExplanation), true), State::Pending);
        assert_eq!(State::of(None, None, true), State::Explained);
        assert_eq!(State::of(None, Some(AcceptExplanation), true), State::ExplanationAccepted);
        assert_eq!(State::of(Some(Gone::Corrected), Some(Accept), false), State::Corrected);
        assert_eq!(State::of(Some(Gone::Void), None, false), State::Void);
        for s in State::ALL {
            assert_eq!(State::from_label(s.label_zh()), Some(s));
        }
    }
}
