//! Unit tests of the ingestion pieces.
