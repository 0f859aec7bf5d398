"""The audit trail: every answered verification, stored before the answer is sent."""
