"""Storage and notification: the encrypted intake store, transcripts, the outbox and its delivery, staff alerts."""
