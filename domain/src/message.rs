//! Messages: the emails a change queues (welcome, power of attorney, …), delivered at
//! least once by a worker.

string_enum! {
    /// Where a queued message is.
    pub enum MessageStatus (code = "message_status_invalid", what = "message status") {
        /// Waiting for (another) delivery attempt.
        Pending = "pending",
        /// Delivered.
        Sent = "sent",
        /// Given up after too many attempts.
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_status_reads_back_from_its_name() {
        for status in MessageStatus::ALL {
            assert_eq!(status.as_str().parse::<MessageStatus>(), Ok(status));
        }
        assert!("sending".parse::<MessageStatus>().is_err());
    }
}
