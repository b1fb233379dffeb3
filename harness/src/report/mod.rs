//! Run reports: results.json, history.jsonl, fault timeline, charts and index.html.
