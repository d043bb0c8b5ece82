"""The audit-trail page: who changed what and when, filtered, with the chain's verification."""
