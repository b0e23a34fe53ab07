//! The review report and feedback letters (in progress).
