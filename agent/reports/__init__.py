"""The read side for analysts and auditors: belief, history, audit and claim views, the audit
summary, digest, influence, plot, export of notes and replies, and the Datasette server."""
